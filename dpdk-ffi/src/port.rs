//! Ethernet ports: discovery, queue setup, rx timestamp offload,
//! start/stop/close and basic statistics.
use std::ffi::CStr;
use std::fmt;

use crate::{sys, Error, Mempool};

/// A DPDK port id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortId(pub u16);

/// A queue index on a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueueId(pub u16);

impl fmt::Display for PortId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a port's driver can do.
#[derive(Debug, Clone)]
pub struct DevInfo {
    pub name: String,
    pub driver: String,
    pub max_rx_queues: u16,
    pub max_tx_queues: u16,
    pub rx_timestamp_capable: bool,
    pub socket: i32,
}

/// How to set a port up.
#[derive(Debug, Clone)]
pub struct PortConfig {
    pub rx_queues: u16,
    pub tx_queues: u16,
    pub rx_desc: u16,
    pub tx_desc: u16,
    /// Ask for the rx timestamp offload when the driver has it.
    pub rx_timestamp: bool,
    pub promiscuous: bool,
}

impl Default for PortConfig {
    fn default() -> Self {
        PortConfig { rx_queues: 1, tx_queues: 1, rx_desc: 1024, tx_desc: 1024, rx_timestamp: true, promiscuous: true }
    }
}

/// Where the rx timestamp lives in an mbuf, which `ol_flags` bit says it
/// is valid, and its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RxTimestamp {
    pub offset: usize,
    pub flag: u64,
    /// Nanoseconds per timestamp unit.
    pub ns_per_unit: u64,
}

/// Port counters as the driver keeps them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PortStats {
    pub ipackets: u64,
    pub opackets: u64,
    pub ibytes: u64,
    pub obytes: u64,
    pub imissed: u64,
    pub ierrors: u64,
    pub oerrors: u64,
    pub rx_nombuf: u64,
}

/// A configured port. Stop and close it explicitly so errors are seen;
/// drop closes it quietly if that was not done.
pub struct Port {
    id: PortId,
    info: DevInfo,
    rx_timestamp: Option<RxTimestamp>,
    started: bool,
    closed: bool,
}

fn check(rc: i32, what: impl FnOnce() -> String) -> Result<(), Error> {
    if rc < 0 {
        Err(Error::new(what(), -rc))
    } else {
        Ok(())
    }
}

impl Port {
    /// The ids of every available port, in order.
    pub fn available() -> Vec<PortId> {
        let mut ids = Vec::new();
        // SAFETY: plain queries of the ethdev table.
        let mut p = unsafe { sys::rte_eth_find_next_owned_by(0, sys::RTE_ETH_DEV_NO_OWNER as u64) };
        while p < sys::RTE_MAX_ETHPORTS as u64 {
            ids.push(PortId(p as u16));
            // SAFETY: as above.
            p = unsafe { sys::rte_eth_find_next_owned_by(p as u16 + 1, sys::RTE_ETH_DEV_NO_OWNER as u64) };
        }
        ids
    }

    /// What the driver of `id` can do.
    pub fn info(id: PortId) -> Result<DevInfo, Error> {
        let mut raw = sys::rte_eth_dev_info::default();
        // SAFETY: raw is a valid out-parameter.
        let rc = unsafe { sys::rte_eth_dev_info_get(id.0, &mut raw) };
        check(rc, || format!("rte_eth_dev_info_get(port {id})"))?;
        let mut name = [0 as std::ffi::c_char; 64];
        // SAFETY: name has RTE_ETH_NAME_MAX_LEN (64) bytes.
        let rc = unsafe { sys::rte_eth_dev_get_name_by_port(id.0, name.as_mut_ptr()) };
        let name = if rc == 0 {
            // SAFETY: DPDK wrote a NUL-terminated name.
            unsafe { CStr::from_ptr(name.as_ptr()) }.to_string_lossy().into_owned()
        } else {
            format!("port{}", id.0)
        };
        let driver = if raw.driver_name.is_null() {
            String::new()
        } else {
            // SAFETY: the driver name is a static C string.
            unsafe { CStr::from_ptr(raw.driver_name) }.to_string_lossy().into_owned()
        };
        Ok(DevInfo {
            name,
            driver,
            max_rx_queues: raw.max_rx_queues,
            max_tx_queues: raw.max_tx_queues,
            rx_timestamp_capable: raw.rx_offload_capa & sys::RTE_ETH_RX_OFFLOAD_TIMESTAMP as u64 != 0,
            // SAFETY: plain query.
            socket: unsafe { sys::rte_eth_dev_socket_id(id.0) },
        })
    }

