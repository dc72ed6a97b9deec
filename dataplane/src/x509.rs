//! Zero-copy names from one X.509 certificate (RFC 5280): the subject's
//! commonName and the subjectAltName dNSName entries.
//!
//! In TLS 1.2 and older the server's certificate travels in clear, and its
//! names say which service answered even when the client sent no SNI (or
//! sent an IP address). Only those names are wanted, so this is not a
//! certificate parser: it walks the DER along one fixed path
//! (Certificate → tbsCertificate → subject / extensions → subjectAltName)
//! and returns slices of the input. It never recurses, so nesting depth is
//! bounded by that path; every TLV header is checked (definite lengths
//! only, long form at most 4 bytes, content within its parent) before use;
//! every loop consumes at least two bytes per step. Nothing is verified:
//! the names are a feature, not an identity.

/// Why a certificate yielded no names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum X509Error {
    /// A TLV runs past the end of its parent (or of the input).
    Truncated,
    /// BER's indefinite length (0x80), which DER forbids.
    IndefiniteLength,
    /// A long-form length of more than 4 bytes, or a non-minimal one.
    BadLength,
    /// A multi-byte (high tag number) tag, which no field on the path uses.
    HighTag,
    /// A field on the path has the wrong tag.
    UnexpectedTag,
    /// Bytes after the Certificate SEQUENCE.
    TrailingData,
    /// A dNSName with bytes outside IA5 (7-bit ASCII).
    NotIa5,
}

impl X509Error {
    /// A short, stable reason for counters and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            X509Error::Truncated => "DER element overruns its parent",
            X509Error::IndefiniteLength => "indefinite length",
            X509Error::BadLength => "length longer than 4 bytes or not minimal",
            X509Error::HighTag => "multi-byte tag",
            X509Error::UnexpectedTag => "unexpected tag on the certificate's path",
            X509Error::TrailingData => "bytes after the certificate",
            X509Error::NotIa5 => "dNSName is not IA5",
        }
    }
}

impl core::fmt::Display for X509Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for X509Error {}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const BOOLEAN: u8 = 0x01;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const VERSION: u8 = 0xa0; // [0] EXPLICIT
const EXTENSIONS: u8 = 0xa3; // [3] EXPLICIT
const DNS_NAME: u8 = 0x82; // [2] IMPLICIT IA5String

/// 2.5.4.3 and 2.5.29.17, DER-encoded.
const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];

/// String types a commonName may have (RFC 5280 DirectoryString, plus
/// IA5String that some issuers use).
pub const UTF8_STRING: u8 = 0x0c;
/// PrintableString.
pub const PRINTABLE_STRING: u8 = 0x13;
/// TeletexString (T61), in practice Latin-1.
pub const TELETEX_STRING: u8 = 0x14;
/// IA5String.
pub const IA5_STRING: u8 = 0x16;
/// BMPString (UCS-2 big endian).
pub const BMP_STRING: u8 = 0x1e;

/// One DER element: its tag and content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tlv<'a> {
    tag: u8,
    content: &'a [u8],
}

/// Splits the first TLV off `input`.
fn tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), X509Error> {
    let (&tag, rest) = input.split_first().ok_or(X509Error::Truncated)?;
    if tag & 0x1f == 0x1f {
        return Err(X509Error::HighTag);
    }
    let (&first, mut rest) = rest.split_first().ok_or(X509Error::Truncated)?;
    let len = if first < 0x80 {
        usize::from(first)
    } else if first == 0x80 {
        return Err(X509Error::IndefiniteLength);
    } else {
        let n = usize::from(first & 0x7f);
        if n > 4 {
            return Err(X509Error::BadLength);
        }
        let bytes = rest.get(..n).ok_or(X509Error::Truncated)?;
        let mut len = 0usize;
        for &b in bytes {
            len = len << 8 | usize::from(b);
        }
        // DER: the long form only for 128 and up, in the fewest bytes.
        if len < 0x80 || bytes.first() == Some(&0) {
            return Err(X509Error::BadLength);
        }
        rest = rest.get(n..).ok_or(X509Error::Truncated)?;
        len
    };
    if len > rest.len() {
        return Err(X509Error::Truncated);
    }
    let (content, rest) = rest.split_at(len);
    Ok((Tlv { tag, content }, rest))
}

/// The first TLV of `input`, which must have tag `want`.
fn expect(input: &[u8], want: u8) -> Result<(&[u8], &[u8]), X509Error> {
    let (t, rest) = tlv(input)?;
    if t.tag != want {
        return Err(X509Error::UnexpectedTag);
    }
    Ok((t.content, rest))
}

/// A commonName value as encoded: its string tag and raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirString<'a> {
    /// [`UTF8_STRING`], [`PRINTABLE_STRING`], [`IA5_STRING`], [`BMP_STRING`], ...
    pub tag: u8,
    /// The content octets, undecoded.
    pub bytes: &'a [u8],
}

