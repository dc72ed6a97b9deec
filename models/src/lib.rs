//! flowmark's models crate: the feature [`schema`] shared with `dataplane`,
//! training with smartcore ([`train`]), the `forest.bin` format and compiled
//! inference ([`forest`]), and evaluation reports ([`eval`]).
//!
//! Pure Rust, no DPDK: `dataplane` depends on it, never the other way.
pub mod data;
pub mod eval;
pub mod forest;
pub mod plot;
pub mod schema;
pub mod train;

/// The classes flowmark knows, with their RFC 4594 default DSCP.
pub const DEFAULT_CLASSES: [(&str, u8); 6] =
    [("web", 18), ("video", 26), ("file_transfer", 10), ("interactive", 18), ("realtime", 34), ("other", 0)];

/// Features withheld by default: they describe the generator's hosts (ports,
/// the Linux stack's SYN options) more than the application, and a model
/// leaning on them fails on other networks.
pub const DEFAULT_EXCLUDE: [&str; 11] = [
    "src_port",
    "dst_port",
    "ip_version",
    "src2dst_init_window",
    "dst2src_init_window",
    "src2dst_mss",
    "dst2src_mss",
    "src2dst_wscale",
    "dst2src_wscale",
    "tcp_sack_permitted",
    "tcp_timestamps",
];

/// Name-based features (the names ablation withholds them, as Encrypted
/// Client Hello or a VPN would).
pub const NAME_FEATURES: [&str; 16] = [
    "tls_client_has_sni",
    "tls_client_alpn",
    "tls_client_alpn_count",
    "http_request",
    "name_present",
    "name_from_sni",
    "name_from_quic",
    "name_from_cert",
    "name_from_host",
    "name_from_dns",
    "name_class_web",
    "name_class_video",
    "name_class_file_transfer",
    "name_class_interactive",
    "name_class_realtime",
    "name_class_other",
];
