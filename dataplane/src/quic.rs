//! QUIC client Initial decryption (RFC 9001 5 for v1, RFC 9369 3 for v2).
//!
//! A QUIC client names its server in the TLS ClientHello, like TCP TLS does,
//! but the ClientHello travels inside CRYPTO frames of Initial packets whose
//! payload is AEAD-protected. The Initial keys are not secret: they derive
//! from a version-specific public salt and the Destination Connection ID the
//! client chose, so an observer can remove the protection and read the hello.
//! That is all this module does: one UDP payload in, the decrypted Initial's
//! CRYPTO fragments out. Reassembling fragments by offset (a ClientHello with
//! a post-quantum key share spans two Initials) and remembering what was
//! seen per flow is the caller's job.
//!
//! Nothing here allocates or panics on input. The caller owns a scratch
//! buffer (one per worker, sized for a datagram); the header and ciphertext
//! are copied there and decrypted in place, so the caller's packet is never
//! modified. Every header length is checked before use, a forged or damaged
//! packet fails the AEAD tag, and the frame walk is bounded by the payload.

use aes::cipher::{BlockEncrypt, KeyInit};
use aes_gcm::{AeadInPlace, Aes128Gcm};
use hkdf::Hkdf;
use sha2::Sha256;

/// QUIC version 1 (RFC 9000).
pub const VERSION_1: u32 = 0x0000_0001;
/// QUIC version 2 (RFC 9369).
pub const VERSION_2: u32 = 0x6b33_43cf;
/// Longest connection id in versions 1 and 2 (RFC 9000 17.2).
pub const MAX_CID_LEN: usize = 20;
/// A scratch buffer this large holds any Initial that fits a 1500-byte MTU,
/// with room for jumbo-ish paths.
pub const SCRATCH_LEN: usize = 2048;

/// RFC 9001 5.2.
const SALT_V1: [u8; 20] = [
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f,
    0x0a,
];
/// RFC 9369 3.3.1.
const SALT_V2: [u8; 20] = [
    0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e,
    0xd9,
];
const TAG_LEN: usize = 16;
const SAMPLE_LEN: usize = 16;
/// Header protection samples as if the packet number were 4 bytes long.
const PN_MAX_LEN: usize = 4;
/// Long-header packets walked in one datagram before giving up on finding
/// an Initial (clients coalesce at most Initial, 0-RTT and Handshake).
const MAX_COALESCED: usize = 4;

/// Why a datagram yielded no decrypted Initial, or why its frames stopped.
/// Small and `Copy` so the caller can count outcomes by reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuicError {
    /// The header form bit is clear: a short-header (1-RTT) packet.
    ShortHeader,
    /// Version 0: a Version Negotiation packet.
    VersionNegotiation,
    /// A version other than 1 and 2, whose Initial keys are unknown.
    UnknownVersion,
    /// A connection id longer than 20 bytes.
    ConnectionIdTooLong,
    /// The datagram ends inside a long header.
    Truncated,
    /// The Length field claims more bytes than the datagram holds.
    LengthOverrun,
    /// No Initial among the coalesced packets (e.g. a Retry or Handshake).
    NotInitial,
    /// The packet is too short for the 16-byte header protection sample.
    NoSample,
    /// The caller's scratch buffer cannot hold the packet.
    ScratchTooSmall,
    /// The AEAD tag did not verify: damaged, forged, or not a client Initial
    /// (a server Initial uses other keys).
    Authentication,
    /// Reserved header bits are set after unprotection (RFC 9000 17.2).
    ReservedBits,
    /// A frame runs past the end of the payload.
    FrameTruncated,
    /// A frame type not allowed in Initial packets (RFC 9000 12.4).
    FrameNotAllowed,
    /// A CRYPTO frame whose offset plus length exceeds 2^62 - 1.
    CryptoOffsetOverflow,
}

impl QuicError {
    /// A short, stable reason for counters and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            QuicError::ShortHeader => "short header packet",
            QuicError::VersionNegotiation => "version negotiation packet",
            QuicError::UnknownVersion => "unknown QUIC version",
            QuicError::ConnectionIdTooLong => "connection id longer than 20 bytes",
            QuicError::Truncated => "datagram ends inside the long header",
            QuicError::LengthOverrun => "packet length exceeds the datagram",
            QuicError::NotInitial => "no Initial packet in the datagram",
            QuicError::NoSample => "packet too short for the header protection sample",
            QuicError::ScratchTooSmall => "scratch buffer smaller than the packet",
            QuicError::Authentication => "AEAD tag mismatch",
            QuicError::ReservedBits => "reserved header bits set",
            QuicError::FrameTruncated => "frame runs past the payload",
            QuicError::FrameNotAllowed => "frame type not allowed in an Initial packet",
            QuicError::CryptoOffsetOverflow => "CRYPTO frame offset overflows 2^62",
        }
    }
}

