//! The heart of a worker: one packet in, its flow found or made, its
//! features updated, checkpoints and flow ends reported to a [`Sink`].
//!
//! The DPDK worker, the offline pcap runner (`dataplane extract`), the tests
//! and the benchmarks all drive this same code, so the features a model is
//! trained on are the features it is served.
use std::sync::Arc;

use models::schema;

use models::forest::Model;

use crate::features::{DecisionState, FlowState, PacketFacts};
use crate::flow::{EndReason, FlowKey, FlowTable, Slot, Timeouts};
use crate::handshake::Inspector;
use crate::mark::{self, Direction};
use crate::names::NameTable;
use crate::parse::{self, tcp_flags, Fragment, Parsed};
use crate::stats::{bump, PipelineCounters};

/// Most checkpoints a model may define.
pub const MAX_CHECKPOINTS: usize = 8;

/// Packet counts at which a flow's features are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoints {
    ks: [u32; MAX_CHECKPOINTS],
    n: u8,
}

impl Checkpoints {
    /// Sorted, distinct, non-zero packet counts (at most eight).
    pub fn new(ks: &[u32]) -> Result<Self, String> {
        let mut v: Vec<u32> = ks.to_vec();
        v.sort_unstable();
        v.dedup();
        if v.is_empty() || v[0] == 0 || v.len() > MAX_CHECKPOINTS {
            return Err(format!("checkpoints must be 1 to {MAX_CHECKPOINTS} positive packet counts, got {ks:?}"));
        }
        let mut c = Checkpoints { ks: [0; MAX_CHECKPOINTS], n: v.len() as u8 };
        c.ks[..v.len()].copy_from_slice(&v);
        Ok(c)
    }

    pub fn as_slice(&self) -> &[u32] {
        &self.ks[..self.n as usize]
    }

    #[inline]
    pub fn contains(&self, packets: u64) -> bool {
        self.as_slice().iter().any(|&k| k as u64 == packets)
    }
}

impl Default for Checkpoints {
    fn default() -> Self {
        Checkpoints::new(&[3, 5, 8, 16, 32]).expect("valid defaults")
    }
}

/// How a pipeline is set up.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub flow_capacity: usize,
    /// TLS reassembly buffers (8 KiB per direction of a handshake in progress).
    pub hello_buffers: usize,
    pub timeouts: Timeouts,
    pub checkpoints: Checkpoints,
    /// Server addresses the DNS cache remembers (0 turns it off).
    pub dns_cache: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            flow_capacity: 65_536,
            hello_buffers: 1024,
            timeouts: Timeouts::default(),
            checkpoints: Checkpoints::default(),
            dns_cache: 16_384,
        }
    }
}

/// A flow as a sink sees it.
#[derive(Clone, Copy)]
pub struct FlowRef<'a> {
    pub key: &'a FlowKey,
    pub state: &'a FlowState,
}

impl FlowRef<'_> {
    /// The initiator's (address, port).
    pub fn src(&self) -> (&[u8], u16) {
        let k = self.key;
        let n = if k.ipv6 { 16 } else { 4 };
        if self.state.initiator_is_lo {
            (&k.lo_addr[..n], k.lo_port)
        } else {
            (&k.hi_addr[..n], k.hi_port)
        }
    }

    /// The responder's (address, port).
    pub fn dst(&self) -> (&[u8], u16) {
        let k = self.key;
        let n = if k.ipv6 { 16 } else { 4 };
        if self.state.initiator_is_lo {
            (&k.hi_addr[..n], k.hi_port)
        } else {
            (&k.lo_addr[..n], k.lo_port)
        }
    }

    /// The feature vector as of now.
    pub fn vector(&self, out: &mut schema::Vector) {
        self.state.write_vector(self.src().1, self.dst().1, self.key.proto, self.key.ipv6, out);
    }
}

