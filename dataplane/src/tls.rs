//! Zero-copy TLS handshake parsing for flow features.
//!
//! Pure functions over the reassembled bytes of one TCP direction, starting at
//! the direction's first payload byte. The caller passes whatever it has so
//! far; [`Hello::Incomplete`] means "call again with more bytes". A hello may
//! span several TLS records and several TCP segments (post-quantum key shares
//! make a ClientHello ~1.8 KB); the bytes of a record that is still arriving
//! are used as far as they go, so a ServerHello is parsed from the first
//! segment even when its record also carries the certificate chain.
//!
//! Nothing here allocates or panics on input: every wire length is checked
//! before use and all reads go through a bounds-checked [`Reader`]. The
//! result structs are `Copy`, with fixed-size inline buffers.
//!
//! The JA4 fingerprint follows FoxIO's `technical_details/JA4.md` (JA4 is
//! BSD-3-Clause): GREASE is ignored everywhere, the version is the highest
//! supported_versions entry, and the b/c parts are truncated SHA-256 hashes.

use sha2::{Digest, Sha256};

/// Outcome of parsing one direction's first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hello<T> {
    /// The bytes so far are a valid prefix; more are needed.
    Incomplete,
    /// The first bytes are not a TLS handshake record.
    NotTls,
    /// A TLS handshake whose lengths or structure are bogus.
    Malformed(&'static str),
    /// The hello, complete.
    Parsed(T),
}

const CONTENT_HANDSHAKE: u8 = 22;
const HS_CLIENT_HELLO: u8 = 1;
const HS_SERVER_HELLO: u8 = 2;
/// RFC 8446 5.1: a plaintext record carries at most 2^14 bytes.
const MAX_RECORD: usize = 1 << 14;
/// A hello larger than this is not one any real stack sends; the caller's
/// reassembly buffer is smaller anyway.
const MAX_HELLO: usize = 1 << 16;
/// Records one hello may span (16 KiB of 1-byte records would be absurd).
const MAX_FRAGMENTS: usize = 32;

const EXT_SERVER_NAME: u16 = 0x0000;
const EXT_SUPPORTED_GROUPS: u16 = 0x000a;
const EXT_SIGNATURE_ALGORITHMS: u16 = 0x000d;
const EXT_ALPN: u16 = 0x0010;
const EXT_SUPPORTED_VERSIONS: u16 = 0x002b;
const EXT_KEY_SHARE: u16 = 0x0033;

/// RFC 8446 4.1.3: the random of a HelloRetryRequest, SHA-256("HelloRetryRequest").
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11,
    0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Most cipher suites, extensions and signature algorithms kept for the JA4
/// hashes. Counts stay exact beyond it; real hellos stay far below.
pub const MAX_LISTED: usize = 128;
/// Longest SNI host name kept (a DNS name is at most 255 bytes).
pub const MAX_SNI: usize = 255;
/// Longest ALPN protocol id kept inline; longer ones are truncated.
pub const MAX_ALPN: usize = 32;
/// Length of a JA4 fingerprint: `t13d1516h2_8daaf6152771_e5627efa2ab1`.
pub const JA4_LEN: usize = 36;

/// RFC 8701 GREASE values: 0x0a0a, 0x1a1a, ..., 0xfafa.
#[inline]
pub fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && (v >> 8) == (v & 0xff)
}

/// Key-exchange groups that carry a post-quantum KEM (hybrid or pure).
#[inline]
pub fn is_post_quantum_group(group: u16) -> bool {
    matches!(
        group,
        0x11eb // SecP256r1MLKEM768
            | 0x11ec // X25519MLKEM768
            | 0x11ed // SecP384r1MLKEM1024
            | 0x0200
            ..=0x0202 // MLKEM512, MLKEM768, MLKEM1024
            | 0x6399 // X25519Kyber768Draft00
            | 0x639a // SecP256r1Kyber768Draft00
    )
}

/// A compact summary of the offered cipher suites (GREASE excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CipherSummary {
    /// TLS 1.3 suites (0x1301..=0x1305).
    pub tls13: u16,
    /// AEAD suites, TLS 1.3 ones included (GCM, CCM, ChaCha20-Poly1305).
    pub aead: u16,
    /// Other non-legacy suites: CBC-mode AES, Camellia, ARIA, SEED.
    pub cbc: u16,
    /// RC4, (3)DES, NULL, export and anonymous-era suites.
    pub legacy: u16,
    /// Signalling values: renegotiation SCSV (0x00ff), fallback SCSV (0x5600).
    pub scsv: u16,
    /// The client's first choice is a ChaCha20-Poly1305 suite (mobile stacks
    /// without AES hardware put it first).
    pub chacha_first: bool,
}

impl CipherSummary {
    fn add(&mut self, suite: u16, first: bool) {
        let chacha = matches!(suite, 0x1303 | 0xcca8..=0xccae);
        if first {
            self.chacha_first = chacha;
        }
        if (0x1301..=0x1305).contains(&suite) {
            self.tls13 += 1;
            self.aead += 1;
        } else if suite == 0x00ff || suite == 0x5600 {
            self.scsv += 1;
        } else if chacha
            || (0x009c..=0x00a7).contains(&suite)
            || (0xc02b..=0xc032).contains(&suite)
            || (0xc09c..=0xc0af).contains(&suite)
            || (0xd001..=0xd005).contains(&suite)
        {
            self.aead += 1;
        } else if is_legacy_suite(suite) {
            self.legacy += 1;
        } else {
            self.cbc += 1;
        }
    }
}

fn is_legacy_suite(s: u16) -> bool {
    matches!(
        s,
        // NULL, export, RC4, DES and 3DES of the RSA/DH era (RFC 5246 appendix C)
        0x0000..=0x001b
            | 0x003b // RSA_WITH_NULL_SHA256
            | 0xc001..=0xc003 // ECDH/ECDHE NULL, RC4, 3DES
            | 0xc006..=0xc008
            | 0xc00b..=0xc00d
            | 0xc010..=0xc012
            | 0xc015..=0xc017
            | 0xc01a..=0xc01c // SRP 3DES
    )
}

/// What a ClientHello says, for features. `Copy`, no heap.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ClientHello {
    /// `legacy_version` of the hello body (0x0303 for TLS 1.2 and 1.3).
    pub legacy_version: u16,
    /// Highest non-GREASE entry of supported_versions, 0 when absent.
    pub max_supported_version: u16,
    /// Cipher suites offered, GREASE excluded.
    pub cipher_count: u16,
    /// Summary of the offered suites.
    pub ciphers: CipherSummary,
    /// Extensions, GREASE excluded (SNI and ALPN included, as JA4 counts).
    pub extension_count: u16,
    /// The server_name extension is present (JA4's `d`).
    pub has_sni: bool,
    sni: [u8; MAX_SNI],
    sni_len: u8,
    alpn_first: [u8; MAX_ALPN],
    alpn_first_len: u8,
    /// Protocols listed in ALPN.
    pub alpn_count: u8,
    /// A key_share entry uses a post-quantum group (e.g. X25519MLKEM768).
    pub pq_key_share: bool,
    /// supported_groups lists a post-quantum group.
    pub pq_group_offered: bool,
    /// supported_groups entries, GREASE excluded.
    pub supported_groups_count: u16,
    /// signature_algorithms entries, GREASE excluded.
    pub sig_algs_count: u16,
    ja4: [u8; JA4_LEN],
}

impl ClientHello {
    /// First host_name of the SNI extension, raw bytes (may be empty).
    pub fn sni_bytes(&self) -> &[u8] {
        self.sni.get(..usize::from(self.sni_len)).unwrap_or(&[])
    }
    /// The SNI as text, when it is UTF-8 (host names are ASCII).
    pub fn sni(&self) -> Option<&str> {
        if self.has_sni {
            core::str::from_utf8(self.sni_bytes()).ok()
        } else {
            None
        }
    }
    /// First ALPN protocol id (truncated to [`MAX_ALPN`] bytes).
    pub fn alpn_first(&self) -> &[u8] {
        self.alpn_first.get(..usize::from(self.alpn_first_len)).unwrap_or(&[])
    }
    /// The JA4 fingerprint, e.g. `t13d1516h2_8daaf6152771_e5627efa2ab1`.
    pub fn ja4(&self) -> &str {
        core::str::from_utf8(&self.ja4).unwrap_or("")
    }
    /// The JA4 fingerprint as bytes.
    pub fn ja4_bytes(&self) -> &[u8; JA4_LEN] {
        &self.ja4
    }
    /// The version JA4 reports: highest supported_versions entry, else legacy.
    pub fn version(&self) -> u16 {
        if self.max_supported_version != 0 {
            self.max_supported_version
        } else {
            self.legacy_version
        }
    }
}

