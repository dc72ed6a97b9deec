//! Per-flow state and its incremental features: everything is updated in
//! O(1) per packet with no allocation, and [`FlowState::write_vector`] gives
//! the schema's vector "as of now" at any packet index, which is what the
//! checkpoints of early classification need.
//!
//! Means and standard deviations use Welford's method; the property tests
//! check each against a batch recomputation over the same packets.
use models::schema::{self, F, SPLT_LEN, SPLT_PAYLOAD_LEN};

use crate::names::{NameSource, NameTable};
use crate::parse::{tcp_flags, Tcp};

/// `name_class` of a flow whose name the table does not list (or that has none).
pub const NO_NAME_CLASS: u8 = u8::MAX;

/// RTTs below this are host time, not path: the floor of the RTT unit.
pub const RTT_FLOOR_NS: u64 = 1_000_000;

/// Welford running statistics over f64 samples, with min and max.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Running {
    pub n: u64,
    pub mean: f64,
    m2: f64,
    pub min: f64,
    pub max: f64,
}

impl Running {
    #[inline]
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        if self.n == 1 {
            self.min = x;
            self.max = x;
        } else {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// Sample standard deviation (n - 1), as NFStream reports it; 0 below two samples.
    #[inline]
    pub fn stddev(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            (self.m2 / (self.n - 1) as f64).max(0.0).sqrt()
        }
    }
}

/// One direction's (or both directions') packet statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DirStats {
    pub packets: u64,
    pub bytes: u64,
    pub ps: Running,
    /// Inter-arrival times in ms, between consecutive packets of this direction.
    pub piat: Running,
    pub last_ns: u64,
    pub payload_bytes: u64,
    pub payload_packets: u64,
}

impl DirStats {
    #[inline]
    fn push(&mut self, ts_ns: u64, ps: u32, payload: u32) {
        if self.packets > 0 {
            self.piat.push(ts_ns.saturating_sub(self.last_ns) as f64 / 1e6);
        }
        self.packets += 1;
        self.bytes += ps as u64;
        self.ps.push(ps as f64);
        self.last_ns = ts_ns;
        if payload > 0 {
            self.payload_bytes += payload as u64;
            self.payload_packets += 1;
        }
    }
}

/// TLS handshake facts, filled in by the handshake parser.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TlsFacts {
    pub client_version: u16,
    pub server_version: u16,
    pub server_cipher: u16,
    pub client_cipher_count: u16,
    pub client_tls13_cipher_count: u16,
    pub client_ext_count: u16,
    /// 0 none, 1 http/1.1, 2 h2, 3 h3, 4 other.
    pub client_alpn: u8,
    pub client_alpn_count: u8,
    pub client_has_sni: bool,
    pub client_pq_key_share: bool,
    pub client_groups_count: u16,
    pub client_sig_algs_count: u16,
    pub server_ext_count: u16,
    pub hello_retry: bool,
    pub client_hello_bytes: u16,
}

/// Up to 255 bytes of text kept inline (SNI, ALPN, fingerprints).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct InlineStr<const CAP: usize> {
    len: u8,
    buf: [u8; CAP],
}

impl<const CAP: usize> Default for InlineStr<CAP> {
    fn default() -> Self {
        InlineStr { len: 0, buf: [0; CAP] }
    }
}

impl<const CAP: usize> InlineStr<CAP> {
    /// Keep up to CAP (at most 255) bytes of `s`.
    pub fn set(&mut self, s: &[u8]) {
        let n = s.len().min(CAP).min(255);
        self.buf[..n].copy_from_slice(&s[..n]);
        self.len = n as u8;
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len as usize]
    }

    /// The text, with anything not printable ASCII shown as '?'.
    pub fn to_lossy(&self) -> String {
        self.as_bytes().iter().map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '?' }).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<const CAP: usize> std::fmt::Debug for InlineStr<CAP> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.to_lossy())
    }
}

