//! The compiled model: trees flattened into arrays, evaluated without
//! allocation, and the `forest.bin` format that carries them with
//! everything the dataplane must check before serving them.
//!
//! `forest.bin` (all integers little-endian):
//!
//! ```text
//! magic "FMFOREST" | format u16 | reserved u16 | body length u32 | body | crc32 u32 (over all before it)
//! body: schema hash u64 | model version u32 | name (u16 len + UTF-8)
//!       features u16 + each (u8 len + name)          -- must equal the schema, in order
//!       classes u8 + each (u8 len + name, u8 DSCP)
//!       checkpoints u8 + each (u32 packets, f32 threshold, u32 first tree, u32 tree count)
//!       after-last u8 (1: decide anyway, 0: unknown)
//!       trees u32 + each (u32 node count + nodes (u16 feature, f32 threshold, u32 yes, u32 no))
//! ```
//!
//! A node with feature `LEAF` is a leaf; its `yes` is the class index. An
//! inner node sends `x[feature] <= threshold` to `yes`, else to `no`; both
//! children come after their parent, so a valid tree has no cycles.
use std::fmt;

use crate::schema;

pub const MAGIC: &[u8; 8] = b"FMFOREST";
pub const FORMAT_VERSION: u16 = 1;
/// Largest model file accepted.
pub const MAX_FILE: usize = 64 << 20;
pub const MAX_CLASSES: usize = 16;
pub const MAX_TREES: usize = 4096;
pub const MAX_NODES: usize = 1 << 20;
pub const MAX_CHECKPOINTS: usize = 8;
pub const LEAF: u16 = u16::MAX;

/// One tree node (16 bytes).
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C)]
pub struct Node {
    pub feature: u16,
    pub threshold: f32,
    pub yes: u32,
    pub no: u32,
}

/// A class the model outputs, and its default DSCP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub name: String,
    pub dscp: u8,
}

/// A checkpoint: at `packets` packets, the trees `first..first+count` vote,
/// and a share of votes at least `threshold` decides.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Checkpoint {
    pub packets: u32,
    pub threshold: f32,
    pub first_tree: u32,
    pub trees: u32,
}

/// A whole model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub version: u32,
    pub name: String,
    pub classes: Vec<Class>,
    pub checkpoints: Vec<Checkpoint>,
    /// After the last checkpoint: decide anyway (true) or say unknown.
    pub decide_after_last: bool,
    /// Node ranges of each tree in `nodes`.
    pub trees: Vec<(u32, u32)>,
    pub nodes: Vec<Node>,
}

/// Why a model file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    TooLarge(usize),
    Truncated {
        needed: usize,
        have: usize,
    },
    BadMagic,
    WrongFormat(u16),
    BadChecksum {
        stored: u32,
        computed: u32,
    },
    /// Built for another feature schema: names the first difference.
    WrongSchema(String),
    Invalid(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::TooLarge(n) => write!(f, "model file is {n} bytes, larger than the {MAX_FILE}-byte limit"),
            LoadError::Truncated { needed, have } => {
                write!(f, "model file is truncated: needs at least {needed} bytes, has {have}")
            }
            LoadError::BadMagic => write!(f, "not a flowmark model (no FMFOREST magic)"),
            LoadError::WrongFormat(v) => {
                write!(f, "model format version {v} is not supported (this build reads version {FORMAT_VERSION})")
            }
            LoadError::BadChecksum { stored, computed } => {
                write!(f, "model file is corrupt: checksum {stored:08x} stored, {computed:08x} computed")
            }
            LoadError::WrongSchema(why) => write!(
                f,
                "model was built for another feature schema ({why}); this dataplane computes {} ({:016x})",
                schema::VERSION,
                schema::HASH
            ),
            LoadError::Invalid(why) => write!(f, "model is invalid: {why}"),
        }
    }
}

impl std::error::Error for LoadError {}

struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], LoadError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or(LoadError::Truncated { needed: self.at.saturating_add(n), have: self.b.len() })?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, LoadError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, LoadError> {
        let s = self.take(2)?;
        Ok(u16::from_le_bytes([s[0], s[1]]))
    }
    fn u32(&mut self) -> Result<u32, LoadError> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn u64(&mut self) -> Result<u64, LoadError> {
        let s = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(u64::from_le_bytes(a))
    }
    fn f32(&mut self) -> Result<f32, LoadError> {
        Ok(f32::from_bits(self.u32()?))
    }
    fn str(&mut self, len: usize) -> Result<String, LoadError> {
        let s = self.take(len)?;
        std::str::from_utf8(s).map(str::to_owned).map_err(|_| LoadError::Invalid("a name is not UTF-8".into()))
    }
}