impl core::fmt::Debug for ClientHello {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientHello")
            .field("legacy_version", &format_args!("{:#06x}", self.legacy_version))
            .field("max_supported_version", &format_args!("{:#06x}", self.max_supported_version))
            .field("cipher_count", &self.cipher_count)
            .field("ciphers", &self.ciphers)
            .field("extension_count", &self.extension_count)
            .field("sni", &self.sni())
            .field("alpn_first", &String::from_utf8_lossy(self.alpn_first()))
            .field("alpn_count", &self.alpn_count)
            .field("pq_key_share", &self.pq_key_share)
            .field("pq_group_offered", &self.pq_group_offered)
            .field("supported_groups_count", &self.supported_groups_count)
            .field("sig_algs_count", &self.sig_algs_count)
            .field("ja4", &self.ja4())
            .finish()
    }
}

/// What a ServerHello (or HelloRetryRequest) says. `Copy`, no heap.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ServerHello {
    /// `legacy_version` of the hello body.
    pub legacy_version: u16,
    /// The negotiated version: supported_versions if present, else legacy.
    pub version: u16,
    /// The selected cipher suite.
    pub cipher_suite: u16,
    /// Extensions in the hello.
    pub extension_count: u16,
    /// The random is RFC 8446's HelloRetryRequest value.
    pub hello_retry_request: bool,
    alpn: [u8; MAX_ALPN],
    alpn_len: u8,
}

impl ServerHello {
    /// ALPN protocol the server selected (TLS 1.2; in 1.3 it is encrypted).
    pub fn alpn(&self) -> &[u8] {
        self.alpn.get(..usize::from(self.alpn_len)).unwrap_or(&[])
    }
}

impl core::fmt::Debug for ServerHello {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerHello")
            .field("legacy_version", &format_args!("{:#06x}", self.legacy_version))
            .field("version", &format_args!("{:#06x}", self.version))
            .field("cipher_suite", &format_args!("{:#06x}", self.cipher_suite))
            .field("extension_count", &self.extension_count)
            .field("hello_retry_request", &self.hello_retry_request)
            .field("alpn", &String::from_utf8_lossy(self.alpn()))
            .finish()
    }
}

/// A read past the end of the message (or of a length-bounded part of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Short {
    Eof,
}

/// A bounds-checked cursor over a handshake message that may be split over
/// several record bodies. `Copy`, so a bounded sub-reader is a cheap copy.
#[derive(Clone, Copy)]
struct Reader<'a> {
    frags: &'a [&'a [u8]],
    /// Current fragment; `off` is the offset inside it.
    idx: usize,
    off: usize,
    /// Bytes this reader may still yield.
    left: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.left
    }

    fn u8(&mut self) -> Result<u8, Short> {
        if self.left == 0 {
            return Err(Short::Eof);
        }
        loop {
            let frag = self.frags.get(self.idx).ok_or(Short::Eof)?;
            if let Some(&b) = frag.get(self.off) {
                self.off += 1;
                self.left -= 1;
                return Ok(b);
            }
            self.idx += 1;
            self.off = 0;
        }
    }

    fn u16(&mut self) -> Result<u16, Short> {
        Ok(u16::from(self.u8()?) << 8 | u16::from(self.u8()?))
    }

    fn skip(&mut self, mut n: usize) -> Result<(), Short> {
        if n > self.left {
            return Err(Short::Eof);
        }
        while n > 0 {
            let frag = self.frags.get(self.idx).ok_or(Short::Eof)?;
            let avail = frag.len().saturating_sub(self.off);
            if avail == 0 {
                self.idx += 1;
                self.off = 0;
                continue;
            }
            let step = avail.min(n);
            self.off += step;
            self.left -= step;
            n -= step;
        }
        Ok(())
    }

    /// A reader over the next `n` bytes; `self` moves past them.
    fn take(&mut self, n: usize) -> Result<Reader<'a>, Short> {
        let mut sub = *self;
        self.skip(n)?;
        sub.left = n;
        Ok(sub)
    }

    /// Copies up to `out.len()` of the next `n` bytes into `out`, skips all
    /// `n`; returns how many were copied.
    fn copy_prefix(&mut self, n: usize, out: &mut [u8]) -> Result<usize, Short> {
        let mut sub = self.take(n)?;
        let mut copied = 0;
        for slot in out.iter_mut().take(n) {
            *slot = sub.u8()?;
            copied += 1;
        }
        Ok(copied)
    }
}

/// The record bodies that make up the first handshake message.
struct Gathered<'a> {
    frags: [&'a [u8]; MAX_FRAGMENTS],
    nfrags: usize,
    msg_len: usize,
}

/// Walks TLS records from the start of `stream` and gathers the first
/// handshake message, which must be of type `want`.
fn gather<'a>(stream: &'a [u8], want: u8, what: &'static str) -> Hello<Gathered<'a>> {
    // Recognise TLS from as little as one byte, so a flow that is not TLS is
    // told apart at once.
    match stream.first() {
        None => return Hello::Incomplete,
        Some(&CONTENT_HANDSHAKE) => {}
        Some(_) => return Hello::NotTls,
    }
    match stream.get(1) {
        None => return Hello::Incomplete,
        Some(3) => {}
        Some(_) => return Hello::NotTls,
    }
    let mut g = Gathered { frags: [&[]; MAX_FRAGMENTS], nfrags: 0, msg_len: 0 };
    let mut have = 0usize;
    let mut need: Option<usize> = None;
    let mut header = [0u8; 4];
    let mut pos = 0usize;
    loop {
        let Some(rec_header) = stream.get(pos..pos + 5) else {
            return Hello::Incomplete;
        };
        let (ctype, major, rlen) = match rec_header {
            &[t, maj, _, hi, lo] => (t, maj, usize::from(hi) << 8 | usize::from(lo)),
            _ => return Hello::Incomplete,
        };
        if ctype != CONTENT_HANDSHAKE {
            return Hello::Malformed("non-handshake record inside the hello");
        }
        if major != 3 {
            return Hello::Malformed("record version is not 3.x");
        }
        if rlen == 0 {
            return Hello::Malformed("empty handshake record");
        }
        if rlen > MAX_RECORD {
            return Hello::Malformed("record longer than 2^14");
        }
        let body_start = pos + 5;
        let body_end = body_start + rlen;
        let avail = stream.get(body_start..body_end.min(stream.len())).unwrap_or(&[]);
        if g.nfrags == MAX_FRAGMENTS {
            return Hello::Malformed("hello spread over too many records");
        }
        if let Some(slot) = g.frags.get_mut(g.nfrags) {
            *slot = avail;
        }
        g.nfrags += 1;
        // The 4-byte handshake header may itself be split across records.
        let header_bytes = 4usize.saturating_sub(have).min(avail.len());
        for (i, &b) in avail.iter().take(header_bytes).enumerate() {
            if let Some(h) = header.get_mut(have + i) {
                *h = b;
            }
        }
        have += avail.len();
        if need.is_none() && have >= 4 {
            if header[0] != want {
                return Hello::Malformed(what);
            }
            let len = usize::from(header[1]) << 16 | usize::from(header[2]) << 8 | usize::from(header[3]);
            if len > MAX_HELLO {
                return Hello::Malformed("hello length exceeds 64 KiB");
            }
            need = Some(len + 4);
            g.msg_len = len;
        }
        if let Some(n) = need {
            if have >= n {
                return Hello::Parsed(g);
            }
        }
        if body_end > stream.len() {
            return Hello::Incomplete;
        }
        pos = body_end;
    }
}

/// Gather the first handshake message of type `kind` from a stream's
/// records, skip its 4-byte header and hand the body to `parse`.
fn hello<T>(
    stream: &[u8],
    kind: u8,
    wrong: &'static str,
    parse: fn(Reader<'_>) -> Result<T, &'static str>,
) -> Hello<T> {
    let g = match gather(stream, kind, wrong) {
        Hello::Parsed(g) => g,
        Hello::Incomplete => return Hello::Incomplete,
        Hello::NotTls => return Hello::NotTls,
        Hello::Malformed(m) => return Hello::Malformed(m),
    };
    let frags = g.frags.get(..g.nfrags).unwrap_or(&[]);
    let mut r = Reader { frags, idx: 0, off: 0, left: g.msg_len + 4 };
    // The header was checked by `gather`; a short read below means a length
    // inside the hello overruns the hello.
    if r.skip(4).is_err() {
        return Hello::Malformed("hello header");
    }
    match parse(r) {
        Ok(h) => Hello::Parsed(h),
        Err(m) => Hello::Malformed(m),
    }
}

/// Parse the first ClientHello of a client→server byte stream.
pub fn client_hello(stream: &[u8]) -> Hello<ClientHello> {
    hello(stream, HS_CLIENT_HELLO, "first handshake message is not a ClientHello", parse_client_hello)
}

/// Parse a ClientHello from a bare handshake message (`01 <u24 len> body`),
/// as QUIC's CRYPTO frames carry it: no TLS record header. Pass the crypto
/// stream reassembled from offset 0; [`Hello::Incomplete`] until the whole
/// message is there. Bytes after the message are ignored.
pub fn client_hello_message(msg: &[u8]) -> Hello<ClientHello> {
    let Some(&kind) = msg.first() else {
        return Hello::Incomplete;
    };
    if kind != HS_CLIENT_HELLO {
        return Hello::Malformed("first handshake message is not a ClientHello");
    }
    let Some(&[_, a, b, c]) = msg.get(..4) else {
        return Hello::Incomplete;
    };
    let len = usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c);
    if len > MAX_HELLO {
        return Hello::Malformed("hello length exceeds 64 KiB");
    }
    let Some(body) = msg.get(4..4 + len) else {
        return Hello::Incomplete;
    };
    let frags = [body];
    match parse_client_hello(Reader { frags: &frags, idx: 0, off: 0, left: len }) {
        Ok(h) => Hello::Parsed(h),
        Err(m) => Hello::Malformed(m),
    }
}

