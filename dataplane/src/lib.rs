//! flowmark's dataplane library: everything a worker does to a packet, in
//! pure Rust so the DPDK runner, the offline pcap runner, the tests and the
//! benchmarks all drive the same code.
//!
//! - [`parse`]: zero-copy header parsing, errors counted by reason;
//! - [`pcap`]: reading and writing capture files;
//! - [`stats`]: per-worker counters and the run summary.
pub mod dns;
pub mod parse;
pub mod pcap;
pub mod stats;
pub mod tls;
