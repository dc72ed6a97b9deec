//! DPDK telemetry commands backed by Rust closures.
//!
//! `rte_telemetry_register_cmd` takes a C callback; one trampoline serves
//! every command registered here and finds its closure by the command name.
//! Callbacks run on DPDK's telemetry thread (not an EAL lcore), so the
//! closures must only read state that is safe to read across threads.
//! Replies are dictionaries of at most 256 entries (DPDK's limit), which
//! keeps them far below the 16 KiB reply limit.
use std::ffi::{c_char, c_int, CStr, CString};
use std::sync::{Mutex, OnceLock};

use crate::sys;
use crate::Error;

/// One value of a reply dictionary.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    U64(u64),
    Str(String),
}

type Handler = Box<dyn Fn() -> Vec<(String, Value)> + Send + Sync>;

fn handlers() -> &'static Mutex<Vec<(String, Handler)>> {
    static H: OnceLock<Mutex<Vec<(String, Handler)>>> = OnceLock::new();
    H.get_or_init(|| Mutex::new(Vec::new()))
}

/// Most entries in one reply (RTE_TEL_MAX_DICT_ENTRIES).
pub const MAX_ENTRIES: usize = sys::RTE_TEL_MAX_DICT_ENTRIES as usize;

unsafe extern "C" fn trampoline(cmd: *const c_char, _params: *const c_char, d: *mut sys::rte_tel_data) -> c_int {
    if cmd.is_null() || d.is_null() {
        return -1;
    }
    // SAFETY: DPDK passes the NUL-terminated command it matched.
    let name = unsafe { CStr::from_ptr(cmd) }.to_string_lossy().into_owned();
    let entries = {
        let h = handlers().lock().unwrap_or_else(|e| e.into_inner());
        match h.iter().find(|(n, _)| *n == name) {
            Some((_, f)) => f(),
            None => return -1,
        }
    };
    // SAFETY: `d` is the reply DPDK handed this callback.
    unsafe { sys::rte_tel_data_start_dict(d) };
    for (k, v) in entries.into_iter().take(MAX_ENTRIES) {
        let Ok(k) = CString::new(k) else { continue };
        // SAFETY: `d` is a dict started above; names and strings are
        // NUL-terminated and copied by DPDK (over-long ones are refused by it).
        unsafe {
            match v {
                Value::U64(x) => {
                    sys::rte_tel_data_add_dict_u64(d, k.as_ptr(), x);
                }
                Value::Str(s) => {
                    if let Ok(s) = CString::new(s) {
                        sys::rte_tel_data_add_dict_string(d, k.as_ptr(), s.as_ptr());
                    }
                }
            }
        }
    }
    0
}

/// Register `cmd` (for example `/flowmark/stats`; starts with '/') after
/// EAL init; `f` builds the reply each time a client asks.
pub fn register(
    cmd: &str,
    help: &'static CStr,
    f: impl Fn() -> Vec<(String, Value)> + Send + Sync + 'static,
) -> Result<(), Error> {
    let c = CString::new(cmd).map_err(|_| Error::new(format!("telemetry command {cmd:?} has a NUL byte"), 22))?;
    handlers().lock().unwrap_or_else(|e| e.into_inner()).push((cmd.to_string(), Box::new(f)));
    // SAFETY: DPDK copies the command name; `help` is 'static as DPDK keeps
    // the pointer; the trampoline is a valid callback for the process's life.
    let rc = unsafe { sys::rte_telemetry_register_cmd(c.as_ptr(), Some(trampoline), help.as_ptr()) };
    if rc != 0 {
        return Err(Error::new(format!("rte_telemetry_register_cmd({cmd})"), rc));
    }
    Ok(())
}