/// What a flow has seen so far. `src` is the initiator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlowState {
    /// Is the key's `lo` endpoint the initiator?
    pub initiator_is_lo: bool,
    pub first_ns: u64,
    pub last_ns: u64,
    pub bidir: DirStats,
    /// [src2dst, dst2src]
    pub dir: [DirStats; 2],
    pub flag_counts: [u32; 8],
    pub init_window: [u16; 2],
    pub mss: [u16; 2],
    pub wscale: [u8; 2],
    pub sack_permitted: bool,
    pub timestamps: bool,
    pub first_payload_ns: u64,
    pub ps_hist: [u32; 8],
    // Bursts of payload packets.
    burst_dir: u8,
    burst_bytes: u64,
    pub bursts: [u32; 2],
    pub burst_bytes_total: [u64; 2],
    pub burst_packets_total: u64,
    pub max_burst_bytes: u64,
    // The first packets one by one.
    pub splt_len: u8,
    pub splt_ps: [u16; SPLT_LEN],
    pub splt_dir: [i8; SPLT_LEN],
    pub splt_piat_ms: [f32; SPLT_LEN],
    pub splt_payload_len: u8,
    pub splt_payload: [i32; SPLT_PAYLOAD_LEN],
    pub tls: TlsFacts,
    /// The flow's service name (see [`FlowState::learn_name`]).
    pub name: InlineStr<255>,
    pub name_source: NameSource,
    /// Every source that offered a name, as bits of `NameSource::index`.
    pub name_sources: u8,
    /// The name table's class index for the name, or [`NO_NAME_CLASS`].
    pub name_class: u8,
    /// The client's first payload is an HTTP/1.x request.
    pub http_request: bool,
    pub alpn: InlineStr<32>,
    pub ja4: InlineStr<40>,
    pub dns_queries: u32,
    pub dns_responses: u32,
    pub quic_version: u32,
    pub quic_long_header: bool,
    pub fin_seen: [bool; 2],
    pub rst_seen: bool,
    /// SYN seen from the initiator (so the direction is certain).
    pub syn_seen: bool,
    /// Round-trip estimate: the initiator's (last) SYN or first packet,
    /// the responder's first packet after it, and the initiator's first
    /// packet after that (TCP handshakes only); `rtt_ns` is 0 while unknown.
    rtt_fwd_ns: u64,
    rtt_rev_ns: u64,
    rtt_closed: bool,
    pub rtt_ns: u64,
    /// Inter-arrival times (ms) of packets after the TCP handshake (all
    /// packets of other flows), [bidirectional, src2dst, dst2src]: the
    /// handshake's own gaps are the RTT itself, split by the vantage point.
    pub post_hs_piat: [Running; 3],
    /// Bit i: packet i of `splt_*` belongs to the TCP handshake.
    pub splt_handshake: u32,
    /// The classifier's decision, once made.
    pub decision: Decision,
    /// TLS hello reassembly, per direction.
    pub hello: [crate::handshake::DirHello; 2],
}

/// What the classifier decided for a flow.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Decision {
    pub state: DecisionState,
    /// Model class index (valid when `Decided`).
    pub class: u8,
    /// Share of trees that voted for the class.
    pub confidence: f32,
    /// The packet (1-based) at which the decision was made.
    pub packet: u32,
    /// The version of the model that decided.
    pub model_version: u32,
    /// Decided by the name table's class, not the trees' vote.
    pub by_name: bool,
    /// The mark chosen at the decision: kept for flows whose deciding model
    /// has since been swapped out (their class index means nothing to the new one).
    pub dscp: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecisionState {
    /// No checkpoint reached yet, or none confident enough.
    #[default]
    Pending,
    Decided,
    /// The last checkpoint passed without a confident vote and the model
    /// says unknown rather than guess.
    Unknown,
}

impl Default for FlowState {
    fn default() -> Self {
        FlowState {
            initiator_is_lo: true,
            first_ns: 0,
            last_ns: 0,
            bidir: DirStats::default(),
            dir: [DirStats::default(); 2],
            flag_counts: [0; 8],
            init_window: [0; 2],
            mss: [0; 2],
            wscale: [0; 2],
            sack_permitted: false,
            timestamps: false,
            first_payload_ns: 0,
            ps_hist: [0; 8],
            burst_dir: 0,
            burst_bytes: 0,
            bursts: [0; 2],
            burst_bytes_total: [0; 2],
            burst_packets_total: 0,
            max_burst_bytes: 0,
            splt_len: 0,
            splt_ps: [0; SPLT_LEN],
            splt_dir: [0; SPLT_LEN],
            splt_piat_ms: [0.0; SPLT_LEN],
            splt_payload_len: 0,
            splt_payload: [0; SPLT_PAYLOAD_LEN],
            tls: TlsFacts::default(),
            name: InlineStr::default(),
            name_source: NameSource::None,
            name_sources: 0,
            name_class: NO_NAME_CLASS,
            http_request: false,
            alpn: InlineStr::default(),
            ja4: InlineStr::default(),
            dns_queries: 0,
            dns_responses: 0,
            quic_version: 0,
            quic_long_header: false,
            fin_seen: [false; 2],
            rst_seen: false,
            syn_seen: false,
            rtt_fwd_ns: 0,
            rtt_rev_ns: 0,
            rtt_closed: false,
            rtt_ns: 0,
            post_hs_piat: [Running::default(); 3],
            splt_handshake: 0,
            decision: Decision::default(),
            hello: Default::default(),
        }
    }
}

