//! The name→class table: domain suffixes of well-known services and what
//! they serve (`models/names.txt`, loaded with `--names`).
//!
//! A flow's service name (from its SNI, QUIC Initial, certificate, HTTP
//! `Host` or the last DNS answer for its server) is matched once, when the
//! name is learnt, against the longest listed suffix on a label boundary:
//! `r4---sn-abc.googlevideo.com` matches `googlevideo.com`, `evilgooglevideo.com`
//! does not. The model sees the table's class for the name, never the name
//! itself, so it cannot memorise generated host names.
//!
//! Matching hashes each suffix of the name in place (ASCII case folded), so
//! it allocates nothing; the table's own memory is allocated at load.
//!
//! File format (UTF-8 text, one entry per line):
//!
//! ```text
//! #! flowmark-names 1
//! # suffix            class           service
//! googlevideo.com     video           youtube
//! ```
//!
//! The first line names the format and its version; `#` starts a comment;
//! fields are separated by whitespace; classes are those of [`CLASSES`].
use std::path::Path;

use hashbrown::HashMap;

/// The classes a table entry may name, in the order of the schema's
/// `name_class_*` features.
pub const CLASSES: [&str; 6] = ["web", "video", "file_transfer", "interactive", "realtime", "other"];

/// The header line a table file starts with.
pub const MAGIC: &str = "#! flowmark-names";
/// The table format this code reads.
pub const FORMAT_VERSION: u32 = 1;
/// Entries a table may hold (keeps a mistaken file from eating memory).
pub const MAX_ENTRIES: usize = 100_000;
/// A DNS name is at most 253 characters.
pub const MAX_NAME: usize = 253;

/// Where a flow's name came from. The order is the precedence: a name from
/// a later source never replaces one from an earlier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
#[repr(u8)]
pub enum NameSource {
    /// The TLS ClientHello's server_name.
    Sni = 1,
    /// The server_name of a ClientHello decrypted from QUIC Initial packets.
    Quic = 2,
    /// The server certificate (TLS 1.2 and older send it in clear).
    Cert = 3,
    /// The HTTP/1.x `Host` header.
    Host = 4,
    /// The last DNS answer that gave the server's address.
    Dns = 5,
    #[default]
    None = 255,
}

impl NameSource {
    pub const ALL: [NameSource; 5] =
        [NameSource::Sni, NameSource::Quic, NameSource::Cert, NameSource::Host, NameSource::Dns];

    pub fn as_str(self) -> &'static str {
        match self {
            NameSource::Sni => "sni",
            NameSource::Quic => "quic",
            NameSource::Cert => "cert",
            NameSource::Host => "host",
            NameSource::Dns => "dns",
            NameSource::None => "",
        }
    }

    /// Index into per-source counters (None has none).
    pub fn index(self) -> Option<usize> {
        NameSource::ALL.iter().position(|&s| s == self)
    }
}

/// One table entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub suffix: String,
    /// Index into [`CLASSES`].
    pub class: u8,
    pub service: String,
}

/// What a lookup found: the entry's index, its class and service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub entry: u32,
    pub class: u8,
}

/// A loaded table.
#[derive(Debug, Default)]
pub struct NameTable {
    entries: Vec<Entry>,
    /// Hash of a suffix → indices of entries with that hash (collisions are
    /// resolved by comparing the suffix).
    index: HashMap<u64, u32>,
    /// Entries whose suffix hash collided with an earlier one's.
    overflow: Vec<u32>,
    /// The file's own version line (`# version: ...`), if it has one.
    pub version: String,
}

/// Why a table file was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoadError {
    #[error("cannot read {path}: {msg}")]
    Io { path: String, msg: String },
    #[error("not a flowmark name table: the first line must be `{MAGIC} {FORMAT_VERSION}`")]
    NotATable,
    #[error("name table format {0} is not supported (this build reads format {FORMAT_VERSION})")]
    Version(String),
    #[error("line {line}: {msg}")]
    Line { line: usize, msg: String },
    #[error("more than {MAX_ENTRIES} entries")]
    TooLarge,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// One FNV-1a step over an ASCII-lowercased byte.
