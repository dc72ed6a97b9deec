//! Flow listings for the control plane without sharing a flow table.
//!
//! A worker owns its flow table; no other thread reads it. The control
//! server posts a request to the worker through a lock-free queue (one
//! [`Mailbox`] per worker). The request is a box the control side allocated
//! with room for its answer; the worker, between bursts, scans a bounded
//! number of slots per loop iteration ([`SCAN_PER_STEP`]), keeps the top N
//! flows by bytes in that preallocated room, and when the scan is done posts
//! the same box back. The worker never allocates or frees: the box goes back
//! and forth. A 5-tuple lookup is one index probe.
//!
//! (Chosen over periodic top-N snapshots: the listing is exact at the time
//! of the scan, filters by class cost nothing until asked for, and an idle
//! control plane costs the workers one queue check per loop.)
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use crossbeam::queue::ArrayQueue;

use crate::features::{DecisionState, FlowState, InlineStr};
use crate::flow::{FlowKey, FlowTable};
use crate::pipeline::FlowRef;

/// Slots a worker scans per loop iteration while answering.
pub const SCAN_PER_STEP: u32 = 2048;
/// Most flows one listing returns per worker.
pub const MAX_TOP: usize = 1000;

/// Which flows a listing wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClassFilter {
    #[default]
    Any,
    /// Decided as this model class index.
    Decided(u8),
    /// The model said unknown after its last checkpoint.
    Unknown,
    /// Not decided yet.
    Pending,
}

/// One flow, copied out of a worker's table.
#[derive(Debug, Clone, Copy, Default)]
pub struct FlowEntry {
    pub worker: u16,
    pub ipv6: bool,
    pub src: [u8; 16],
    pub src_port: u16,
    pub dst: [u8; 16],
    pub dst_port: u16,
    pub proto: u8,
    pub vlan: u16,
    pub packets: u64,
    pub bytes: u64,
    pub first_ns: u64,
    pub last_ns: u64,
    pub state: DecisionState,
    pub class: u8,
    pub confidence: f32,
    pub decision_packet: u32,
    pub model_version: u32,
    /// The flow's service name and where it came from.
    pub name: InlineStr<255>,
    pub name_source: crate::names::NameSource,
}

impl FlowEntry {
    fn of(f: FlowRef<'_>, worker: u16) -> Self {
        let (sa, sp) = f.src();
        let (da, dp) = f.dst();
        let mut src = [0u8; 16];
        let mut dst = [0u8; 16];
        src[..sa.len()].copy_from_slice(sa);
        dst[..da.len()].copy_from_slice(da);
        let d = f.state.decision;
        FlowEntry {
            worker,
            ipv6: f.key.ipv6,
            src,
            src_port: sp,
            dst,
            dst_port: dp,
            proto: f.key.proto,
            vlan: f.key.vlan,
            packets: f.state.bidir.packets,
            bytes: f.state.bidir.bytes,
            first_ns: f.state.first_ns,
            last_ns: f.state.last_ns,
            state: d.state,
            class: d.class,
            confidence: d.confidence,
            decision_packet: d.packet,
            model_version: d.model_version,
            name: f.state.name,
            name_source: f.state.name_source,
        }
    }

    /// Source and destination addresses as 4 or 16 bytes.
    pub fn addrs(&self) -> (&[u8], &[u8]) {
        let n = if self.ipv6 { 16 } else { 4 };
        (&self.src[..n], &self.dst[..n])
    }
}

/// Ordered by bytes (then packets), for the top-N heap.
#[derive(Clone, Copy)]
struct ByBytes(FlowEntry);
impl PartialEq for ByBytes {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for ByBytes {}
impl PartialOrd for ByBytes {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for ByBytes {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.0.bytes, self.0.packets).cmp(&(o.0.bytes, o.0.packets))
    }
}

/// A listing request and, once answered, its answer.
pub struct FlowRequest {
    pub id: u64,
    pub top: usize,
    pub filter: ClassFilter,
    /// Look up this flow only (canonical key).
    pub key: Option<FlowKey>,
    /// The top flows so far, smallest on top. Never grows past its capacity.
    heap: BinaryHeap<Reverse<ByBytes>>,
    cursor: u32,
    /// Flows in the worker's table, and those that passed the filter.
    pub live: u64,
    pub matched: u64,
    pub capacity: u64,
    pub worker: u16,
}

impl FlowRequest {
    /// A request with room for `top` flows (at most [`MAX_TOP`]).
    pub fn new(id: u64, top: usize, filter: ClassFilter, key: Option<FlowKey>) -> Box<Self> {
        let top = top.clamp(1, MAX_TOP);
        Box::new(FlowRequest {
            id,
            top,
            filter,
            key,
            heap: BinaryHeap::with_capacity(top),
            cursor: 0,
            live: 0,
            matched: 0,
            capacity: 0,
            worker: 0,
        })
    }

    fn offer(&mut self, e: FlowEntry) {
        self.matched += 1;
        if self.heap.len() < self.top {
            self.heap.push(Reverse(ByBytes(e)));
        } else if let Some(mut smallest) = self.heap.peek_mut() {
            if ByBytes(e) > smallest.0 {
                *smallest = Reverse(ByBytes(e));
            }
        }
    }

    fn wants(&self, s: &FlowState) -> bool {
        let d = s.decision;
        match self.filter {
            ClassFilter::Any => true,
            ClassFilter::Decided(c) => d.state == DecisionState::Decided && d.class == c,
            ClassFilter::Unknown => d.state == DecisionState::Unknown,
            ClassFilter::Pending => d.state == DecisionState::Pending,
        }
    }