impl core::fmt::Display for QuicError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for QuicError {}

/// A decrypted client Initial. The payload lives in the caller's scratch.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Initial<'s> {
    /// [`VERSION_1`] or [`VERSION_2`].
    pub version: u32,
    /// The full packet number (an Initial's first packets need no
    /// reconstruction: with nothing received yet, the truncated value is it).
    pub packet_number: u64,
    /// Bytes of the Token field (non-zero after a Retry or with a NEW_TOKEN).
    pub token_len: usize,
    /// Offset of the Initial in the datagram (non-zero when packets precede it).
    pub offset: usize,
    /// Bytes of the datagram the Initial occupies; coalesced packets follow.
    pub packet_len: usize,
    dcid: [u8; MAX_CID_LEN],
    dcid_len: u8,
    scid: [u8; MAX_CID_LEN],
    scid_len: u8,
    payload: &'s [u8],
}

impl<'s> Initial<'s> {
    /// Destination Connection ID (the Initial keys derive from it).
    pub fn dcid(&self) -> &[u8] {
        self.dcid.get(..usize::from(self.dcid_len)).unwrap_or(&[])
    }
    /// Source Connection ID.
    pub fn scid(&self) -> &[u8] {
        self.scid.get(..usize::from(self.scid_len)).unwrap_or(&[])
    }
    /// The decrypted frames.
    pub fn payload(&self) -> &'s [u8] {
        self.payload
    }
    /// The CRYPTO frames' `(offset, data)` fragments, in packet order.
    pub fn crypto_frames(&self) -> CryptoFrames<'s> {
        CryptoFrames::new(self.payload)
    }
}

impl core::fmt::Debug for Initial<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Initial")
            .field("version", &format_args!("{:#010x}", self.version))
            .field("packet_number", &self.packet_number)
            .field("dcid", &Hex(self.dcid()))
            .field("scid", &Hex(self.scid()))
            .field("token_len", &self.token_len)
            .field("offset", &self.offset)
            .field("packet_len", &self.packet_len)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

struct Hex<'a>(&'a [u8]);

impl core::fmt::Debug for Hex<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// A QUIC variable-length integer (RFC 9000 16) at `*pos`, advancing it.
fn varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let first = *buf.get(*pos)?;
    let len = 1usize << (first >> 6);
    let bytes = buf.get(*pos..pos.checked_add(len)?)?;
    let mut v = u64::from(first & 0x3f);
    for &b in bytes.iter().skip(1) {
        v = v << 8 | u64::from(b);
    }
    *pos += len;
    Some(v)
}

/// Long-header packet types by version: v2 permutes them (RFC 9369 3.2).
#[derive(Clone, Copy, PartialEq, Eq)]
enum LongType {
    Initial,
    ZeroRtt,
    Handshake,
    Retry,
}

fn long_type(version: u32, first: u8) -> LongType {
    let bits = (first >> 4) & 0x03;
    let v1_bits = if version == VERSION_2 { bits.wrapping_sub(1) & 0x03 } else { bits };
    match v1_bits {
        0 => LongType::Initial,
        1 => LongType::ZeroRtt,
        2 => LongType::Handshake,
        _ => LongType::Retry,
    }
}

/// The version-specific parts of the Initial key schedule.
struct Suite {
    salt: &'static [u8; 20],
    key: &'static [u8],
    iv: &'static [u8],
    hp: &'static [u8],
}

fn suite(version: u32) -> Result<Suite, QuicError> {
    match version {
        VERSION_1 => Ok(Suite { salt: &SALT_V1, key: b"quic key", iv: b"quic iv", hp: b"quic hp" }),
        VERSION_2 => Ok(Suite { salt: &SALT_V2, key: b"quicv2 key", iv: b"quicv2 iv", hp: b"quicv2 hp" }),
        0 => Err(QuicError::VersionNegotiation),
        _ => Err(QuicError::UnknownVersion),
    }
}

/// TLS 1.3 HKDF-Expand-Label with an empty context (RFC 8446 7.1).
fn expand_label(prk: &Hkdf<Sha256>, label: &[u8], out: &mut [u8]) -> Result<(), QuicError> {
    let len = u16::try_from(out.len()).map_err(|_| QuicError::Authentication)?.to_be_bytes();
    let label_len = [u8::try_from(6 + label.len()).map_err(|_| QuicError::Authentication)?];
    // An expansion this short cannot fail; map it anyway rather than unwrap.
    prk.expand_multi_info(&[&len, &label_len, b"tls13 ", label, &[0]], out).map_err(|_| QuicError::Authentication)
}

/// The client's Initial packet protection keys for `dcid`.
struct Keys {
    key: [u8; 16],
    iv: [u8; 12],
    hp: [u8; 16],
}