/// Histogram bin of a frame length.
#[inline]
fn ps_bin(ps: u32) -> usize {
    match ps {
        0..=63 => 0,
        64..=127 => 1,
        128..=255 => 2,
        256..=511 => 3,
        512..=1023 => 4,
        1024..=1279 => 5,
        1280..=1499 => 6,
        _ => 7,
    }
}

/// One packet as the features see it.
#[derive(Debug, Clone, Copy)]
pub struct PacketFacts {
    pub ts_ns: u64,
    /// Layer-2 frame length without FCS.
    pub ps: u32,
    /// Transport payload length (from the IP/UDP length fields).
    pub payload: u32,
    /// From the initiator (src2dst)?
    pub forward: bool,
    pub tcp: Option<Tcp>,
}

impl FlowState {
    /// A new flow whose first packet is `p`; `initiator_is_lo` says which
    /// key endpoint started it.
    pub fn new(initiator_is_lo: bool, ts_ns: u64) -> Self {
        FlowState { initiator_is_lo, first_ns: ts_ns, last_ns: ts_ns, ..FlowState::default() }
    }

    /// Packets seen so far.
    #[inline]
    pub fn packets(&self) -> u64 {
        self.bidir.packets
    }

    /// Account one packet.
    #[inline]
    pub fn update(&mut self, p: &PacketFacts) {
        let d = if p.forward { 0 } else { 1 };
        let prev_ns = self.last_ns;
        let first = self.bidir.packets == 0;
        let handshake = self.update_rtt(p);
        if !handshake {
            let ms = |prev: u64| p.ts_ns.saturating_sub(prev) as f64 / 1e6;
            if !first {
                self.post_hs_piat[0].push(ms(prev_ns));
            }
            if self.dir[d].packets > 0 {
                self.post_hs_piat[1 + d].push(ms(self.dir[d].last_ns));
            }
        }
        self.bidir.push(p.ts_ns, p.ps, p.payload);
        self.dir[d].push(p.ts_ns, p.ps, p.payload);
        self.last_ns = p.ts_ns.max(self.last_ns);
        self.ps_hist[ps_bin(p.ps)] = self.ps_hist[ps_bin(p.ps)].saturating_add(1);

        let i = self.splt_len as usize;
        if i < SPLT_LEN {
            self.splt_ps[i] = p.ps.min(u16::MAX as u32) as u16;
            self.splt_dir[i] = if p.forward { 1 } else { -1 };
            self.splt_piat_ms[i] = if first { 0.0 } else { (p.ts_ns.saturating_sub(prev_ns) as f64 / 1e6) as f32 };
            self.splt_handshake |= (handshake as u32) << i;
            self.splt_len += 1;
        }

        if let Some(t) = p.tcp {
            for (bit, c) in self.flag_counts.iter_mut().enumerate() {
                // flag_counts follows the schema's order: syn cwr ece urg ack psh rst fin.
                let mask = [
                    tcp_flags::SYN,
                    tcp_flags::CWR,
                    tcp_flags::ECE,
                    tcp_flags::URG,
                    tcp_flags::ACK,
                    tcp_flags::PSH,
                    tcp_flags::RST,
                    tcp_flags::FIN,
                ][bit];
                *c = c.saturating_add((t.flags & mask != 0) as u32);
            }
            if t.flags & tcp_flags::SYN != 0 {
                self.init_window[d] = t.window;
                self.mss[d] = t.mss.unwrap_or(0);
                self.wscale[d] = t.wscale.map(|w| w.saturating_add(1)).unwrap_or(0);
                if d == 0 {
                    self.syn_seen = true;
                    self.sack_permitted = t.sack_permitted;
                    self.timestamps = t.timestamps;
                }
            }
            if t.flags & tcp_flags::FIN != 0 {
                self.fin_seen[d] = true;
            }
            if t.flags & tcp_flags::RST != 0 {
                self.rst_seen = true;
            }
        }

        if p.payload > 0 {
            if self.first_payload_ns == 0 {
                self.first_payload_ns = p.ts_ns.max(1);
            }
            let j = self.splt_payload_len as usize;
            if j < SPLT_PAYLOAD_LEN {
                self.splt_payload[j] = if p.forward { p.payload as i32 } else { -(p.payload as i32) };
                self.splt_payload_len += 1;
            }
            let dir_code = d as u8 + 1;
            if self.burst_dir != dir_code {
                self.burst_bytes = 0;
                self.burst_dir = dir_code;
                self.bursts[d] = self.bursts[d].saturating_add(1);
            }
            self.burst_bytes += p.payload as u64;
            self.burst_bytes_total[d] += p.payload as u64;
            self.burst_packets_total += 1;
            self.max_burst_bytes = self.max_burst_bytes.max(self.burst_bytes);
        }
    }