impl Model {
    /// Serialise to `forest.bin` bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&schema::HASH.to_le_bytes());
        b.extend_from_slice(&self.version.to_le_bytes());
        b.extend_from_slice(&(self.name.len() as u16).to_le_bytes());
        b.extend_from_slice(self.name.as_bytes());
        b.extend_from_slice(&(schema::N as u16).to_le_bytes());
        for n in schema::NAMES {
            b.push(n.len() as u8);
            b.extend_from_slice(n.as_bytes());
        }
        b.push(self.classes.len() as u8);
        for c in &self.classes {
            b.push(c.name.len() as u8);
            b.extend_from_slice(c.name.as_bytes());
            b.push(c.dscp);
        }
        b.push(self.checkpoints.len() as u8);
        for c in &self.checkpoints {
            b.extend_from_slice(&c.packets.to_le_bytes());
            b.extend_from_slice(&c.threshold.to_le_bytes());
            b.extend_from_slice(&c.first_tree.to_le_bytes());
            b.extend_from_slice(&c.trees.to_le_bytes());
        }
        b.push(self.decide_after_last as u8);
        b.extend_from_slice(&(self.trees.len() as u32).to_le_bytes());
        for &(start, len) in &self.trees {
            b.extend_from_slice(&len.to_le_bytes());
            for n in &self.nodes[start as usize..(start + len) as usize] {
                b.extend_from_slice(&n.feature.to_le_bytes());
                b.extend_from_slice(&n.threshold.to_le_bytes());
                b.extend_from_slice(&n.yes.to_le_bytes());
                b.extend_from_slice(&n.no.to_le_bytes());
            }
        }
        let mut out = Vec::with_capacity(b.len() + 20);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&(b.len() as u32).to_le_bytes());
        out.extend_from_slice(&b);
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Parse and validate `forest.bin` bytes. Every count and index is
    /// checked before use; the schema must be this build's, name by name.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, LoadError> {
        if bytes.len() > MAX_FILE {
            return Err(LoadError::TooLarge(bytes.len()));
        }
        if bytes.len() < 8 || &bytes[..8] != MAGIC {
            if bytes.len() < 8 && MAGIC.starts_with(bytes) && !bytes.is_empty() {
                return Err(LoadError::Truncated { needed: 20, have: bytes.len() });
            }
            return Err(LoadError::BadMagic);
        }
        let mut h = Cursor { b: bytes, at: 8 };
        let format = h.u16()?;
        if format != FORMAT_VERSION {
            return Err(LoadError::WrongFormat(format));
        }
        let _reserved = h.u16()?;
        let body_len = h.u32()? as usize;
        let total = 20usize.saturating_add(body_len);
        if bytes.len() < total {
            return Err(LoadError::Truncated { needed: total, have: bytes.len() });
        }
        if bytes.len() > total {
            return Err(LoadError::Invalid(format!("{} bytes after the checksum", bytes.len() - total)));
        }
        let stored = u32::from_le_bytes([bytes[total - 4], bytes[total - 3], bytes[total - 2], bytes[total - 1]]);
        let computed = crc32fast::hash(&bytes[..total - 4]);
        if stored != computed {
            return Err(LoadError::BadChecksum { stored, computed });
        }
        let mut c = Cursor { b: &bytes[..total - 4], at: 16 };
        let hash = c.u64()?;
        let version = c.u32()?;
        let name_len = c.u16()? as usize;
        let name = c.str(name_len)?;
        let nf = c.u16()? as usize;
        for i in 0..nf {
            let len = c.u8()? as usize;
            let n = c.str(len)?;
            match schema::NAMES.get(i) {
                Some(want) if *want == n => {}
                Some(want) => return Err(LoadError::WrongSchema(format!("feature {i} is {n:?}, expected {want:?}"))),
                None => return Err(LoadError::WrongSchema(format!("extra feature {i} {n:?}"))),
            }
        }
        if nf != schema::N {
            return Err(LoadError::WrongSchema(format!("{nf} features, expected {}", schema::N)));
        }
        if hash != schema::HASH {
            return Err(LoadError::WrongSchema(format!("schema hash {hash:016x}")));
        }
        let ncls = c.u8()? as usize;
        if ncls == 0 || ncls > MAX_CLASSES {
            return Err(LoadError::Invalid(format!("{ncls} classes (1 to {MAX_CLASSES})")));
        }
        let mut classes = Vec::with_capacity(ncls);
        for _ in 0..ncls {
            let len = c.u8()? as usize;
            let name = c.str(len)?;
            let dscp = c.u8()?;
            if dscp > 63 {
                return Err(LoadError::Invalid(format!("class {name:?} has DSCP {dscp} (0 to 63)")));
            }
            classes.push(Class { name, dscp });
        }
        let nck = c.u8()? as usize;
        if nck == 0 || nck > MAX_CHECKPOINTS {
            return Err(LoadError::Invalid(format!("{nck} checkpoints (1 to {MAX_CHECKPOINTS})")));
        }
        let mut checkpoints = Vec::with_capacity(nck);
        for _ in 0..nck {
            checkpoints.push(Checkpoint {
                packets: c.u32()?,
                threshold: c.f32()?,
                first_tree: c.u32()?,
                trees: c.u32()?,
            });
        }
        let decide_after_last = match c.u8()? {
            0 => false,
            1 => true,
            v => return Err(LoadError::Invalid(format!("after-last flag {v}"))),
        };
        let ntrees = c.u32()? as usize;
        if ntrees == 0 || ntrees > MAX_TREES {
            return Err(LoadError::Invalid(format!("{ntrees} trees (1 to {MAX_TREES})")));
        }
        let mut trees = Vec::with_capacity(ntrees);
        let mut nodes: Vec<Node> = Vec::new();
        for t in 0..ntrees {
            let nn = c.u32()? as usize;
            if nn == 0 || nn > MAX_NODES || nodes.len() + nn > MAX_NODES * 4 {
                return Err(LoadError::Invalid(format!("tree {t} has {nn} nodes")));
            }
            // Each node is 14 bytes on disk: refuse counts the file cannot hold
            // before reserving memory for them.
            if c.b.len().saturating_sub(c.at) < nn * 14 {
                return Err(LoadError::Truncated { needed: c.at + nn * 14, have: c.b.len() + 4 });
            }
            let start = nodes.len() as u32;
            for i in 0..nn {
                let n = Node { feature: c.u16()?, threshold: c.f32()?, yes: c.u32()?, no: c.u32()? };
                if n.feature == LEAF {
                    if n.yes as usize >= ncls {
                        return Err(LoadError::Invalid(format!("tree {t} node {i}: leaf class {} of {ncls}", n.yes)));
                    }
                } else {
                    if n.feature as usize >= schema::N {
                        return Err(LoadError::Invalid(format!("tree {t} node {i}: feature {}", n.feature)));
                    }
                    let ok = |x: u32| (x as usize) > i && (x as usize) < nn;
                    if !ok(n.yes) || !ok(n.no) {
                        return Err(LoadError::Invalid(format!(
                            "tree {t} node {i}: children {} {} out of order",
                            n.yes, n.no
                        )));
                    }
                    if n.threshold.is_nan() {
                        return Err(LoadError::Invalid(format!("tree {t} node {i}: NaN threshold")));
                    }
                }
                nodes.push(n);
            }
            trees.push((start, nn as u32));
        }
        if c.at != c.b.len() {
            return Err(LoadError::Invalid(format!("{} unread bytes in the body", c.b.len() - c.at)));
        }
        let mut last = 0u32;
        for (i, ck) in checkpoints.iter().enumerate() {
            if ck.packets <= last && i > 0 || ck.packets == 0 {
                return Err(LoadError::Invalid("checkpoints must be increasing packet counts".into()));
            }
            last = ck.packets;
            let end = ck.first_tree as u64 + ck.trees as u64;
            if ck.trees == 0 || end > ntrees as u64 {
                return Err(LoadError::Invalid(format!("checkpoint {} names trees beyond the {ntrees}", ck.packets)));
            }
            if !(0.0..=1.0).contains(&ck.threshold) {
                return Err(LoadError::Invalid(format!("checkpoint {} threshold {}", ck.packets, ck.threshold)));
            }
        }
        Ok(Model { version, name, classes, checkpoints, decide_after_last, trees, nodes })
    }

    /// Votes of checkpoint `ck`'s trees for `x`: (winning class, its votes,
    /// trees). Ties go to the lowest class index, as smartcore's argmax does.
    #[inline]
    pub fn predict(&self, ck: usize, x: &[f32; schema::N]) -> (usize, u32, u32) {
        let Some(c) = self.checkpoints.get(ck) else { return (0, 0, 0) };
        let mut votes = [0u32; MAX_CLASSES];
        let first = c.first_tree as usize;
        for &(start, len) in &self.trees[first..first + c.trees as usize] {
            let tree = &self.nodes[start as usize..(start + len) as usize];
            let mut i = 0usize;
            // Children come after parents, so this ends within `len` steps.
            loop {
                let n = tree[i];
                if n.feature == LEAF {
                    votes[n.yes as usize] += 1;
                    break;
                }
                i = if x[n.feature as usize] <= n.threshold { n.yes } else { n.no } as usize;
            }
        }
        let mut best = 0;
        for k in 1..self.classes.len() {
            if votes[k] > votes[best] {
                best = k;
            }
        }
        (best, votes[best], c.trees)
    }

    /// As [`Model::predict`], but stops walking trees as soon as no class
    /// can reach `threshold` of the votes (`votes / trees >= threshold`, in
    /// f32 as the dataplane compares): `None` then, since the checkpoint
    /// cannot decide; otherwise exactly what `predict` returns. Most flows
    /// are not decided at the early checkpoints, so most of their trees are
    /// never walked.
    #[inline]
    pub fn predict_reaching(&self, ck: usize, x: &[f32; schema::N], threshold: f32) -> Option<(usize, u32, u32)> {
        let c = self.checkpoints.get(ck)?;
        let total = c.trees;
        // The fewest votes that reach the threshold, by the same comparison.
        let reaches = |v: u32| v as f32 / total.max(1) as f32 >= threshold;
        let mut need = ((threshold.max(0.0) * total as f32).floor() as u32).min(total);
        while need > 0 && reaches(need - 1) {
            need -= 1;
        }
        while need <= total && !reaches(need) {
            need += 1;
        }
        let mut votes = [0u32; MAX_CLASSES];
        let mut lead = 0u32;
        let first = c.first_tree as usize;
        for (done, &(start, len)) in self.trees[first..first + total as usize].iter().enumerate() {
            let tree = &self.nodes[start as usize..(start + len) as usize];
            let mut i = 0usize;
            loop {
                let n = tree[i];
                if n.feature == LEAF {
                    let v = &mut votes[n.yes as usize];
                    *v += 1;
                    lead = lead.max(*v);
                    break;
                }
                i = if x[n.feature as usize] <= n.threshold { n.yes } else { n.no } as usize;
            }
            let left = total - done as u32 - 1;
            if lead + left < need {
                return None;
            }
        }
        let mut best = 0;
        for k in 1..self.classes.len() {
            if votes[k] > votes[best] {
                best = k;
            }
        }
        Some((best, votes[best], total))
    }

    /// The index of the checkpoint taken at `packets`, if any.
    #[inline]
    pub fn checkpoint_at(&self, packets: u64) -> Option<usize> {
        self.checkpoints.iter().position(|c| c.packets as u64 == packets)
    }

    pub fn class_index(&self, name: &str) -> Option<usize> {
        self.classes.iter().position(|c| c.name == name)
    }
}

