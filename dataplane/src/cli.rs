//! Command-line interface of the `dataplane` binary.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub const RUN_ABOUT: &str =
    "flowmark dataplane: classify flows from their first packets and mark them at line rate";

pub const RUN_USAGE: &str =
    "dataplane [EAL OPTIONS] -- [OPTIONS]\n       dataplane split-pcap|check-pcap ...";

pub const RUN_AFTER_HELP: &str = "\
EAL options come before `--` and are DPDK's own (`dpdk-testpmd -h` lists them all).
The ones that matter most:
  -l 0-3                 lcores: the first is the main lcore, each other one runs a worker
  -a 0000:03:00.0        a PCI NIC to use (bound to vfio-pci with dpdk-devbind.py)
  --vdev 'net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap'   replay a capture without a NIC
  --no-huge -m 512       run without hugepages (slower, fine for replay and tests)
  --no-pci               do not probe PCI devices
  --file-prefix NAME     a unique runtime directory per concurrent process

Each worker polls its own rx queue (queue index = worker index) on every port and sends
to the same queue index of the paired port. A net_pcap vdev has one rx queue per rx_pcap=
and one tx queue per tx_pcap=, so give it as many of each as there are workers.

Examples:
  # replay a capture through one worker and write what leaves to out.pcap
  dataplane -l 0-1 --no-huge --no-pci -m 512 --file-prefix fm \\
      --vdev 'net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap' -- --exit-when-drained
  # two workers: split the capture by flow first so a flow stays on one worker
  dataplane split-pcap in.pcap --parts 2 --out-dir split/
  dataplane -l 0-2 --no-huge --no-pci -m 512 --file-prefix fm \\
      --vdev 'net_pcap0,rx_pcap=split/part0.pcap,rx_pcap=split/part1.pcap,tx_pcap=o0.pcap,tx_pcap=o1.pcap' \\
      -- --exit-when-drained --summary-json summary.json
  # two NICs, traffic between them, four workers
  dataplane -l 0-4 -a 0000:03:00.0 -a 0000:03:00.1 -- --port-pairs 0:1";

/// Options of a dataplane run (after `--`).
#[derive(Debug, Clone, Parser)]
#[command(name = "dataplane", version, about = RUN_ABOUT, override_usage = RUN_USAGE, after_help = RUN_AFTER_HELP)]
pub struct RunArgs {
    /// Which ports forward to which: comma-separated `RX:TX` pairs, each both
    /// ways (`0:1` sends port 0's packets out of port 1 and port 1's out of
    /// port 0; `0:0` sends a port's packets back out of itself).
    /// Default: `0:0` with one port, `0:1` with two, `0:1,2:3,...` with more.
    #[arg(long, value_name = "PAIRS")]
    pub port_pairs: Option<String>,

    /// Exit once every rx queue has been empty for --drain-ms (for pcap replay).
    #[arg(long)]
    pub exit_when_drained: bool,

    /// How long the rx queues must stay empty before --exit-when-drained exits.
    #[arg(long, value_name = "MS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub drain_ms: u64,

    /// Also write the exit summary as JSON to this file.
    #[arg(long, value_name = "PATH")]
    pub summary_json: Option<PathBuf>,

    /// Mbufs in the packet pool (default: enough for every queue's descriptors,
    /// plus every packet of infinite_rx captures).
    #[arg(long, value_name = "N")]
    pub mbufs: Option<u32>,

    /// Times to retry the unsent tail of a tx burst before freeing it (counted as tx drops).
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub tx_retries: u32,

    /// Rx/tx descriptors per queue.
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u16).range(32..=16384))]
    pub descriptors: u16,

    /// Do not print the summary table at exit (the JSON is still written).
    #[arg(long)]
    pub quiet: bool,
}

/// The offline subcommands: work on capture files, no DPDK.
#[derive(Debug, Parser)]
#[command(name = "dataplane", version, about = RUN_ABOUT)]
pub struct Offline {
    #[command(subcommand)]
    pub cmd: OfflineCmd,
}

#[derive(Debug, Subcommand)]
pub enum OfflineCmd {
    /// Split a capture into N files by a symmetric flow hash, so both
    /// directions of a flow land in the same file (one file per rx_pcap queue).
    SplitPcap(SplitArgs),
    /// Read capture files through and report their packet counts, or the
    /// first problem in each (what the dataplane checks before replaying).
    CheckPcap(CheckArgs),
}

#[derive(Debug, Args)]
pub struct SplitArgs {
    /// The capture to split (pcap or pcapng).
    pub input: PathBuf,
    /// How many parts.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=16))]
    pub parts: u16,
    /// Where to write part0.pcap, part1.pcap, ...
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Capture files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

pub fn is_offline(first: Option<&str>) -> bool {
    matches!(first, Some("split-pcap" | "check-pcap"))
}