fn client_keys(suite: &Suite, dcid: &[u8]) -> Result<Keys, QuicError> {
    let (_, initial) = Hkdf::<Sha256>::extract(Some(suite.salt), dcid);
    let mut client = [0u8; 32];
    expand_label(&initial, b"client in", &mut client)?;
    let client = Hkdf::<Sha256>::from_prk(&client).map_err(|_| QuicError::Authentication)?;
    let mut keys = Keys { key: [0; 16], iv: [0; 12], hp: [0; 16] };
    expand_label(&client, suite.key, &mut keys.key)?;
    expand_label(&client, suite.iv, &mut keys.iv)?;
    expand_label(&client, suite.hp, &mut keys.hp)?;
    Ok(keys)
}

/// Where the fields of one long-header packet lie in the datagram.
struct LongHeader {
    version: u32,
    kind: LongType,
    dcid: (usize, usize),
    scid: (usize, usize),
    token_len: usize,
    /// Offset of the packet number, and end of the packet.
    pn_offset: usize,
    end: usize,
}

fn cid(d: &[u8], pos: &mut usize) -> Result<(usize, usize), QuicError> {
    let len = usize::from(*d.get(*pos).ok_or(QuicError::Truncated)?);
    if len > MAX_CID_LEN {
        return Err(QuicError::ConnectionIdTooLong);
    }
    let start = *pos + 1;
    if d.len() < start + len {
        return Err(QuicError::Truncated);
    }
    *pos = start + len;
    Ok((start, len))
}

/// Parses the long header starting at `start` of the datagram.
fn long_header(d: &[u8], start: usize) -> Result<LongHeader, QuicError> {
    let first = *d.get(start).ok_or(QuicError::Truncated)?;
    if first & 0x80 == 0 {
        return Err(QuicError::ShortHeader);
    }
    let v = d.get(start + 1..start + 5).and_then(|v| <[u8; 4]>::try_from(v).ok());
    let version = u32::from_be_bytes(v.ok_or(QuicError::Truncated)?);
    // The version decides the layout after the connection ids.
    suite(version)?;
    let mut pos = start + 5;
    let dcid = cid(d, &mut pos)?;
    let scid = cid(d, &mut pos)?;
    let kind = long_type(version, first);
    let mut token_len = 0;
    match kind {
        // A Retry has no Length field: nothing can follow it.
        LongType::Retry => return Err(QuicError::NotInitial),
        LongType::Initial => {
            let t = varint(d, &mut pos).ok_or(QuicError::Truncated)?;
            token_len = usize::try_from(t).map_err(|_| QuicError::LengthOverrun)?;
            if d.len() - pos < token_len {
                return Err(QuicError::LengthOverrun);
            }
            pos += token_len;
        }
        LongType::ZeroRtt | LongType::Handshake => {}
    }
    let len = varint(d, &mut pos).ok_or(QuicError::Truncated)?;
    let len = usize::try_from(len).map_err(|_| QuicError::LengthOverrun)?;
    if d.len() - pos < len {
        return Err(QuicError::LengthOverrun);
    }
    Ok(LongHeader { version, kind, dcid, scid, token_len, pn_offset: pos, end: pos + len })
}

