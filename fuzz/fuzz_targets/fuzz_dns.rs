#![no_main]
//! Arbitrary bytes as a DNS message: the summary, and the answer walk that
//! feeds the DNS cache (CNAME chains, addresses).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = dataplane::dns::parse(data) {
        assert!(s.qname().len() <= 253);
    }
    if let Ok(r) = dataplane::dns::resolve(data) {
        assert!(r.chain().count() <= dataplane::dns::MAX_CHAIN);
        assert!(r.addresses().len() <= dataplane::dns::MAX_ADDRESSES);
        let mut cache = dataplane::names::DnsCache::new(64);
        cache.learn(&r, &dataplane::names::NameTable::shipped(), 0);
    }
});