fn parse_client_hello(mut r: Reader<'_>) -> Result<ClientHello, &'static str> {
    const TRUNC: &str = "ClientHello field overruns the hello";
    let mut ch = ClientHello {
        legacy_version: 0,
        max_supported_version: 0,
        cipher_count: 0,
        ciphers: CipherSummary::default(),
        extension_count: 0,
        has_sni: false,
        sni: [0; MAX_SNI],
        sni_len: 0,
        alpn_first: [0; MAX_ALPN],
        alpn_first_len: 0,
        alpn_count: 0,
        pq_key_share: false,
        pq_group_offered: false,
        supported_groups_count: 0,
        sig_algs_count: 0,
        ja4: [b'0'; JA4_LEN],
    };
    ch.legacy_version = r.u16().map_err(|_| TRUNC)?;
    r.skip(32).map_err(|_| TRUNC)?;
    let sid_len = usize::from(r.u8().map_err(|_| TRUNC)?);
    if sid_len > 32 {
        return Err("session id longer than 32");
    }
    r.skip(sid_len).map_err(|_| TRUNC)?;

    let cs_len = usize::from(r.u16().map_err(|_| TRUNC)?);
    if cs_len < 2 || cs_len % 2 != 0 {
        return Err("cipher suite list length is zero or odd");
    }
    let mut cs = r.take(cs_len).map_err(|_| TRUNC)?;
    let mut ciphers = [0u16; MAX_LISTED];
    let mut n_ciphers = 0usize;
    while cs.remaining() > 0 {
        let s = cs.u16().map_err(|_| TRUNC)?;
        if is_grease(s) {
            continue;
        }
        ch.ciphers.add(s, ch.cipher_count == 0);
        ch.cipher_count = ch.cipher_count.saturating_add(1);
        if let Some(slot) = ciphers.get_mut(n_ciphers) {
            *slot = s;
            n_ciphers += 1;
        }
    }
    let comp_len = usize::from(r.u8().map_err(|_| TRUNC)?);
    if comp_len == 0 {
        return Err("no compression methods");
    }
    r.skip(comp_len).map_err(|_| TRUNC)?;

    let mut exts = [0u16; MAX_LISTED];
    let mut n_exts = 0usize;
    let mut sigs = [0u16; MAX_LISTED];
    let mut n_sigs = 0usize;
    let mut alpn_edges: Option<(u8, u8)> = None;
    if r.remaining() > 0 {
        let ext_len = usize::from(r.u16().map_err(|_| TRUNC)?);
        if ext_len > r.remaining() {
            return Err("extensions length overruns the hello");
        }
        let mut er = r.take(ext_len).map_err(|_| TRUNC)?;
        while er.remaining() > 0 {
            let ty = er.u16().map_err(|_| "extension header truncated")?;
            let len = usize::from(er.u16().map_err(|_| "extension header truncated")?);
            let mut body = er.take(len).map_err(|_| "extension length overruns the list")?;
            if is_grease(ty) {
                continue;
            }
            ch.extension_count = ch.extension_count.saturating_add(1);
            if let Some(slot) = exts.get_mut(n_exts) {
                *slot = ty;
                n_exts += 1;
            }
            const BAD: &str = "extension body inconsistent with its length";
            match ty {
                EXT_SERVER_NAME => {
                    ch.has_sni = true;
                    if body.remaining() == 0 {
                        continue; // a server's empty acknowledgement shape
                    }
                    let list_len = usize::from(body.u16().map_err(|_| BAD)?);
                    let mut list = body.take(list_len).map_err(|_| BAD)?;
                    let mut found = false;
                    while list.remaining() > 0 {
                        let name_type = list.u8().map_err(|_| BAD)?;
                        let name_len = usize::from(list.u16().map_err(|_| BAD)?);
                        if name_type == 0 && !found {
                            if name_len > MAX_SNI {
                                return Err("server name longer than 255");
                            }
                            let n = list.copy_prefix(name_len, &mut ch.sni).map_err(|_| BAD)?;
                            ch.sni_len = u8::try_from(n).unwrap_or(u8::MAX);
                            found = true;
                        } else {
                            list.skip(name_len).map_err(|_| BAD)?;
                        }
                    }
                }
                EXT_ALPN => {
                    let list_len = usize::from(body.u16().map_err(|_| BAD)?);
                    let mut list = body.take(list_len).map_err(|_| BAD)?;
                    while list.remaining() > 0 {
                        let plen = usize::from(list.u8().map_err(|_| BAD)?);
                        if ch.alpn_count == 0 {
                            let mut p = list.take(plen).map_err(|_| BAD)?;
                            let (mut i, mut first, mut last) = (0usize, 0u8, 0u8);
                            while p.remaining() > 0 {
                                let b = p.u8().map_err(|_| BAD)?;
                                if i == 0 {
                                    first = b;
                                }
                                last = b;
                                if let Some(slot) = ch.alpn_first.get_mut(i) {
                                    *slot = b;
                                }
                                i += 1;
                            }
                            ch.alpn_first_len = u8::try_from(i.min(MAX_ALPN)).unwrap_or(0);
                            if i > 0 {
                                alpn_edges = Some((first, last));
                            }
                        } else {
                            list.skip(plen).map_err(|_| BAD)?;
                        }
                        ch.alpn_count = ch.alpn_count.saturating_add(1);
                    }
                }
                EXT_SUPPORTED_GROUPS => {
                    let list_len = usize::from(body.u16().map_err(|_| BAD)?);
                    let mut list = body.take(list_len).map_err(|_| BAD)?;
                    while list.remaining() >= 2 {
                        let g = list.u16().map_err(|_| BAD)?;
                        if !is_grease(g) {
                            ch.supported_groups_count = ch.supported_groups_count.saturating_add(1);
                            ch.pq_group_offered |= is_post_quantum_group(g);
                        }
                    }
                }
                EXT_SIGNATURE_ALGORITHMS => {
                    let list_len = usize::from(body.u16().map_err(|_| BAD)?);
                    let mut list = body.take(list_len).map_err(|_| BAD)?;
                    while list.remaining() >= 2 {
                        let s = list.u16().map_err(|_| BAD)?;
                        if is_grease(s) {
                            continue;
                        }
                        ch.sig_algs_count = ch.sig_algs_count.saturating_add(1);
                        if let Some(slot) = sigs.get_mut(n_sigs) {
                            *slot = s;
                            n_sigs += 1;
                        }
                    }
                }
                EXT_SUPPORTED_VERSIONS => {
                    let list_len = usize::from(body.u8().map_err(|_| BAD)?);
                    let mut list = body.take(list_len).map_err(|_| BAD)?;
                    while list.remaining() >= 2 {
                        let v = list.u16().map_err(|_| BAD)?;
                        if !is_grease(v) && v > ch.max_supported_version {
                            ch.max_supported_version = v;
                        }
                    }
                }
                EXT_KEY_SHARE => {
                    let list_len = usize::from(body.u16().map_err(|_| BAD)?);
                    let mut list = body.take(list_len).map_err(|_| BAD)?;
                    while list.remaining() > 0 {
                        let g = list.u16().map_err(|_| BAD)?;
                        let klen = usize::from(list.u16().map_err(|_| BAD)?);
                        list.skip(klen).map_err(|_| BAD)?;
                        ch.pq_key_share |= is_post_quantum_group(g);
                    }
                }
                _ => {}
            }
        }
    }

    let ciphers = ciphers.get_mut(..n_ciphers).unwrap_or(&mut []);
    let exts = exts.get_mut(..n_exts).unwrap_or(&mut []);
    let sigs = sigs.get(..n_sigs).unwrap_or(&[]);
    ch.ja4 = ja4(&ch, alpn_edges, ciphers, exts, sigs);
    Ok(ch)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// JA4's two ALPN characters from the first protocol's first and last bytes:
/// the bytes themselves when alphanumeric, else the first and last hex digit.
fn ja4_alpn(edges: Option<(u8, u8)>) -> [u8; 2] {
    match edges {
        None => *b"00",
        Some((f, l)) if f.is_ascii_alphanumeric() && l.is_ascii_alphanumeric() => [f, l],
        Some((f, l)) => [HEX[usize::from(f >> 4)], HEX[usize::from(l & 0xf)]],
    }
}

#[cfg(test)]
fn ja4_alpn_for_test(p: &[u8]) -> [u8; 2] {
    ja4_alpn(p.first().zip(p.last()).map(|(f, l)| (*f, *l)))
}

fn hex4(v: u16) -> [u8; 4] {
    [
        HEX[usize::from(v >> 12)],
        HEX[usize::from((v >> 8) & 0xf)],
        HEX[usize::from((v >> 4) & 0xf)],
        HEX[usize::from(v & 0xf)],
    ]
}

fn two_digits(n: u16) -> [u8; 2] {
    let n = n.min(99);
    [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8]
}

fn ja4_version(v: u16) -> [u8; 2] {
    match v {
        0x0304 => *b"13",
        0x0303 => *b"12",
        0x0302 => *b"11",
        0x0301 => *b"10",
        0x0300 => *b"s3",
        0x0002 => *b"s2",
        0xfeff => *b"d1",
        0xfefd => *b"d2",
        0xfefc => *b"d3",
        _ => *b"00",
    }
}

/// Truncated lowercase SHA-256 hex (12 characters) of comma-joined 4-hex
/// values, optionally followed by `_` and a second list.
fn hash12(first: &[u16], second: Option<&[u16]>) -> [u8; 12] {
    if first.is_empty() {
        return *b"000000000000";
    }
    let mut h = Sha256::new();
    for (i, v) in first.iter().enumerate() {
        if i > 0 {
            h.update(b",");
        }
        h.update(hex4(*v));
    }
    if let Some(s) = second.filter(|s| !s.is_empty()) {
        h.update(b"_");
        for (i, v) in s.iter().enumerate() {
            if i > 0 {
                h.update(b",");
            }
            h.update(hex4(*v));
        }
    }
    let digest = h.finalize();
    let mut out = [b'0'; 12];
    for (i, byte) in digest.iter().take(6).enumerate() {
        if let Some(pair) = out.get_mut(2 * i..2 * i + 2) {
            pair.copy_from_slice(&[HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xf)]]);
        }
    }
    out
}

