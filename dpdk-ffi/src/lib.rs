//! flowmark's only door to DPDK 22.11.
//!
//! - [`sys`]: raw bindgen output and the `fm_*` C shim over DPDK's `static
//!   inline` hot functions (rx/tx burst, mbuf access, TSC, lcore id).
//! - A thin safe layer: [`Eal`] (init from argv, cleanup on drop),
//!   [`Mempool`], [`Port`] (queues, rx timestamp offload, start/stop/close,
//!   stats), [`Burst`] (an rx/tx burst of mbufs that frees what it does not
//!   send) and worker lcore launch in [`lcore`].
//!
//! Everything `unsafe` lives here, each block with a `SAFETY:` note.
pub mod sys;

mod burst;
mod eal;
mod error;
pub mod lcore;
mod mempool;
mod port;
pub mod telemetry;

pub use burst::{Burst, Packet, BURST_MAX};
pub use eal::Eal;
pub use error::{errno_name, Error};
pub use mempool::Mempool;
pub use port::{DevInfo, Port, PortConfig, PortId, PortStats, QueueId, RxTimestamp};

/// TSC ticks per second, as measured by EAL at init.
pub fn tsc_hz() -> u64 {
    // SAFETY: reads a value EAL computed at init; callable from any thread.
    unsafe { sys::fm_tsc_hz() }
}

/// The current TSC value.
#[inline(always)]
pub fn rdtsc() -> u64 {
    // SAFETY: a plain rdtsc instruction.
    unsafe { sys::fm_rdtsc() }
}

/// A spin-wait hint (x86 `pause`).
#[inline(always)]
pub fn pause() {
    // SAFETY: a plain pause instruction.
    unsafe { sys::fm_pause() }
}
