//! The per-worker flow table: a bidirectional key, a slab of flow states
//! allocated once at start, a hashbrown index sized up front, and LRU lists
//! (one per protocol family, each with its own idle timeout) so the stalest
//! flow is found in O(1) for expiry and for eviction under pressure.
//!
//! Nothing here allocates after [`FlowTable::new`]: the slab, the free list
//! and the index have their full capacity from the start, and the index is
//! never allowed to grow past it.
use hashbrown::HashMap;

use crate::parse::{Parsed, PROTO_TCP, PROTO_UDP};

/// A flow's identity, the same for both directions: the (address, port)
/// endpoints in canonical order, the protocol and the outer VLAN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowKey {
    pub lo_addr: [u8; 16],
    pub hi_addr: [u8; 16],
    pub lo_port: u16,
    pub hi_port: u16,
    pub proto: u8,
    pub ipv6: bool,
    pub vlan: u16,
}

impl FlowKey {
    /// The key of a parsed packet, and whether the packet's source is the
    /// key's `lo` endpoint.
    #[inline]
    pub fn of(p: &Parsed) -> (FlowKey, bool) {
        let src_lo = (p.src, p.src_port) <= (p.dst, p.dst_port);
        let ((la, lp), (ha, hp)) = if src_lo {
            ((p.src, p.src_port), (p.dst, p.dst_port))
        } else {
            ((p.dst, p.dst_port), (p.src, p.src_port))
        };
        (
            FlowKey { lo_addr: la, hi_addr: ha, lo_port: lp, hi_port: hp, proto: p.proto, ipv6: p.ipv6, vlan: p.vlan },
            src_lo,
        )
    }
}

/// Why a flow ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// Both sides sent FIN (and the closing grace time passed).
    Fin,
    /// A RST (and the closing grace time passed).
    Rst,
    /// No packet for the protocol's idle timeout.
    Idle,
    /// The table was full and this was the stalest flow.
    Evicted,
    /// The same 5-tuple started a new connection (a SYN on a closed flow).
    Reused,
    /// Still open when the run ended.
    Exit,
}

impl EndReason {
    pub const ALL: [EndReason; 6] =
        [EndReason::Fin, EndReason::Rst, EndReason::Idle, EndReason::Evicted, EndReason::Reused, EndReason::Exit];

    pub fn name(self) -> &'static str {
        match self {
            EndReason::Fin => "fin",
            EndReason::Rst => "rst",
            EndReason::Idle => "idle",
            EndReason::Evicted => "evicted",
            EndReason::Reused => "reused",
            EndReason::Exit => "exit",
        }
    }
}

/// Protocol family, for per-family idle timeouts and LRU lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Tcp = 0,
    Udp = 1,
    Other = 2,
}

impl Family {
    pub fn of(proto: u8) -> Family {
        match proto {
            PROTO_TCP => Family::Tcp,
            PROTO_UDP => Family::Udp,
            _ => Family::Other,
        }
    }
}

/// Idle timeouts in ns of packet time.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub tcp_ns: u64,
    pub udp_ns: u64,
    pub other_ns: u64,
    /// How long a flow that saw FIN from both sides, or RST, lingers to
    /// collect its last ACKs before it ends.
    pub closing_ns: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            tcp_ns: 300_000_000_000,
            udp_ns: 60_000_000_000,
            other_ns: 30_000_000_000,
            closing_ns: 2_000_000_000,
        }
    }
}

const NIL: u32 = u32::MAX;

/// LRU lists: one per [`Family`], and one for closing flows.
const LISTS: usize = 4;
const CLOSING: u8 = 3;

#[derive(Clone, Copy)]
struct Links {
    prev: u32,
    next: u32,
    last_seen: u64,
    /// Which LRU list: a [`Family`] or [`CLOSING`].
    list: u8,
    live: bool,
}

/// The table: slots hold `T` (the flow state), found by key.
pub struct FlowTable<T> {
    index: HashMap<FlowKey, u32>,
    keys: Vec<FlowKey>,
    states: Vec<T>,
    links: Vec<Links>,
    free: Vec<u32>,
    /// LRU heads (most recent) and tails (stalest), per list.
    head: [u32; LISTS],
    tail: [u32; LISTS],
    capacity: usize,
    pub timeouts: Timeouts,
}

/// A slot index.
pub type Slot = u32;