    /// The round-trip estimate (see the schema's `handshake_rtt_ms`): O(1),
    /// called before the packet is accounted. Returns whether the packet
    /// belongs to a TCP handshake (a SYN, or the initiator's packet that
    /// closes the handshake).
    #[inline]
    fn update_rtt(&mut self, p: &PacketFacts) -> bool {
        let syn = p.tcp.is_some_and(|t| t.flags & tcp_flags::SYN != 0);
        if self.rtt_closed {
            return syn;
        }
        let ts = p.ts_ns.max(1);
        if p.forward {
            if self.rtt_fwd_ns == 0 || (syn && self.rtt_rev_ns == 0) {
                // A retransmitted SYN restarts the clock: the RTT is not the SYN timeout.
                self.rtt_fwd_ns = ts;
            } else if self.rtt_rev_ns != 0 {
                // The handshake's closing packet: SYN to ACK is the whole
                // round trip wherever the capture point is.
                self.rtt_ns = ts.saturating_sub(self.rtt_fwd_ns);
                self.rtt_closed = true;
                return true;
            }
        } else if self.rtt_fwd_ns != 0 && self.rtt_rev_ns == 0 {
            self.rtt_rev_ns = ts;
            self.rtt_ns = ts.saturating_sub(self.rtt_fwd_ns);
            // Only a TCP handshake (SYN, then SYN-ACK) has a closing packet worth waiting for.
            let handshake = syn && self.syn_seen;
            self.rtt_closed = !handshake;
        }
        syn
    }

    /// The RTT unit in ms (floored), or None while unknown.
    #[inline]
    pub fn rtt_unit_ms(&self) -> Option<f64> {
        (self.rtt_ns > 0 || self.rtt_rev_ns > 0).then(|| self.rtt_ns.max(RTT_FLOOR_NS) as f64 / 1e6)
    }

