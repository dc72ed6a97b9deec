#![no_main]
//! Arbitrary bytes as a TCP direction's first bytes, and as a UDP payload.
use dataplane::tls::{client_hello, is_quic_long_header, server_hello, Hello};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ch = client_hello(data);
    let _ = server_hello(data);
    let _ = is_quic_long_header(data);
    // A parsed hello stays parsed, identically, when more bytes follow it.
    if let Hello::Parsed(c) = ch {
        let mut longer = data.to_vec();
        longer.extend_from_slice(&[0x17, 0x03, 0x03, 0x00, 0x01, 0x00]);
        assert_eq!(client_hello(&longer), Hello::Parsed(c));
        assert_eq!(c.ja4().len(), 36);
    }
});
