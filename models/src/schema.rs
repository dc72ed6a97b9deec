//! The feature schema: the contract between `dataplane` (which computes
//! features) and `models` (which trains on them and serves them). Defined
//! here, once; [`HASH`] identifies it, and a model built for another schema
//! is refused by name.
//!
//! Names follow NFStream's where one exists. `src2dst` is the initiator's
//! direction (the SYN sender, else the first packet's sender). Packet size
//! (`ps`) is the layer-2 frame length without FCS; payload sizes are the
//! transport payload. Times are in milliseconds of packet time, or in units of the flow's
//! round-trip time (`*_rtt`).

macro_rules! schema {
    ($($name:ident,)*) => {
        /// Feature indices: `F::src2dst_bytes as usize` is that feature's slot.
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u16)]
        pub enum F {
            $($name,)*
        }

        /// Feature names, in order.
        pub const NAMES: &[&str] = &[$(stringify!($name),)*];
    };
}

schema! {
    // Volume and time (NFStream names)
    bidirectional_duration_ms,
    bidirectional_packets,
    bidirectional_bytes,
    src2dst_packets,
    src2dst_bytes,
    dst2src_packets,
    dst2src_bytes,
    src2dst_dst2src_byte_ratio,
    // Packet sizes: layer-2 frame length without FCS, per direction (Welford)
    bidirectional_min_ps,
    bidirectional_mean_ps,
    bidirectional_stddev_ps,
    bidirectional_max_ps,
    src2dst_min_ps,
    src2dst_mean_ps,
    src2dst_stddev_ps,
    src2dst_max_ps,
    dst2src_min_ps,
    dst2src_mean_ps,
    dst2src_stddev_ps,
    dst2src_max_ps,
    // Packet inter-arrival times within a direction, ms (Welford)
    bidirectional_min_piat_ms,
    bidirectional_mean_piat_ms,
    bidirectional_stddev_piat_ms,
    bidirectional_max_piat_ms,
    src2dst_min_piat_ms,
    src2dst_mean_piat_ms,
    src2dst_stddev_piat_ms,
    src2dst_max_piat_ms,
    dst2src_min_piat_ms,
    dst2src_mean_piat_ms,
    dst2src_stddev_piat_ms,
    dst2src_max_piat_ms,
    // Endpoints
    src_port,
    dst_port,
    protocol,
    ip_version,
    // TCP flags, packets with each flag set (NFStream names)
    bidirectional_syn_packets,
    bidirectional_cwr_packets,
    bidirectional_ece_packets,
    bidirectional_urg_packets,
    bidirectional_ack_packets,
    bidirectional_psh_packets,
    bidirectional_rst_packets,
    bidirectional_fin_packets,
    // TCP handshake: SYN (src2dst) and SYN-ACK (dst2src) fields
    src2dst_init_window,
    dst2src_init_window,
    src2dst_mss,
    dst2src_mss,
    src2dst_wscale,
    dst2src_wscale,
    tcp_sack_permitted,
    tcp_timestamps,
    // Payload: transport payload bytes, time to the first payload
    src2dst_payload_bytes,
    dst2src_payload_bytes,
    src2dst_payload_packets,
    dst2src_payload_packets,
    time_to_first_payload_ms,
    // Packet-size histogram over both directions (frame length bins)
    ps_hist_0_63,
    ps_hist_64_127,
    ps_hist_128_255,
    ps_hist_256_511,
    ps_hist_512_1023,
    ps_hist_1024_1279,
    ps_hist_1280_1499,
    ps_hist_1500_plus,
    // Bursts: maximal runs of payload packets in one direction
    src2dst_bursts,
    dst2src_bursts,
    src2dst_mean_burst_bytes,
    dst2src_mean_burst_bytes,
    max_burst_bytes,
    mean_burst_packets,
    // The first 32 packets: frame length, direction (1 src2dst, -1 dst2src, 0 none), inter-arrival ms from the previous packet of the flow
    splt_ps_0,
    splt_ps_1,
    splt_ps_2,
    splt_ps_3,
    splt_ps_4,
    splt_ps_5,
    splt_ps_6,
    splt_ps_7,
    splt_ps_8,
    splt_ps_9,
    splt_ps_10,
    splt_ps_11,
    splt_ps_12,
    splt_ps_13,
    splt_ps_14,
    splt_ps_15,
    splt_ps_16,
    splt_ps_17,
    splt_ps_18,
    splt_ps_19,
    splt_ps_20,
    splt_ps_21,
    splt_ps_22,
    splt_ps_23,
    splt_ps_24,
    splt_ps_25,
    splt_ps_26,
    splt_ps_27,
    splt_ps_28,
    splt_ps_29,
    splt_ps_30,
    splt_ps_31,
    splt_direction_0,
    splt_direction_1,
    splt_direction_2,
    splt_direction_3,
    splt_direction_4,
    splt_direction_5,
    splt_direction_6,
    splt_direction_7,
    splt_direction_8,
    splt_direction_9,
    splt_direction_10,
    splt_direction_11,
    splt_direction_12,
    splt_direction_13,
    splt_direction_14,
    splt_direction_15,
    splt_direction_16,
    splt_direction_17,
    splt_direction_18,
    splt_direction_19,
    splt_direction_20,
    splt_direction_21,
    splt_direction_22,
    splt_direction_23,
    splt_direction_24,
    splt_direction_25,
    splt_direction_26,
    splt_direction_27,
    splt_direction_28,
    splt_direction_29,
    splt_direction_30,
    splt_direction_31,
    splt_piat_ms_0,
    splt_piat_ms_1,
    splt_piat_ms_2,
    splt_piat_ms_3,
    splt_piat_ms_4,
    splt_piat_ms_5,
    splt_piat_ms_6,
    splt_piat_ms_7,
    splt_piat_ms_8,
    splt_piat_ms_9,
    splt_piat_ms_10,
    splt_piat_ms_11,
    splt_piat_ms_12,
    splt_piat_ms_13,
    splt_piat_ms_14,
    splt_piat_ms_15,
    splt_piat_ms_16,
    splt_piat_ms_17,
    splt_piat_ms_18,
    splt_piat_ms_19,
    splt_piat_ms_20,
    splt_piat_ms_21,
    splt_piat_ms_22,
    splt_piat_ms_23,
    splt_piat_ms_24,
    splt_piat_ms_25,
    splt_piat_ms_26,
    splt_piat_ms_27,
    splt_piat_ms_28,
    splt_piat_ms_29,
    splt_piat_ms_30,
    splt_piat_ms_31,
    // The first 16 payload packets: payload length, signed by direction (+ src2dst, - dst2src)
    splt_payload_ps_0,
    splt_payload_ps_1,
    splt_payload_ps_2,
    splt_payload_ps_3,
    splt_payload_ps_4,
    splt_payload_ps_5,
    splt_payload_ps_6,
    splt_payload_ps_7,
    splt_payload_ps_8,
    splt_payload_ps_9,
    splt_payload_ps_10,
    splt_payload_ps_11,
    splt_payload_ps_12,
    splt_payload_ps_13,
    splt_payload_ps_14,
    splt_payload_ps_15,
    // TLS handshake (0 when absent)
    tls_client_version,
    tls_server_version,
    tls_server_cipher,
    tls_client_cipher_count,
    tls_client_tls13_cipher_count,
    tls_client_ext_count,
    tls_client_alpn,
    tls_client_alpn_count,
    tls_client_has_sni,
    tls_client_pq_key_share,
    tls_client_groups_count,
    tls_client_sig_algs_count,
    tls_server_ext_count,
    tls_hello_retry,
    tls_client_hello_bytes,
    // DNS and QUIC
    dns_queries,
    dns_responses,
    quic_long_header,
    quic_version,
    // Service names: whether the flow has one and where it came from (first
    // of SNI, QUIC Initial, server certificate, HTTP Host, DNS answer for the
    // server), and the name table's class for it (all 0 when unlisted). The
    // name itself is never a feature.
    http_request,
    name_present,
    name_from_sni,
    name_from_quic,
    name_from_cert,
    name_from_host,
    name_from_dns,
    name_class_web,
    name_class_video,
    name_class_file_transfer,
    name_class_interactive,
    name_class_realtime,
    name_class_other,
    // Timing in units of the flow's round-trip time (issue 5): absolute
    // milliseconds mostly measure the path, not the application, and do not
    // transfer to other networks. The RTT is estimated from the handshake:
    // TCP, initiator's SYN to its first packet after the SYN-ACK (the same
    // sum from any vantage point); otherwise the first src2dst packet to the
    // first dst2src one. Floored at 1 ms (below that it is host time, not
    // path). Every `*_rtt` feature is -1 while the RTT is unknown. The
    // handshake's own gaps are the RTT, split between the directions by
    // where the capture point is: `splt_piat_rtt_*` gives 0 for handshake
    // packets, and the `*_piat_rtt` statistics count gaps to the packets
    // after the handshake only.
    handshake_rtt_ms,
    bidirectional_duration_rtt,
    time_to_first_payload_rtt,
    bidirectional_min_piat_rtt,
    bidirectional_mean_piat_rtt,
    bidirectional_stddev_piat_rtt,
    bidirectional_max_piat_rtt,
    src2dst_min_piat_rtt,
    src2dst_mean_piat_rtt,
    src2dst_stddev_piat_rtt,
    src2dst_max_piat_rtt,
    dst2src_min_piat_rtt,
    dst2src_mean_piat_rtt,
    dst2src_stddev_piat_rtt,
    dst2src_max_piat_rtt,
    splt_piat_rtt_0,
    splt_piat_rtt_1,
    splt_piat_rtt_2,
    splt_piat_rtt_3,
    splt_piat_rtt_4,
    splt_piat_rtt_5,
    splt_piat_rtt_6,
    splt_piat_rtt_7,
    splt_piat_rtt_8,
    splt_piat_rtt_9,
    splt_piat_rtt_10,
    splt_piat_rtt_11,
    splt_piat_rtt_12,
    splt_piat_rtt_13,
    splt_piat_rtt_14,
    splt_piat_rtt_15,
    splt_piat_rtt_16,
    splt_piat_rtt_17,
    splt_piat_rtt_18,
    splt_piat_rtt_19,
    splt_piat_rtt_20,
    splt_piat_rtt_21,
    splt_piat_rtt_22,
    splt_piat_rtt_23,
    splt_piat_rtt_24,
    splt_piat_rtt_25,
    splt_piat_rtt_26,
    splt_piat_rtt_27,
    splt_piat_rtt_28,
    splt_piat_rtt_29,
    splt_piat_rtt_30,
    splt_piat_rtt_31,
}

