//! flowmark's dataplane library: everything a worker does to a packet, in
//! pure Rust so the DPDK runner, the offline pcap runner, the tests and the
//! benchmarks all drive the same code.
//!
//! - [`parse`]: zero-copy header parsing, errors counted by reason;
//! - [`flow`]: the per-worker flow table (bidirectional keys, LRU expiry);
//! - [`features`]: per-flow incremental features in the schema's order;
//! - [`pipeline`]: one packet through all of the above, reporting
//!   checkpoints and flow ends to a sink;
//! - [`pcap`]: reading and writing capture files;
//! - [`mark`]: DSCP names and rewriting (IPv4 checksum per RFC 1624);
//! - [`flowlog`]: flow records as JSON lines and feature rows as CSV;
//! - [`labels`]: joining ground-truth labels to flows;
//! - [`stats`]: per-worker counters and the run summary;
//! - [`tls`]: zero-copy ClientHello/ServerHello parsing, JA4, QUIC long headers;
//! - [`dns`]: zero-copy DNS message summaries;
//! - [`quic`]: QUIC client Initial decryption, for the ClientHello inside;
//! - [`x509`]: zero-copy certificate names (subject CN, SAN dNSNames);
//! - [`http`]: the Host header of a plaintext HTTP/1.x request;
//! - [`names`]: the name->class table and the DNS cache (server address -> name);
//! - [`published`]: RCU-style publication of a value (the model) to workers;
//! - [`flowquery`]: flow listings answered by the owning worker between bursts;
//! - [`handshake`]: TLS hellos reassembled across segments, DNS and QUIC facts per flow.
pub mod dns;
pub mod features;
pub mod flow;
pub mod flowlog;
pub mod flowquery;
pub mod handshake;
pub mod http;
pub mod labels;
pub mod mark;
pub mod names;
pub mod parse;
pub mod pcap;
pub mod pipeline;
pub mod published;
pub mod quic;
pub mod stats;
pub mod tls;
pub mod x509;
