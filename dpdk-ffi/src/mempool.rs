//! Packet-buffer mempools.
use std::ffi::CString;

use crate::{sys, Error};

/// A pktmbuf pool, freed on drop.
pub struct Mempool {
    raw: *mut sys::rte_mempool,
}

// SAFETY: DPDK mempools are multi-producer/multi-consumer safe; the pointer
// is only used through DPDK's thread-safe API.
unsafe impl Send for Mempool {}
// SAFETY: as above.
unsafe impl Sync for Mempool {}

impl Mempool {
    /// Create a pool of `n` mbufs with `data_room` bytes of buffer each
    /// (headroom included) on `socket` (-1: any).
    pub fn new(name: &str, n: u32, cache: u32, data_room: u16, socket: i32) -> Result<Mempool, Error> {
        let cname = CString::new(name).map_err(|_| Error::new("mempool name has a NUL byte", 22))?;
        // SAFETY: EAL is initialised (the caller holds an `Eal`); the name is
        // a valid C string that DPDK copies.
        let raw = unsafe { sys::rte_pktmbuf_pool_create(cname.as_ptr(), n, cache, 0, data_room, socket) };
        if raw.is_null() {
            let e = Error::from_rte_errno(format!("creating mempool {name:?} of {n} mbufs"));
            let hint = if e.errno == 12 || e.errno == 28 {
                "not enough memory: raise EAL's `-m` or lower the pool size (--mbufs)"
            } else {
                ""
            };
            return Err(e.hint(hint));
        }
        Ok(Mempool { raw })
    }

    /// The raw pool, for queue setup.
    pub fn as_ptr(&self) -> *mut sys::rte_mempool {
        self.raw
    }

    /// Mbufs currently in the pool (not in use).
    pub fn available(&self) -> u32 {
        // SAFETY: the pool is alive while self is.
        unsafe { sys::rte_mempool_avail_count(self.raw) }
    }

    /// Mbufs currently out of the pool.
    pub fn in_use(&self) -> u32 {
        // SAFETY: the pool is alive while self is.
        unsafe { sys::rte_mempool_in_use_count(self.raw) }
    }
}

impl Drop for Mempool {
    fn drop(&mut self) {
        // SAFETY: every port using the pool has been closed before the pool
        // drops (the dataplane owns ports after pools).
        unsafe { sys::rte_mempool_free(self.raw) }
    }
}
