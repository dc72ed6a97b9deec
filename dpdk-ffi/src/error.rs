//! One error type for every DPDK call: what failed, the errno, and a hint
//! for the operator where the cause is a known one.
use std::ffi::CStr;
use std::fmt;

/// A failed DPDK call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What flowmark was doing ("rte_eth_dev_configure(port 0)").
    pub what: String,
    /// The positive errno value DPDK reported (0 when it gave none).
    pub errno: i32,
    /// An actionable hint, empty when there is none.
    pub hint: String,
}

impl Error {
    pub(crate) fn new(what: impl Into<String>, errno: i32) -> Self {
        Error { what: what.into(), errno: errno.abs(), hint: String::new() }
    }

    /// An error from a call that reports through `rte_errno`.
    pub(crate) fn from_rte_errno(what: impl Into<String>) -> Self {
        // SAFETY: reads the calling thread's rte_errno.
        Self::new(what, unsafe { crate::sys::fm_errno() })
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed", self.what)?;
        if self.errno != 0 {
            write!(f, ": {} ({})", strerror(self.errno), errno_name(self.errno))?;
        }
        if !self.hint.is_empty() {
            write!(f, "\n  hint: {}", self.hint)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

fn strerror(errno: i32) -> String {
    // SAFETY: rte_strerror returns a pointer to a static or thread-local
    // NUL-terminated string that stays valid until the next call on this thread.
    unsafe {
        let p = crate::sys::rte_strerror(errno);
        if p.is_null() {
            return format!("error {errno}");
        }
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// The symbolic name of the errno values DPDK setup calls return.
pub fn errno_name(errno: i32) -> &'static str {
    match errno {
        1 => "EPERM",
        2 => "ENOENT",
        5 => "EIO",
        12 => "ENOMEM",
        13 => "EACCES",
        14 => "EFAULT",
        16 => "EBUSY",
        17 => "EEXIST",
        19 => "ENODEV",
        22 => "EINVAL",
        28 => "ENOSPC",
        71 => "EPROTO",
        95 => "ENOTSUP",
        114 => "EALREADY",
        _ => "errno",
    }
}
