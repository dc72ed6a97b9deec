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
//!       checkpoints u8 + each (u32 packets, u32 first tree, u32 tree count,
//!                                  f32 threshold per class: a share of votes in [0, 1], or +inf: never)
//!       after-last u8 (1: decide anyway, 0: unknown)
//!       name verdicts u8 (1: a flow whose service name the name table classes
//!                         as one of the model's classes takes that class, 0: off)
//!       trees u32 + each (u32 node count + nodes (u16 feature, f32 threshold, u16 no))
//! ```
//!
//! A tree's nodes are in preorder. A node with feature `LEAF` is a leaf; its
//! `no` is the class index. An inner node at index `i` sends
//! `x[feature] <= threshold` to the next node, `i + 1`, else to node `no` of
//! its tree, which must come after `i + 1`: children come after their
//! parent, so a valid tree has no cycles. Eight bytes a node, in memory as on
//! disk, so a tree's hot path spans half the cache lines of version 1's.
use std::fmt;

use crate::schema;

pub const MAGIC: &[u8; 8] = b"FMFOREST";
/// Version 2: a confidence threshold per class at each checkpoint, and
/// 8-byte preorder nodes (version 1 had one threshold per checkpoint and
/// 14-byte nodes with both children's indices).
pub const FORMAT_VERSION: u16 = 2;
/// Largest model file accepted.
pub const MAX_FILE: usize = 64 << 20;
pub const MAX_CLASSES: usize = 16;
pub const MAX_TREES: usize = 4096;
pub const MAX_NODES: usize = 1 << 20;
/// Most nodes in one tree (child indices are 16-bit).
pub const MAX_TREE_NODES: usize = u16::MAX as usize;
pub const MAX_CHECKPOINTS: usize = 8;
pub const LEAF: u16 = u16::MAX;
/// Trees walked side by side in one vote ([`Model::predict`]): on the held-out
/// rows, with the depth-14 forest shipped before, 4 lanes took 0.6x the time
/// of one tree at a time, 2 and 8 no better, 16 twice as long (`cargo bench
/// -p models --bench inference`).
const LANES: usize = 4;
/// The threshold of a class a checkpoint never decides.
pub const NEVER: f32 = f32::INFINITY;

/// One tree node (8 bytes). An inner node's `yes` child is the next node
/// (trees are in preorder) and its `no` child is node `no` of the tree; a
/// leaf (`feature == LEAF`) holds its class in `no`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C)]
pub struct Node {
    pub threshold: f32,
    pub feature: u16,
    pub no: u16,
}

impl Node {
    pub fn leaf(class: u16) -> Node {
        Node { threshold: 0.0, feature: LEAF, no: class }
    }
}

/// A class the model outputs, and its default DSCP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub name: String,
    pub dscp: u8,
}

/// A checkpoint: at `packets` packets, the trees `first..first+count` vote,
/// and the winning class decides when its share of the votes reaches its
/// threshold (`thresholds[class]`; [`NEVER`] for a class this checkpoint
/// cannot tell reliably enough, and for the unused slots).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Checkpoint {
    pub packets: u32,
    pub thresholds: [f32; MAX_CLASSES],
    pub first_tree: u32,
    pub trees: u32,
}

impl Checkpoint {
    /// A checkpoint whose every class has threshold `t`.
    pub fn uniform(packets: u32, t: f32, first_tree: u32, trees: u32) -> Checkpoint {
        Checkpoint { packets, thresholds: [t; MAX_CLASSES], first_tree, trees }
    }

    /// Do `votes` of this checkpoint's trees for `class` decide it?
    #[inline]
    pub fn decides(&self, class: usize, votes: u32) -> bool {
        votes as f32 / self.trees.max(1) as f32 >= self.thresholds.get(class).copied().unwrap_or(NEVER)
    }

