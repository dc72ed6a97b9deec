//! Worker lcores: which exist, launching a closure on one, waiting for it.
use std::any::Any;
use std::ffi::{c_int, c_void};

use crate::{sys, Error};

/// The main lcore's id.
pub fn main_lcore() -> u32 {
    // SAFETY: plain query after EAL init.
    unsafe { sys::rte_get_main_lcore() }
}

/// The ids of the enabled worker lcores (all but the main one), in order.
pub fn worker_lcores() -> Vec<u32> {
    let mut ids = Vec::new();
    // SAFETY: plain queries after EAL init.
    let mut id = unsafe { sys::rte_get_next_lcore(u32::MAX, 1, 0) };
    while id < sys::RTE_MAX_LCORE {
        ids.push(id);
        // SAFETY: as above.
        id = unsafe { sys::rte_get_next_lcore(id, 1, 0) };
    }
    ids
}

/// The lcore the caller runs on (`u32::MAX` on a non-EAL thread).
pub fn current() -> u32 {
    // SAFETY: reads a thread-local.
    unsafe { sys::fm_lcore_id() }
}

type Job = Box<dyn FnOnce() -> i32 + Send + 'static>;

extern "C" fn trampoline(arg: *mut c_void) -> c_int {
    // SAFETY: arg is the Box<Job> leaked by `launch`, handed over exactly once.
    let job: Box<Job> = unsafe { Box::from_raw(arg as *mut Job) };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)) {
        Ok(rc) => rc,
        Err(p) => {
            eprintln!("worker on lcore {} panicked: {}", current(), panic_message(&p));
            -1
        }
    }
}

fn panic_message(p: &Box<dyn Any + Send>) -> &str {
    p.downcast_ref::<&str>()
        .copied()
        .or_else(|| p.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// Run `f` on worker lcore `lcore`. Its return value comes back from [`wait`].
pub fn launch<F>(lcore: u32, f: F) -> Result<(), Error>
where
    F: FnOnce() -> i32 + Send + 'static,
{
    let job: Box<Job> = Box::new(Box::new(f));
    let arg = Box::into_raw(job) as *mut c_void;
    // SAFETY: trampoline takes ownership of arg exactly once if the launch
    // succeeds; on failure we take it back below.
    let rc = unsafe { sys::rte_eal_remote_launch(Some(trampoline), arg, lcore) };
    if rc < 0 {
        // SAFETY: the launch failed, so arg was not handed over.
        drop(unsafe { Box::from_raw(arg as *mut Job) });
        return Err(Error::new(format!("launching a worker on lcore {lcore}"), -rc)
            .hint("the lcore is busy or not a worker lcore"));
    }
    Ok(())
}

/// Wait for the job on `lcore` and return its value.
pub fn wait(lcore: u32) -> i32 {
    // SAFETY: plain call after EAL init.
    unsafe { sys::rte_eal_wait_lcore(lcore) }
}