    /// Scan at most `budget` more slots of `table`; true when the answer is
    /// complete. No allocation: the heap has its capacity from `new`.
    pub fn step(&mut self, table: &FlowTable<FlowState>, worker: u16, budget: u32) -> bool {
        self.worker = worker;
        self.capacity = table.capacity() as u64;
        self.live = table.len() as u64;
        if let Some(key) = self.key {
            if let Some(slot) = table.lookup(&key) {
                let f = FlowRef { key: table.key(slot), state: table.state(slot) };
                if self.wants(f.state) {
                    self.offer(FlowEntry::of(f, worker));
                }
            }
            return true;
        }
        let end = (self.cursor as u64 + budget as u64).min(table.capacity() as u64) as u32;
        for slot in self.cursor..end {
            if table.is_live(slot) && self.wants(table.state(slot)) {
                let e = FlowEntry::of(FlowRef { key: table.key(slot), state: table.state(slot) }, worker);
                self.offer(e);
            }
        }
        self.cursor = end;
        end as usize >= table.capacity()
    }

    /// The answer, largest first (control side).
    pub fn into_sorted(self) -> Vec<FlowEntry> {
        let mut v: Vec<FlowEntry> = self.heap.into_iter().map(|Reverse(ByBytes(e))| e).collect();
        v.sort_by_key(|e| Reverse(ByBytes(*e)));
        v
    }
}

/// One worker's request and reply queues.
pub struct Mailbox {
    pub requests: ArrayQueue<Box<FlowRequest>>,
    pub replies: ArrayQueue<Box<FlowRequest>>,
}

impl Default for Mailbox {
    fn default() -> Self {
        Mailbox { requests: ArrayQueue::new(4), replies: ArrayQueue::new(4) }
    }
}

/// The worker's side: the request being answered, if any.
#[derive(Default)]
pub struct Responder {
    pending: Option<Box<FlowRequest>>,
}

impl Responder {
    /// Between bursts: take a request if idle, advance it by a bounded
    /// step, post it back when complete. One queue check when idle.
    #[inline]
    pub fn serve(&mut self, mb: &Mailbox, table: &FlowTable<FlowState>, worker: u16) {
        if self.pending.is_none() {
            self.pending = mb.requests.pop();
        }
        let Some(req) = self.pending.as_mut() else { return };
        if req.step(table, worker, SCAN_PER_STEP) {
            if let Some(done) = self.pending.take() {
                // A full reply queue (nobody reading) keeps the request for
                // the next iteration rather than dropping (freeing) it here.
                if let Err(back) = mb.replies.push(done) {
                    self.pending = Some(back);
                }
            }
        }
    }

    /// Whether a request is being answered (for tests).
    pub fn busy(&self) -> bool {
        self.pending.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::Timeouts;

    fn key(port: u16) -> FlowKey {
        let mut lo = [0u8; 16];
        lo[..4].copy_from_slice(&[10, 0, 0, 1]);
        let mut hi = [0u8; 16];
        hi[..4].copy_from_slice(&[10, 0, 0, 2]);
        FlowKey { lo_addr: lo, hi_addr: hi, lo_port: port, hi_port: 443, proto: 6, ipv6: false, vlan: 0 }
    }

    fn table(n: u16) -> FlowTable<FlowState> {
        let mut t = FlowTable::new(5000, Timeouts::default());
        for p in 1..=n {
            let mut st = FlowState::new(true, 1);
            st.bidir.bytes = p as u64 * 10;
            st.bidir.packets = p as u64;
            if p % 2 == 0 {
                st.decision.state = DecisionState::Decided;
                st.decision.class = 1;
                st.decision.model_version = 9;
            }
            t.insert(key(p), 1, st);
        }
        t
    }

    #[test]
    fn top_n_by_bytes_in_bounded_steps() {
        let t = table(3000);
        let mut r = FlowRequest::new(1, 5, ClassFilter::Any, None);
        let mut steps = 0;
        while !r.step(&t, 3, 1000) {
            steps += 1;
        }
        assert_eq!(steps, 4, "5000 slots in steps of 1000");
        assert_eq!((r.live, r.matched), (3000, 3000));
        let v = (*r).into_sorted();
        assert_eq!(v.iter().map(|e| e.bytes).collect::<Vec<_>>(), vec![30000, 29990, 29980, 29970, 29960]);
        assert_eq!(v[0].worker, 3);
        assert_eq!(v[0].src_port, 3000);
    }

    #[test]
    fn class_filter_and_lookup() {
        let t = table(100);
        let mut r = FlowRequest::new(1, 1000, ClassFilter::Decided(1), None);
        while !r.step(&t, 0, 64) {}
        let v = (*r).into_sorted();
        assert_eq!(v.len(), 50);
        assert!(v.iter().all(|e| e.state == DecisionState::Decided && e.model_version == 9));
        let mut r = FlowRequest::new(2, 1, ClassFilter::Any, Some(key(42)));
        assert!(r.step(&t, 0, 1));
        let v = (*r).into_sorted();
        assert_eq!((v.len(), v[0].bytes), (1, 420));
        let mut r = FlowRequest::new(3, 1, ClassFilter::Any, Some(key(4242)));
        assert!(r.step(&t, 0, 1));
        assert!((*r).into_sorted().is_empty());
    }

    #[test]
    fn mailbox_round_trip() {
        let t = table(10);
        let mb = Mailbox::default();
        let mut resp = Responder::default();
        resp.serve(&mb, &t, 0);
        assert!(!resp.busy());
        mb.requests.push(FlowRequest::new(7, 3, ClassFilter::Any, None)).ok().unwrap();
        for _ in 0..3 {
            resp.serve(&mb, &t, 0);
        }
        let r = *mb.replies.pop().unwrap();
        assert_eq!(r.id, 7);
        assert_eq!(r.into_sorted().len(), 3);
    }
}