    /// The schema's feature vector as of the packets seen so far.
    /// `src_port`/`dst_port`/`proto`/`ipv6` come from the flow key.
    pub fn write_vector(&self, src_port: u16, dst_port: u16, proto: u8, ipv6: bool, out: &mut schema::Vector) {
        let ms = |ns: u64| ns as f64 / 1e6;
        let mut set = |f: F, v: f64| out[f as usize] = v as f32;
        set(F::bidirectional_duration_ms, ms(self.last_ns.saturating_sub(self.first_ns)));
        set(F::bidirectional_packets, self.bidir.packets as f64);
        set(F::bidirectional_bytes, self.bidir.bytes as f64);
        set(F::src2dst_packets, self.dir[0].packets as f64);
        set(F::src2dst_bytes, self.dir[0].bytes as f64);
        set(F::dst2src_packets, self.dir[1].packets as f64);
        set(F::dst2src_bytes, self.dir[1].bytes as f64);
        set(F::src2dst_dst2src_byte_ratio, self.dir[0].bytes as f64 / self.dir[1].bytes.max(1) as f64);
        let sizes = [
            (&self.bidir, F::bidirectional_min_ps, F::bidirectional_min_piat_ms),
            (&self.dir[0], F::src2dst_min_ps, F::src2dst_min_piat_ms),
            (&self.dir[1], F::dst2src_min_ps, F::dst2src_min_piat_ms),
        ];
        for (s, ps0, piat0) in sizes {
            let (ps0, piat0) = (ps0 as usize, piat0 as usize);
            out[ps0] = s.ps.min as f32;
            out[ps0 + 1] = s.ps.mean as f32;
            out[ps0 + 2] = s.ps.stddev() as f32;
            out[ps0 + 3] = s.ps.max as f32;
            out[piat0] = s.piat.min as f32;
            out[piat0 + 1] = s.piat.mean as f32;
            out[piat0 + 2] = s.piat.stddev() as f32;
            out[piat0 + 3] = s.piat.max as f32;
        }
        let mut set = |f: F, v: f64| out[f as usize] = v as f32;
        set(F::src_port, src_port as f64);
        set(F::dst_port, dst_port as f64);
        set(F::protocol, proto as f64);
        set(F::ip_version, if ipv6 { 6.0 } else { 4.0 });
        for (i, c) in self.flag_counts.iter().enumerate() {
            out[F::bidirectional_syn_packets as usize + i] = *c as f32;
        }
        let mut set = |f: F, v: f64| out[f as usize] = v as f32;
        set(F::src2dst_init_window, self.init_window[0] as f64);
        set(F::dst2src_init_window, self.init_window[1] as f64);
        set(F::src2dst_mss, self.mss[0] as f64);
        set(F::dst2src_mss, self.mss[1] as f64);
        set(F::src2dst_wscale, self.wscale[0] as f64);
        set(F::dst2src_wscale, self.wscale[1] as f64);
        set(F::tcp_sack_permitted, self.sack_permitted as u8 as f64);
        set(F::tcp_timestamps, self.timestamps as u8 as f64);
        set(F::src2dst_payload_bytes, self.dir[0].payload_bytes as f64);
        set(F::dst2src_payload_bytes, self.dir[1].payload_bytes as f64);
        set(F::src2dst_payload_packets, self.dir[0].payload_packets as f64);
        set(F::dst2src_payload_packets, self.dir[1].payload_packets as f64);
        set(
            F::time_to_first_payload_ms,
            if self.first_payload_ns == 0 { -1.0 } else { ms(self.first_payload_ns.saturating_sub(self.first_ns)) },
        );
        for (i, c) in self.ps_hist.iter().enumerate() {
            out[F::ps_hist_0_63 as usize + i] = *c as f32;
        }
        let mut set = |f: F, v: f64| out[f as usize] = v as f32;
        set(F::src2dst_bursts, self.bursts[0] as f64);
        set(F::dst2src_bursts, self.bursts[1] as f64);
        set(F::src2dst_mean_burst_bytes, self.burst_bytes_total[0] as f64 / self.bursts[0].max(1) as f64);
        set(F::dst2src_mean_burst_bytes, self.burst_bytes_total[1] as f64 / self.bursts[1].max(1) as f64);
        set(F::max_burst_bytes, self.max_burst_bytes as f64);
        let nb = (self.bursts[0] + self.bursts[1]).max(1);
        set(F::mean_burst_packets, self.burst_packets_total as f64 / nb as f64);
        for i in 0..SPLT_LEN {
            let present = i < self.splt_len as usize;
            out[F::splt_ps_0 as usize + i] = if present { self.splt_ps[i] as f32 } else { 0.0 };
            out[F::splt_direction_0 as usize + i] = if present { self.splt_dir[i] as f32 } else { 0.0 };
            out[F::splt_piat_ms_0 as usize + i] = if present { self.splt_piat_ms[i] } else { -1.0 };
        }
        for i in 0..SPLT_PAYLOAD_LEN {
            out[F::splt_payload_ps_0 as usize + i] =
                if i < self.splt_payload_len as usize { self.splt_payload[i] as f32 } else { 0.0 };
        }
        let t = &self.tls;
        let mut set = |f: F, v: f64| out[f as usize] = v as f32;
        set(F::tls_client_version, t.client_version as f64);
        set(F::tls_server_version, t.server_version as f64);
        set(F::tls_server_cipher, t.server_cipher as f64);
        set(F::tls_client_cipher_count, t.client_cipher_count as f64);
        set(F::tls_client_tls13_cipher_count, t.client_tls13_cipher_count as f64);
        set(F::tls_client_ext_count, t.client_ext_count as f64);
        set(F::tls_client_alpn, t.client_alpn as f64);
        set(F::tls_client_alpn_count, t.client_alpn_count as f64);
        set(F::tls_client_has_sni, t.client_has_sni as u8 as f64);
        set(F::tls_client_pq_key_share, t.client_pq_key_share as u8 as f64);
        set(F::tls_client_groups_count, t.client_groups_count as f64);
        set(F::tls_client_sig_algs_count, t.client_sig_algs_count as f64);
        set(F::tls_server_ext_count, t.server_ext_count as f64);
        set(F::tls_hello_retry, t.hello_retry as u8 as f64);
        set(F::tls_client_hello_bytes, t.client_hello_bytes as f64);
        set(F::dns_queries, self.dns_queries as f64);
        set(F::dns_responses, self.dns_responses as f64);
        set(F::quic_long_header, self.quic_long_header as u8 as f64);
        set(F::quic_version, self.quic_version as f64);
        set(F::http_request, self.http_request as u8 as f64);
        set(F::name_present, (self.name_source != NameSource::None) as u8 as f64);
        for (f, src) in [
            (F::name_from_sni, NameSource::Sni),
            (F::name_from_quic, NameSource::Quic),
            (F::name_from_cert, NameSource::Cert),
            (F::name_from_host, NameSource::Host),
            (F::name_from_dns, NameSource::Dns),
        ] {
            set(f, (self.name_source == src) as u8 as f64);
        }
        for i in 0..crate::names::CLASSES.len() {
            out[F::name_class_web as usize + i] = (self.name_class as usize == i) as u8 as f32;
        }
        self.write_rtt_features(out);
    }