#[inline]
fn fnv_step(h: u64, b: u8) -> u64 {
    (h ^ b.to_ascii_lowercase() as u64).wrapping_mul(0x0000_0100_0000_01b3)
}

/// FNV-1a over the bytes read from last to first, so that one right-to-left
/// pass over a name has the hash of each of its suffixes on the way.
fn hash_folded(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(FNV_OFFSET, |h, &b| fnv_step(h, b))
}

/// A name as the table compares it: no trailing dot, printable, bounded.
fn valid_suffix(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > MAX_NAME {
        return Err(format!("suffix `{s}` must be 1 to {MAX_NAME} characters"));
    }
    if s.starts_with('.') || s.ends_with('.') || s.contains("..") {
        return Err(format!("suffix `{s}` has an empty label"));
    }
    if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_') {
        return Err(format!("suffix `{s}` has a character other than letters, digits, `-`, `_` and `.`"));
    }
    Ok(())
}

impl NameTable {
    /// Parse a table file's text.
    pub fn parse(text: &str) -> Result<Self, LoadError> {
        let mut lines = text.lines().enumerate();
        let first = lines.next().map(|(_, l)| l.trim()).unwrap_or("");
        let Some(ver) = first.strip_prefix(MAGIC) else { return Err(LoadError::NotATable) };
        if ver.trim() != FORMAT_VERSION.to_string() {
            return Err(LoadError::Version(ver.trim().to_string()));
        }
        let mut t = NameTable::default();
        for (i, raw) in lines {
            let line_no = i + 1;
            let line = raw.trim();
            if let Some(v) = line.strip_prefix("# version:") {
                t.version = v.trim().to_string();
                continue;
            }
            let content = line.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let fields: Vec<&str> = content.split_whitespace().collect();
            let bad = |msg: String| LoadError::Line { line: line_no, msg };
            if fields.len() != 3 {
                return Err(bad(format!("expected `suffix class service`, got {} field(s)", fields.len())));
            }
            let suffix = fields[0].to_ascii_lowercase();
            valid_suffix(&suffix).map_err(bad)?;
            let class = CLASSES
                .iter()
                .position(|c| *c == fields[1])
                .ok_or_else(|| bad(format!("unknown class `{}` (classes: {})", fields[1], CLASSES.join(", "))))?;
            if t.lookup(suffix.as_bytes()).is_some_and(|m| t.entries[m.entry as usize].suffix == suffix) {
                return Err(bad(format!("`{suffix}` is listed twice")));
            }
            if t.entries.len() >= MAX_ENTRIES {
                return Err(LoadError::TooLarge);
            }
            let idx = t.entries.len() as u32;
            let h = hash_folded(suffix.as_bytes());
            if t.index.contains_key(&h) {
                t.overflow.push(idx);
            } else {
                t.index.insert(h, idx);
            }
            t.entries.push(Entry { suffix, class: class as u8, service: fields[2].to_string() });
        }
        Ok(t)
    }

    /// Read and parse a table file.
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| LoadError::Io { path: path.display().to_string(), msg: e.to_string() })?;
        Self::parse(&text)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entry(&self, i: u32) -> Option<&Entry> {
        self.entries.get(i as usize)
    }

    fn equal_folded(a: &[u8], b: &[u8]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_ascii_lowercase() == *y)
    }

    fn find_exact(&self, suffix: &[u8], h: u64) -> Option<u32> {
        let &first = self.index.get(&h)?;
        if Self::equal_folded(suffix, self.entries[first as usize].suffix.as_bytes()) {
            return Some(first);
        }
        self.overflow.iter().copied().find(|&i| {
            let e = &self.entries[i as usize];
            hash_folded(e.suffix.as_bytes()) == h && Self::equal_folded(suffix, e.suffix.as_bytes())
        })
    }

    /// The entry with the longest suffix of `name` on a label boundary.
    /// A trailing root dot is ignored. No allocation.
    pub fn lookup(&self, name: &[u8]) -> Option<Match> {
        let name = name.strip_suffix(b".").unwrap_or(name);
        if name.is_empty() || name.len() > MAX_NAME || self.entries.is_empty() {
            return None;
        }
        // One pass from the right; at each label boundary the hash covers
        // the suffix so far, and a later (longer) match replaces an earlier.
        let mut best = None;
        let mut h = FNV_OFFSET;
        for i in (0..name.len()).rev() {
            h = fnv_step(h, name[i]);
            if i == 0 || name[i - 1] == b'.' {
                if let Some(e) = self.find_exact(&name[i..], h) {
                    best = Some(Match { entry: e, class: self.entries[e as usize].class });
                }
            }
        }
        best
    }

    /// The shipped table's text, built in: what a pipeline names flows with
    /// unless given another table.
    pub const SHIPPED: &'static str = include_str!("../../models/names.txt");

    /// The shipped table, parsed once per process.
    pub fn shipped() -> std::sync::Arc<NameTable> {
        static SHIPPED: std::sync::OnceLock<std::sync::Arc<NameTable>> = std::sync::OnceLock::new();
        SHIPPED
            .get_or_init(|| {
                std::sync::Arc::new(
                    NameTable::parse(NameTable::SHIPPED).expect("the built-in table parses (unit-tested)"),
                )
            })
            .clone()
    }
}

