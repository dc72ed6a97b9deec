#![no_main]
//! Arbitrary bytes as a DNS message.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = dataplane::dns::parse(data) {
        assert!(s.qname().len() <= 253);
    }
});