/// Finds the first Initial in a client's UDP payload, removes its header
/// protection and decrypts its payload into `scratch`.
///
/// The datagram itself is never modified. Errors say why nothing was
/// decrypted; the caller counts them and fails open.
pub fn decrypt_initial<'s>(udp_payload: &[u8], scratch: &'s mut [u8]) -> Result<Initial<'s>, QuicError> {
    let d = udp_payload;
    let mut start = 0;
    let mut walked = 0;
    let h = loop {
        let h = match long_header(d, start) {
            Ok(h) => h,
            Err(e) if start == 0 => return Err(e),
            // What follows a non-Initial packet is no business of ours.
            Err(_) => return Err(QuicError::NotInitial),
        };
        if h.kind == LongType::Initial {
            break h;
        }
        walked += 1;
        if walked == MAX_COALESCED || h.end >= d.len() {
            return Err(QuicError::NotInitial);
        }
        start = h.end;
    };
    let suite = suite(h.version)?;
    let dcid = d.get(h.dcid.0..h.dcid.0 + h.dcid.1).ok_or(QuicError::Truncated)?;
    let keys = client_keys(&suite, dcid)?;

    let sample_at = h.pn_offset + PN_MAX_LEN;
    let sample = d.get(sample_at..sample_at + SAMPLE_LEN).filter(|_| sample_at + SAMPLE_LEN <= h.end);
    let sample = sample.ok_or(QuicError::NoSample)?;
    let mut mask = aes::Block::default();
    mask.copy_from_slice(sample);
    aes::Aes128::new(&keys.hp.into()).encrypt_block(&mut mask);

    let packet = d.get(start..h.end).ok_or(QuicError::Truncated)?;
    let pn_rel = h.pn_offset - start;
    let buf = scratch.get_mut(..packet.len()).ok_or(QuicError::ScratchTooSmall)?;
    buf.copy_from_slice(packet);
    let first = buf.first_mut().ok_or(QuicError::Truncated)?;
    *first ^= mask[0] & 0x0f;
    let first = *first;
    let pn_len = usize::from(first & 0x03) + 1;
    let mut pn = 0u64;
    for i in 0..pn_len {
        let b = buf.get_mut(pn_rel + i).ok_or(QuicError::NoSample)?;
        *b ^= mask[1 + i];
        pn = pn << 8 | u64::from(*b);
    }
    let header_len = pn_rel + pn_len;
    // The sample check guarantees at least 16 bytes after a 4-byte number,
    // so the tag always fits; checked anyway.
    let body_len = buf.len().checked_sub(header_len + TAG_LEN).ok_or(QuicError::NoSample)?;
    let (header, rest) = buf.split_at_mut(header_len);
    let (body, tag) = rest.split_at_mut(body_len);
    let mut nonce = keys.iv;
    for (n, p) in nonce.iter_mut().rev().zip(pn.to_be_bytes().iter().rev()) {
        *n ^= p;
    }
    let mut tag_arr = [0u8; TAG_LEN];
    tag_arr.copy_from_slice(tag);
    Aes128Gcm::new(&keys.key.into())
        .decrypt_in_place_detached(&nonce.into(), header, body, &tag_arr.into())
        .map_err(|_| QuicError::Authentication)?;
    // Only meaningful once authenticated: before that they are noise.
    if first & 0x0c != 0 {
        return Err(QuicError::ReservedBits);
    }

    let mut out = Initial {
        version: h.version,
        packet_number: pn,
        token_len: h.token_len,
        offset: start,
        packet_len: h.end - start,
        dcid: [0; MAX_CID_LEN],
        dcid_len: 0,
        scid: [0; MAX_CID_LEN],
        scid_len: 0,
        payload: &[],
    };
    copy_cid(d, h.dcid, &mut out.dcid, &mut out.dcid_len);
    copy_cid(d, h.scid, &mut out.scid, &mut out.scid_len);
    let (_, rest) = scratch.split_at(header_len);
    out.payload = rest.get(..body_len).unwrap_or(&[]);
    Ok(out)
}

fn copy_cid(d: &[u8], (start, len): (usize, usize), out: &mut [u8; MAX_CID_LEN], out_len: &mut u8) {
    if let (Some(src), Some(dst)) = (d.get(start..start + len), out.get_mut(..len)) {
        dst.copy_from_slice(src);
        *out_len = u8::try_from(len).unwrap_or(0);
    }
}

/// Iterator over the CRYPTO frames of a decrypted Initial payload; see
/// [`Initial::crypto_frames`]. PADDING, PING, ACK and CONNECTION_CLOSE are
/// skipped; any other frame type ends the walk with an error (RFC 9000 12.4
/// forbids them in Initial packets, so the packet is bogus).
pub struct CryptoFrames<'s> {
    rest: &'s [u8],
    done: bool,
}

const FRAME_PADDING: u8 = 0x00;
const FRAME_PING: u8 = 0x01;
const FRAME_ACK: u8 = 0x02;
const FRAME_ACK_ECN: u8 = 0x03;
const FRAME_CRYPTO: u8 = 0x06;
const FRAME_CONNECTION_CLOSE: u8 = 0x1c;
/// RFC 9000 16: the largest varint value.
const VARINT_MAX: u64 = (1 << 62) - 1;

impl<'s> CryptoFrames<'s> {
    /// Walks the frames of an already decrypted Initial payload.
    pub fn new(payload: &'s [u8]) -> Self {
        CryptoFrames { rest: payload, done: false }
    }

