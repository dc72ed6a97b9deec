//! Command-line interface of the `dataplane` binary.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub const RUN_ABOUT: &str = "flowmark dataplane: classify flows from their first packets and mark them at line rate";

pub const RUN_USAGE: &str = "dataplane [EAL OPTIONS] -- [OPTIONS]\n       dataplane extract|split-pcap|check-pcap ...";

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
  dataplane -l 0-4 -a 0000:03:00.0 -a 0000:03:00.1 -- --port-pairs 0:1
  # offline: the same pipeline over capture files, one feature row per flow per checkpoint
  dataplane extract --pcap a.pcap b.pcap --labels labels.csv --out features.csv";

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

    /// Replaying captures with several workers, each takes its packets in
    /// capture-time order with the others' (a worker waits while another
    /// holds an earlier packet), so a DNS answer one worker sees reaches
    /// the others before their later packets, as with one worker. On by
    /// default when there are several workers, the DNS cache is on and
    /// every port is one net_pcap `rx_pcap` replay without `infinite_rx`
    /// (captures in time order, as `split-pcap` writes them); this turns it
    /// off: workers replay as fast as each can, and a shared DNS answer may
    /// arrive after the flow it names has started.
    #[arg(long)]
    pub no_lockstep: bool,

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

    #[command(flatten)]
    pub flows: FlowArgs,

    /// Write one JSON line per flow when it ends (and for flows open at
    /// exit): its key, times, features and end reason, under NFStream names.
    #[arg(long, value_name = "PATH")]
    pub flow_log: Option<PathBuf>,

    /// The model (forest.bin) that classifies flows at its checkpoints.
    /// Default: the shipped models/forest.bin (looked up from the current
    /// directory, then beside the binary's workspace).
    #[arg(long, value_name = "PATH")]
    pub model: Option<PathBuf>,

    /// Forward without classifying or marking.
    #[arg(long, conflicts_with = "model")]
    pub no_model: bool,

    /// Override the model's marks: `web=AF21,video=AF31,file_transfer=10`
    /// (DSCP names or numbers 0..63).
    #[arg(long, value_name = "CLASS=DSCP,...", value_parser = parse_dscp_map)]
    pub dscp_map: Option<DscpMap>,

    /// Which packets of a decided flow are marked.
    #[arg(long, value_name = "both|forward|backward", default_value = "both")]
    pub mark_direction: dataplane::mark::Direction,

    /// The control socket (`control` CLI, exporters). Default:
    /// /run/flowmark/<EAL --file-prefix, or rte>.sock, mode 0660.
    #[arg(long, value_name = "PATH")]
    pub control_socket: Option<PathBuf>,

    /// Run without a control socket.
    #[arg(long, conflicts_with = "control_socket")]
    pub no_control: bool,

    /// How long a control client may take to send a whole request.
    #[arg(long, value_name = "MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(10..=600_000))]
    pub control_timeout_ms: u64,
}

/// `--dscp-map` entries: (class name, DSCP).
#[derive(Debug, Clone)]
pub struct DscpMap(pub Vec<(String, u8)>);

fn parse_dscp_map(s: &str) -> Result<DscpMap, String> {
    let mut v = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (class, dscp) = part.split_once('=').ok_or_else(|| format!("{part:?} is not CLASS=DSCP (video=AF31)"))?;
        v.push((class.trim().to_string(), dataplane::mark::parse_dscp(dscp)?));
    }
    if v.is_empty() {
        return Err("no CLASS=DSCP entries".into());
    }
    Ok(DscpMap(v))
}

/// Flow tracking options shared by the DPDK runner and `extract`.
#[derive(Debug, Clone, Args)]
pub struct FlowArgs {
    /// Flows each worker tracks at once; memory is allocated up front. When
    /// full, the stalest flow is evicted (and counted).
    #[arg(long, value_name = "N", default_value_t = 65_536, value_parser = clap::value_parser!(u64).range(16..=50_000_000))]
    pub flow_capacity: u64,

    /// Idle timeouts in seconds of packet time, per protocol family:
    /// `tcp=300,udp=60,other=30` (any subset). A TCP flow that saw FIN both
    /// ways or RST ends 2 s after its last packet.
    #[arg(long, value_name = "SPEC", default_value = "tcp=300,udp=60,other=30", value_parser = parse_timeouts)]
    pub idle_timeout: dataplane::flow::Timeouts,

    /// TLS hellos larger than one segment being reassembled at once per
    /// worker (8 KiB per direction, allocated up front). When all are busy
    /// such hellos go unparsed and are counted (tls_no_buffer).
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(0..=65_535))]
    pub hello_buffers: u64,

    /// Server addresses each worker remembers from DNS answers (with their
    /// TTL, at least 60 s), to name flows that carry no name of their own.
    /// About 160 bytes each, allocated up front; 0 turns it off.
    #[arg(long, value_name = "N", default_value_t = 16_384, value_parser = clap::value_parser!(u64).range(0..=16_000_000))]
    pub dns_cache: u64,

    /// The name->class table (domain suffixes of well-known services and
    /// their class) that names are looked up in. Default: the table built
    /// into this binary, the same as the shipped models/names.txt.
    #[arg(long, value_name = "PATH")]
    pub names: Option<PathBuf>,
}