/// Longest name the DNS cache keeps; longer ones are not cached (counted).
pub const DNS_NAME_CAP: usize = 128;
/// Entries per set of the DNS cache.
const WAYS: usize = 4;
/// A DNS answer is trusted at least this long: clients (browsers cache for
/// a minute whatever the TTL) open connections after short TTLs expire.
pub const DNS_MIN_TTL_NS: u64 = 60_000_000_000;
/// ... and at most this long.
pub const DNS_MAX_TTL_NS: u64 = 86_400_000_000_000;

#[derive(Clone, Copy)]
struct CacheEntry {
    addr: [u8; 16],
    ipv6: bool,
    expires_ns: u64,
    name_len: u8,
    name: [u8; DNS_NAME_CAP],
}

const EMPTY_ENTRY: CacheEntry =
    CacheEntry { addr: [0; 16], ipv6: false, expires_ns: 0, name_len: 0, name: [0; DNS_NAME_CAP] };

/// One learnt address → name, as workers share it.
#[derive(Clone, Copy)]
pub struct DnsAnswer {
    addr: [u8; 16],
    ipv6: bool,
    ttl_s: u32,
    at_ns: u64,
    name_len: u8,
    name: [u8; DNS_NAME_CAP],
}

impl DnsAnswer {
    fn addr(&self) -> &[u8] {
        &self.addr[..if self.ipv6 { 16 } else { 4 }]
    }

    fn name(&self) -> &[u8] {
        &self.name[..self.name_len as usize]
    }
}

/// Answers a worker learns between two visits of its loop to the other
/// workers' inboxes (a burst of DNS responses of 16 addresses each).
pub const OUTBOX: usize = 1024;

/// Server address → the name a client last looked up for it, with the
/// answer's TTL: names flows that carry none of their own (ECH, QUIC whose
/// Initials cannot be read, plain TCP). A set-associative table allocated
/// at start; a new answer replaces an expired entry of its set, else the
/// one closest to expiry.
///
/// Each worker has its own. A client's DNS lookup and its connection to
/// the server are different flows, usually on different workers, so with
/// sharing on (several workers) what a worker learns also goes to an
/// outbox that the worker loop hands to the other workers' inboxes.
pub struct DnsCache {
    entries: Vec<CacheEntry>,
    sets: usize,
    share: bool,
    outbox: Vec<DnsAnswer>,
    /// Answers stored, entries replaced before they expired, names too long,
    /// answers not shared because the outbox was full.
    pub stored: u64,
    pub replaced_live: u64,
    pub too_long: u64,
    pub outbox_full: u64,
}

impl DnsCache {
    /// A cache of about `capacity` entries (0 disables it).
    pub fn new(capacity: usize) -> Self {
        let sets = capacity.div_ceil(WAYS).next_power_of_two();
        let sets = if capacity == 0 { 0 } else { sets };
        DnsCache {
            entries: vec![EMPTY_ENTRY; sets * WAYS],
            sets,
            share: false,
            outbox: Vec::with_capacity(if sets == 0 { 0 } else { OUTBOX }),
            stored: 0,
            replaced_live: 0,
            too_long: 0,
            outbox_full: 0,
        }
    }