    fn next_frame(&mut self) -> Result<Option<(u64, &'s [u8])>, QuicError> {
        let p = self.rest;
        let mut pos = 0;
        let v = |pos: &mut usize| varint(p, pos).ok_or(QuicError::FrameTruncated);
        loop {
            // Frame types are varints, but every type allowed here fits one
            // byte; a longer encoding is either another type or a forbidden
            // non-minimal one.
            let Some(&ty) = p.get(pos) else {
                self.rest = &[];
                return Ok(None);
            };
            pos += 1;
            match ty {
                FRAME_PADDING | FRAME_PING => {}
                FRAME_ACK | FRAME_ACK_ECN => {
                    v(&mut pos)?; // largest acknowledged
                    v(&mut pos)?; // ack delay
                    let ranges = v(&mut pos)?;
                    v(&mut pos)?; // first range
                                  // Each range is two varints of at least one byte, so the
                                  // payload bounds the loop whatever the count claims.
                    let mut left = ranges;
                    while left > 0 {
                        v(&mut pos)?;
                        v(&mut pos)?;
                        left -= 1;
                    }
                    if ty == FRAME_ACK_ECN {
                        for _ in 0..3 {
                            v(&mut pos)?;
                        }
                    }
                }
                FRAME_CRYPTO => {
                    let offset = v(&mut pos)?;
                    let len = v(&mut pos)?;
                    if offset.checked_add(len).is_none_or(|end| end > VARINT_MAX) {
                        return Err(QuicError::CryptoOffsetOverflow);
                    }
                    let len = usize::try_from(len).map_err(|_| QuicError::FrameTruncated)?;
                    let end = pos.checked_add(len).ok_or(QuicError::FrameTruncated)?;
                    let data = p.get(pos..end).ok_or(QuicError::FrameTruncated)?;
                    self.rest = p.get(end..).unwrap_or(&[]);
                    return Ok(Some((offset, data)));
                }
                FRAME_CONNECTION_CLOSE => {
                    v(&mut pos)?; // error code
                    v(&mut pos)?; // frame type
                    let reason = v(&mut pos)?;
                    let reason = usize::try_from(reason).map_err(|_| QuicError::FrameTruncated)?;
                    if p.len() - pos < reason {
                        return Err(QuicError::FrameTruncated);
                    }
                    pos += reason;
                }
                _ => return Err(QuicError::FrameNotAllowed),
            }
        }
    }
}