/// Where a pipeline reports checkpoints and flow ends.
pub trait Sink {
    /// Whether [`Sink::checkpoint`] wants vectors (computing one costs time).
    const CHECKPOINTS: bool = false;
    fn checkpoint(&mut self, _flow: FlowRef<'_>, _k: u32, _features: &schema::Vector) {}
    fn flow_end(&mut self, _flow: FlowRef<'_>, _reason: EndReason) {}
}

/// A sink that wants nothing.
pub struct NoSink;
impl Sink for NoSink {}

/// What happened to one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Not parsed to a flow: forwarded unchanged, counted by reason.
    Unparsed(parse::ParseError),
    /// A later IP fragment: no ports, so no flow; forwarded unchanged.
    Fragment,
    /// Belongs to the flow in `slot`; `index` is its 1-based packet number.
    Flow { slot: Slot, index: u64 },
}

/// The model a pipeline classifies with, and how it marks.
#[derive(Clone)]
pub struct Classifier {
    pub model: Arc<Model>,
    /// DSCP per model class index.
    pub dscp: [u8; models::forest::MAX_CLASSES],
    pub direction: Direction,
}

impl Classifier {
    /// The model's default marks, with `overrides` (class name, DSCP) applied.
    pub fn new(model: Arc<Model>, overrides: &[(String, u8)], direction: Direction) -> Result<Self, String> {
        let mut dscp = [0u8; models::forest::MAX_CLASSES];
        for (i, c) in model.classes.iter().enumerate() {
            dscp[i] = c.dscp;
        }
        for (name, v) in overrides {
            let i = model.class_index(name).ok_or_else(|| {
                format!(
                    "--dscp-map: the model has no class {name:?} (classes: {})",
                    model.classes.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
                )
            })?;
            dscp[i] = *v;
        }
        Ok(Classifier { model, dscp, direction })
    }
}

/// At a model checkpoint, classify a pending flow; then mark the packet if
/// its flow is decided and the direction is marked.
#[allow(clippy::too_many_arguments)]
#[inline]
fn classify_and_mark(
    cl: &Classifier,
    table: &mut FlowTable<FlowState>,
    vector: &mut schema::Vector,
    counters: &PipelineCounters,
    slot: Slot,
    index: u64,
    forward: bool,
    frame: &mut [u8],
    p: &Parsed,
    wire_len: u32,
) {
    let m = &*cl.model;
    if table.state(slot).decision.state == DecisionState::Pending {
        if let Some(ck) = m.checkpoint_at(index) {
            FlowRef { key: table.key(slot), state: table.state(slot) }.vector(vector);
            let last = ck + 1 == m.checkpoints.len();
            // The name verdict, else the trees' vote; before the last
            // checkpoint the vote stops once no class can reach its threshold.
            if let Some(o) = m.classify(ck, vector) {
                let d = &mut table.state_mut(slot).decision;
                if o.decided {
                    d.state = DecisionState::Decided;
                    d.class = o.class as u8;
                    d.confidence = o.confidence();
                    d.by_name = o.by_name;
                    d.packet = index.min(u32::MAX as u64) as u32;
                    d.model_version = m.version;
                    d.dscp = cl.dscp[o.class];
                    bump(&counters.class_flows[o.class], 1);
                    bump(&counters.decided_at[ck], 1);
                    if o.by_name {
                        bump(&counters.decided_by_name, 1);
                    }
                } else if last {
                    d.state = DecisionState::Unknown;
                    d.confidence = o.confidence();
                    d.packet = index.min(u32::MAX as u64) as u32;
                    d.model_version = m.version;
                    bump(&counters.flows_unknown, 1);
                }
            }
        }
    }
    let d = table.state(slot).decision;
    if d.state == DecisionState::Decided {
        let marked = match cl.direction {
            Direction::Both => true,
            Direction::Forward => forward,
            Direction::Backward => !forward,
        };
        // A flow decided by an earlier model keeps that decision's mark; one
        // decided by this model follows the current DSCP map.
        let dscp = if d.model_version == m.version { cl.dscp[d.class as usize] } else { d.dscp };
        if marked && mark::set_dscp(frame, p.l3_offset as usize, p.ipv6, dscp) {
            bump(&counters.class_packets_marked[d.class as usize], 1);
            bump(&counters.class_bytes_marked[d.class as usize], wire_len as u64);
        }
    }
}

/// One worker's flow table, counters and feature state.
pub struct Pipeline {
    table: FlowTable<FlowState>,
    counters: Arc<PipelineCounters>,
    checkpoints: Checkpoints,
    vector: schema::Vector,
    classifier: Option<Classifier>,
    inspector: Inspector,
}

/// Expired flows ended per packet at most: bounds the work of one packet.
const EXPIRE_PER_PACKET: usize = 2;

impl Pipeline {
    pub fn new(cfg: Config) -> Self {
        Pipeline {
            table: FlowTable::new(cfg.flow_capacity, cfg.timeouts),
            counters: Arc::new(PipelineCounters::default()),
            checkpoints: cfg.checkpoints,
            vector: [0.0; schema::N],
            classifier: None,
            inspector: Inspector::new(cfg.hello_buffers, cfg.dns_cache, NameTable::shipped()),
        }
    }