    /// The fewest votes that decide `class` (more than `trees` if none do).
    fn votes_needed(&self, class: usize) -> u32 {
        let t = self.thresholds.get(class).copied().unwrap_or(NEVER);
        if t.is_nan() || t > 1.0 {
            return self.trees + 1;
        }
        let mut need = ((t.max(0.0) * self.trees as f32).floor() as u32).min(self.trees);
        while need > 0 && self.decides(class, need - 1) {
            need -= 1;
        }
        while need <= self.trees && !self.decides(class, need) {
            need += 1;
        }
        need
    }
}

/// Each class's one-hot name feature: the name table's class for the flow.
pub const NAME_CLASS_FEATURES: [(&str, schema::F); 6] = [
    ("web", schema::F::name_class_web),
    ("video", schema::F::name_class_video),
    ("file_transfer", schema::F::name_class_file_transfer),
    ("interactive", schema::F::name_class_interactive),
    ("realtime", schema::F::name_class_realtime),
    ("other", schema::F::name_class_other),
];

/// A checkpoint's verdict on a flow ([`Model::classify`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub class: usize,
    /// Trees that voted for `class` (all of them for a name verdict).
    pub votes: u32,
    pub trees: u32,
    /// Decided here (else: not confident enough, or unknown after the last).
    pub decided: bool,
    /// Decided by the name table, not by the trees.
    pub by_name: bool,
}