impl<'s> Iterator for CryptoFrames<'s> {
    type Item = Result<(u64, &'s [u8]), QuicError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_frame() {
            Ok(Some(frag)) => Some(Ok(frag)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::{client_hello_message, Hello};

    const RFC9001_A2: &[u8] = include_bytes!("../tests/data/quic/rfc9001_a2_client_initial.bin");
    const RFC9369_A2: &[u8] = include_bytes!("../tests/data/quic/rfc9369_a2_client_initial.bin");
    const RFC_CRYPTO_FRAME_HEX: &str = include_str!("../tests/data/quic/rfc9001_a2_crypto_frame.hex");
    const IETF_JA3: &[u8] = include_bytes!("../tests/data/quic/quic-ietf-ja3.initial.bin");
    const V2_JA3: &[u8] = include_bytes!("../tests/data/quic/quic-v2-ja3.initial.bin");
    const FRAG1: &[u8] = include_bytes!("../tests/data/quic/quic-frag.initial1.bin");
    const FRAG2: &[u8] = include_bytes!("../tests/data/quic/quic-frag.initial2.bin");
    const RFC_DCID: [u8; 8] = [0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08];

    fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
    }

    fn frames(init: &Initial<'_>) -> Vec<(u64, Vec<u8>)> {
        init.crypto_frames().map(|f| f.map(|(o, d)| (o, d.to_vec())).expect("frame")).collect()
    }

    fn sni_of(msg: &[u8]) -> Option<String> {
        match client_hello_message(msg) {
            Hello::Parsed(ch) => ch.sni().map(str::to_string),
            other => panic!("no ClientHello: {other:?}"),
        }
    }

    #[test]
    fn rfc_client_initials_decrypt_to_the_rfc_plaintext() {
        let plain = unhex(RFC_CRYPTO_FRAME_HEX);
        for (packet, version) in [(RFC9001_A2, VERSION_1), (RFC9369_A2, VERSION_2)] {
            let mut scratch = [0u8; SCRATCH_LEN];
            let init = decrypt_initial(packet, &mut scratch).expect("decrypts");
            assert_eq!(init.version, version);
            assert_eq!(init.packet_number, 2);
            assert_eq!(init.dcid(), RFC_DCID);
            assert_eq!(init.scid(), b"");
            assert_eq!((init.token_len, init.offset, init.packet_len), (0, 0, 1200));
            // RFC 9001 A.2: the CRYPTO frame, then PADDING to 1162 bytes.
            assert_eq!(init.payload().len(), 1162);
            assert_eq!(&init.payload()[..plain.len()], &plain[..]);
            assert!(init.payload()[plain.len()..].iter().all(|&b| b == 0));
            let f = frames(&init);
            assert_eq!(f.len(), 1);
            assert_eq!((f[0].0, f[0].1.len()), (0, 241));
            assert_eq!(sni_of(&f[0].1).as_deref(), Some("example.com"));
        }
        // The caller's packet is untouched.
        assert_eq!(&RFC9001_A2[..4], &[0xc0, 0, 0, 0]);
    }

    #[test]
    fn real_client_initials() {
        let mut scratch = [0u8; SCRATCH_LEN];
        let init = decrypt_initial(IETF_JA3, &mut scratch).expect("v1");
        assert_eq!((init.version, init.packet_number), (VERSION_1, 0));
        let f = frames(&init);
        assert_eq!(f.len(), 1);
        assert_eq!(sni_of(&f[0].1).as_deref(), Some("msquic.net"));

        let init = decrypt_initial(V2_JA3, &mut scratch).expect("v2");
        assert_eq!(init.version, VERSION_2);
        assert_eq!(init.dcid().len(), 18);
        let f = frames(&init);
        assert_eq!((f.len(), f[0].0, f[0].1.len()), (1, 0, 251));
        match client_hello_message(&f[0].1) {
            Hello::Parsed(ch) => assert_eq!((ch.has_sni, ch.max_supported_version), (false, 0x0304)),
            other => panic!("{other:?}"),
        }
    }

    /// Firefox's ClientHello (1,854 bytes) in two Initials; the second
    /// datagram also carries 563 bytes after its Initial.
    #[test]
    fn a_client_hello_over_two_initials_reassembles_by_offset() {
        let mut crypto = vec![0u8; 4096];
        let mut filled = 0usize;
        // Out of order on purpose: the offsets place them.
        for (packet, pn, len) in [(FRAG2, 1, 689), (FRAG1, 0, 1252)] {
            let mut scratch = [0u8; SCRATCH_LEN];
            let init = decrypt_initial(packet, &mut scratch).expect("decrypts");
            assert_eq!((init.packet_number, init.packet_len), (pn, len));
            for frag in init.crypto_frames() {
                let (off, data) = frag.expect("frame");
                let off = usize::try_from(off).expect("small");
                crypto[off..off + data.len()].copy_from_slice(data);
                filled += data.len();
            }
            if pn == 1 {
                // Only the tail: no hello starts at offset 0 yet.
                assert_eq!(client_hello_message(&crypto[..0]), Hello::Incomplete);
            }
        }
        assert_eq!(filled, 1854);
        assert_eq!(client_hello_message(&crypto[..1209]), Hello::Incomplete);
        assert_eq!(sni_of(&crypto[..filled]).as_deref(), Some("token.services.mozilla.com"));
    }

    #[test]
    fn every_single_byte_change_is_rejected() {
        let mut scratch = [0u8; SCRATCH_LEN];
        for packet in [RFC9001_A2, RFC9369_A2] {
            for i in 0..packet.len() {
                for flip in [0x01, 0x80] {
                    let mut m = packet.to_vec();
                    m[i] ^= flip;
                    assert!(decrypt_initial(&m, &mut scratch).is_err(), "byte {i} ^ {flip:#x}");
                }
            }
            let mut m = packet.to_vec();
            *m.last_mut().expect("tag") ^= 1;
            assert_eq!(decrypt_initial(&m, &mut scratch), Err(QuicError::Authentication));
        }
    }

    #[test]
    fn every_truncation_is_an_error() {
        let mut scratch = [0u8; SCRATCH_LEN];
        for packet in [RFC9001_A2, RFC9369_A2, IETF_JA3, V2_JA3, FRAG1] {
            let end = decrypt_initial(packet, &mut scratch).expect("whole").packet_len;
            let pn_offset = long_header(packet, 0).expect("header").pn_offset;
            for cut in 0..end {
                let e = decrypt_initial(&packet[..cut], &mut scratch).expect_err("truncated");
                if cut < pn_offset {
                    assert!(matches!(e, QuicError::Truncated), "{cut}: {e}");
                } else {
                    assert_eq!(e, QuicError::LengthOverrun, "{cut}");
                }
            }
        }
    }

    #[test]
    fn header_errors() {
        let mut scratch = [0u8; SCRATCH_LEN];
        let with = |at: usize, bytes: &[u8]| {
            let mut m = RFC9001_A2.to_vec();
            m[at..at + bytes.len()].copy_from_slice(bytes);
            m
        };
        let mut decrypt = |p: &[u8]| decrypt_initial(p, &mut scratch).map(|i| i.packet_number);
        assert_eq!(decrypt(&with(1, &[0, 0, 0, 2])), Err(QuicError::UnknownVersion));
        assert_eq!(decrypt(&with(1, &[0xff, 0, 0, 0x1d])), Err(QuicError::UnknownVersion));
        assert_eq!(decrypt(&with(1, &[0, 0, 0, 0])), Err(QuicError::VersionNegotiation));
        assert_eq!(decrypt(&with(0, &[0x40])), Err(QuicError::ShortHeader));
        assert_eq!(decrypt(&[]), Err(QuicError::Truncated));
        // The Length field claims more than the datagram.
        assert_eq!(decrypt(&with(16, &[0x7f, 0xff])), Err(QuicError::LengthOverrun));
        assert_eq!(decrypt(&with(16, &[0x40, 0x13])), Err(QuicError::NoSample));
        // A token length beyond the datagram.
        assert_eq!(decrypt(&with(15, &[0x80, 0, 0xff, 0xff])), Err(QuicError::LengthOverrun));
        // v1 type bits 0b01 is 0-RTT (in v2 it is Initial): walked over by its
        // Length (0 here), then no Initial follows.
        assert_eq!(decrypt(&with(0, &[0xd0])), Err(QuicError::NotInitial));
        assert_eq!(decrypt(&with(0, &[0xf0])), Err(QuicError::NotInitial), "Retry");

        // Connection id lengths 21: DCID, then SCID.
        let mut long = vec![0xc0, 0, 0, 0, 1, 21];
        long.extend_from_slice(&[7; 21]);
        long.extend_from_slice(&[0, 0, 0x41, 0]);
        long.resize(1200, 0);
        assert_eq!(decrypt(&long), Err(QuicError::ConnectionIdTooLong));
        let mut long = vec![0xc0, 0, 0, 0, 1, 8];
        long.extend_from_slice(&RFC_DCID);
        long.push(21);
        long.extend_from_slice(&[7; 21]);
        long.resize(1200, 0);
        assert_eq!(decrypt(&long), Err(QuicError::ConnectionIdTooLong));

        let mut small = [0u8; 1199];
        assert_eq!(decrypt_initial(RFC9001_A2, &mut small), Err(QuicError::ScratchTooSmall));
        let mut exact = [0u8; 1200];
        assert!(decrypt_initial(RFC9001_A2, &mut exact).is_ok());
    }

    /// A long-header packet of another type in front of the Initial is
    /// walked over by its Length; trailing bytes after the Initial are ignored.
    #[test]
    fn coalesced_packets() {
        let mut scratch = [0u8; SCRATCH_LEN];
        // A v1 Handshake packet: type 0b10, DCID, SCID, Length 20, 20 bytes.
        let mut d = vec![0xe0, 0, 0, 0, 1, 0, 0, 20];
        d.extend_from_slice(&[0xaa; 20]);
        let lead = d.len();
        d.extend_from_slice(RFC9001_A2);
        d.extend_from_slice(&[0; 100]);
        let init = decrypt_initial(&d, &mut scratch).expect("found");
        assert_eq!((init.offset, init.packet_len, init.packet_number), (lead, 1200, 2));
        // Too many packets before any Initial.
        let mut d = Vec::new();
        for _ in 0..MAX_COALESCED {
            d.extend_from_slice(&[0xe0, 0, 0, 0, 1, 0, 0, 1, 0]);
        }
        d.extend_from_slice(RFC9001_A2);
        assert_eq!(decrypt_initial(&d, &mut scratch).map(|_| ()), Err(QuicError::NotInitial));
    }

    /// Protects `payload` as a client Initial with the given header fields,
    /// the way a sender does (RFC 9001 5.3, 5.4); shown right by rebuilding
    /// the RFC packets byte for byte.
    fn protect(version: u32, first: u8, dcid: &[u8], pn: u32, pn_len: usize, payload: &[u8]) -> Vec<u8> {
        let keys = client_keys(&suite(version).expect("suite"), dcid).expect("keys");
        let mut out = vec![first | (pn_len as u8 - 1)];
        out.extend_from_slice(&version.to_be_bytes());
        out.push(dcid.len() as u8);
        out.extend_from_slice(dcid);
        out.extend_from_slice(&[0, 0]); // SCID, token
        let len = (pn_len + payload.len() + TAG_LEN) as u16 | 0x4000;
        out.extend_from_slice(&len.to_be_bytes());
        let pn_offset = out.len();
        out.extend_from_slice(&pn.to_be_bytes()[4 - pn_len..]);
        let mut body = payload.to_vec();
        let mut nonce = keys.iv;
        for (n, p) in nonce.iter_mut().rev().zip(u64::from(pn).to_be_bytes().iter().rev()) {
            *n ^= p;
        }
        let tag = Aes128Gcm::new(&keys.key.into())
            .encrypt_in_place_detached(&nonce.into(), &out, &mut body)
            .expect("encrypt");
        out.extend_from_slice(&body);
        out.extend_from_slice(&tag);
        let mut mask = aes::Block::default();
        mask.copy_from_slice(&out[pn_offset + 4..pn_offset + 20]);
        aes::Aes128::new(&keys.hp.into()).encrypt_block(&mut mask);
        out[0] ^= mask[0] & 0x0f;
        for i in 0..pn_len {
            out[pn_offset + i] ^= mask[1 + i];
        }
        out
    }

    fn rfc_payload() -> Vec<u8> {
        let mut p = unhex(RFC_CRYPTO_FRAME_HEX);
        p.resize(1162, 0);
        p
    }

    #[test]
    fn protect_rebuilds_the_rfc_packets() {
        assert_eq!(protect(VERSION_1, 0xc0, &RFC_DCID, 2, 4, &rfc_payload()), RFC9001_A2);
        assert_eq!(protect(VERSION_2, 0xd0, &RFC_DCID, 2, 4, &rfc_payload()), RFC9369_A2);
    }

    #[test]
    fn reserved_bits_and_packet_number_lengths() {
        let mut scratch = [0u8; SCRATCH_LEN];
        let dcid = [1u8; 20];
        for pn_len in 1..=4 {
            let pn = (0x1234_5678u64 & ((1u64 << (8 * pn_len)) - 1)) as u32;
            let p = protect(VERSION_1, 0xc0, &dcid, pn, pn_len, &rfc_payload());
            let init = decrypt_initial(&p, &mut scratch).expect("decrypts");
            assert_eq!(init.packet_number, u64::from(pn));
            assert_eq!(init.dcid(), dcid);
        }
        let p = protect(VERSION_1, 0xc4, &dcid, 0, 1, &rfc_payload());
        assert_eq!(decrypt_initial(&p, &mut scratch).map(|_| ()), Err(QuicError::ReservedBits));
        // The smallest packet with a sample: 1-byte number, 3-byte payload.
        let p = protect(VERSION_2, 0xd0, &dcid, 0, 1, &[1, 0, 0]);
        assert_eq!(decrypt_initial(&p, &mut scratch).expect("tiny").payload(), &[1, 0, 0]);
        let mut p = p;
        p.pop();
        p[29] -= 1; // Length 20 -> 19
        assert_eq!(decrypt_initial(&p, &mut scratch).map(|_| ()), Err(QuicError::NoSample));
    }

    fn walk(payload: &[u8]) -> Vec<Result<(u64, Vec<u8>), QuicError>> {
        CryptoFrames::new(payload).map(|f| f.map(|(o, d)| (o, d.to_vec()))).collect()
    }

    #[test]
    fn frame_walk() {
        // PADDING, PING, ACK with one extra range, ACK_ECN, CONNECTION_CLOSE
        // with a reason, then two CRYPTO frames and trailing PADDING.
        let p = [
            0x00, 0x00, 0x01, // padding, ping
            0x02, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, // ACK: largest 5, delay 0, 1 range, first 0, gap 0, len 0
            0x03, 0x40, 0x07, 0x00, 0x00, 0x01, 0x01, 0x02, 0x03, // ACK_ECN with counts
            0x1c, 0x00, 0x00, 0x02, b'h', b'i', // CONNECTION_CLOSE, reason "hi"
            0x06, 0x00, 0x02, 0xaa, 0xbb, // CRYPTO offset 0, 2 bytes
            0x06, 0x41, 0x00, 0x01, 0xcc, // CRYPTO offset 256, 1 byte
            0x00, 0x00,
        ];
        assert_eq!(walk(&p), vec![Ok((0, vec![0xaa, 0xbb])), Ok((256, vec![0xcc]))]);
        assert_eq!(walk(&[]), vec![]);
        // Frames an Initial may not carry: STREAM, HANDSHAKE_DONE, 0x1d, and a
        // two-byte encoding of CRYPTO.
        for bad in [&[0x08][..], &[0x1e], &[0x1d, 0, 0, 0], &[0x40, 0x06, 0, 0]] {
            assert_eq!(walk(bad), vec![Err(QuicError::FrameNotAllowed)], "{bad:?}");
        }
        // The walk stops at the first error.
        assert_eq!(
            walk(&[0x06, 0, 1, 9, 0x08, 0x06, 0, 1, 9]),
            vec![Ok((0, vec![9])), Err(QuicError::FrameNotAllowed)]
        );
        // Truncated frames, and an ACK whose range count outruns the payload.
        for bad in [&[0x06, 0x00, 0x05, 1, 2][..], &[0x06, 0x40], &[0x02, 0, 0, 0x3f, 0, 0, 0], &[0x1c, 0, 0, 5, 1]] {
            assert_eq!(walk(bad), vec![Err(QuicError::FrameTruncated)], "{bad:?}");
        }
        let huge = [0x02, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0];
        assert_eq!(walk(&huge), vec![Err(QuicError::FrameTruncated)]);
        // CRYPTO offset + length past 2^62 - 1.
        let over = [0x06, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00];
        assert_eq!(walk(&over), vec![Err(QuicError::CryptoOffsetOverflow)]);
    }

    #[test]
    fn errors_have_reasons() {
        assert_eq!(QuicError::Authentication.to_string(), "AEAD tag mismatch");
        assert_eq!(QuicError::UnknownVersion.as_str(), "unknown QUIC version");
    }
}