    /// Timing in RTT units: the ms features divided by the RTT unit (a
    /// constant per call, so min, mean, stddev and max scale exactly).
    fn write_rtt_features(&self, out: &mut schema::Vector) {
        out[F::handshake_rtt_ms as usize] = match self.rtt_unit_ms() {
            Some(_) => (self.rtt_ns as f64 / 1e6) as f32,
            None => -1.0,
        };
        let Some(unit) = self.rtt_unit_ms() else {
            out[F::bidirectional_duration_rtt as usize..=F::splt_piat_rtt_31 as usize].fill(-1.0);
            return;
        };
        let r = |ms: f64| (ms / unit) as f32;
        out[F::bidirectional_duration_rtt as usize] = r(self.last_ns.saturating_sub(self.first_ns) as f64 / 1e6);
        out[F::time_to_first_payload_rtt as usize] = if self.first_payload_ns == 0 {
            -1.0
        } else {
            r(self.first_payload_ns.saturating_sub(self.first_ns) as f64 / 1e6)
        };
        for (s, f0) in [
            (&self.post_hs_piat[0], F::bidirectional_min_piat_rtt),
            (&self.post_hs_piat[1], F::src2dst_min_piat_rtt),
            (&self.post_hs_piat[2], F::dst2src_min_piat_rtt),
        ] {
            let f0 = f0 as usize;
            out[f0] = r(s.min);
            out[f0 + 1] = r(s.mean);
            out[f0 + 2] = r(s.stddev());
            out[f0 + 3] = r(s.max);
        }
        for i in 0..SPLT_LEN {
            out[F::splt_piat_rtt_0 as usize + i] = if i >= self.splt_len as usize {
                -1.0
            } else if self.splt_handshake & (1 << i) != 0 {
                0.0
            } else {
                r(self.splt_piat_ms[i] as f64)
            };
        }
    }

    /// Take `name` as the flow's service name if no name from a source of
    /// higher precedence is known yet, and look up its class. Returns
    /// whether the name was taken.
    pub fn learn_name(&mut self, name: &[u8], source: NameSource, table: &NameTable) -> bool {
        if name.is_empty() {
            return false;
        }
        if let Some(i) = source.index() {
            self.name_sources |= 1 << i;
        }
        if source >= self.name_source {
            return false;
        }
        self.name.set(name);
        self.name_source = source;
        self.name_class = table.lookup(name).map_or(NO_NAME_CLASS, |m| m.class);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn batch_mean_std(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = if xs.len() < 2 { 0.0 } else { xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) };
        (mean, var.sqrt())
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-6 * (1.0 + a.abs().max(b.abs()))
    }