    /// Keep what is learnt from DNS messages for other workers too.
    pub fn set_share(&mut self, on: bool) {
        self.share = on && self.sets > 0;
    }

    /// Hand every answer learnt since the last call to `f` (no allocation).
    pub fn drain_outbox(&mut self, mut f: impl FnMut(&DnsAnswer)) {
        for a in &self.outbox {
            f(a);
        }
        self.outbox.clear();
    }

    /// Store an answer another worker learnt (not shared again).
    pub fn absorb(&mut self, a: &DnsAnswer) {
        self.insert(a.addr(), a.name(), a.ttl_s, a.at_ns);
    }

    pub fn capacity(&self) -> usize {
        self.entries.len()
    }

    #[inline]
    fn set_of(&self, addr: &[u8]) -> usize {
        let h = addr.iter().fold(FNV_OFFSET, |h, &b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3));
        (h as usize ^ (h >> 32) as usize) & (self.sets - 1)
    }

    /// Remember that `addr` (4 or 16 bytes) is `name` until `now + ttl`.
    pub fn insert(&mut self, addr: &[u8], name: &[u8], ttl_s: u32, now_ns: u64) {
        if self.sets == 0 || !(addr.len() == 4 || addr.len() == 16) || name.is_empty() {
            return;
        }
        if name.len() > DNS_NAME_CAP {
            self.too_long += 1;
            return;
        }
        let ttl_ns = (ttl_s as u64 * 1_000_000_000).clamp(DNS_MIN_TTL_NS, DNS_MAX_TTL_NS);
        let base = self.set_of(addr) * WAYS;
        let ipv6 = addr.len() == 16;
        let set = &mut self.entries[base..base + WAYS];
        // The same address again, else an expired way, else the soonest to expire.
        let same = set.iter().position(|e| e.ipv6 == ipv6 && e.expires_ns != 0 && &e.addr[..addr.len()] == addr);
        let way = same.unwrap_or_else(|| {
            set.iter()
                .enumerate()
                .min_by_key(|(_, e)| if e.expires_ns <= now_ns { 0 } else { e.expires_ns })
                .map_or(0, |(i, _)| i)
        });
        let e = &mut set[way];
        if same.is_none() && e.expires_ns > now_ns {
            self.replaced_live += 1;
        }
        e.addr = [0; 16];
        e.addr[..addr.len()].copy_from_slice(addr);
        e.ipv6 = ipv6;
        e.expires_ns = now_ns.saturating_add(ttl_ns);
        e.name[..name.len()].copy_from_slice(name);
        e.name_len = name.len() as u8;
        self.stored += 1;
    }

    /// The name last learnt for `addr`, if its answer has not expired.
    #[inline]
    pub fn get(&self, addr: &[u8], now_ns: u64) -> Option<&[u8]> {
        if self.sets == 0 || !(addr.len() == 4 || addr.len() == 16) {
            return None;
        }
        let base = self.set_of(addr) * WAYS;
        let ipv6 = addr.len() == 16;
        self.entries[base..base + WAYS]
            .iter()
            .find(|e| e.ipv6 == ipv6 && e.expires_ns > now_ns && &e.addr[..addr.len()] == addr)
            .map(|e| &e.name[..e.name_len as usize])
    }

    /// Learn the addresses of one DNS response. Of the CNAME chain, the
    /// first name the table lists is kept (a CDN's canonical name often
    /// says more than the name asked for), else the question name.
    pub fn learn(&mut self, r: &crate::dns::Resolution, table: &NameTable, now_ns: u64) {
        if r.addresses().is_empty() {
            return;
        }
        let Some(first) = r.chain().next() else { return };
        let name = r.chain().find(|n| table.lookup(n).is_some()).unwrap_or(first);
        for a in r.addresses() {
            let len = if a.ipv6 { 16 } else { 4 };
            let before = self.stored;
            self.insert(&a.bytes[..len], name, a.ttl, now_ns);
            if self.share && self.stored > before {
                if self.outbox.len() < self.outbox.capacity() {
                    let mut s = DnsAnswer {
                        addr: a.bytes,
                        ipv6: a.ipv6,
                        ttl_s: a.ttl,
                        at_ns: now_ns,
                        name_len: name.len() as u8,
                        name: [0; DNS_NAME_CAP],
                    };
                    s.name[..name.len()].copy_from_slice(name);
                    self.outbox.push(s);
                } else {
                    self.outbox_full += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(body: &str) -> NameTable {
        NameTable::parse(&format!("{MAGIC} {FORMAT_VERSION}\n{body}")).expect("table")
    }

    #[test]
    fn longest_suffix_on_a_label_boundary_wins() {
        let t = table("google.com web google\ngooglevideo.com video youtube\nyoutube.com video youtube\nmanifest.googlevideo.com video youtube-manifest\n");
        let class = |n: &str| t.lookup(n.as_bytes()).map(|m| CLASSES[m.class as usize]);
        let service = |n: &str| t.lookup(n.as_bytes()).map(|m| t.entry(m.entry).unwrap().service.clone());
        assert_eq!(class("r4---sn-abc.googlevideo.com"), Some("video"));
        assert_eq!(class("GoogleVideo.COM."), Some("video"));
        assert_eq!(service("manifest.googlevideo.com").as_deref(), Some("youtube-manifest"));
        assert_eq!(class("www.google.com"), Some("web"));
        assert_eq!(class("evilgooglevideo.com"), None, "not on a label boundary");
        assert_eq!(class("com"), None);
        assert_eq!(class(""), None);
        assert_eq!(class("."), None);
    }

    #[test]
    fn bad_tables_are_refused_with_the_line() {
        assert_eq!(NameTable::parse("googlevideo.com video youtube\n").unwrap_err(), LoadError::NotATable);
        assert!(matches!(NameTable::parse("#! flowmark-names 2\n"), Err(LoadError::Version(v)) if v == "2"));
        let e = |body: &str| NameTable::parse(&format!("{MAGIC} 1\n{body}")).unwrap_err().to_string();
        assert!(e("a.com video\n").contains("line 2"), "{}", e("a.com video\n"));
        assert!(e("a.com movies netflix\n").contains("unknown class `movies`"));
        assert!(e("a..com video x\n").contains("empty label"));
        assert!(e("a.com/x video x\n").contains("character"));
        assert!(e("a.com video x\nA.com web y\n").contains("listed twice"));
        assert!(e(&format!("{} web x\n", "a".repeat(300))).contains("1 to 253"));
    }

    #[test]
    fn the_shipped_table_loads_and_knows_the_big_services() {
        let t = NameTable::parse(NameTable::SHIPPED).expect("shipped table");
        assert!(t.len() >= 100, "{} entries", t.len());
        assert!(!t.version.is_empty(), "the shipped table says its version");
        let class = |n: &str| t.lookup(n.as_bytes()).map(|m| CLASSES[m.class as usize]);
        assert_eq!(class("rr3---sn-4g5e6nsz.googlevideo.com"), Some("video"));
        assert_eq!(class("ipv4-c017-syd008-ix.1.oca.nflxvideo.net"), Some("video"));
        assert_eq!(class("deb.debian.org"), Some("file_transfer"));
        assert_eq!(class("www.wikipedia.org"), Some("web"));
    }

    #[test]
    fn lookups_never_panic_on_odd_names() {
        let t = NameTable::parse(NameTable::SHIPPED).expect("shipped table");
        for n in [&b"...."[..], b".com", b"\xff\xfe.com", &[b'a'; 300], b"a.", b"-.-.-"] {
            let _ = t.lookup(n);
        }
        let deep = "a.".repeat(100) + "googlevideo.com";
        assert_eq!(t.lookup(deep.as_bytes()).map(|m| m.class), Some(1), "a hundred labels deep");
    }

    #[test]
    fn the_dns_cache_names_addresses_until_their_ttl_ends() {
        let mut c = DnsCache::new(64);
        let s = 1_000_000_000u64;
        c.insert(&[192, 0, 2, 1], b"a.example", 300, 10 * s);
        c.insert(&[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], b"six.example", 5, 10 * s);
        assert_eq!(c.get(&[192, 0, 2, 1], 11 * s), Some(&b"a.example"[..]));
        assert_eq!(c.get(&[192, 0, 2, 2], 11 * s), None);
        // TTL 5 s is held for the one-minute floor, then dropped.
        let six = [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        assert!(c.get(&six, 69 * s).is_some());
        assert!(c.get(&six, 71 * s).is_none());
        assert_eq!(c.get(&[192, 0, 2, 1], 311 * s), None, "expired");
        // A newer answer for the same address replaces the name.
        c.insert(&[192, 0, 2, 1], b"b.example", 300, 400 * s);
        assert_eq!(c.get(&[192, 0, 2, 1], 401 * s), Some(&b"b.example"[..]));
        // Too long a name is counted, not stored.
        c.insert(&[192, 0, 2, 9], &[b'x'; 200], 300, 400 * s);
        assert_eq!((c.get(&[192, 0, 2, 9], 401 * s), c.too_long), (None, 1));
        // A disabled cache is inert.
        let mut off = DnsCache::new(0);
        off.insert(&[192, 0, 2, 1], b"a", 300, 0);
        assert_eq!(off.get(&[192, 0, 2, 1], 0), None);
    }

    #[test]
    fn a_full_cache_stays_bounded_and_replaces_the_soonest_to_expire() {
        let mut c = DnsCache::new(16);
        let s = 1_000_000_000u64;
        for i in 0..10_000u32 {
            c.insert(&i.to_be_bytes(), b"n.example", 60 + i % 1000, s);
        }
        assert_eq!(c.capacity(), 16);
        assert!(c.replaced_live > 0);
        let held = (0..10_000u32).filter(|i| c.get(&i.to_be_bytes(), 2 * s).is_some()).count();
        assert_eq!(held, 16);
    }

    #[test]
    fn dns_answers_name_their_addresses_by_the_listed_name_of_the_chain() {
        let t = NameTable::parse(NameTable::SHIPPED).expect("shipped");
        // ctldl.windowsupdate.com through six CNAMEs to one address.
        let r =
            crate::dns::resolve(include_bytes!("../tests/data/dns/resp_cname_chain_windowsupdate.bin")).expect("dns");
        let mut c = DnsCache::new(64);
        c.learn(&r, &t, 0);
        let a = r.addresses()[0];
        assert_eq!(c.get(&a.bytes[..4], 1), Some(&b"ctldl.windowsupdate.com"[..]), "the question name is listed");
        let g = crate::dns::resolve(include_bytes!("../tests/data/dns/resp_cname_clients2_google.bin")).expect("dns");
        c.learn(&g, &t, 0);
        let name = c.get(&g.addresses()[0].bytes[..4], 1).expect("named");
        assert!(t.lookup(name).is_some(), "{}", String::from_utf8_lossy(name));
    }

    #[test]
    fn answers_learnt_by_one_worker_reach_another_through_the_outbox() {
        let t = NameTable::parse(NameTable::SHIPPED).expect("shipped");
        let r =
            crate::dns::resolve(include_bytes!("../tests/data/dns/tcp_resp_www_google.bin").get(2..).unwrap_or(&[]))
                .expect("dns");
        let (mut a, mut b) = (DnsCache::new(64), DnsCache::new(64));
        a.learn(&r, &t, 0);
        let mut n = 0;
        a.drain_outbox(|_| n += 1);
        assert_eq!(n, 0, "sharing is off unless asked for");
        a.set_share(true);
        a.learn(&r, &t, 5);
        let mut shared = Vec::new();
        a.drain_outbox(|x| shared.push(*x));
        assert_eq!(shared.len(), 12, "one per address");
        for x in &shared {
            b.absorb(x);
        }
        let addr = &r.addresses()[0].bytes[..4];
        assert_eq!(b.get(addr, 10), Some(&b"www.google.com"[..]));
        let mut again = 0;
        b.drain_outbox(|_| again += 1);
        assert_eq!(again, 0, "absorbed answers are not shared again");
        a.drain_outbox(|_| again += 1);
        assert_eq!(again, 0, "the outbox empties");
        // A full outbox counts what it could not take.
        for i in 0..(OUTBOX / 12 + 2) {
            a.learn(&r, &t, 100 + i as u64);
        }
        assert!(a.outbox_full > 0);
    }
}
