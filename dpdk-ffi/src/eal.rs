//! EAL initialisation from argv and cleanup on drop.
use std::ffi::{c_char, c_int, CString};

use crate::{sys, Error};

/// The initialised Environment Abstraction Layer. EAL initialises once per
/// process; dropping this waits for every worker lcore and calls
/// `rte_eal_cleanup` (which lets `tx_pcap` files complete).
pub struct Eal {
    _private: (),
}

impl Eal {
    /// Initialise EAL from `args` (program name first, then EAL options, then
    /// optionally `--` and the application's options). Returns the EAL and the
    /// application's arguments, without the `--`.
    pub fn init(args: &[String]) -> Result<(Eal, Vec<String>), Error> {
        let split = args.iter().position(|a| a == "--").unwrap_or(args.len());
        let eal_args = &args[..split];
        let app_args = args.get(split + 1..).unwrap_or_default().to_vec();

        let mut owned = Vec::with_capacity(eal_args.len());
        for a in eal_args {
            owned.push(
                CString::new(a.as_bytes())
                    .map_err(|_| Error::new(format!("EAL argument {a:?} contains a NUL byte"), 22))?,
            );
        }
        // EAL keeps pointers into argv (it permutes it and may keep
        // references to option values), so argv lives for the process.
        let owned: &'static [CString] = Box::leak(owned.into_boxed_slice());
        let mut argv: Vec<*mut c_char> = owned.iter().map(|c| c.as_ptr() as *mut c_char).collect();
        argv.push(std::ptr::null_mut());
        let argv: &'static mut [*mut c_char] = Box::leak(argv.into_boxed_slice());

        // SAFETY: argv is a NULL-terminated array of NUL-terminated strings
        // that outlive the process; argc excludes the NULL.
        let rc = unsafe { sys::rte_eal_init(eal_args.len() as c_int, argv.as_mut_ptr()) };
        if rc < 0 {
            let err = Error::from_rte_errno("EAL initialisation (rte_eal_init)");
            let hint = match err.errno {
                13 => "permission denied: run as root, or give the user access to hugepages and /dev/vfio",
                12 => "EAL could not reserve memory: without hugepages use `--no-huge -m 512`",
                114 => "EAL is already initialised in this process",
                16 => {
                    "another DPDK process holds this runtime directory: give each process its own `--file-prefix NAME`"
                }
                22 => "an EAL option is invalid: check the EAL arguments before `--` (EAL printed which one above)",
                19 => "no device or driver found: check `-a`/`--vdev` and the driver plugins",
                95 | 71 => "this machine lacks a feature EAL needs: try `--no-huge --no-pci --no-shconf -m 512`",
                _ => "see EAL's log above; without hugepages use `--no-huge --no-pci -m 512`",
            };
            return Err(err.hint(hint));
        }
        Ok((Eal { _private: () }, app_args))
    }
}

impl Drop for Eal {
    fn drop(&mut self) {
        // SAFETY: EAL was initialised by `init`; waiting for lcores before
        // cleanup is what rte_eal_cleanup requires.
        unsafe {
            sys::rte_eal_mp_wait_lcore();
            sys::rte_eal_cleanup();
        }
    }
}