    /// Name flows with `table` from the next packet on (flows already named
    /// keep their class).
    pub fn set_names(&mut self, table: Arc<NameTable>) {
        self.inspector.names = table;
    }

    pub fn names(&self) -> &Arc<NameTable> {
        &self.inspector.names
    }

    /// Share DNS answers with other workers: see [`crate::names::DnsCache`].
    pub fn share_dns(&mut self, on: bool) {
        self.inspector.dns.set_share(on);
    }

    /// Hand the DNS answers learnt since the last call to `f`.
    pub fn dns_outbox(&mut self, f: impl FnMut(&crate::names::DnsAnswer)) {
        self.inspector.dns.drain_outbox(f);
    }

    /// Learn an answer another worker saw.
    pub fn learn_dns(&mut self, a: &crate::names::DnsAnswer) {
        self.inspector.dns.absorb(a);
    }

    /// Classify and mark with `c` from the next packet on. Flows already
    /// decided keep their decision; pending ones go on with the new model.
    pub fn set_classifier(&mut self, c: Option<Classifier>) {
        self.classifier = c;
    }

    /// The counters, for readers on other threads.
    pub fn counters(&self) -> Arc<PipelineCounters> {
        self.counters.clone()
    }

    /// The classifier in use, if any.
    pub fn classifier(&self) -> Option<&Classifier> {
        self.classifier.as_ref()
    }

    pub fn table(&self) -> &FlowTable<FlowState> {
        &self.table
    }

    fn end_flow<S: Sink>(&mut self, slot: Slot, reason: EndReason, sink: &mut S) {
        bump(&self.counters.flows_ended[reason as usize], 1);
        self.inspector.bufs.release_flow(self.table.state_mut(slot));
        if let Some(i) = self.table.state(slot).name_source.index() {
            bump(&self.counters.flows_named[i], 1);
        }
        sink.flow_end(FlowRef { key: self.table.key(slot), state: self.table.state(slot) }, reason);
        self.table.remove(slot);
    }

    fn closed_reason(&self, slot: Slot) -> EndReason {
        if self.table.state(slot).rst_seen {
            EndReason::Rst
        } else {
            EndReason::Fin
        }
    }