/// Number of features.
pub const N: usize = NAMES.len();

/// Packets described one by one (`splt_*`).
pub const SPLT_LEN: usize = 32;
/// Payload packets described one by one (`splt_payload_ps_*`).
pub const SPLT_PAYLOAD_LEN: usize = 16;

/// The schema's version name.
pub const VERSION: &str = "flowmark-features-v3";

/// FNV-1a 64 of `line` and a newline, continuing from `h`.
const fn fnv_line(mut h: u64, line: &str) -> u64 {
    let b = line.as_bytes();
    let mut i = 0;
    while i <= b.len() {
        h ^= if i < b.len() { b[i] } else { b'\n' } as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    h
}

/// FNV-1a 64 over the version and every name, each followed by a newline.
pub const HASH: u64 = {
    let mut h = fnv_line(0xcbf2_9ce4_8422_2325, VERSION);
    let mut n = 0;
    while n < NAMES.len() {
        h = fnv_line(h, NAMES[n]);
        n += 1;
    }
    h
};

/// A feature vector.
pub type Vector = [f32; N];

/// The index of a feature by name.
pub fn index_of(name: &str) -> Option<usize> {
    NAMES.iter().position(|n| *n == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_indices_match() {
        let mut seen = std::collections::HashSet::new();
        for (i, n) in NAMES.iter().enumerate() {
            assert!(seen.insert(*n), "duplicate feature {n}");
            assert_eq!(index_of(n), Some(i));
        }
        assert_eq!(F::bidirectional_duration_ms as usize, 0);
        assert_eq!(F::splt_piat_rtt_31 as usize, N - 1);
        assert_eq!(F::splt_piat_rtt_31 as usize - F::splt_piat_rtt_0 as usize, SPLT_LEN - 1);
        assert_eq!(F::splt_ps_31 as usize - F::splt_ps_0 as usize, SPLT_LEN - 1);
        assert_eq!(F::splt_payload_ps_15 as usize - F::splt_payload_ps_0 as usize, SPLT_PAYLOAD_LEN - 1);
    }

    #[test]
    fn hash_changes_with_any_name() {
        assert_ne!(HASH, 0);
        assert_eq!(N, 262);
    }
}