impl<T: Default + Clone> FlowTable<T> {
    /// A table for `capacity` flows, all memory allocated now.
    pub fn new(capacity: usize, timeouts: Timeouts) -> Self {
        let capacity = capacity.clamp(1, u32::MAX as usize - 1);
        FlowTable {
            // Twice the flows: hashbrown then always rehashes in place (never
            // reallocates) however many removals leave tombstones behind.
            index: HashMap::with_capacity(capacity * 2),
            keys: vec![
                FlowKey {
                    lo_addr: [0; 16],
                    hi_addr: [0; 16],
                    lo_port: 0,
                    hi_port: 0,
                    proto: 0,
                    ipv6: false,
                    vlan: 0
                };
                capacity
            ],
            states: vec![T::default(); capacity],
            links: vec![Links { prev: NIL, next: NIL, last_seen: 0, list: 0, live: false }; capacity],
            free: (0..capacity as u32).rev().collect(),
            head: [NIL; LISTS],
            tail: [NIL; LISTS],
            capacity,
            timeouts,
        }
    }
}

impl<T> FlowTable<T> {
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn len(&self) -> usize {
        self.capacity - self.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes held by the table per flow slot (slab, links, keys, index).
    pub fn bytes_per_flow(&self) -> usize {
        let index = self.index.allocation_size();
        (index
            + self.keys.capacity() * std::mem::size_of::<FlowKey>()
            + self.states.capacity() * std::mem::size_of::<T>()
            + self.links.capacity() * std::mem::size_of::<Links>()
            + self.free.capacity() * 4)
            / self.capacity
    }

    #[inline]
    pub fn lookup(&self, key: &FlowKey) -> Option<Slot> {
        self.index.get(key).copied()
    }

    #[inline]
    pub fn state(&self, slot: Slot) -> &T {
        &self.states[slot as usize]
    }

    #[inline]
    pub fn state_mut(&mut self, slot: Slot) -> &mut T {
        &mut self.states[slot as usize]
    }

    #[inline]
    pub fn key(&self, slot: Slot) -> &FlowKey {
        &self.keys[slot as usize]
    }

    pub fn is_closing(&self, slot: Slot) -> bool {
        self.links[slot as usize].list == CLOSING
    }

    /// Mark a flow as closing: it now expires after the closing grace time.
    pub fn set_closing(&mut self, slot: Slot) {
        if self.is_closing(slot) || !self.links[slot as usize].live {
            return;
        }
        self.unlink(slot);
        self.links[slot as usize].list = CLOSING;
        self.push_front(slot);
    }

    fn unlink(&mut self, slot: Slot) {
        let l = self.links[slot as usize];
        let f = l.list as usize;
        if l.prev != NIL {
            self.links[l.prev as usize].next = l.next;
        } else {
            self.head[f] = l.next;
        }
        if l.next != NIL {
            self.links[l.next as usize].prev = l.prev;
        } else {
            self.tail[f] = l.prev;
        }
    }

    fn push_front(&mut self, slot: Slot) {
        let f = self.links[slot as usize].list as usize;
        let old = self.head[f];
        self.links[slot as usize].prev = NIL;
        self.links[slot as usize].next = old;
        if old != NIL {
            self.links[old as usize].prev = slot;
        } else {
            self.tail[f] = slot;
        }
        self.head[f] = slot;
    }

    /// Record activity at `now`: the flow becomes its family's most recent.
    #[inline]
    pub fn touch(&mut self, slot: Slot, now: u64) {
        self.links[slot as usize].last_seen = now;
        let f = self.links[slot as usize].list as usize;
        if self.head[f] != slot {
            self.unlink(slot);
            self.push_front(slot);
        }
    }

    /// Insert a new flow; the caller has made room (see [`Self::stalest`]).
    /// Returns None only when the table is full.
    pub fn insert(&mut self, key: FlowKey, now: u64, state: T) -> Option<Slot> {
        let slot = self.free.pop()?;
        self.keys[slot as usize] = key;
        self.states[slot as usize] = state;
        self.links[slot as usize] =
            Links { prev: NIL, next: NIL, last_seen: now, list: Family::of(key.proto) as u8, live: true };
        self.push_front(slot);
        self.index.insert(key, slot);
        Some(slot)
    }

    /// Remove a flow; its state stays readable in the slot until reused.
    pub fn remove(&mut self, slot: Slot) {
        if !self.links[slot as usize].live {
            return;
        }
        self.unlink(slot);
        self.links[slot as usize].live = false;
        let key = self.keys[slot as usize];
        self.index.remove(&key);
        self.free.push(slot);
    }

    fn timeout_of_list(&self, list: usize) -> u64 {
        match list {
            0 => self.timeouts.tcp_ns,
            1 => self.timeouts.udp_ns,
            2 => self.timeouts.other_ns,
            _ => self.timeouts.closing_ns,
        }
    }

    /// A flow that has expired by `now`, if any, and whether it was closing
    /// (ended by FIN/RST) rather than idle. Looks only at each list's
    /// stalest flow: O(1); call repeatedly to drain.
    pub fn expired(&self, now: u64) -> Option<(Slot, bool)> {
        (0..LISTS).find_map(|f| {
            let s = self.tail[f];
            (s != NIL && now.saturating_sub(self.links[s as usize].last_seen) >= self.timeout_of_list(f))
                .then_some((s, f == CLOSING as usize))
        })
    }

    /// The stalest flow over all lists (the one to evict), closing flows first.
    pub fn stalest(&self) -> Option<Slot> {
        let closing = self.tail[CLOSING as usize];
        if closing != NIL {
            return Some(closing);
        }
        (0..LISTS).map(|f| self.tail[f]).filter(|&s| s != NIL).min_by_key(|&s| self.links[s as usize].last_seen)
    }

    pub fn last_seen(&self, slot: Slot) -> u64 {
        self.links[slot as usize].last_seen
    }

    /// Whether `slot` (any index; out of range is false) holds a flow.
    #[inline]
    pub fn is_live(&self, slot: Slot) -> bool {
        self.links.get(slot as usize).is_some_and(|l| l.live)
    }

    /// Every live slot (for the end-of-run flush).
    pub fn live_slots(&self) -> impl Iterator<Item = Slot> + '_ {
        (0..self.capacity as u32).filter(|&s| self.links[s as usize].live)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(port: u16, proto: u8) -> FlowKey {
        FlowKey { lo_addr: [1; 16], hi_addr: [2; 16], lo_port: port, hi_port: 443, proto, ipv6: false, vlan: 0 }
    }

    #[test]
    fn insert_lookup_remove_reuse() {
        let mut t: FlowTable<u32> = FlowTable::new(2, Timeouts::default());
        let a = t.insert(key(1, 6), 10, 7).unwrap();
        let b = t.insert(key(2, 6), 11, 8).unwrap();
        assert!(t.insert(key(3, 6), 12, 9).is_none(), "full");
        assert_eq!(t.lookup(&key(1, 6)), Some(a));
        assert_eq!(*t.state(b), 8);
        assert_eq!(t.stalest(), Some(a));
        t.touch(a, 20);
        assert_eq!(t.stalest(), Some(b));
        t.remove(b);
        assert_eq!(t.lookup(&key(2, 6)), None);
        assert_eq!(t.len(), 1);
        assert!(t.insert(key(3, 6), 21, 9).is_some());
    }

    #[test]
    fn idle_timeouts_are_per_family_and_closing_is_short() {
        let to = Timeouts { tcp_ns: 100, udp_ns: 10, other_ns: 5, closing_ns: 2 };
        let mut t: FlowTable<()> = FlowTable::new(8, to);
        let tcp = t.insert(key(1, 6), 0, ()).unwrap();
        let udp = t.insert(key(2, 17), 0, ()).unwrap();
        assert_eq!(t.expired(5), None);
        assert_eq!(t.expired(10), Some((udp, false)));
        t.remove(udp);
        assert_eq!(t.expired(50), None);
        t.set_closing(tcp);
        assert_eq!(t.expired(50), Some((tcp, true)));
    }

    #[test]
    fn both_directions_share_a_key() {
        let mut p = Parsed { src: [9; 16], dst: [3; 16], src_port: 5000, dst_port: 80, proto: 6, ..Default::default() };
        let (k1, lo1) = FlowKey::of(&p);
        std::mem::swap(&mut p.src, &mut p.dst);
        std::mem::swap(&mut p.src_port, &mut p.dst_port);
        let (k2, lo2) = FlowKey::of(&p);
        assert_eq!(k1, k2);
        assert_ne!(lo1, lo2);
    }

    #[test]
    fn table_never_grows_its_index() {
        let mut t: FlowTable<u8> = FlowTable::new(1000, Timeouts::default());
        let before = t.bytes_per_flow();
        for round in 0..5u16 {
            for i in 0..1000u16 {
                t.insert(key(i.wrapping_add(round * 1000), 6), i as u64, 0).unwrap();
            }
            for s in t.live_slots().collect::<Vec<_>>() {
                t.remove(s);
            }
        }
        assert_eq!(t.bytes_per_flow(), before);
    }
}
