//! Arbitrary bytes as a capture file (pcap or pcapng), read to the end.
#![no_main]
use dataplane::pcap::{to_ethernet, Reader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut r) = Reader::new(data) else { return };
    let mut out = Vec::new();
    for _ in 0..100_000 {
        match r.next() {
            Ok(Some(rec)) => {
                let _ = to_ethernet(&rec, &mut out);
            }
            _ => break,
        }
    }
});
