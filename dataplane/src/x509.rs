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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::{first_certificate, Hello};

    /// Generated with openssl (dataplane/tests/data/x509/README.md).
    const GENERATED: &[(&str, &[u8])] = &[
        ("rsa_san", include_bytes!("../tests/data/x509/rsa_san.der")),
        ("ec_cn_only", include_bytes!("../tests/data/x509/ec_cn_only.der")),
        ("ed25519_no_cn", include_bytes!("../tests/data/x509/ed25519_no_cn.der")),
        ("mixed_san_utf8", include_bytes!("../tests/data/x509/mixed_san_utf8.der")),
        ("many_sans", include_bytes!("../tests/data/x509/many_sans.der")),
    ];
    /// Real server flights; the certificate comes from `tls::first_certificate`.
    const FLIGHTS: &[(&str, &[u8])] = &[
        ("tls12_ja4_cl", include_bytes!("../tests/data/x509/tls12_ja4_cl.server_flight.bin")),
        ("tls12_noissuer", include_bytes!("../tests/data/x509/tls12_noissuer.server_flight.bin")),
        ("trex_https_tls10", include_bytes!("../tests/data/x509/trex_https_tls10.server_flight.bin")),
        ("samsung_tls10", include_bytes!("../tests/data/x509/samsung_tls10.server_flight.bin")),
        ("google_3segments", include_bytes!("../tests/data/x509/google_3segments.server_flight.bin")),
    ];

    fn all_certs() -> Vec<(&'static str, &'static [u8])> {
        let mut v = GENERATED.to_vec();
        for (name, flight) in FLIGHTS {
            match first_certificate(flight) {
                Hello::Parsed(der) => v.push((name, der)),
                other => panic!("{name}: {other:?}"),
            }
        }
        v
    }

    fn dns(n: &CertNames<'_>) -> Vec<String> {
        n.dns_names().map(|d| d.expect("dNSName").to_string()).collect()
    }

    #[test]
    fn names_agree_with_x509_parser() {
        use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
        for (name, der) in all_certs() {
            let n = names(der).unwrap_or_else(|e| panic!("{name}: {e}"));
            let (rest, cert) = X509Certificate::from_der(der).expect("oracle parses");
            assert!(rest.is_empty());
            let cn = cert.subject().iter_common_name().next().map(|a| a.as_str().expect("text CN").to_string());
            assert_eq!(n.common_name().map(str::to_string), cn, "{name} CN");
            let san = cert.subject_alternative_name().expect("one SAN at most");
            assert_eq!(n.has_san(), san.is_some(), "{name}");
            let oracle: Vec<String> = san
                .map(|s| {
                    s.value
                        .general_names
                        .iter()
                        .filter_map(|g| match g {
                            GeneralName::DNSName(d) => Some(d.to_string()),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(dns(&n), oracle, "{name} SAN");
        }
    }

    #[test]
    fn best_names() {
        let best = |der: &[u8]| names(der).expect("names").best_name().map(str::to_string);
        let expected = [
            ("rsa_san", Some("a.example")),
            ("ec_cn_only", Some("cn-only.example")),
            ("ed25519_no_cn", Some("only-san.example")),
            ("mixed_san_utf8", Some("first.mixed.example")),
            ("many_sans", Some("host01.many-names.example")),
            ("tls12_ja4_cl", Some("tls")),
            ("tls12_noissuer", Some("localhost")),
            ("trex_https_tls10", Some("Spirent Communications Inc.")),
            ("samsung_tls10", Some("fkp.samsungcloudsolution.com")),
            ("google_3segments", Some("www.google.com")),
        ];
        let certs = all_certs();
        for (name, want) in expected {
            let der = certs.iter().find(|(n, _)| *n == name).expect("vector").1;
            assert_eq!(best(der).as_deref(), want, "{name}");
        }
        let mixed = names(GENERATED[3].1).expect("names");
        assert_eq!(dns(&mixed), ["first.mixed.example", "second.mixed.example", "xn--nave-6pa.example"]);
        assert_eq!(mixed.common_name(), Some("naïve.example"));
        assert_eq!(mixed.common_name_raw().map(|s| s.tag), Some(UTF8_STRING));
        assert_eq!(names(GENERATED[4].1).expect("names").dns_names().count(), 60);
        assert_eq!(names(GENERATED[2].1).expect("names").common_name(), None);
    }

    #[test]
    fn every_truncation_is_an_error() {
        for (name, der) in all_certs() {
            for cut in 0..der.len() {
                assert!(names(&der[..cut]).is_err(), "{name} {cut}");
            }
            let mut longer = der.to_vec();
            longer.push(0);
            assert_eq!(names(&longer), Err(X509Error::TrailingData), "{name}");
        }
    }

    #[test]
    fn every_byte_flip_is_safe() {
        for (_, der) in all_certs() {
            for i in 0..der.len() {
                for flip in [0x01, 0x80, 0xff] {
                    let mut m = der.to_vec();
                    m[i] ^= flip;
                    if let Ok(n) = names(&m) {
                        let _ = n.best_name();
                        assert!(n.dns_names().count() <= m.len() / 2);
                    }
                }
            }
        }
    }

    #[test]
    fn bad_lengths_and_tags() {
        assert_eq!(names(&[]), Err(X509Error::Truncated));
        assert_eq!(names(&[0x30]), Err(X509Error::Truncated));
        assert_eq!(names(&[0x30, 0x80, 0, 0]), Err(X509Error::IndefiniteLength));
        assert_eq!(names(&[0x30, 0x85, 1, 0, 0, 0, 0]), Err(X509Error::BadLength));
        assert_eq!(names(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0]), Err(X509Error::Truncated));
        assert_eq!(names(&[0x30, 0x81, 0x05, 0, 0, 0, 0, 0]), Err(X509Error::BadLength), "not minimal");
        assert_eq!(names(&[0x30, 0x82, 0x00, 0x90]), Err(X509Error::BadLength), "leading zero");
        assert_eq!(names(&[0x1f, 0x01, 0x00]), Err(X509Error::HighTag));
        assert_eq!(names(&[0x31, 0x00]), Err(X509Error::UnexpectedTag));
        assert_eq!(names(&[0x30, 0x02, 0x31, 0x00]), Err(X509Error::UnexpectedTag));
        // 100,000 nested SEQUENCEs: the walker does not recurse, it stops at
        // the first level where a field is missing.
        let depth = 100_000;
        let mut deep = Vec::new();
        for i in 0..depth {
            let inner = (depth - i - 1) * 6;
            deep.push(0x30);
            deep.push(0x84);
            deep.extend_from_slice(&(inner as u32).to_be_bytes());
        }
        assert!(names(&deep).is_err());
    }

    #[test]
    fn non_ia5_dns_name() {
        let der = GENERATED[0].1; // SAN a.example, *.b.example
        let at = der.windows(9).position(|w| w == b"a.example").expect("SAN in DER");
        let mut m = der.to_vec();
        m[at] = 0xe9;
        let n = names(&m).expect("structure intact");
        assert_eq!(n.dns_names().collect::<Vec<_>>(), vec![Err(X509Error::NotIa5)]);
        assert_eq!(n.best_name(), Some("flowmark.test"), "falls back to the CN");
        assert_eq!(X509Error::NotIa5.to_string(), "dNSName is not IA5");
    }
}
