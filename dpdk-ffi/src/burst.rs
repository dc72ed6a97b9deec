//! Bursts of mbufs: receive, look at and change the packets, send, and free
//! whatever could not be sent. The burst owns its mbufs, so none leaks.
use crate::{sys, PortId, QueueId, RxTimestamp};

/// The most packets one burst holds.
pub const BURST_MAX: usize = 64;

/// Up to [`BURST_MAX`] mbufs received from one queue. A burst is owned by
/// one worker: it is `Send` (moves to the worker's lcore) but not `Sync`.
pub struct Burst {
    pkts: [*mut sys::rte_mbuf; BURST_MAX],
    len: usize,
}

// SAFETY: the mbufs belong to this burst alone; moving it to another thread
// moves their ownership with it.
unsafe impl Send for Burst {}

impl Default for Burst {
    fn default() -> Self {
        Self::new()
    }
}

/// One received packet, borrowed from a [`Burst`].
pub struct Packet<'a> {
    m: *mut sys::rte_mbuf,
    _burst: std::marker::PhantomData<&'a mut Burst>,
}

impl Packet<'_> {
    /// The bytes of the first segment: the whole frame for any frame that
    /// fits one mbuf; the headers for larger (chained) ones.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        // SAFETY: the mbuf is owned by the burst we borrow mutably; its first
        // segment holds data_len valid bytes at the data pointer.
        unsafe {
            let p = sys::fm_mbuf_data(self.m);
            let n = sys::fm_mbuf_data_len(self.m) as usize;
            if p.is_null() || n == 0 {
                return &mut [];
            }
            std::slice::from_raw_parts_mut(p, n)
        }
    }

    /// The frame's length over all segments (on net_pcap: the captured length).
    #[inline]
    pub fn pkt_len(&self) -> u32 {
        // SAFETY: the mbuf is valid while borrowed.
        unsafe { sys::fm_mbuf_pkt_len(self.m) }
    }

    /// The rx timestamp in ns, when the driver set it in a known unit.
    #[inline]
    pub fn rx_timestamp(&self, field: Option<RxTimestamp>) -> Option<u64> {
        let f = field?;
        // SAFETY: the mbuf is valid; the dynfield offset was registered for
        // a u64 and lies inside the mbuf struct.
        unsafe {
            if sys::fm_mbuf_ol_flags(self.m) & f.flag == 0 {
                return None;
            }
            let units = std::ptr::read_unaligned((self.m as *const u8).add(f.offset) as *const u64);
            Some(units.wrapping_mul(f.ns_per_unit))
        }
    }
}

impl Burst {
    pub const fn new() -> Self {
        Burst { pkts: [std::ptr::null_mut(); BURST_MAX], len: 0 }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Receive up to `BURST_MAX` packets from `port`/`queue` into this
    /// (empty) burst. Returns how many arrived.
    #[inline]
    pub fn rx(&mut self, port: PortId, queue: QueueId) -> usize {
        debug_assert!(self.len == 0, "rx into a burst that still holds packets");
        self.free_all();
        // SAFETY: pkts has room for BURST_MAX pointers; the port and queue
        // were set up and started by the caller.
        let n = unsafe { sys::fm_rx_burst(port.0, queue.0, self.pkts.as_mut_ptr(), BURST_MAX as u16) };
        self.len = n as usize;
        self.len
    }

    /// The i-th packet.
    #[inline]
    pub fn packet(&mut self, i: usize) -> Option<Packet<'_>> {
        if i >= self.len {
            return None;
        }
        Some(Packet { m: self.pkts[i], _burst: std::marker::PhantomData })
    }

    /// Send every packet to `port`/`queue`, retrying the unsent tail at most
    /// `retries` times; free whatever is still unsent. Returns (sent, dropped).
    #[inline]
    pub fn tx(&mut self, port: PortId, queue: QueueId, retries: u32) -> (usize, usize) {
        let mut sent = 0usize;
        let mut tries = 0u32;
        while sent < self.len {
            // SAFETY: pkts[sent..len] are mbufs this burst owns; tx_burst
            // takes ownership of the ones it accepts.
            let n = unsafe {
                sys::fm_tx_burst(port.0, queue.0, self.pkts.as_mut_ptr().add(sent), (self.len - sent) as u16)
            };
            sent += n as usize;
            if sent < self.len {
                if tries >= retries {
                    break;
                }
                tries += 1;
                crate::pause();
            }
        }
        let dropped = self.len - sent;
        if dropped > 0 {
            // SAFETY: the unsent mbufs are still ours.
            unsafe { sys::fm_pktmbuf_free_bulk(self.pkts.as_mut_ptr().add(sent), dropped as u32) };
        }
        self.len = 0;
        (sent, dropped)
    }

    fn free_all(&mut self) {
        if self.len > 0 {
            // SAFETY: pkts[..len] are mbufs this burst owns.
            unsafe { sys::fm_pktmbuf_free_bulk(self.pkts.as_mut_ptr(), self.len as u32) };
            self.len = 0;
        }
    }
}

impl Drop for Burst {
    fn drop(&mut self) {
        self.free_all();
    }
}