impl Outcome {
    pub fn confidence(&self) -> f32 {
        self.votes as f32 / self.trees.max(1) as f32
    }
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
    /// A flow whose service name the name table classes as one of the
    /// model's classes (the one-hot `name_class_*` features) is decided as
    /// that class at the first checkpoint it reaches with the name, before
    /// the trees vote ([`Model::classify`]).
    pub name_verdicts: bool,
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
            b.extend_from_slice(&c.first_tree.to_le_bytes());
            b.extend_from_slice(&c.trees.to_le_bytes());
            for t in &c.thresholds[..self.classes.len()] {
                b.extend_from_slice(&t.to_le_bytes());
            }
        }
        b.push(self.decide_after_last as u8);
        b.push(self.name_verdicts as u8);
        b.extend_from_slice(&(self.trees.len() as u32).to_le_bytes());
        for &(start, len) in &self.trees {
            b.extend_from_slice(&len.to_le_bytes());
            for n in &self.nodes[start as usize..(start + len) as usize] {
                b.extend_from_slice(&n.feature.to_le_bytes());
                b.extend_from_slice(&n.threshold.to_le_bytes());
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
            let mut ck = Checkpoint::uniform(c.u32()?, NEVER, c.u32()?, c.u32()?);
            for (i, t) in ck.thresholds.iter_mut().take(ncls).enumerate() {
                *t = c.f32()?;
                if !((0.0..=1.0).contains(t) || *t == NEVER) {
                    return Err(LoadError::Invalid(format!(
                        "checkpoint {}: class {:?} has threshold {t} (0 to 1, or +inf for never)",
                        ck.packets, classes[i].name
                    )));
                }
            }
            checkpoints.push(ck);
        }
        let decide_after_last = match c.u8()? {
            0 => false,
            1 => true,
            v => return Err(LoadError::Invalid(format!("after-last flag {v}"))),
        };
        let name_verdicts = match c.u8()? {
            0 => false,
            1 => true,
            v => return Err(LoadError::Invalid(format!("name-verdicts flag {v}"))),
        };
        let ntrees = c.u32()? as usize;
        if ntrees == 0 || ntrees > MAX_TREES {
            return Err(LoadError::Invalid(format!("{ntrees} trees (1 to {MAX_TREES})")));
        }
        let mut trees = Vec::with_capacity(ntrees);
        let mut nodes: Vec<Node> = Vec::new();
        for t in 0..ntrees {
            let nn = c.u32()? as usize;
            if nn == 0 || nn > MAX_TREE_NODES || nodes.len() + nn > MAX_NODES * 4 {
                return Err(LoadError::Invalid(format!("tree {t} has {nn} nodes (1 to {MAX_TREE_NODES})")));
            }
            // Each node is 8 bytes on disk: refuse counts the file cannot hold
            // before reserving memory for them.
            if c.b.len().saturating_sub(c.at) < nn * 8 {
                return Err(LoadError::Truncated { needed: c.at + nn * 8, have: c.b.len() + 4 });
            }
            let start = nodes.len() as u32;
            for i in 0..nn {
                let n = Node { feature: c.u16()?, threshold: c.f32()?, no: c.u16()? };
                if n.feature == LEAF {
                    if n.no as usize >= ncls {
                        return Err(LoadError::Invalid(format!("tree {t} node {i}: leaf class {} of {ncls}", n.no)));
                    }
                } else {
                    if n.feature as usize >= schema::N {
                        return Err(LoadError::Invalid(format!("tree {t} node {i}: feature {}", n.feature)));
                    }
                    // Both children after the parent: the yes child (i + 1)
                    // and the no child beyond it, inside the tree.
                    if i + 1 >= nn || (n.no as usize) <= i + 1 || (n.no as usize) >= nn {
                        return Err(LoadError::Invalid(format!(
                            "tree {t} node {i}: children {} {} out of order",
                            i + 1,
                            n.no
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
        }
        Ok(Model { version, name, classes, checkpoints, decide_after_last, name_verdicts, trees, nodes })
    }

    /// Votes of checkpoint `ck`'s trees for `x`: (winning class, its votes,
    /// trees). Ties go to the lowest class index, as smartcore's argmax does.
    #[inline]
    pub fn predict(&self, ck: usize, x: &[f32; schema::N]) -> (usize, u32, u32) {
        let Some(c) = self.checkpoints.get(ck) else { return (0, 0, 0) };
        let mut votes = [0u32; MAX_CLASSES];
        let first = c.first_tree as usize;
        self.walk(&self.trees[first..first + c.trees as usize], x, |ks, _| {
            for &k in ks {
                votes[k] += 1;
            }
            true
        });
        let best = winner(&votes, self.classes.len());
        (best, votes[best], c.trees)
    }

    /// Walk `trees` for `x`, [`LANES`] side by side and the rest one by one,
    /// handing each batch of leaf classes to `f` with the count of trees
    /// still to walk; stop when `f` returns false. Returns whether every
    /// tree was walked.
    #[inline]
    fn walk(&self, trees: &[(u32, u32)], x: &[f32; schema::N], mut f: impl FnMut(&[usize], usize) -> bool) -> bool {
        let (groups, rest) = trees.as_chunks::<LANES>();
        let mut left = trees.len();
        for g in groups {
            left -= LANES;
            if !f(&self.leaves(g, x), left) {
                return false;
            }
        }
        for &(start, len) in rest {
            left -= 1;
            if !f(&[self.leaf(start, len, x)], left) {
                return false;
            }
        }
        true
    }

    /// The classes at the leaves `x` reaches in `LANES` trees, walked side by
    /// side: a node walk is a chain of dependent loads, so one tree at a time
    /// leaves the core waiting on each; independent chains overlap.
    /// A lane at its leaf stays there (no branch per lane) until every lane
    /// is at one. Children come after parents, so each lane reaches a leaf
    /// within its tree's length.
    #[inline]
    fn leaves(&self, trees: &[(u32, u32); LANES], x: &[f32; schema::N]) -> [usize; LANES] {
        let mut at = [0usize; LANES];
        let mut start = [0usize; LANES];
        for l in 0..LANES {
            start[l] = trees[l].0 as usize;
            at[l] = start[l];
        }
        loop {
            let mut walking = false;
            for l in 0..LANES {
                let n = self.nodes[at[l]];
                let leaf = n.feature == LEAF;
                walking |= !leaf;
                let v = x[(n.feature as usize).min(schema::N - 1)];
                let next = if v <= n.threshold { at[l] + 1 } else { start[l] + n.no as usize };
                at[l] = if leaf { at[l] } else { next };
            }
            if !walking {
                break;
            }
        }
        at.map(|i| self.nodes[i].no as usize)
    }

    /// The class at the leaf `x` reaches in the tree of `len` nodes from
    /// `start`. Children come after parents, so this ends within `len` steps.
    #[inline]
    fn leaf(&self, start: u32, len: u32, x: &[f32; schema::N]) -> usize {
        let tree = &self.nodes[start as usize..(start + len) as usize];
        let mut i = 0usize;
        loop {
            let n = tree[i];
            if n.feature == LEAF {
                return n.no as usize;
            }
            i = if x[n.feature as usize] <= n.threshold { i + 1 } else { n.no as usize };
        }
    }

    /// As [`Model::predict`], but stops walking trees as soon as no class
    /// can reach its threshold at this checkpoint ([`Checkpoint::decides`]):
    /// `None` then, since the checkpoint cannot decide; otherwise exactly
    /// what `predict` returns. Most flows are not decided at the early
    /// checkpoints, so most of their trees are never walked.
    #[inline]
    pub fn predict_reaching(&self, ck: usize, x: &[f32; schema::N]) -> Option<(usize, u32, u32)> {
        let c = self.checkpoints.get(ck)?;
        let total = c.trees;
        let ncls = self.classes.len();
        // A class is still in reach while its votes plus the trees left
        // reach what it needs: track the best `votes - needed` over classes
        // (each tree changes one class's), and stop once the trees left
        // cannot close it.
        let mut need = [0i64; MAX_CLASSES];
        let mut best_margin = i64::MIN;
        for (k, n) in need.iter_mut().enumerate().take(ncls) {
            *n = c.votes_needed(k) as i64;
            best_margin = best_margin.max(-*n);
        }
        if best_margin + (total as i64) < 0 {
            return None;
        }
        // The check after each group of trees walked side by side stops
        // where a check after each tree would have, or later with the same
        // answer: once the trees left cannot close the margin, later trees
        // cannot either.
        let mut votes = [0u32; MAX_CLASSES];
        let first = c.first_tree as usize;
        let reached = self.walk(&self.trees[first..first + total as usize], x, |ks, left| {
            for &k in ks {
                votes[k] += 1;
                best_margin = best_margin.max(votes[k] as i64 - need[k]);
            }
            best_margin + left as i64 >= 0
        });
        if !reached {
            return None;
        }
        let best = winner(&votes, ncls);
        Some((best, votes[best], total))
    }

    /// The class the name table gives the flow's service name, when name
    /// verdicts are on and the table's class is one of the model's.
    #[inline]
    pub fn name_verdict(&self, x: &[f32; schema::N]) -> Option<usize> {
        if !self.name_verdicts {
            return None;
        }
        let (name, _) = NAME_CLASS_FEATURES.iter().find(|(_, f)| x[*f as usize] > 0.5)?;
        self.class_index(name)
    }

    /// What checkpoint `ck` makes of a flow with features `x`, as the
    /// dataplane and the evaluation both decide: the name verdict if there
    /// is one, else the trees' vote against the winning class's threshold
    /// (at the last checkpoint, with `decide_after_last`, the vote decides
    /// anyway). `None` when the vote stopped early: this checkpoint cannot
    /// decide (never at the last one).
    #[inline]
    pub fn classify(&self, ck: usize, x: &[f32; schema::N]) -> Option<Outcome> {
        let c = self.checkpoints.get(ck)?;
        if let Some(class) = self.name_verdict(x) {
            return Some(Outcome { class, votes: c.trees, trees: c.trees, decided: true, by_name: true });
        }
        let last = ck + 1 == self.checkpoints.len();
        let (class, votes, trees) = if last { self.predict(ck, x) } else { self.predict_reaching(ck, x)? };
        let decided = c.decides(class, votes) || (last && self.decide_after_last);
        Some(Outcome { class, votes, trees, decided, by_name: false })
    }

    /// What decides at checkpoint `ck`, for people: the thresholds class by
    /// class ("web 0.90, video never, ..."), or "decides anyway" at the last
    /// checkpoint of a model that decides every flow there.
    pub fn thresholds_text(&self, ck: usize) -> String {
        let Some(c) = self.checkpoints.get(ck) else { return String::new() };
        if ck + 1 == self.checkpoints.len() && self.decide_after_last {
            return "decides anyway".into();
        }
        self.classes
            .iter()
            .zip(c.thresholds)
            .map(|(k, t)| if t == NEVER { format!("{} never", k.name) } else { format!("{} {t:.2}", k.name) })
            .collect::<Vec<_>>()
            .join(", ")
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

/// The class with the most votes among the first `classes`; ties go to the
/// lowest index, as smartcore's argmax does.
#[inline]
pub fn winner(votes: &[u32; MAX_CLASSES], classes: usize) -> usize {
    let mut best = 0;
    for k in 1..classes.min(MAX_CLASSES) {
        if votes[k] > votes[best] {
            best = k;
        }
    }
    best
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
            checkpoints: vec![{
                // Slots past the classes are never (as loading leaves them).
                let mut c = Checkpoint::uniform(3, NEVER, 0, 2);
                c.thresholds[..2].fill(0.5);
                c
            }],
            decide_after_last: true,
            name_verdicts: true,
            trees: vec![(0, 3), (3, 1)],
            nodes: vec![Node { feature: 1, threshold: 10.0, no: 2 }, Node::leaf(0), Node::leaf(1), Node::leaf(1)],
        }
    }

    #[test]
    fn early_exit_agrees_with_the_full_vote() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("forest.bin");
        let m = Model::from_bytes(&std::fs::read(path).expect("the shipped model")).expect("valid");
        // The shipped thresholds, uniform ones, and a mix of low, never and shipped.
        let mut variants = vec![m.clone()];
        for t in [0.0f32, 0.5, 0.95, 1.0, NEVER] {
            let mut v = m.clone();
            v.checkpoints.iter_mut().for_each(|c| c.thresholds = [t; MAX_CLASSES]);
            variants.push(v);
        }
        let mut v = m.clone();
        v.checkpoints.iter_mut().for_each(|c| {
            c.thresholds[1] = 0.3;
            c.thresholds[2] = NEVER;
        });
        variants.push(v);
        let mut exits = 0;
        for i in 0..200u32 {
            let mut x = [0f32; schema::N];
            for (j, v) in x.iter_mut().enumerate() {
                *v = ((i.wrapping_mul(2654435761) ^ (j as u32 * 40503)) % 1500) as f32 / (1 + i % 7) as f32;
            }
            for ck in 0..m.checkpoints.len() {
                let full = m.predict(ck, &x);
                for v in &variants {
                    let c = &v.checkpoints[ck];
                    match v.predict_reaching(ck, &x) {
                        None => {
                            assert!(
                                !c.decides(full.0, full.1),
                                "exited although {full:?} decides at {:?}",
                                c.thresholds
                            );
                            exits += 1;
                        }
                        Some(r) => assert_eq!(r, full, "thresholds {:?}", c.thresholds),
                    }
                }
            }
        }
        assert!(exits > 0, "some votes end early");
    }

    #[test]
    fn a_name_in_the_table_decides_before_the_trees() {
        let mut m = tiny();
        let mut x = [0f32; schema::N];
        x[1] = 5.0; // the trees: a 1-1 tie, which goes to web
        x[schema::F::name_class_video as usize] = 1.0;
        let o = m.classify(0, &x).unwrap();
        assert_eq!((o.class, o.decided, o.by_name, o.confidence()), (1, true, true, 1.0));
        // A class the model does not have: the trees decide.
        x[schema::F::name_class_video as usize] = 0.0;
        x[schema::F::name_class_realtime as usize] = 1.0;
        let o = m.classify(0, &x).unwrap();
        assert_eq!((o.class, o.by_name), (0, false));
        // Verdicts off: the trees decide even for a known class.
        x[schema::F::name_class_realtime as usize] = 0.0;
        x[schema::F::name_class_video as usize] = 1.0;
        m.name_verdicts = false;
        let o = m.classify(0, &x).unwrap();
        assert_eq!((o.class, o.by_name), (0, false));
        // The flag survives the file.
        assert!(!Model::from_bytes(&m.to_bytes()).unwrap().name_verdicts);
        assert!(Model::from_bytes(&tiny().to_bytes()).unwrap().name_verdicts);
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