fn ja4(
    ch: &ClientHello,
    alpn_edges: Option<(u8, u8)>,
    ciphers: &mut [u16],
    exts: &mut [u16],
    sigs: &[u16],
) -> [u8; JA4_LEN] {
    let mut out = [b'0'; JA4_LEN];
    let v = ja4_version(ch.version());
    let c = two_digits(ch.cipher_count);
    let e = two_digits(ch.extension_count);
    let alpn = ja4_alpn(alpn_edges);
    let a = [b't', v[0], v[1], if ch.has_sni { b'd' } else { b'i' }, c[0], c[1], e[0], e[1], alpn[0], alpn[1]];
    ciphers.sort_unstable();
    let b = hash12(ciphers, None);
    exts.sort_unstable();
    let mut n = 0;
    for i in 0..exts.len() {
        let x = exts.get(i).copied().unwrap_or(0);
        if x != EXT_SERVER_NAME && x != EXT_ALPN {
            if let Some(slot) = exts.get_mut(n) {
                *slot = x;
            }
            n += 1;
        }
    }
    let c_part = hash12(exts.get(..n).unwrap_or(&[]), Some(sigs));
    let parts: [&[u8]; 5] = [&a, b"_", &b, b"_", &c_part];
    let mut pos = 0;
    for p in parts {
        for &byte in p {
            if let Some(slot) = out.get_mut(pos) {
                *slot = byte;
            }
            pos += 1;
        }
    }
    out
}

/// Parse the first ServerHello (or HelloRetryRequest) of a server→client stream.
pub fn server_hello(stream: &[u8]) -> Hello<ServerHello> {
    hello(stream, HS_SERVER_HELLO, "first handshake message is not a ServerHello", parse_server_hello)
}

fn parse_server_hello(mut r: Reader<'_>) -> Result<ServerHello, &'static str> {
    const TRUNC: &str = "ServerHello field overruns the hello";
    const BAD: &str = "extension body inconsistent with its length";
    let mut sh = ServerHello {
        legacy_version: 0,
        version: 0,
        cipher_suite: 0,
        extension_count: 0,
        hello_retry_request: false,
        alpn: [0; MAX_ALPN],
        alpn_len: 0,
    };
    sh.legacy_version = r.u16().map_err(|_| TRUNC)?;
    sh.version = sh.legacy_version;
    let mut random = [0u8; 32];
    r.copy_prefix(32, &mut random).map_err(|_| TRUNC)?;
    sh.hello_retry_request = random == HRR_RANDOM;
    let sid_len = usize::from(r.u8().map_err(|_| TRUNC)?);
    if sid_len > 32 {
        return Err("session id longer than 32");
    }
    r.skip(sid_len).map_err(|_| TRUNC)?;
    sh.cipher_suite = r.u16().map_err(|_| TRUNC)?;
    r.u8().map_err(|_| TRUNC)?; // compression method
    if r.remaining() == 0 {
        return Ok(sh);
    }
    let ext_len = usize::from(r.u16().map_err(|_| TRUNC)?);
    if ext_len > r.remaining() {
        return Err("extensions length overruns the hello");
    }
    let mut er = r.take(ext_len).map_err(|_| TRUNC)?;
    while er.remaining() > 0 {
        let ty = er.u16().map_err(|_| "extension header truncated")?;
        let len = usize::from(er.u16().map_err(|_| "extension header truncated")?);
        let mut body = er.take(len).map_err(|_| "extension length overruns the list")?;
        sh.extension_count = sh.extension_count.saturating_add(1);
        match ty {
            EXT_SUPPORTED_VERSIONS => {
                sh.version = body.u16().map_err(|_| BAD)?;
            }
            EXT_ALPN => {
                let list_len = usize::from(body.u16().map_err(|_| BAD)?);
                let mut list = body.take(list_len).map_err(|_| BAD)?;
                if list.remaining() > 0 {
                    let plen = usize::from(list.u8().map_err(|_| BAD)?);
                    let n = list.copy_prefix(plen, &mut sh.alpn).map_err(|_| BAD)?;
                    sh.alpn_len = u8::try_from(n).unwrap_or(u8::MAX);
                }
            }
            _ => {}
        }
    }
    Ok(sh)
}

const HS_CERTIFICATE: u8 = 11;
/// Handshake messages a TLS 1.2 server sends after the Certificate, or
/// instead of one (anonymous and PSK suites): seeing one first means no
/// certificate is coming.
const HS_AFTER_CERTIFICATE: [u8; 3] = [12, 13, 14]; // ServerKeyExchange, CertificateRequest, ServerHelloDone
/// Records and messages walked looking for the Certificate: ServerHello,
/// perhaps CertificateStatus or an extension message, then the Certificate.
const MAX_CERT_RECORDS: usize = 16;
const MAX_CERT_MESSAGES: usize = 8;

/// How a walk over handshake bytes stopped short.
enum Stop {
    Incomplete,
    NotTls,
    Malformed(&'static str),
}

impl<T> From<Stop> for Hello<T> {
    fn from(s: Stop) -> Self {
        match s {
            Stop::Incomplete => Hello::Incomplete,
            Stop::NotTls => Hello::NotTls,
            Stop::Malformed(m) => Hello::Malformed(m),
        }
    }
}

/// A cursor over the handshake bytes of a record stream, stepping over
/// record headers. Any non-handshake record means the plaintext handshake
/// is over (ChangeCipherSpec, alert, application data).
struct HandshakeCursor<'a> {
    stream: &'a [u8],
    pos: usize,
    body_end: usize,
    records: usize,
}

impl<'a> HandshakeCursor<'a> {
    /// Moves into the next record while the current one is used up.
    fn fill(&mut self) -> Result<(), Stop> {
        while self.pos == self.body_end {
            match self.stream.get(self.pos) {
                None => return Err(Stop::Incomplete),
                Some(&CONTENT_HANDSHAKE) => {}
                Some(_) => return Err(Stop::NotTls),
            }
            let Some(&[_, major, _, hi, lo]) = self.stream.get(self.pos..self.pos + 5) else {
                return Err(Stop::Incomplete);
            };
            let len = usize::from(hi) << 8 | usize::from(lo);
            if major != 3 {
                return Err(Stop::Malformed("record version is not 3.x"));
            }
            if len == 0 || len > MAX_RECORD {
                return Err(Stop::Malformed("handshake record length is 0 or over 2^14"));
            }
            self.records += 1;
            if self.records > MAX_CERT_RECORDS {
                return Err(Stop::Malformed("no certificate within the first records"));
            }
            self.pos += 5;
            self.body_end = self.pos + len;
        }
        if self.pos >= self.stream.len() {
            return Err(Stop::Incomplete);
        }
        Ok(())
    }

    fn u8(&mut self) -> Result<u8, Stop> {
        self.fill()?;
        let b = *self.stream.get(self.pos).ok_or(Stop::Incomplete)?;
        self.pos += 1;
        Ok(b)
    }

    fn u24(&mut self) -> Result<usize, Stop> {
        Ok(usize::from(self.u8()?) << 16 | usize::from(self.u8()?) << 8 | usize::from(self.u8()?))
    }

    fn skip(&mut self, mut n: usize) -> Result<(), Stop> {
        while n > 0 {
            self.fill()?;
            let avail = self.body_end.min(self.stream.len()) - self.pos;
            let step = avail.min(n);
            self.pos += step;
            n -= step;
        }
        Ok(())
    }

    /// The next `n` bytes as one slice, when they lie in one record.
    fn contiguous(&mut self, n: usize) -> Result<&'a [u8], Stop> {
        self.fill()?;
        if self.pos + n > self.body_end {
            return Err(Stop::Malformed("first certificate spans TLS records"));
        }
        let bytes = self.stream.get(self.pos..self.pos + n).ok_or(Stop::Incomplete)?;
        self.pos += n;
        Ok(bytes)
    }
}