    /// Found by fuzz_pipeline: a SYN with window scale 255 overflowed.
    #[test]
    fn extreme_tcp_options_do_not_overflow() {
        let mut st = FlowState::new(true, 0);
        let tcp = Tcp { flags: tcp_flags::SYN, wscale: Some(255), mss: Some(u16::MAX), ..Tcp::default() };
        st.update(&PacketFacts { ts_ns: 0, ps: 60, payload: 0, forward: true, tcp: Some(tcp) });
        assert_eq!(st.wscale[0], 255);
    }

    fn tcp_pkt(st: &mut FlowState, ms: f64, forward: bool, flags: u8) {
        let tcp = Tcp { flags, ..Tcp::default() };
        st.update(&PacketFacts { ts_ns: (ms * 1e6) as u64, ps: 60, payload: 0, forward, tcp: Some(tcp) });
    }

    fn rtt_ms(st: &FlowState) -> f32 {
        let mut v = [0f32; schema::N];
        st.write_vector(1, 2, 6, false, &mut v);
        v[F::handshake_rtt_ms as usize]
    }

    /// The handshake RTT is the same sum wherever the capture point is,
    /// and a retransmitted SYN does not count its timeout.
    #[test]
    fn handshake_rtt_from_any_vantage_point() {
        use tcp_flags::{ACK, SYN};
        for (synack, ack) in [(40.0, 40.2), (0.2, 40.0), (15.0, 40.0)] {
            let mut st = FlowState::new(true, 0);
            tcp_pkt(&mut st, 0.0, true, SYN);
            assert_eq!(rtt_ms(&st), -1.0, "unknown before any reply");
            tcp_pkt(&mut st, synack, false, SYN | ACK);
            tcp_pkt(&mut st, ack, true, ACK);
            tcp_pkt(&mut st, ack + 500.0, false, ACK);
            tcp_pkt(&mut st, ack + 900.0, true, ACK);
            assert!((rtt_ms(&st) - ack as f32).abs() < 1e-3, "{synack} {ack}: {}", rtt_ms(&st));
            let mut v = [0f32; schema::N];
            st.write_vector(1, 2, 6, false, &mut v);
            let want = 500.0 / ack as f32;
            assert!((v[F::splt_piat_rtt_3 as usize] - want).abs() < 1e-3, "piat in RTT units");
            assert!((v[F::dst2src_max_piat_rtt as usize] - (ack + 500.0 - synack) as f32 / ack as f32).abs() < 1e-3);
            assert_eq!(v[F::splt_piat_rtt_5 as usize], -1.0, "absent packet");
            assert_eq!(v[F::splt_piat_rtt_1 as usize], 0.0, "the handshake's own gaps say nothing");
            assert_eq!(v[F::splt_piat_rtt_2 as usize], 0.0);
            let fwd_gap = (v[F::src2dst_max_piat_rtt as usize] - 900.0 / ack as f32).abs();
            assert!(fwd_gap < 1e-3, "src2dst after the handshake: ACK to the next");
        }
        let mut st = FlowState::new(true, 0);
        tcp_pkt(&mut st, 0.0, true, SYN);
        tcp_pkt(&mut st, 1000.0, true, SYN);
        tcp_pkt(&mut st, 1030.0, false, SYN | ACK);
        tcp_pkt(&mut st, 1030.5, true, ACK);
        assert!((rtt_ms(&st) - 30.5).abs() < 1e-3);
        // UDP: first request to first response; a tiny RTT is floored at 1 ms.
        let mut st = FlowState::new(true, 0);
        st.update(&PacketFacts { ts_ns: 0, ps: 80, payload: 30, forward: true, tcp: None });
        st.update(&PacketFacts { ts_ns: 100_000, ps: 80, payload: 30, forward: false, tcp: None });
        st.update(&PacketFacts { ts_ns: 5_100_000, ps: 80, payload: 30, forward: true, tcp: None });
        let mut v = [0f32; schema::N];
        st.write_vector(1, 2, 17, false, &mut v);
        assert!((v[F::handshake_rtt_ms as usize] - 0.1).abs() < 1e-4);
        assert!((v[F::splt_piat_rtt_2 as usize] - 5.0).abs() < 1e-4, "in units of the 1 ms floor");
    }