    /// Configure `id` with the queues in `cfg`, every rx queue taking mbufs
    /// from `pool`. The port is not started.
    pub fn configure(id: PortId, cfg: &PortConfig, pool: &Mempool) -> Result<Port, Error> {
        let info = Self::info(id)?;
        if cfg.rx_queues > info.max_rx_queues || cfg.tx_queues > info.max_tx_queues {
            return Err(Error::new(
                format!("port {id} ({}) setup with {} rx / {} tx queues", info.name, cfg.rx_queues, cfg.tx_queues),
                22,
            )
            .hint(format!(
                "the port has at most {} rx and {} tx queues and each worker needs one of each \
                 (a net_pcap vdev has one rx queue per rx_pcap= and one tx queue per tx_pcap=): \
                 use fewer worker lcores or give the vdev more queues",
                info.max_rx_queues, info.max_tx_queues
            )));
        }
        let want_ts = cfg.rx_timestamp && info.rx_timestamp_capable;
        let mut conf = sys::rte_eth_conf::default();
        if want_ts {
            conf.rxmode.offloads |= sys::RTE_ETH_RX_OFFLOAD_TIMESTAMP as u64;
        }
        // SAFETY: conf is a valid, fully initialised configuration.
        let rc = unsafe { sys::rte_eth_dev_configure(id.0, cfg.rx_queues, cfg.tx_queues, &conf) };
        check(rc, || format!("rte_eth_dev_configure(port {id}, {})", info.name))?;
        let socket = info.socket.max(0) as u32;
        for q in 0..cfg.rx_queues {
            // SAFETY: the port is configured; a NULL rxconf takes the driver's
            // defaults; the pool outlives the port (caller's ownership order).
            let rc =
                unsafe { sys::rte_eth_rx_queue_setup(id.0, q, cfg.rx_desc, socket, std::ptr::null(), pool.as_ptr()) };
            check(rc, || format!("rte_eth_rx_queue_setup(port {id}, queue {q})"))?;
        }
        for q in 0..cfg.tx_queues {
            // SAFETY: as above, NULL txconf takes the driver's defaults.
            let rc = unsafe { sys::rte_eth_tx_queue_setup(id.0, q, cfg.tx_desc, socket, std::ptr::null()) };
            check(rc, || format!("rte_eth_tx_queue_setup(port {id}, queue {q})"))?;
        }
        // The field's unit is the driver's: NICs count device-clock ticks at
        // a rate the API does not give, so only drivers whose unit is known
        // are used, and the others are timed by the TSC. net_pcap fills the
        // field (without advertising the offload) with the capture time in
        // microseconds. Registering is idempotent and the per-mbuf flag says
        // whether the driver filled it.
        let ns_per_unit = match info.driver.as_str() {
            "net_pcap" => Some(1000),
            _ => None,
        };
        let rx_timestamp = if let (true, Some(ns_per_unit)) = (cfg.rx_timestamp, ns_per_unit) {
            let mut offset: i32 = -1;
            let mut flag: u64 = 0;
            // SAFETY: out-parameters are valid.
            let rc = unsafe { sys::rte_mbuf_dyn_rx_timestamp_register(&mut offset, &mut flag) };
            if rc < 0 || offset < 0 {
                return Err(Error::from_rte_errno("registering the rx timestamp mbuf field"));
            }
            Some(RxTimestamp { offset: offset as usize, flag, ns_per_unit })
        } else {
            None
        };
        if cfg.promiscuous {
            // SAFETY: plain call; some vdevs do not support it, which is fine.
            unsafe { sys::rte_eth_promiscuous_enable(id.0) };
        }
        Ok(Port { id, info, rx_timestamp, started: false, closed: false })
    }

    pub fn id(&self) -> PortId {
        self.id
    }

    pub fn dev_info(&self) -> &DevInfo {
        &self.info
    }

    /// The rx timestamp field, when the offload is on.
    pub fn rx_timestamp(&self) -> Option<RxTimestamp> {
        self.rx_timestamp
    }

    pub fn start(&mut self) -> Result<(), Error> {
        // SAFETY: the port is configured with its queues set up.
        let rc = unsafe { sys::rte_eth_dev_start(self.id.0) };
        check(rc, || format!("rte_eth_dev_start(port {}, {})", self.id, self.info.name))?;
        self.started = true;
        Ok(())
    }

    /// Stop the port: a `net_pcap` port flushes its `tx_pcap` files here.
    pub fn stop(&mut self) -> Result<(), Error> {
        if !self.started {
            return Ok(());
        }
        self.started = false;
        // SAFETY: no worker polls the port any more (caller's contract).
        let rc = unsafe { sys::rte_eth_dev_stop(self.id.0) };
        check(rc, || format!("rte_eth_dev_stop(port {})", self.id))
    }

    pub fn close(&mut self) -> Result<(), Error> {
        self.stop()?;
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        // SAFETY: the port is stopped.
        let rc = unsafe { sys::rte_eth_dev_close(self.id.0) };
        check(rc, || format!("rte_eth_dev_close(port {})", self.id))
    }

    /// The driver's counters. Safe to call from any thread.
    pub fn stats(id: PortId) -> Result<PortStats, Error> {
        let mut s = sys::rte_eth_stats::default();
        // SAFETY: s is a valid out-parameter.
        let rc = unsafe { sys::rte_eth_stats_get(id.0, &mut s) };
        check(rc, || format!("rte_eth_stats_get(port {id})"))?;
        Ok(PortStats {
            ipackets: s.ipackets,
            opackets: s.opackets,
            ibytes: s.ibytes,
            obytes: s.obytes,
            imissed: s.imissed,
            ierrors: s.ierrors,
            oerrors: s.oerrors,
            rx_nombuf: s.rx_nombuf,
        })
    }
}

impl Drop for Port {
    fn drop(&mut self) {
        let _ = self.close();
    }
}
