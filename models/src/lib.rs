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

/// Features that describe the generator's hosts (ports, the Linux stack's
/// SYN options) more than the application: withheld by default.
pub const HOST_FEATURES: [&str; 11] = [
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

/// Features withheld by default: the hosts' traits ([`HOST_FEATURES`]) and
/// timing in milliseconds ([`ABSOLUTE_TIMING`]), which in the first packets
/// mostly measures the emulated path's RTT. A model leaning on them fails
/// on other networks; timing reaches the model in RTT units instead (`*_rtt`).
pub fn default_exclude() -> impl Iterator<Item = &'static str> {
    HOST_FEATURES.into_iter().chain(ABSOLUTE_TIMING)
}

/// Timing in absolute milliseconds (withheld by default).
pub const ABSOLUTE_TIMING: [&str; 47] = [
    "bidirectional_duration_ms",
    "bidirectional_min_piat_ms",
    "bidirectional_mean_piat_ms",
    "bidirectional_stddev_piat_ms",
    "bidirectional_max_piat_ms",
    "src2dst_min_piat_ms",
    "src2dst_mean_piat_ms",
    "src2dst_stddev_piat_ms",
    "src2dst_max_piat_ms",
    "dst2src_min_piat_ms",
    "dst2src_mean_piat_ms",
    "dst2src_stddev_piat_ms",
    "dst2src_max_piat_ms",
    "time_to_first_payload_ms",
    "handshake_rtt_ms",
    "splt_piat_ms_0",
    "splt_piat_ms_1",
    "splt_piat_ms_2",
    "splt_piat_ms_3",
    "splt_piat_ms_4",
    "splt_piat_ms_5",
    "splt_piat_ms_6",
    "splt_piat_ms_7",
    "splt_piat_ms_8",
    "splt_piat_ms_9",
    "splt_piat_ms_10",
    "splt_piat_ms_11",
    "splt_piat_ms_12",
    "splt_piat_ms_13",
    "splt_piat_ms_14",
    "splt_piat_ms_15",
    "splt_piat_ms_16",
    "splt_piat_ms_17",
    "splt_piat_ms_18",
    "splt_piat_ms_19",
    "splt_piat_ms_20",
    "splt_piat_ms_21",
    "splt_piat_ms_22",
    "splt_piat_ms_23",
    "splt_piat_ms_24",
    "splt_piat_ms_25",
    "splt_piat_ms_26",
    "splt_piat_ms_27",
    "splt_piat_ms_28",
    "splt_piat_ms_29",
    "splt_piat_ms_30",
    "splt_piat_ms_31",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn withheld_features_exist_and_absolute_timing_is_withheld() {
        for n in default_exclude().chain(NAME_FEATURES) {
            assert!(schema::index_of(n).is_some(), "{n}");
        }
        // Every feature in milliseconds is withheld: timing reaches the model in RTT units.
        for n in schema::NAMES.iter().filter(|n| n.ends_with("_ms") || n.contains("_ms_")) {
            assert!(ABSOLUTE_TIMING.contains(n), "{n} is absolute timing");
        }
    }
}