/// The DER of the server's first certificate (its own, by RFC 5246 7.4.2)
/// in a server→client stream from its first byte.
///
/// [`Hello::Incomplete`] until the certificate's bytes have all arrived.
/// [`Hello::NotTls`] when no plaintext certificate will come: the stream is
/// not TLS, the server chose TLS 1.3 (its certificate is encrypted), the
/// session is resumed (ChangeCipherSpec follows the ServerHello), or the
/// suite is anonymous/PSK (the flight has no Certificate). A certificate
/// that straddles a record boundary is reported as `Malformed` rather than
/// copied.
pub fn first_certificate(server_stream: &[u8]) -> Hello<&[u8]> {
    match server_hello(server_stream) {
        Hello::Parsed(sh) => {
            // 1.3, its drafts (0x7fxx) and a HelloRetryRequest all mean the
            // certificate will be encrypted.
            if sh.version == 0x0304 || sh.version >> 8 == 0x7f || sh.hello_retry_request {
                return Hello::NotTls;
            }
        }
        Hello::Incomplete => return Hello::Incomplete,
        Hello::NotTls => return Hello::NotTls,
        Hello::Malformed(m) => return Hello::Malformed(m),
    }
    let mut c = HandshakeCursor { stream: server_stream, pos: 0, body_end: 0, records: 0 };
    match certificate_in(&mut c) {
        Ok(der) => Hello::Parsed(der),
        Err(stop) => stop.into(),
    }
}

fn certificate_in<'a>(c: &mut HandshakeCursor<'a>) -> Result<&'a [u8], Stop> {
    for _ in 0..MAX_CERT_MESSAGES {
        let kind = c.u8()?;
        let len = c.u24()?;
        if len > MAX_HELLO * 4 {
            return Err(Stop::Malformed("handshake message over 256 KiB"));
        }
        if kind == HS_CERTIFICATE {
            if len < 3 {
                return Err(Stop::Malformed("Certificate message shorter than its list length"));
            }
            let list = c.u24()?;
            if list != len - 3 {
                return Err(Stop::Malformed("certificate_list length disagrees with the message"));
            }
            if list == 0 {
                return Err(Stop::NotTls); // no certificate sent
            }
            let cert = c.u24()?;
            if cert == 0 || cert + 3 > list {
                return Err(Stop::Malformed("certificate length overruns the list"));
            }
            return c.contiguous(cert);
        }
        if HS_AFTER_CERTIFICATE.contains(&kind) {
            return Err(Stop::NotTls);
        }
        c.skip(len)?;
    }
    Err(Stop::Malformed("no certificate within the first handshake messages"))
}