/// The largest f32 not above `t`: for any f32 `x`, `x <= t` exactly when
/// `x <= round_down(t)`, so f32 features compare like smartcore's f64 ones.
pub fn round_down(t: f64) -> f32 {
    let f = t as f32;
    if (f as f64) > t {
        f32::from_bits(if f > 0.0 {
            f.to_bits() - 1
        } else if f == 0.0 {
            0x8000_0001
        } else {
            f.to_bits() + 1
        })
    } else {
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn tiny() -> Model {
        Model {
            version: 7,
            name: "tiny".into(),
            classes: vec![Class { name: "web".into(), dscp: 18 }, Class { name: "video".into(), dscp: 26 }],
            checkpoints: vec![Checkpoint { packets: 3, threshold: 0.5, first_tree: 0, trees: 2 }],
            decide_after_last: true,
            trees: vec![(0, 3), (3, 1)],
            nodes: vec![
                Node { feature: 1, threshold: 10.0, yes: 1, no: 2 },
                Node { feature: LEAF, threshold: 0.0, yes: 0, no: 0 },
                Node { feature: LEAF, threshold: 0.0, yes: 1, no: 0 },
                Node { feature: LEAF, threshold: 0.0, yes: 1, no: 0 },
            ],
        }
    }

    #[test]
    fn early_exit_agrees_with_the_full_vote() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("forest.bin");
        let m = Model::from_bytes(&std::fs::read(path).expect("the shipped model")).expect("valid");
        let mut exits = 0;
        for i in 0..400u32 {
            let mut x = [0f32; schema::N];
            for (j, v) in x.iter_mut().enumerate() {
                *v = ((i.wrapping_mul(2654435761) ^ (j as u32 * 40503)) % 1500) as f32 / (1 + i % 7) as f32;
            }
            for ck in 0..m.checkpoints.len() {
                let full = m.predict(ck, &x);
                for thr in [0.0f32, 0.3, 0.5, 0.9, 0.95, 1.0, m.checkpoints[ck].threshold] {
                    let conf = full.1 as f32 / full.2.max(1) as f32;
                    match m.predict_reaching(ck, &x, thr) {
                        None => {
                            assert!(conf < thr, "exited although {conf} >= {thr}");
                            exits += 1;
                        }
                        Some(r) => assert_eq!(r, full, "threshold {thr}"),
                    }
                }
            }
        }
        assert!(exits > 0, "some votes end early");
    }

    #[test]
    fn roundtrip_and_predict() {
        let m = tiny();
        let b = m.to_bytes();
        let back = Model::from_bytes(&b).unwrap();
        assert_eq!(back, m);
        let mut x = [0f32; schema::N];
        x[1] = 5.0;
        assert_eq!(m.predict(0, &x), (0, 1, 2), "a tie goes to the lower class");
        x[1] = 50.0;
        assert_eq!(m.predict(0, &x), (1, 2, 2));
    }

    #[test]
    fn every_damage_is_refused_with_its_reason() {
        let b = tiny().to_bytes();
        for cut in 0..b.len() {
            assert!(Model::from_bytes(&b[..cut]).is_err(), "truncated at {cut}");
        }
        let mut c = b.clone();
        c[30] ^= 1;
        assert!(matches!(Model::from_bytes(&c), Err(LoadError::BadChecksum { .. })));
        let mut c = b.clone();
        c[8] = 9;
        assert!(matches!(Model::from_bytes(&c), Err(LoadError::WrongFormat(9))));
        assert!(matches!(Model::from_bytes(b"GIF89a......................"), Err(LoadError::BadMagic)));
        let mut big = b.clone();
        big.resize(MAX_FILE + 1, 0);
        assert!(matches!(Model::from_bytes(&big), Err(LoadError::TooLarge(_))));
    }

    #[test]
    fn another_schema_is_refused_by_name() {
        let mut b = tiny().to_bytes();
        // Rename the first feature in place (same length) and fix the checksum.
        let at = 16 + 8 + 4 + 2 + 4 + 2 + 1;
        b[at] = b'X';
        let n = b.len();
        let crc = crc32fast::hash(&b[..n - 4]);
        b[n - 4..].copy_from_slice(&crc.to_le_bytes());
        let e = Model::from_bytes(&b).unwrap_err();
        assert!(matches!(e, LoadError::WrongSchema(_)), "{e}");
        assert!(e.to_string().contains("Xidirectional_duration_ms"), "{e}");
    }

    #[test]
    fn round_down_compares_like_f64() {
        for t in [0.1f64, 1.0 / 3.0, 1e-30, -0.7, 0.0, 1500.5, 123456.789] {
            let r = round_down(t);
            assert!((r as f64) <= t);
            let next = f32::from_bits(r.to_bits().wrapping_add(if r >= 0.0 { 1 } else { u32::MAX }));
            if r >= 0.0 {
                assert!((next as f64) > t, "{t}");
            }
        }
    }
}