    /// Process one frame. `wire_len` is the frame's full length (it may be
    /// longer than `frame` for multi-segment mbufs); `ts_ns` its packet time.
    ///
    /// Packet time has microsecond resolution everywhere: net_pcap replays
    /// deliver microseconds, so nanosecond captures read offline are cut to
    /// the same resolution here, and both paths compute the same features.
    #[inline]
    pub fn process<S: Sink>(&mut self, frame: &mut [u8], wire_len: u32, ts_ns: u64, sink: &mut S) -> Verdict {
        let ts_ns = ts_ns - ts_ns % 1000;
        for _ in 0..EXPIRE_PER_PACKET {
            match self.table.expired(ts_ns) {
                Some((slot, closing)) => {
                    let reason = if closing { self.closed_reason(slot) } else { EndReason::Idle };
                    self.end_flow(slot, reason, sink);
                }
                None => break,
            }
        }
        let p = match parse::parse(frame) {
            Ok(p) => p,
            Err(e) => {
                bump(&self.counters.parse_errors[e as usize], 1);
                return Verdict::Unparsed(e);
            }
        };
        if p.fragment == Fragment::Later {
            bump(&self.counters.later_fragments, 1);
            return Verdict::Fragment;
        }
        let (key, src_is_lo) = FlowKey::of(&p);
        let flags = p.tcp.map(|t| t.flags).unwrap_or(0);
        let syn_only = flags & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN;
        let slot = match self.table.lookup(&key) {
            Some(s) if syn_only && self.table.is_closing(s) => {
                self.end_flow(s, EndReason::Reused, sink);
                self.new_flow(key, src_is_lo, &p, ts_ns, sink)
            }
            Some(s) => Some(s),
            None => self.new_flow(key, src_is_lo, &p, ts_ns, sink),
        };
        let Some(slot) = slot else {
            // Only reachable with a zero-capacity table: count as evicted.
            bump(&self.counters.flows_ended[EndReason::Evicted as usize], 1);
            return Verdict::Fragment;
        };
        let st = self.table.state_mut(slot);
        let forward = src_is_lo == st.initiator_is_lo;
        st.update(&PacketFacts { ts_ns, ps: wire_len, payload: p.payload_len as u32, forward, tcp: p.tcp });
        let index = st.packets();
        self.inspector.inspect(st, &p, frame, forward, index == 1, ts_ns, &self.counters);
        if st.rst_seen || (st.fin_seen[0] && st.fin_seen[1]) {
            self.table.set_closing(slot);
        }
        self.table.touch(slot, ts_ns);
        if let Some(cl) = &self.classifier {
            classify_and_mark(
                cl,
                &mut self.table,
                &mut self.vector,
                &self.counters,
                slot,
                index,
                forward,
                frame,
                &p,
                wire_len,
            );
        }
        if S::CHECKPOINTS && self.checkpoints.contains(index) {
            let f = FlowRef { key: self.table.key(slot), state: self.table.state(slot) };
            f.vector(&mut self.vector);
            sink.checkpoint(f, index as u32, &self.vector);
        }
        Verdict::Flow { slot, index }
    }

    fn new_flow<S: Sink>(
        &mut self,
        key: FlowKey,
        src_is_lo: bool,
        p: &Parsed,
        ts_ns: u64,
        sink: &mut S,
    ) -> Option<Slot> {
        if self.table.len() == self.table.capacity() {
            if let Some(victim) = self.table.stalest() {
                let reason =
                    if self.table.is_closing(victim) { self.closed_reason(victim) } else { EndReason::Evicted };
                self.end_flow(victim, reason, sink);
            }
        }
        // The initiator sent the SYN; a SYN-ACK seen first means the capture
        // started mid-handshake and the sender is the responder.
        let flags = p.tcp.map(|t| t.flags).unwrap_or(0);
        let synack = flags & (tcp_flags::SYN | tcp_flags::ACK) == (tcp_flags::SYN | tcp_flags::ACK);
        let initiator_is_lo = if synack { !src_is_lo } else { src_is_lo };
        let slot = self.table.insert(key, ts_ns, FlowState::new(initiator_is_lo, ts_ns))?;
        bump(&self.counters.flows_created, 1);
        Some(slot)
    }

