//! flowmark's dataplane library: everything a worker does to a packet, in
//! pure Rust so the DPDK runner, the offline pcap runner, the tests and the
//! benchmarks all drive the same code.
//!
//! - [`parse`]: zero-copy header parsing, errors counted by reason;
//! - [`pcap`]: reading and writing capture files;
//! - [`stats`]: per-worker counters and the run summary;
//! - [`tls`]: zero-copy ClientHello/ServerHello parsing, JA4, QUIC long headers;
//! - [`dns`]: zero-copy DNS message summaries.
pub mod dns;
pub mod parse;
pub mod pcap;
pub mod stats;
pub mod tls;