impl<'a> DirString<'a> {
    /// The value as text when its encoding is UTF-8 compatible
    /// (UTF8String, PrintableString, IA5String, or an ASCII TeletexString).
    pub fn as_str(&self) -> Option<&'a str> {
        match self.tag {
            UTF8_STRING | PRINTABLE_STRING | IA5_STRING => core::str::from_utf8(self.bytes).ok(),
            TELETEX_STRING if self.bytes.is_ascii() => core::str::from_utf8(self.bytes).ok(),
            _ => None,
        }
    }
}

/// The names of one certificate, borrowed from its DER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertNames<'a> {
    common_name: Option<DirString<'a>>,
    /// Content of the subjectAltName GeneralNames SEQUENCE.
    san: Option<&'a [u8]>,
}

impl<'a> CertNames<'a> {
    /// The subject's first commonName attribute, raw.
    pub fn common_name_raw(&self) -> Option<DirString<'a>> {
        self.common_name
    }
    /// The subject's first commonName, when it is text.
    pub fn common_name(&self) -> Option<&'a str> {
        self.common_name.and_then(|s| s.as_str())
    }
    /// Whether the certificate has a subjectAltName extension.
    pub fn has_san(&self) -> bool {
        self.san.is_some()
    }
    /// The subjectAltName dNSName entries, in order; other GeneralName
    /// kinds (IP addresses, e-mail, URIs) are skipped.
    pub fn dns_names(&self) -> DnsNames<'a> {
        DnsNames { rest: self.san.unwrap_or(&[]), done: false }
    }
    /// The name a classifier should use: the first dNSName, else the
    /// commonName (RFC 6125: the SAN takes precedence when present).
    pub fn best_name(&self) -> Option<&'a str> {
        self.dns_names().map_while(Result::ok).next().or_else(|| self.common_name())
    }
}

/// Iterator over subjectAltName dNSName entries; stops after the first error.
#[derive(Debug, Clone)]
pub struct DnsNames<'a> {
    rest: &'a [u8],
    done: bool,
}

impl<'a> Iterator for DnsNames<'a> {
    type Item = Result<&'a str, X509Error>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done && !self.rest.is_empty() {
            let (t, rest) = match tlv(self.rest) {
                Ok(x) => x,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            self.rest = rest;
            if t.tag == DNS_NAME {
                if !t.content.is_ascii() {
                    self.done = true;
                    return Some(Err(X509Error::NotIa5));
                }
                return core::str::from_utf8(t.content).ok().map(Ok);
            }
        }
        None
    }
}

/// Finds the subject commonName and the subjectAltName extension of one
/// DER certificate (exactly the certificate: trailing bytes are an error).
pub fn names(der: &[u8]) -> Result<CertNames<'_>, X509Error> {
    let (cert, rest) = expect(der, SEQUENCE)?;
    if !rest.is_empty() {
        return Err(X509Error::TrailingData);
    }
    let (tbs, _) = expect(cert, SEQUENCE)?;
    let mut t = tbs;
    let (first, mut after) = tlv(t)?;
    if first.tag == VERSION {
        t = after;
        (_, after) = expect(t, INTEGER)?;
    } else if first.tag != INTEGER {
        return Err(X509Error::UnexpectedTag);
    }
    t = after; // past serialNumber
    (_, t) = expect(t, SEQUENCE)?; // signature
    (_, t) = expect(t, SEQUENCE)?; // issuer
    (_, t) = expect(t, SEQUENCE)?; // validity
    let (subject, after) = expect(t, SEQUENCE)?;
    (_, t) = expect(after, SEQUENCE)?; // subjectPublicKeyInfo
    let common_name = common_name(subject)?;

    // issuerUniqueID [1], subjectUniqueID [2], then extensions [3].
    let mut san = None;
    while !t.is_empty() {
        let (field, rest) = tlv(t)?;
        t = rest;
        if field.tag != EXTENSIONS {
            continue;
        }
        let (mut exts, _) = expect(field.content, SEQUENCE)?;
        while !exts.is_empty() && san.is_none() {
            let (ext, rest) = expect(exts, SEQUENCE)?;
            exts = rest;
            let (oid, mut e) = expect(ext, OID)?;
            let (next, rest) = tlv(e)?;
            if next.tag == BOOLEAN {
                e = rest; // critical
            }
            let (value, _) = expect(e, OCTET_STRING)?;
            if oid == OID_SUBJECT_ALT_NAME {
                let (general_names, _) = expect(value, SEQUENCE)?;
                san = Some(general_names);
            }
        }
    }
    Ok(CertNames { common_name, san })
}

/// The first commonName of a Name: SEQUENCE OF SET OF {OID, value}.
fn common_name(mut name: &[u8]) -> Result<Option<DirString<'_>>, X509Error> {
    while !name.is_empty() {
        let (mut rdn, rest) = expect(name, SET)?;
        name = rest;
        while !rdn.is_empty() {
            let (atv, rest) = expect(rdn, SEQUENCE)?;
            rdn = rest;
            let (oid, value) = expect(atv, OID)?;
            if oid == OID_COMMON_NAME {
                let (v, _) = tlv(value)?;
                return Ok(Some(DirString { tag: v.tag, bytes: v.content }));
            }
        }
    }
    Ok(None)
}