    proptest! {
        #[test]
        fn welford_equals_batch(xs in proptest::collection::vec(0.0f64..1e5, 1..200)) {
            let mut r = Running::default();
            xs.iter().for_each(|&x| r.push(x));
            let (m, s) = batch_mean_std(&xs);
            prop_assert!(close(r.mean, m), "mean {} vs {}", r.mean, m);
            prop_assert!(close(r.stddev(), s), "std {} vs {}", r.stddev(), s);
            prop_assert_eq!(r.min, xs.iter().cloned().fold(f64::MAX, f64::min));
            prop_assert_eq!(r.max, xs.iter().cloned().fold(f64::MIN, f64::max));
        }

        /// Every size, time and count feature equals its batch recomputation
        /// over the same packets, at every packet index.
        #[test]
        fn flow_features_equal_batch(pkts in proptest::collection::vec((0u64..50_000_000, 60u32..1514, any::<bool>(), 0u32..1400), 1..80)) {
            let mut ts = 1_000_000_000u64;
            let mut seen: Vec<(u64, u32, bool, u32)> = Vec::new();
            let mut st = FlowState::new(true, ts + pkts[0].0);
            for (gap, ps, fwd, payload) in pkts {
                ts += gap;
                let payload = payload.min(ps.saturating_sub(54));
                st.update(&PacketFacts { ts_ns: ts, ps, payload, forward: fwd, tcp: None });
                seen.push((ts, ps, fwd, payload));
                let mut v = [f32::NAN; schema::N];
                st.write_vector(1234, 443, 6, false, &mut v);
                prop_assert!(v.iter().all(|x| x.is_finite()), "every feature is written");
                let f = |x: F| v[x as usize] as f64;
                for (sel, pre) in [(None, "bidirectional"), (Some(true), "src2dst"), (Some(false), "dst2src")] {
                    let part: Vec<_> = seen.iter().filter(|p| sel.is_none_or(|d| p.2 == d)).collect();
                    let n = schema::index_of(&format!("{pre}_min_ps")).unwrap();
                    if part.is_empty() { continue; }
                    let sizes: Vec<f64> = part.iter().map(|p| p.1 as f64).collect();
                    let (m, s) = batch_mean_std(&sizes);
                    prop_assert!(close(v[n + 1] as f64, m) && close(v[n + 2] as f64, s), "{pre} ps");
                    prop_assert_eq!(v[n + 3] as f64, sizes.iter().cloned().fold(0.0, f64::max));
                    let gaps: Vec<f64> = part.windows(2).map(|w| (w[1].0 - w[0].0) as f64 / 1e6).collect();
                    if !gaps.is_empty() {
                        let k = schema::index_of(&format!("{pre}_mean_piat_ms")).unwrap();
                        let (m, s) = batch_mean_std(&gaps);
                        prop_assert!(close(v[k] as f64, m as f32 as f64) || close(v[k] as f64, m), "{pre} piat mean");
                        prop_assert!((v[k + 1] as f64 - s).abs() <= 1e-3 * (1.0 + s), "{pre} piat std {} vs {}", v[k + 1], s);
                    }
                }
                prop_assert_eq!(f(F::src2dst_packets) as usize, seen.iter().filter(|p| p.2).count());
                prop_assert_eq!(f(F::dst2src_bytes) as u64, seen.iter().filter(|p| !p.2).map(|p| p.1 as u64).sum::<u64>());
                prop_assert!(close(f(F::bidirectional_duration_ms), (ts - seen[0].0) as f64 / 1e6));
                // Bursts: maximal same-direction runs of payload packets.
                let dirs: Vec<bool> = seen.iter().filter(|p| p.3 > 0).map(|p| p.2).collect();
                let runs = |d: bool| dirs.iter().enumerate().filter(|(i, &x)| x == d && (*i == 0 || dirs[i - 1] != d)).count();
                prop_assert_eq!(f(F::src2dst_bursts) as usize, runs(true));
                prop_assert_eq!(f(F::dst2src_bursts) as usize, runs(false));
                let hist_total: f64 = (0..8).map(|i| v[F::ps_hist_0_63 as usize + i] as f64).sum();
                prop_assert_eq!(hist_total as usize, seen.len());
                let k = seen.len().min(SPLT_LEN);
                prop_assert_eq!(v[F::splt_ps_0 as usize + k - 1] as u32, seen[k - 1].1);
            }
        }
    }
}