impl FlowArgs {
    pub fn config(&self, checkpoints: dataplane::pipeline::Checkpoints) -> dataplane::pipeline::Config {
        dataplane::pipeline::Config {
            flow_capacity: self.flow_capacity as usize,
            hello_buffers: self.hello_buffers as usize,
            timeouts: self.idle_timeout,
            checkpoints,
            dns_cache: self.dns_cache as usize,
        }
    }

    /// The name table `--names` asks for, or the built-in one.
    pub fn name_table(&self) -> anyhow::Result<std::sync::Arc<dataplane::names::NameTable>> {
        match &self.names {
            None => Ok(dataplane::names::NameTable::shipped()),
            Some(p) => dataplane::names::NameTable::load(p)
                .map(std::sync::Arc::new)
                .map_err(|e| anyhow::anyhow!("--names {}: {e}", p.display())),
        }
    }
}

fn parse_timeouts(s: &str) -> Result<dataplane::flow::Timeouts, String> {
    let mut t = dataplane::flow::Timeouts::default();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').ok_or_else(|| format!("{part:?} is not FAMILY=SECONDS (tcp=300)"))?;
        let secs: f64 = v.parse().map_err(|_| format!("{v:?} is not a number of seconds"))?;
        if !(secs > 0.0 && secs <= 86_400.0) {
            return Err(format!("{k} timeout {secs} s is outside 0..86400"));
        }
        let ns = (secs * 1e9) as u64;
        match k {
            "tcp" => t.tcp_ns = ns,
            "udp" => t.udp_ns = ns,
            "other" => t.other_ns = ns,
            _ => return Err(format!("unknown family {k:?} (tcp, udp, other)")),
        }
    }
    Ok(t)
}

/// Parse `--checkpoints 3,5,8`.
pub fn parse_checkpoints(s: &str) -> Result<dataplane::pipeline::Checkpoints, String> {
    let ks: Result<Vec<u32>, _> = s.split(',').map(|x| x.trim().parse::<u32>()).collect();
    let ks = ks.map_err(|_| format!("{s:?} is not a list of packet counts like 3,5,8,16"))?;
    dataplane::pipeline::Checkpoints::new(&ks)
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
    /// Run captures through the dataplane's own pipeline and write one
    /// feature row per flow per checkpoint, with labels joined (the training
    /// data: the same code computes features when serving).
    Extract(Box<ExtractArgs>),
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Capture files (pcap or pcapng); each is its own run of the pipeline.
    #[arg(long = "pcap", value_name = "FILE", required = true, num_args = 1..)]
    pub pcaps: Vec<PathBuf>,
    /// Label files (CSV: capture or pcap; class or label; optionally
    /// src_ip,src_port,dst_ip,dst_port,proto,first_ts for per-flow labels).
    #[arg(long, value_name = "CSV")]
    pub labels: Vec<PathBuf>,
    /// The feature CSV to write.
    #[arg(long, value_name = "CSV")]
    pub out: PathBuf,
    /// Packet counts at which rows are taken.
    #[arg(long, value_name = "K,K,...", default_value = "3,5,8,16,32", value_parser = parse_checkpoints)]
    pub checkpoints: dataplane::pipeline::Checkpoints,
    /// Also write the flow log (JSON lines), as the DPDK runner's --flow-log does.
    #[arg(long, value_name = "PATH")]
    pub flow_log: Option<PathBuf>,
    /// Only write rows of flows that have a label.
    #[arg(long)]
    pub labeled_only: bool,
    /// Use only label rows that pass this filter: `COLUMN=VALUE` or
    /// `COLUMN!=VALUE` (repeatable; e.g. `label_confidence!=low`).
    #[arg(long, value_name = "FILTER")]
    pub label_where: Vec<String>,
    /// Only write rows of flows that end with at least this many packets.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub min_flow_packets: u64,
    /// Also classify with this model (forest.bin), as the DPDK runner does:
    /// the flow log (--flow-log) carries each flow's class, confidence and
    /// decision packet (no packets are written out).
    #[arg(long, value_name = "PATH")]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub flows: FlowArgs,
}

/// Read and validate a model file; the error names the file and what is
/// wrong with it.
pub fn read_model(path: &std::path::Path) -> anyhow::Result<models::forest::Model> {
    let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("reading model {}: {e}", path.display()))?;
    models::forest::Model::from_bytes(&bytes).map_err(|e| anyhow::anyhow!("model {}: {e}", path.display()))
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
    matches!(first, Some("split-pcap" | "check-pcap" | "extract"))
}