    /// End every flow still open (at the end of a run or a capture).
    pub fn flush<S: Sink>(&mut self, sink: &mut S) {
        let live: Vec<Slot> = self.table.live_slots().collect();
        for s in live {
            self.end_flow(s, EndReason::Exit, sink);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pcap::Reader;

    #[derive(Default)]
    struct Collect {
        checkpoints: Vec<(u32, u64)>,
        ends: Vec<(EndReason, u64, u16)>,
        tls: Vec<(String, u16, u16)>,
    }
    impl Sink for Collect {
        const CHECKPOINTS: bool = true;
        fn checkpoint(&mut self, _f: FlowRef<'_>, k: u32, v: &schema::Vector) {
            self.checkpoints.push((k, v[schema::F::bidirectional_packets as usize] as u64));
        }
        fn flow_end(&mut self, f: FlowRef<'_>, r: EndReason) {
            self.ends.push((r, f.state.packets(), f.dst().1));
            if f.dst().1 == 443 {
                self.tls.push((f.state.name.to_lossy(), f.state.tls.client_version, f.state.tls.server_version));
            }
        }
    }

    fn demo() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/demo/demo.pcap")
    }

    fn run(cfg: Config) -> (Collect, crate::stats::PipelineSummary, u64) {
        let mut r = Reader::open(&demo()).unwrap();
        let mut pl = Pipeline::new(cfg);
        let mut sink = Collect::default();
        let mut n = 0;
        while let Some(rec) = r.next().unwrap() {
            let mut frame = rec.data.to_vec();
            pl.process(&mut frame, rec.orig_len, rec.ts_ns, &mut sink);
            n += 1;
        }
        pl.flush(&mut sink);
        (sink, pl.counters().snapshot(), n)
    }

    #[test]
    fn demo_capture_flows_end_by_fin_and_checkpoints_fire() {
        let (sink, c, n) = run(Config::default());
        let flow_packets: u64 = sink.ends.iter().map(|e| e.1).sum();
        let unparsed: u64 = c.parse_errors.values().sum();
        assert_eq!(flow_packets + unparsed + c.later_fragments, n, "every packet is in a flow or counted");
        // The page loads and downloads are TLS on 443, closed by FIN.
        let https = sink.ends.iter().filter(|e| e.2 == 443).count();
        assert!(https >= 100, "{https} TLS flows");
        assert!(sink.ends.iter().filter(|e| e.2 == 443).all(|e| e.0 == EndReason::Fin || e.0 == EndReason::Exit));
        assert_eq!(c.flows_created, sink.ends.len() as u64);
        assert_eq!(c.flows_active, 0);
        // A checkpoint's vector is the state after exactly k packets.
        assert!(!sink.checkpoints.is_empty());
        assert!(sink.checkpoints.iter().all(|(k, pk)| *k as u64 == *pk));
        assert_eq!(c.parse_errors["non_ip"], 2, "the two ARP frames");
        // Every other frame (IPv4 and IPv6; TCP, UDP, ICMP, ICMPv6) parsed to a flow.
        assert_eq!(c.parse_errors.values().sum::<u64>(), 2, "{:?}", c.parse_errors);
        // Every TLS connection's hellos were read: curl's SNI, TLS 1.3 both ways.
        let full = sink.tls.iter().filter(|t| t.0.ends_with(".demo.flowmark.test")).count();
        assert!(full + 1 >= sink.tls.len(), "{:?}", sink.tls);
        assert!(sink.tls.iter().filter(|t| t.1 == 0x0304 && t.2 == 0x0304).count() + 1 >= sink.tls.len());
        assert_eq!(c.tls_client_hellos, c.tls_server_hellos);
        assert_eq!((c.tls_malformed, c.tls_no_buffer), (0, 0));
    }

    #[test]
    fn a_full_table_evicts_the_stalest_and_counts_it() {
        let (sink, c, _) = run(Config { flow_capacity: 4, ..Config::default() });
        assert!(c.flows_ended["evicted"] > 0);
        assert!(sink.ends.iter().any(|e| e.0 == EndReason::Evicted));
        assert_eq!(c.flows_created, sink.ends.len() as u64);
    }

    #[test]
    fn idle_flows_end_by_timeout_in_packet_time() {
        let to = Timeouts { tcp_ns: 200_000_000, udp_ns: 200_000_000, other_ns: 200_000_000, closing_ns: 100_000_000 };
        let (_, c, _) = run(Config { timeouts: to, ..Config::default() });
        assert!(c.flows_ended["idle"] > 0, "{c:?}");
    }
}
