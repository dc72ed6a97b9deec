#![no_main]
//! Arbitrary bytes as a server's first bytes (first_certificate, then the
//! names of what it returns) and as a DER certificate directly.
use dataplane::tls::{first_certificate, Hello};
use dataplane::x509::names;
use libfuzzer_sys::fuzz_target;

fn walk(der: &[u8]) {
    if let Ok(n) = names(der) {
        let _ = n.best_name();
        let _ = n.common_name();
        // Each entry is a TLV of at least two bytes.
        assert!(n.dns_names().count() <= der.len() / 2);
    }
}

fuzz_target!(|data: &[u8]| {
    if let Hello::Parsed(der) = first_certificate(data) {
        assert!(!der.is_empty());
        walk(der);
        // A found certificate stays found, identically, when more bytes follow.
        let mut longer = data.to_vec();
        longer.extend_from_slice(&[0x14, 0x03, 0x03, 0x00, 0x01, 0x01]);
        assert_eq!(first_certificate(&longer), Hello::Parsed(der));
    }
    walk(data);
});