/// The QUIC version of a long-header packet (RFC 8999/9000: header form bit
/// and fixed bit set), or `None`. Version 0 is version negotiation.
pub fn is_quic_long_header(udp_payload: &[u8]) -> Option<u32> {
    let first = *udp_payload.first()?;
    if first & 0xc0 != 0xc0 {
        return None;
    }
    let v = udp_payload.get(1..5)?;
    let version = u32::from_be_bytes([*v.first()?, *v.get(1)?, *v.get(2)?, *v.get(3)?]);
    // Both connection ids must fit: a length byte that overruns the datagram
    // is not QUIC.
    let dcid_len = usize::from(*udp_payload.get(5)?);
    let scid_len = usize::from(*udp_payload.get(6 + dcid_len)?);
    if udp_payload.len() < 7 + dcid_len + scid_len {
        return None;
    }
    // Versions 1 and 2 cap connection ids at 20 bytes; unknown versions may not.
    if matches!(version, 1 | 0x6b3343cf) && (dcid_len > 20 || scid_len > 20) {
        return None;
    }
    Some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real hellos, cut from captures by `scripts/extract-hello-vectors.py`
    /// (provenance in `dataplane/tests/data/tls/README.md`).
    macro_rules! vectors {
        ($($name:literal),* $(,)?) => {
            &[$(
                (
                    $name,
                    include_bytes!(concat!("../tests/data/tls/", $name, ".client.bin")) as &[u8],
                    include_bytes!(concat!("../tests/data/tls/", $name, ".server.bin")) as &[u8],
                ),
            )*]
        };
    }
    const VECTORS: &[(&str, &[u8], &[u8])] = vectors!(
        "curl_openssl3_tls13",
        "chrome_mlkem_googlevideo",
        "google_3segments",
        "chrome_grease_viglink",
        "tls12_ja4_cl",
        "trex_https_tls10",
        "trex_cap2_https",
        "tls13_draft28",
        "samsung_tls10",
        "hrr_ftp_nluug",
        "apple_alpn_icloud",
        "ipv6_dns_google",
        "tls12_noissuer",
    );
    const EXPECTED: &str = include_str!("../tests/data/tls/expected.tsv");

    /// tshark's decode of one hello, from expected.tsv.
    struct Expected {
        segments: Vec<usize>,
        legacy_version: u16,
        ciphers: Vec<u16>,
        extensions: Vec<u16>,
        sig_algs: Vec<u16>,
        supported_versions: Vec<u16>,
        sni: String,
        alpn: Vec<String>,
        ja4: String,
    }

    fn hex_list(s: &str) -> Vec<u16> {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(|x| u16::from_str_radix(x, 16).expect("hex in expected.tsv"))
            .collect()
    }

    fn expected(name: &str, direction: &str) -> Expected {
        let line = EXPECTED
            .lines()
            .find(|l| {
                let mut f = l.split('\t');
                f.next() == Some(name) && f.next() == Some(direction)
            })
            .unwrap_or_else(|| panic!("{name} {direction} missing from expected.tsv"));
        let f: Vec<&str> = line.split('\t').collect();
        Expected {
            segments: f[2].split(',').map(|x| x.parse().expect("size")).collect(),
            legacy_version: hex_list(f[3])[0],
            ciphers: hex_list(f[4]),
            extensions: hex_list(f[5]),
            sig_algs: hex_list(f[6]),
            supported_versions: hex_list(f[7]),
            sni: f[8].to_string(),
            alpn: f[9].split(',').filter(|x| !x.is_empty()).map(str::to_string).collect(),
            ja4: f[10].to_string(),
        }
    }

    fn parsed_client(bytes: &[u8]) -> ClientHello {
        match client_hello(bytes) {
            Hello::Parsed(ch) => ch,
            other => panic!("expected a ClientHello, got {:?}", other.map_debug()),
        }
    }

    fn parsed_server(bytes: &[u8]) -> ServerHello {
        match server_hello(bytes) {
            Hello::Parsed(sh) => sh,
            other => panic!("expected a ServerHello, got {:?}", other.map_debug()),
        }
    }

    impl<T: core::fmt::Debug> Hello<T> {
        fn map_debug(&self) -> String {
            format!("{self:?}")
        }
    }

    #[test]
    fn client_hellos_match_tshark() {
        for (name, client, _) in VECTORS {
            let ch = parsed_client(client);
            let e = expected(name, "client");
            assert_eq!(ch.legacy_version, e.legacy_version, "{name}");
            assert_eq!(usize::from(ch.cipher_count), e.ciphers.len(), "{name}");
            assert_eq!(usize::from(ch.extension_count), e.extensions.len(), "{name}");
            assert_eq!(usize::from(ch.sig_algs_count), e.sig_algs.len(), "{name}");
            assert_eq!(ch.max_supported_version, e.supported_versions.iter().copied().max().unwrap_or(0), "{name}");
            assert_eq!(ch.sni().unwrap_or(""), e.sni, "{name}");
            assert_eq!(ch.has_sni, e.extensions.contains(&0), "{name}");
            assert_eq!(usize::from(ch.alpn_count), e.alpn.len(), "{name}");
            assert_eq!(ch.alpn_first(), e.alpn.first().map(|s| s.as_bytes()).unwrap_or(b""), "{name}");
            let s = ch.ciphers;
            assert_eq!(s.aead + s.cbc + s.legacy + s.scsv, ch.cipher_count, "{name}: every suite lands in one bucket");
        }
    }

    #[test]
    fn ja4_matches_independent_reference() {
        // expected.tsv's JA4 comes from a Python implementation of FoxIO's
        // JA4.md over tshark's decoded fields (tshark 4.0 has no ja4 field).
        for (name, client, _) in VECTORS {
            let ch = parsed_client(client);
            assert_eq!(ch.ja4(), expected(name, "client").ja4, "{name}");
        }
        // Firefox with X25519MLKEM768: the public JA4 of Firefox 148.
        let ff = parsed_client(VECTORS[1].1);
        assert_eq!(ff.ja4(), "t13d1717h2_5b57614c22b0_3cbfd9057e0d");
    }

    #[test]
    fn ja4_hash_parts_match_the_spec_examples() {
        // The worked examples of FoxIO's technical_details/JA4.md.
        let mut ciphers = [
            0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d,
            0x002f, 0x0035,
        ];
        ciphers.sort_unstable();
        assert_eq!(&hash12(&ciphers, None), b"8daaf6152771");
        let exts = [
            0x0005, 0x000a, 0x000b, 0x000d, 0x0012, 0x0015, 0x0017, 0x001b, 0x0023, 0x002b, 0x002d, 0x0033, 0x4469,
            0xff01,
        ];
        let sigs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];
        assert_eq!(&hash12(&exts, Some(&sigs)), b"e5627efa2ab1");
        assert_eq!(&hash12(&exts, None), b"6d807ffa2a79");
        assert_eq!(&hash12(&[], None), b"000000000000");
    }

    #[test]
    fn ja4_alpn_characters() {
        assert_eq!(super::ja4_alpn_for_test(b"h2"), *b"h2");
        assert_eq!(super::ja4_alpn_for_test(b"http/1.1"), *b"h1");
        assert_eq!(super::ja4_alpn_for_test(b"\xab"), *b"ab");
        assert_eq!(super::ja4_alpn_for_test(b"\xab\xcd"), *b"ad");
        assert_eq!(super::ja4_alpn_for_test(b"\x30\xab"), *b"3b");
        assert_eq!(super::ja4_alpn_for_test(b"\x30\x31\xab\xcd"), *b"3d");
        assert_eq!(super::ja4_alpn_for_test(b"\x30\xab\xcd\x31"), *b"01");
        assert_eq!(super::ja4_alpn_for_test(b"a"), *b"aa");
        assert_eq!(super::ja4_alpn_for_test(b""), *b"00");
    }

    #[test]
    fn notable_client_hellos() {
        let curl = parsed_client(VECTORS[0].1);
        assert_eq!(curl.sni(), Some("www.demo.flowmark.test"));
        assert_eq!(curl.max_supported_version, 0x0304);
        assert!(!curl.pq_key_share);
        assert_eq!(curl.ciphers.tls13, 3);
        assert!(!curl.ciphers.chacha_first);

        let ff = parsed_client(VECTORS[1].1);
        assert!(ff.pq_key_share, "X25519MLKEM768 key share");
        assert!(ff.pq_group_offered);
        assert!(client_hello_len(VECTORS[1].1) > 1460, "larger than one segment");

        let grease = parsed_client(VECTORS[3].1);
        assert_eq!(grease.cipher_count, 15, "GREASE suite not counted");
        assert_eq!(grease.max_supported_version, 0x0304, "GREASE version ignored");

        let apple = parsed_client(VECTORS[10].1);
        assert_eq!(apple.sni(), Some("p130-contacts.icloud.com"));
        assert_eq!(apple.alpn_first(), b"h2");

        let old = parsed_client(VECTORS[6].1);
        assert_eq!(old.extension_count, 0);
        assert_eq!(old.legacy_version, 0x0301);
        assert_eq!(old.sni(), None);
        assert_eq!(old.ja4(), "t10i020000_a5878986a7c9_000000000000");
    }

    fn client_hello_len(v: &[u8]) -> usize {
        v.len()
    }

    #[test]
    fn server_hellos_match_tshark() {
        for (name, _, server) in VECTORS {
            let sh = parsed_server(server);
            let e = expected(name, "server");
            assert_eq!(sh.legacy_version, e.legacy_version, "{name}");
            assert_eq!(sh.cipher_suite, e.ciphers[0], "{name}");
            assert_eq!(usize::from(sh.extension_count), e.extensions.len(), "{name}");
            let version = e.supported_versions.first().copied().unwrap_or(e.legacy_version);
            assert_eq!(sh.version, version, "{name}");
            assert_eq!(sh.alpn(), e.alpn.first().map(|s| s.as_bytes()).unwrap_or(b""), "{name}");
            assert_eq!(sh.hello_retry_request, *name == "hrr_ftp_nluug", "{name}");
        }
    }

    #[test]
    fn real_three_segment_client_hello() {
        let (name, client, _) = VECTORS[2];
        let sizes = expected(name, "client").segments;
        assert_eq!(sizes, vec![248, 248, 21]);
        let full = parsed_client(client);
        let mut end = 0;
        for (i, size) in sizes.iter().enumerate() {
            end += size;
            let got = client_hello(&client[..end]);
            if i + 1 < sizes.len() {
                assert_eq!(got, Hello::Incomplete, "after segment {i}");
            } else {
                assert_eq!(got, Hello::Parsed(full));
            }
        }
    }

    /// The bodies of a stream's TLS records, concatenated (its handshake bytes).
    fn record_bodies(stream: &[u8]) -> Vec<u8> {
        let mut hs = Vec::new();
        let mut pos = 0;
        while pos + 5 <= stream.len() {
            let len = usize::from(u16::from_be_bytes([stream[pos + 3], stream[pos + 4]]));
            hs.extend_from_slice(&stream[pos + 5..pos + 5 + len]);
            pos += 5 + len;
        }
        hs
    }

    /// Re-frames a hello's handshake bytes into records of the given sizes
    /// (the last size repeats).
    fn reframe_sizes(stream: &[u8], sizes: &[usize]) -> Vec<u8> {
        let hs = record_bodies(stream);
        let mut out = Vec::new();
        let mut rest = &hs[..];
        let mut i = 0;
        while !rest.is_empty() {
            let n = sizes[i.min(sizes.len() - 1)].min(rest.len());
            let (chunk, tail) = rest.split_at(n);
            out.extend_from_slice(&[22, stream[1], stream[2]]);
            out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
            out.extend_from_slice(chunk);
            rest = tail;
            i += 1;
        }
        out
    }

    fn reframe(stream: &[u8], max: usize) -> Vec<u8> {
        reframe_sizes(stream, &[max])
    }

    #[test]
    fn hello_split_over_records_and_segments() {
        for (name, client, server) in VECTORS {
            let ch = parsed_client(client);
            let sh = parsed_server(server);
            // Two records (the split lands inside the body); records of 64
            // bytes; and a 4-byte handshake header split over three records.
            let framings =
                [reframe(client, client.len() / 2), reframe(client, 64), reframe_sizes(client, &[2, 1, usize::MAX])];
            for (f, framed) in framings.iter().enumerate() {
                assert_eq!(client_hello(framed), Hello::Parsed(ch), "{name} framing {f}");
                for cut in 0..framed.len() {
                    assert_eq!(client_hello(&framed[..cut]), Hello::Incomplete, "{name} {f} {cut}");
                }
            }
            let two = reframe(server, server.len() / 2);
            assert_eq!(server_hello(&two), Hello::Parsed(sh), "{name}");
            // Two TCP segments: every split point.
            for cut in 1..client.len() {
                assert_eq!(client_hello(&client[..cut]), Hello::Incomplete, "{name} {cut}");
                let mut joined = client[..cut].to_vec();
                joined.extend_from_slice(&client[cut..]);
                assert_eq!(client_hello(&joined), Hello::Parsed(ch));
            }
        }
        // The record count is bounded: a hello in 1-byte records is refused.
        assert_eq!(client_hello(&reframe(VECTORS[0].1, 1)), Hello::Malformed("hello spread over too many records"));
    }

    #[test]
    fn every_prefix_is_incomplete_or_the_same_hello() {
        for (name, client, server) in VECTORS {
            parsed_client(client); // the full vector parses
            let sh = parsed_server(server);
            for cut in 0..client.len() {
                assert_eq!(client_hello(&client[..cut]), Hello::Incomplete, "{name} {cut}");
            }
            for cut in 0..server.len() {
                match server_hello(&server[..cut]) {
                    Hello::Incomplete => {}
                    Hello::Parsed(p) => assert_eq!(p, sh, "{name} {cut}"),
                    other => panic!("{name} {cut}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn not_tls() {
        let sslv2 = include_bytes!("../tests/data/tls/sslv2_compat_hello.bin");
        assert_eq!(client_hello(sslv2), Hello::NotTls);
        assert_eq!(client_hello(b"GET / HTTP/1.1\r\n"), Hello::NotTls);
        assert_eq!(client_hello(b"SSH-2.0-OpenSSH_9.2\r\n"), Hello::NotTls);
        assert_eq!(client_hello(&[22, 4]), Hello::NotTls);
        assert_eq!(client_hello(&[22]), Hello::Incomplete);
        assert_eq!(client_hello(&[]), Hello::Incomplete);
        // A server stream starting with an alert is not a handshake.
        assert_eq!(server_hello(&[21, 3, 3, 0, 2, 2, 40]), Hello::NotTls);
        // A ServerHello is not a ClientHello, and vice versa.
        assert!(matches!(client_hello(VECTORS[0].2), Hello::Malformed(_)));
        assert!(matches!(server_hello(VECTORS[0].1), Hello::Malformed(_)));
    }

    /// Sets a big-endian length field of `width` bytes at `at` in a copy.
    fn with_len(v: &[u8], at: usize, width: usize, value: usize) -> Vec<u8> {
        let mut out = v.to_vec();
        let bytes = value.to_be_bytes();
        out[at..at + width].copy_from_slice(&bytes[bytes.len() - width..]);
        out
    }

    #[test]
    fn bogus_lengths_are_malformed() {
        let v = VECTORS[0].1; // one record, ClientHello at offset 5
        let bad = |b: Vec<u8>, why: &str| {
            assert!(matches!(client_hello(&b), Hello::Malformed(_)), "{why}: {:?}", client_hello(&b).map_debug());
        };
        bad(with_len(v, 3, 2, 0), "empty record");
        bad(with_len(v, 3, 2, 0x4001), "record over 2^14");
        bad(with_len(v, 6, 3, 0x100000), "hello over 64 KiB");
        // session id length 33
        bad(with_len(v, 5 + 4 + 34, 1, 33), "session id");
        let sid = usize::from(v[5 + 4 + 34]);
        let cs_at = 5 + 4 + 35 + sid;
        bad(with_len(v, cs_at, 2, 3), "odd cipher list");
        bad(with_len(v, cs_at, 2, 0), "empty cipher list");
        bad(with_len(v, cs_at, 2, 0xfffe), "cipher list overruns");
        let cs = usize::from(u16::from_be_bytes([v[cs_at], v[cs_at + 1]]));
        let comp_at = cs_at + 2 + cs;
        bad(with_len(v, comp_at, 1, 0), "no compression");
        let ext_at = comp_at + 1 + usize::from(v[comp_at]);
        bad(with_len(v, ext_at, 2, 0xffff), "extensions overrun");
        // first extension's length overruns the list
        bad(with_len(v, ext_at + 4, 2, 0xfff0), "extension overruns");
        // A hello whose handshake header claims more than it holds is only
        // Incomplete (it may yet arrive), never Parsed.
        let longer = with_len(v, 6, 3, v.len());
        assert_eq!(client_hello(&longer), Hello::Incomplete);
        // A handshake interrupted by application data.
        let mut interrupted = reframe(v, 100);
        interrupted[105] = 23;
        bad(interrupted, "non-handshake record");
    }

    #[test]
    fn differential_against_tls_parser() {
        use tls_parser::{
            parse_tls_client_hello_extensions, parse_tls_message_handshake, parse_tls_server_hello_extensions, SNIType,
            TlsExtension, TlsMessage, TlsMessageHandshake,
        };
        fn handshake_bytes(stream: &[u8]) -> Vec<u8> {
            let mut hs = Vec::new();
            let mut rest = stream;
            while let Ok((r, rec)) = tls_parser::parse_tls_raw_record(rest) {
                hs.extend_from_slice(rec.data);
                rest = r;
            }
            hs
        }
        for (name, client, server) in VECTORS {
            let ch = parsed_client(client);
            let hs = handshake_bytes(client);
            let Ok((_, TlsMessage::Handshake(TlsMessageHandshake::ClientHello(o)))) = parse_tls_message_handshake(&hs)
            else {
                panic!("{name}: tls-parser did not parse the ClientHello");
            };
            let ciphers = o.ciphers.iter().filter(|c| !is_grease(c.0)).count();
            assert_eq!(usize::from(ch.cipher_count), ciphers, "{name} ciphers");
            assert_eq!(ch.legacy_version, o.version.0, "{name} version");
            let exts = o.ext.map(|e| parse_tls_client_hello_extensions(e).expect("oracle exts").1).unwrap_or_default();
            let non_grease = exts.iter().filter(|e| !matches!(e, TlsExtension::Grease(..))).count();
            assert_eq!(usize::from(ch.extension_count), non_grease, "{name} extensions");
            let sni = exts.iter().find_map(|e| match e {
                TlsExtension::SNI(list) => list.iter().find(|(t, _)| *t == SNIType::HostName).map(|(_, n)| *n),
                _ => None,
            });
            assert_eq!(ch.has_sni, sni.is_some(), "{name} sni present");
            assert_eq!(ch.sni_bytes(), sni.unwrap_or(b""), "{name} sni");
            let max_v = exts
                .iter()
                .find_map(|e| match e {
                    TlsExtension::SupportedVersions(v) => v.iter().map(|x| x.0).filter(|x| !is_grease(*x)).max(),
                    _ => None,
                })
                .unwrap_or(0);
            assert_eq!(ch.max_supported_version, max_v, "{name} supported_versions");
            let alpn = exts.iter().find_map(|e| match e {
                TlsExtension::ALPN(list) => Some(list.clone()),
                _ => None,
            });
            assert_eq!(usize::from(ch.alpn_count), alpn.as_ref().map_or(0, Vec::len), "{name}");

            let sh = parsed_server(server);
            let hs = handshake_bytes(server);
            let Ok((_, TlsMessage::Handshake(TlsMessageHandshake::ServerHello(o)))) = parse_tls_message_handshake(&hs)
            else {
                panic!("{name}: tls-parser did not parse the ServerHello");
            };
            assert_eq!(sh.cipher_suite, o.cipher.0, "{name} cipher");
            assert_eq!(sh.legacy_version, o.version.0, "{name} version");
            let exts = o.ext.map(|e| parse_tls_server_hello_extensions(e).expect("oracle exts").1).unwrap_or_default();
            assert_eq!(usize::from(sh.extension_count), exts.len(), "{name} extensions");
        }
    }

    #[test]
    fn every_prefix_of_every_mutation_never_panics() {
        // Cheap deterministic mutation: flip each byte of each vector in turn
        // and parse every prefix of a few of them. The fuzz target does more.
        for (_, client, server) in VECTORS {
            for v in [*client, *server] {
                for i in 0..v.len() {
                    let mut m = v.to_vec();
                    m[i] ^= 0xff;
                    let _ = client_hello(&m);
                    let _ = server_hello(&m);
                    if i % 97 == 0 {
                        for cut in 0..m.len() {
                            let _ = client_hello(&m[..cut]);
                            let _ = server_hello(&m[..cut]);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn client_hello_from_a_bare_handshake_message() {
        // RFC 9001 A.2's CRYPTO frame: type, offset 0, length 0x40f1, then
        // the ClientHello message.
        let hex = include_str!("../tests/data/quic/rfc9001_a2_crypto_frame.hex").trim();
        let frame: Vec<u8> =
            (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect();
        let msg = &frame[4..];
        let Hello::Parsed(ch) = client_hello_message(msg) else {
            panic!("no ClientHello");
        };
        assert_eq!(ch.sni(), Some("example.com"));
        assert_eq!(ch.alpn_first(), b"alpn");
        // The same message in a TLS record parses the same.
        let mut record = vec![22, 3, 1];
        record.extend_from_slice(&(msg.len() as u16).to_be_bytes());
        record.extend_from_slice(msg);
        assert_eq!(client_hello(&record), Hello::Parsed(ch));
        for cut in 0..msg.len() {
            assert_eq!(client_hello_message(&msg[..cut]), Hello::Incomplete, "{cut}");
        }
        let mut longer = msg.to_vec();
        longer.extend_from_slice(&[0xde, 0xad]);
        assert_eq!(client_hello_message(&longer), Hello::Parsed(ch), "bytes after the message");
        assert!(matches!(client_hello_message(&[2, 0, 0, 0]), Hello::Malformed(_)));
        assert!(matches!(client_hello_message(&[1, 1, 0, 1]), Hello::Malformed(_)), "over 64 KiB");
        let mut short = msg.to_vec();
        short[3] -= 40; // the message now ends inside its extensions
        assert!(matches!(client_hello_message(&short), Hello::Malformed(_)));
    }

    /// Real TLS <= 1.2 server flights up to the first Certificate, and the
    /// SHA-256 of tshark's first certificate for each (scripts/extract-cert-vectors.py).
    const FLIGHTS: &[(&str, &[u8])] = &[
        ("tls12_ja4_cl", include_bytes!("../tests/data/x509/tls12_ja4_cl.server_flight.bin")),
        ("tls12_noissuer", include_bytes!("../tests/data/x509/tls12_noissuer.server_flight.bin")),
        ("trex_https_tls10", include_bytes!("../tests/data/x509/trex_https_tls10.server_flight.bin")),
        ("trex_cap2_https", include_bytes!("../tests/data/x509/trex_cap2_https.server_flight.bin")),
        ("samsung_tls10", include_bytes!("../tests/data/x509/samsung_tls10.server_flight.bin")),
        ("google_3segments", include_bytes!("../tests/data/x509/google_3segments.server_flight.bin")),
    ];
    const FLIGHTS_TSV: &str = include_str!("../tests/data/x509/flights.tsv");

    fn first_cert(flight: &[u8]) -> &[u8] {
        match first_certificate(flight) {
            Hello::Parsed(der) => der,
            other => panic!("no certificate: {other:?}"),
        }
    }

    fn sha256_hex(b: &[u8]) -> String {
        Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn first_certificate_matches_tshark() {
        for (name, flight) in FLIGHTS {
            let line = FLIGHTS_TSV.lines().find(|l| l.split('\t').next() == Some(name)).expect("in flights.tsv");
            let hash = line.split('\t').nth(2).expect("hash column");
            assert_eq!(sha256_hex(first_cert(flight)), hash, "{name}");
        }
    }

    #[test]
    fn first_certificate_every_prefix() {
        for (name, flight) in FLIGHTS {
            let der = first_cert(flight);
            let end = der.as_ptr() as usize - flight.as_ptr() as usize + der.len();
            for cut in 0..flight.len() {
                match first_certificate(&flight[..cut]) {
                    Hello::Incomplete => assert!(cut < end, "{name} {cut}"),
                    Hello::Parsed(d) => assert!(cut >= end && d == der, "{name} {cut}"),
                    other => panic!("{name} {cut}: {other:?}"),
                }
            }
        }
    }

    /// The flight's handshake bytes re-framed into records that end at the
    /// given handshake offsets.
    fn reframe_at(stream: &[u8], cuts: &[usize]) -> Vec<u8> {
        let hs = record_bodies(stream);
        let mut out = Vec::new();
        let mut start = 0;
        for &end in cuts.iter().chain(std::iter::once(&hs.len())) {
            out.extend_from_slice(&[22, 3, 3]);
            out.extend_from_slice(&((end - start) as u16).to_be_bytes());
            out.extend_from_slice(&hs[start..end]);
            start = end;
        }
        out
    }

    #[test]
    fn first_certificate_framings() {
        for (name, flight) in FLIGHTS {
            let der = first_cert(flight).to_vec();
            // Offset of the certificate in the handshake bytes: 5 bytes of
            // record header before each record up to it.
            let whole = reframe_at(flight, &[]);
            let at = first_cert(&whole).as_ptr() as usize - whole.as_ptr() as usize - 5;
            // Everything in one record; the certificate's headers in one
            // record and the certificate in the next; headers split 1 byte
            // at a time.
            for cuts in [vec![], vec![at], vec![at - 7, at - 6, at - 5, at - 4, at - 3, at - 2, at - 1, at]] {
                let framed = reframe_at(flight, &cuts);
                assert_eq!(first_certificate(&framed), Hello::Parsed(&der[..]), "{name} {cuts:?}");
            }
            let split = reframe_at(flight, &[at + der.len() / 2]);
            assert_eq!(first_certificate(&split), Hello::Malformed("first certificate spans TLS records"), "{name}");
        }
    }

    #[test]
    fn no_plaintext_certificate() {
        // TLS 1.3 (and draft) servers, a HelloRetryRequest: encrypted certificates.
        for (name, _, server) in VECTORS {
            let sh = parsed_server(server);
            if sh.version == 0x0304 || sh.version >> 8 == 0x7f || sh.hello_retry_request {
                assert_eq!(first_certificate(server), Hello::NotTls, "{name}");
            }
        }
        let flight = FLIGHTS[0].1;
        let sh_record = &flight[..5 + usize::from(flight[4])];
        let with = |tail: &[u8]| [sh_record, tail].concat();
        // Resumption: ChangeCipherSpec right after the ServerHello.
        assert_eq!(first_certificate(&with(&[20, 3, 3, 0, 1, 1])), Hello::NotTls);
        // Anonymous/PSK: ServerHelloDone without a Certificate.
        assert_eq!(first_certificate(&with(&[22, 3, 3, 0, 4, 14, 0, 0, 0])), Hello::NotTls);
        // An empty certificate_list.
        assert_eq!(first_certificate(&with(&[22, 3, 3, 0, 7, 11, 0, 0, 3, 0, 0, 0])), Hello::NotTls);
        assert_eq!(first_certificate(b"HTTP/1.1 200 OK\r\n"), Hello::NotTls);
        assert_eq!(first_certificate(&with(&[])), Hello::Incomplete);
        assert_eq!(first_certificate(&[]), Hello::Incomplete);
    }

    #[test]
    fn bogus_certificate_messages() {
        let flight = FLIGHTS[0].1;
        let sh_record = &flight[..5 + usize::from(flight[4])];
        let bad = |tail: &[u8]| {
            let bytes = [sh_record, tail].concat();
            let r = first_certificate(&bytes);
            assert!(matches!(r, Hello::Malformed(_)), "{tail:?}: {r:?}");
        };
        bad(&[22, 3, 3, 0, 7, 11, 0, 0, 3, 0, 0, 5]); // list length disagrees
        bad(&[22, 3, 3, 0, 10, 11, 0, 0, 6, 0, 0, 3, 0, 0, 0]); // empty certificate
        bad(&[22, 3, 3, 0, 10, 11, 0, 0, 6, 0, 0, 3, 0, 0, 9]); // certificate overruns the list
        bad(&[22, 3, 3, 0, 4, 11, 0, 0, 1]); // shorter than a list length
        bad(&[22, 3, 3, 0, 4, 11, 0xff, 0, 0]); // absurd message length
        bad(&[22, 3, 3, 0, 0]); // empty record
        bad(&[22, 3, 3, 0x40, 1]); // record over 2^14
        bad(&[22, 4, 3, 0, 1]); // record version 4.x
                                // Other messages forever: bounded by records and messages.
        let mut many = Vec::new();
        for _ in 0..40 {
            many.extend_from_slice(&[22, 3, 3, 0, 4, 22, 0, 0, 0]); // CertificateStatus, empty
        }
        bad(&many);
        let mut one_record = vec![22, 3, 3, 0, 40];
        for _ in 0..10 {
            one_record.extend_from_slice(&[22, 0, 0, 0]);
        }
        bad(&one_record);
    }

    #[test]
    fn quic_long_headers() {
        let v1 = include_bytes!("../tests/data/quic/quic-ietf-ja3.initial.bin");
        let v2 = include_bytes!("../tests/data/quic/quic-v2-ja3.initial.bin");
        assert_eq!(is_quic_long_header(v1), Some(1));
        assert_eq!(is_quic_long_header(v2), Some(0x6b33_43cf));
        // A short-header packet, a truncated header, DNS, a TLS record.
        let mut short = v1.to_vec();
        short[0] &= 0x7f;
        assert_eq!(is_quic_long_header(&short), None);
        for cut in 0..7 {
            assert_eq!(is_quic_long_header(&v1[..cut]), None);
        }
        assert_eq!(is_quic_long_header(include_bytes!("../tests/data/dns/query_a_clients2_google.bin")), None);
        assert_eq!(is_quic_long_header(VECTORS[0].1), None);
    }
}
