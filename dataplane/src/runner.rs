//! The DPDK runner: EAL, ports, one worker per worker lcore, the exit
//! summary. The only part of `dataplane` that touches DPDK.
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::fs::File;
use std::io::{BufWriter, Write};

use anyhow::{anyhow, bail, Context, Result};
use crossbeam::queue::ArrayQueue;
use crossbeam::utils::CachePadded;
use dpdk_ffi::{lcore, Burst, Eal, Mempool, Port, PortConfig, PortId, QueueId, RxTimestamp};

use crate::cli::RunArgs;
use crate::control::{self, ControlState, PortView, WorkerView};
use dataplane::flow::EndReason;
use dataplane::flowlog::{json_line, FlowRecord};
use dataplane::flowquery::{Mailbox, Responder};
use dataplane::names::DnsAnswer;
use dataplane::pipeline::{Checkpoints, Classifier, FlowRef, Pipeline, Sink};
use dataplane::published::{Published, Reader};
use dataplane::stats::{
    bump, PipelineCounters, PipelineSummary, PortSummary, RunSummary, WorkerCounters, WorkerSummary,
};

/// Ended flows each worker can hand to the flow-log writer before it must
/// count drops (about 1 KiB each).
const FLOW_LOG_QUEUE: usize = 8192;

/// Set by SIGINT/SIGTERM; workers stop at their next poll.
static STOP: AtomicBool = AtomicBool::new(false);

/// What one worker polls and where it sends.
struct WorkerPlan {
    index: u32,
    lcore: u32,
    queue: QueueId,
    /// (rx port, its rx timestamp field, tx port)
    paths: Vec<(PortId, Option<RxTimestamp>, PortId)>,
    pipeline: Pipeline,
    /// The model slot: adopted between bursts.
    model: Reader<Classifier>,
    names: Reader<Arc<dataplane::names::NameTable>>,
    shared: Arc<WorkerShared>,
    /// The other workers, to share DNS answers with.
    peers: Vec<Arc<WorkerShared>>,
    exit_when_drained: bool,
    drain_ticks: u64,
    tx_retries: u32,
    /// Take packets in packet-time order with the peers ([`wait_turn`]).
    lockstep: bool,
}

/// What a worker shares with the main lcore (read there, written here).
pub(crate) struct WorkerShared {
    pub(crate) counters: WorkerCounters,
    pub(crate) pipeline: Arc<PipelineCounters>,
    /// Ended flows on their way to the flow log, when there is one.
    flow_log: Option<ArrayQueue<FlowRecord>>,
    /// TSC of the first and last packet this worker received (0: none).
    first_rx_tsc: AtomicU64,
    last_rx_tsc: AtomicU64,
    /// Set when the worker loop has returned.
    pub(crate) done: AtomicBool,
    /// Flow listings asked by the control server, answered between bursts.
    pub(crate) mailbox: Mailbox,
    /// DNS answers other workers learnt, for this worker's cache.
    dns_inbox: ArrayQueue<DnsAnswer>,
    /// In lockstep: the timestamp of the packet this worker is about to
    /// process (or last processed), [`IDLE`] when its queues are empty.
    head_ns: CachePadded<AtomicU64>,
    index: u32,
}

/// A lockstep worker with nothing to process: it holds no one up.
const IDLE: u64 = u64::MAX;

/// DNS answers a worker can hold from the others between two loops.
const DNS_INBOX: usize = 4096;
/// DNS answers a worker takes from its inbox per loop (bounds the work).
const DNS_ABSORB_PER_LOOP: usize = 256;

/// Hands ended flows to the main lcore's flow-log writer.
struct LogSink<'a> {
    shared: &'a WorkerShared,
    worker: u16,
    /// At the end of the run: wait for room instead of counting a drop.
    blocking: bool,
}

impl Sink for LogSink<'_> {
    #[inline]
    fn flow_end(&mut self, f: FlowRef<'_>, reason: EndReason) {
        let Some(q) = &self.shared.flow_log else { return };
        let mut rec = FlowRecord { key: *f.key, state: *f.state, reason, worker: self.worker };
        loop {
            match q.push(rec) {
                Ok(()) => return,
                Err(back) if self.blocking => {
                    rec = back;
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(_) => {
                    bump(&self.shared.pipeline.flow_log_dropped, 1);
                    return;
                }
            }
        }
    }
}

fn worker_loop(mut plan: WorkerPlan) -> i32 {
    let mut burst = Burst::new();
    let shared = plan.shared.clone();
    let c = &shared.counters;
    let mut sink = LogSink { shared: &shared, worker: plan.index as u16, blocking: false };
    let hz = dpdk_ffi::tsc_hz().max(1) as u128;
    let mut idle_since = 0u64;
    let mut first = 0u64;
    let mut last = 0u64;
    let mut responder = Responder::default();
    let (mut max_loop, mut max_swap_loop) = (0u64, 0u64);
    c.model_generation.store(plan.model.generation(), Ordering::Relaxed);
    while !STOP.load(Ordering::Relaxed) {
        let loop_start = dpdk_ffi::rdtsc();
        // Between bursts: one atomic load unless a new model was published.
        let pipeline = &mut plan.pipeline;
        if let Some(g) = plan.names.poll(|t| pipeline.set_names(t.clone())) {
            c.names_generation.store(g, Ordering::Relaxed);
        }
        let swapped = plan.model.poll(|c| pipeline.set_classifier(Some(c.clone())));
        if !plan.peers.is_empty() {
            share_dns(pipeline, &shared, &plan.peers);
        }
        if let Some(g) = swapped {
            bump(&c.model_swaps, 1);
            c.model_generation.store(g, Ordering::Relaxed);
            let adopt = (dpdk_ffi::rdtsc().wrapping_sub(loop_start) as u128 * 1_000_000_000 / hz) as u64;
            if adopt > c.max_adopt_ns.load(Ordering::Relaxed) {
                c.max_adopt_ns.store(adopt, Ordering::Relaxed);
            }
        }
        let mut got = 0usize;
        for &(rx, ts_field, tx) in &plan.paths {
            let n = burst.rx(rx, plan.queue);
            if n == 0 {
                continue;
            }
            got += n;
            // One clock read per burst, for ports without rx timestamps.
            let tsc_ns = (dpdk_ffi::rdtsc() as u128 * 1_000_000_000 / hz) as u64;
            let mut bytes = 0u64;
            let mut untimed = 0u64;
            for i in 0..n {
                if let Some(mut p) = burst.packet(i) {
                    let len = p.pkt_len();
                    bytes += len as u64;
                    let ts = match p.rx_timestamp(ts_field) {
                        Some(ts) => ts,
                        None => {
                            untimed += 1;
                            tsc_ns
                        }
                    };
                    if plan.lockstep {
                        wait_turn(ts, &mut plan.pipeline, &shared, &plan.peers, &mut responder);
                    }
                    plan.pipeline.process(p.data_mut(), len, ts, &mut sink);
                    if plan.lockstep {
                        // What this packet taught reaches the peers before
                        // this worker's time moves past it.
                        send_dns(&mut plan.pipeline, &shared, &plan.peers);
                    }
                }
            }
            bump(&c.rx_tsc_timed, untimed);
            bump(&c.rx_packets, n as u64);
            bump(&c.rx_bytes, bytes);
            let (sent, dropped) = burst.tx(tx, plan.queue, plan.tx_retries);
            bump(&c.tx_packets, sent as u64);
            bump(&c.tx_drops, dropped as u64);
            if dropped == 0 {
                bump(&c.tx_bytes, bytes);
            }
        }
        responder.serve(&shared.mailbox, plan.pipeline.table(), plan.index as u16);
        // The stall a swap costs: the iteration that adopted the model (and
        // ran its first burst with it) against every other one. Not under
        // lockstep, where an iteration includes waiting for the peers.
        if (got > 0 || swapped.is_some()) && !plan.lockstep {
            let took = dpdk_ffi::rdtsc().wrapping_sub(loop_start);
            let best = if swapped.is_some() { &mut max_swap_loop } else { &mut max_loop };
            if took > *best {
                *best = took;
                let ns = (took as u128 * 1_000_000_000 / hz) as u64;
                let field = if swapped.is_some() { &c.max_swap_loop_ns } else { &c.max_loop_ns };
                field.store(ns, Ordering::Relaxed);
            }
        }
        if got == 0 && plan.lockstep {
            shared.head_ns.store(IDLE, Ordering::Release);
        }
        if got > 0 {
            last = dpdk_ffi::rdtsc();
            if first == 0 {
                first = last;
                shared.first_rx_tsc.store(first, Ordering::Relaxed);
            }
            idle_since = 0;
        } else if plan.exit_when_drained {
            let now = dpdk_ffi::rdtsc();
            if idle_since == 0 {
                idle_since = now;
            } else if now - idle_since >= plan.drain_ticks {
                break;
            }
        }
    }
    shared.last_rx_tsc.store(last, Ordering::Relaxed);
    shared.head_ns.store(IDLE, Ordering::Release);
    sink.blocking = true;
    plan.pipeline.flush(&mut sink);
    shared.done.store(true, Ordering::Release);
    0
}

/// Lockstep: publish `ts` as this worker's next packet, wait until no peer
/// holds an earlier one (ties go to the lower worker index), then learn
/// every DNS answer the peers sent. A peer's answers are in the inbox before
/// its published time passes the answer's, so this worker learns each one
/// after its own earlier packets and before its later ones, as one worker
/// would. The smallest (time, index) never waits, so all make progress; an
/// idle or finished peer holds no one up.
fn wait_turn(
    ts: u64,
    pipeline: &mut Pipeline,
    me: &WorkerShared,
    peers: &[Arc<WorkerShared>],
    responder: &mut Responder,
) {
    me.head_ns.store(ts, Ordering::Release);
    let mut spins = 0u32;
    loop {
        let clear = peers.iter().all(|p| {
            let h = p.head_ns.load(Ordering::Acquire);
            h > ts || (h == ts && p.index > me.index)
        });
        // Learn while waiting too (all of it is from earlier packets), so a
        // long wait cannot fill the inbox and drop answers.
        absorb_dns(pipeline, me, usize::MAX);
        if clear || STOP.load(Ordering::Relaxed) {
            return;
        }
        spins += 1;
        if spins.is_multiple_of(64) {
            // Workers sharing a CPU: let the one holding the earlier packet
            // run; and keep answering flow listings.
            responder.serve(&me.mailbox, pipeline.table(), me.index as u16);
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
}

/// Hand what this worker learnt from DNS to the other workers, and learn
/// what they sent (bounded). Lock-free queues; nothing allocates.
fn share_dns(pipeline: &mut Pipeline, me: &WorkerShared, peers: &[Arc<WorkerShared>]) {
    send_dns(pipeline, me, peers);
    absorb_dns(pipeline, me, DNS_ABSORB_PER_LOOP);
}

/// Push this worker's newly learnt DNS answers to the peers still running.
fn send_dns(pipeline: &mut Pipeline, me: &WorkerShared, peers: &[Arc<WorkerShared>]) {
    let c = &me.pipeline;
    pipeline.dns_outbox(|a| {
        for p in peers {
            if p.done.load(Ordering::Relaxed) {
                continue;
            }
            if p.dns_inbox.push(*a).is_ok() {
                bump(&c.dns_shared, 1);
            } else {
                bump(&c.dns_share_dropped, 1);
            }
        }
    });
}

/// Learn at most `limit` answers the peers sent.
fn absorb_dns(pipeline: &mut Pipeline, me: &WorkerShared, limit: usize) {
    for _ in 0..limit {
        let Some(a) = me.dns_inbox.pop() else { break };
        pipeline.learn_dns(&a);
        bump(&me.pipeline.dns_received, 1);
    }
}

/// Parse `--port-pairs` into (rx, tx) paths, or the default for `ports`.
pub fn port_paths(spec: Option<&str>, ports: &[PortId]) -> Result<Vec<(PortId, PortId)>> {
    let mut paths = Vec::new();
    match spec {
        None => {
            for chunk in ports.chunks(2) {
                match chunk {
                    [a, b] => {
                        paths.push((*a, *b));
                        paths.push((*b, *a));
                    }
                    [a] => paths.push((*a, *a)),
                    _ => {}
                }
            }
        }
        Some(spec) => {
            for pair in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let (a, b) = pair
                    .split_once(':')
                    .ok_or_else(|| anyhow!("--port-pairs: {pair:?} is not RX:TX (for example 0:1)"))?;
                let parse = |s: &str| -> Result<PortId> {
                    let id: u16 = s.trim().parse().map_err(|_| anyhow!("--port-pairs: {s:?} is not a port number"))?;
                    if !ports.contains(&PortId(id)) {
                        bail!(
                            "--port-pairs: port {id} does not exist (ports: {})",
                            ports.iter().map(|p| p.0.to_string()).collect::<Vec<_>>().join(", ")
                        );
                    }
                    Ok(PortId(id))
                };
                let (a, b) = (parse(a)?, parse(b)?);
                for p in [a, b] {
                    if paths.iter().any(|&(rx, _): &(PortId, PortId)| rx == p) {
                        bail!("--port-pairs: port {p} is in more than one pair");
                    }
                }
                paths.push((a, b));
                if a != b {
                    paths.push((b, a));
                }
            }
            if paths.is_empty() {
                bail!("--port-pairs: no pairs given");
            }
        }
    }
    Ok(paths)
}

/// Values of `key=` in every `--vdev` argument (the replay inputs and outputs).
pub fn vdev_kvargs<'a>(eal_args: &'a [String], key: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut it = eal_args.iter();
    while let Some(a) = it.next() {
        let spec = if let Some(v) = a.strip_prefix("--vdev=") {
            v
        } else if a == "--vdev" {
            match it.next() {
                Some(v) => v.as_str(),
                None => break,
            }
        } else {
            continue;
        };
        for kv in spec.split(',') {
            if let Some(v) = kv.strip_prefix(key).and_then(|r| r.strip_prefix('=')) {
                out.push(v);
            }
        }
    }
    out
}

/// Check replay inputs before DPDK opens them: DPDK would stop at the first
/// bad record (or fail with a generic probe error), and a replay that quietly
/// stops early gives numbers nobody can trust. Returns the total packet count
/// of the `infinite_rx` inputs (the pool must hold all of them).
fn check_replay_files(eal_args: &[String]) -> Result<u64> {
    let infinite = !vdev_kvargs(eal_args, "infinite_rx").iter().all(|v| *v == "0");
    let mut pinned = 0u64;
    for f in vdev_kvargs(eal_args, "rx_pcap") {
        if dataplane::pcap::is_gzip(f.as_ref()).unwrap_or(false) {
            bail!(
                "rx_pcap={f}: the capture is gzip-compressed; net_pcap reads plain pcap files: `gunzip -k {f}` first"
            );
        }
        let s = dataplane::pcap::check_file(f.as_ref()).map_err(|e| anyhow!("rx_pcap={f}: {e}"))?;
        if s.packets == 0 {
            eprintln!("warning: rx_pcap={f} holds no packets");
        }
        if infinite {
            pinned += s.packets;
        }
    }
    for f in vdev_kvargs(eal_args, "tx_pcap") {
        let p = PathBuf::from(f);
        let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(".".as_ref());
        if !dir.is_dir() {
            bail!("tx_pcap={f}: directory {} does not exist", dir.display());
        }
    }
    Ok(pinned)
}

/// The shipped model: models/forest.bin from the current directory, or from
/// the workspace the binary was built in (target/<profile>/dataplane).
fn default_model() -> Option<PathBuf> {
    let mut candidates = vec![PathBuf::from("models/forest.bin")];
    if let Ok(exe) = std::env::current_exe() {
        if let Some(ws) = exe.parent().and_then(|p| p.parent()).and_then(|p| p.parent()) {
            candidates.push(ws.join("models/forest.bin"));
        }
    }
    candidates.into_iter().find(|p| p.is_file())
}

/// Load and validate the model (before EAL starts: a bad model is refused
/// with its reason and nothing runs).
fn load_classifier(app: &RunArgs) -> Result<Option<Classifier>> {
    if app.no_model {
        return Ok(None);
    }
    let path = match (&app.model, default_model()) {
        (Some(p), _) => p.clone(),
        (None, Some(p)) => p,
        (None, None) => bail!(
            "no model: models/forest.bin is not here; pass --model PATH, or --no-model to forward without classifying"
        ),
    };
    let model = crate::cli::read_model(&path)?;
    let overrides = app.dscp_map.as_ref().map(|m| m.0.clone()).unwrap_or_default();
    let c = Classifier::new(Arc::new(model), &overrides, app.mark_direction).map_err(|e| anyhow!(e))?;
    Ok(Some(c))
}

pub fn run(eal_args: &[String], app: RunArgs) -> Result<()> {
    let classifier = load_classifier(&app)?;
    let names = app.flows.name_table()?;
    let pinned = check_replay_files(eal_args)?;
    install_stop_signals()?;

    let (eal, _app_args) = Eal::init(eal_args).map_err(|e| anyhow!("{e}"))?;
    let ports = Port::available();
    if ports.is_empty() {
        bail!(
            "no DPDK ports: bind a NIC to vfio-pci and pass `-a PCI_ADDR`, or replay a capture with \
             `--vdev 'net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap'`"
        );
    }
    let paths = port_paths(app.port_pairs.as_deref(), &ports)?;
    let used: Vec<PortId> = {
        let mut v: Vec<PortId> = paths.iter().flat_map(|&(a, b)| [a, b]).collect();
        v.sort();
        v.dedup();
        v
    };
    let workers: Vec<u32> = {
        let w = lcore::worker_lcores();
        if w.is_empty() {
            vec![lcore::main_lcore()]
        } else {
            w
        }
    };
    let nq = workers.len() as u16;

    let per_queue = app.descriptors as u32 * 2 + dpdk_ffi::BURST_MAX as u32;
    let auto = (used.len() as u32 * nq as u32 * per_queue + 4096).max(8191) + pinned.min(u32::MAX as u64) as u32;
    let nb_mbufs = app.mbufs.unwrap_or(auto);
    let pool = Mempool::new("fm_pool", nb_mbufs, 256, 2048 + 128, -1).map_err(|e| anyhow!("{e}"))?;

    let mut cfg_ports = Vec::new();
    for &id in &used {
        let cfg = PortConfig {
            rx_queues: nq,
            tx_queues: nq,
            rx_desc: app.descriptors,
            tx_desc: app.descriptors,
            ..PortConfig::default()
        };
        let port = Port::configure(id, &cfg, &pool).map_err(|e| anyhow!("{e}"))?;
        cfg_ports.push(port);
    }
    let ts_of = |id: PortId| cfg_ports.iter().find(|p| p.id() == id).and_then(|p| p.rx_timestamp());
    let drain_ticks = dpdk_ffi::tsc_hz() / 1000 * app.drain_ms;
    let model_slot = Arc::new(Published::new(classifier.clone(), workers.len()));
    let names_slot = Arc::new(Published::new(Some(names.clone()), workers.len()));
    let pipeline_cfg = app.flows.config(Checkpoints::default());
    let several = workers.len() > 1;
    let mut pipelines = Vec::new();
    let mut all_shared = Vec::new();
    for _ in &workers {
        let mut pipeline = Pipeline::new(pipeline_cfg);
        pipeline.set_classifier(classifier.clone());
        pipeline.set_names(names.clone());
        pipeline.share_dns(several);
        all_shared.push(Arc::new(WorkerShared {
            counters: WorkerCounters::default(),
            pipeline: pipeline.counters(),
            flow_log: app.flow_log.as_ref().map(|_| ArrayQueue::new(FLOW_LOG_QUEUE)),
            first_rx_tsc: AtomicU64::new(0),
            last_rx_tsc: AtomicU64::new(0),
            done: AtomicBool::new(false),
            mailbox: Mailbox::default(),
            dns_inbox: ArrayQueue::new(if several { DNS_INBOX } else { 1 }),
            head_ns: CachePadded::new(AtomicU64::new(0)),
            index: all_shared.len() as u32,
        }));
        pipelines.push(pipeline);
    }
    // Lockstep when replaying captures with several workers: every port a
    // net_pcap vdev whose packets carry their capture time, read once
    // (infinite_rx repeats the capture: its time goes back at each turn).
    // One rx port per worker: a worker takes its ports' bursts in turn, so
    // with several its packets would not go in time order.
    let replaying = cfg_ports.iter().all(|p| p.dev_info().driver == "net_pcap" && p.rx_timestamp().is_some())
        && !vdev_kvargs(eal_args, "rx_pcap").is_empty()
        && vdev_kvargs(eal_args, "infinite_rx").iter().all(|v| *v == "0")
        && paths.iter().map(|p| p.0).collect::<std::collections::BTreeSet<_>>().len() == 1;
    let lockstep = several && replaying && !app.no_lockstep && pipeline_cfg.dns_cache > 0;
    if lockstep {
        eprintln!(
            "replay: {} workers take packets in capture-time order, so DNS answers they share name flows as one worker's would (--no-lockstep turns it off)",
            workers.len()
        );
    }
    let mut plans: Vec<WorkerPlan> = Vec::new();
    for (i, (&lc, pipeline)) in workers.iter().zip(pipelines).enumerate() {
        let peers = all_shared.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, s)| s.clone()).collect();
        plans.push(WorkerPlan {
            index: i as u32,
            lcore: lc,
            queue: QueueId(i as u16),
            paths: paths.iter().map(|&(rx, tx)| (rx, ts_of(rx), tx)).collect(),
            pipeline,
            model: model_slot.reader(i),
            names: names_slot.reader(i),
            shared: all_shared[i].clone(),
            peers: if several && pipeline_cfg.dns_cache > 0 { peers } else { Vec::new() },
            exit_when_drained: app.exit_when_drained,
            drain_ticks,
            tx_retries: app.tx_retries,
            lockstep,
        });
    }
    let shared: Vec<(u32, u32, u16, Arc<WorkerShared>)> =
        plans.iter().map(|p| (p.index, p.lcore, p.queue.0, p.shared.clone())).collect();
    let mut flow_log = match &app.flow_log {
        Some(p) => Some(BufWriter::new(File::create(p).with_context(|| format!("creating flow log {}", p.display()))?)),
        None => None,
    };

    for p in cfg_ports.iter_mut() {
        p.start().map_err(|e| anyhow!("{e}"))?;
    }
    let control_state = Arc::new(ControlState::new(
        shared
            .iter()
            .map(|(index, lcore, queue, w)| WorkerView {
                index: *index,
                lcore: *lcore,
                queue: *queue,
                shared: w.clone(),
            })
            .collect(),
        model_slot.clone(),
        names_slot.clone(),
        app.mark_direction,
        app.dscp_map.as_ref().map(|m| m.0.clone()).unwrap_or_default(),
        cfg_ports
            .iter()
            .map(|p| PortView { id: p.id(), name: p.dev_info().name.clone(), driver: p.dev_info().driver.clone() })
            .collect(),
        app.flows.flow_capacity,
        Duration::from_millis(app.control_timeout_ms),
    ));
    if let Err(e) = control::register_telemetry(&control_state) {
        eprintln!("warning: DPDK telemetry commands not registered: {e:#}");
    }
    let control_server = if app.no_control {
        None
    } else {
        let path = app.control_socket.clone().unwrap_or_else(|| control::default_socket(eal_args));
        match control::Server::start(&path, control_state.clone()) {
            Ok(s) => Some(s),
            // The default socket is a convenience; an explicit one is a requirement.
            Err(e) if app.control_socket.is_none() => {
                eprintln!("warning: no control socket: {e:#}");
                None
            }
            Err(e) => {
                STOP.store(true, Ordering::Relaxed);
                for p in cfg_ports.iter_mut() {
                    let _ = p.close();
                }
                return Err(e);
            }
        }
    };
    let started = Instant::now();
    let on_main = workers[0] == lcore::main_lcore();
    if on_main {
        let plan = plans.pop().expect("one plan");
        worker_loop(plan);
    } else {
        for plan in plans.drain(..) {
            let (lc, i) = (plan.lcore, plan.index as usize);
            if let Err(e) = lcore::launch(lc, move || worker_loop(plan)) {
                // The launched workers must not wait for ones that never run.
                STOP.store(true, Ordering::Relaxed);
                for w in &all_shared[i..] {
                    w.head_ns.store(IDLE, Ordering::Release);
                }
                bail!("{e}");
            }
        }
    }
    // The main lcore writes the flow log while the workers run. It sleeps
    // between looks (rte_eal_wait_lcore would spin on its core).
    let mut log_error = None;
    loop {
        model_slot.reclaim();
        names_slot.reclaim();
        let all_done = shared.iter().all(|w| w.3.done.load(Ordering::Acquire));
        let mut wrote = 0;
        for (_, _, _, w) in &shared {
            if let Some(q) = &w.flow_log {
                while let Some(rec) = q.pop() {
                    wrote += 1;
                    if let (Some(f), None) = (flow_log.as_mut(), &log_error) {
                        // Named by the classes of the model version that decided it.
                        let names = control_state.class_names(rec.state.decision.model_version);
                        if let Err(e) = writeln!(
                            f,
                            "{}",
                            json_line(rec.as_ref(), rec.reason, rec.worker, names.as_ref().map(|n| n.as_slice()))
                        ) {
                            log_error = Some(e);
                        }
                    }
                }
            }
        }
        if all_done && wrote == 0 {
            break;
        }
        if wrote == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    if !on_main {
        for (index, lc, _, _) in &shared {
            let rc = lcore::wait(*lc);
            if rc != 0 {
                eprintln!("worker {index} on lcore {lc} ended with {rc}");
            }
        }
    }
    let wall = started.elapsed();
    if let Some(s) = control_server {
        s.stop();
    }

    // Read the drivers' counters before stopping: stopped ports reset them.
    let mut port_summaries = Vec::new();
    for p in &cfg_ports {
        let s = Port::stats(p.id()).map_err(|e| anyhow!("{e}"))?;
        let info = p.dev_info();
        port_summaries.push(port_summary(p.id(), &info.name, &info.driver, &s));
    }
    control_state.close_ports();
    let mut close_errors = Vec::new();
    for p in cfg_ports.iter_mut() {
        if let Err(e) = p.close() {
            close_errors.push(e.to_string());
        }
    }
    drop(cfg_ports);
    drop(pool);

    // The summary names classes and marks after the model serving at the end.
    let classifier: Option<Classifier> = model_slot.current().0.map(|c| (*c).clone());
    let worker_summaries: Vec<WorkerSummary> =
        shared.iter().map(|(i, lc, q, w)| w.counters.snapshot(*i, *lc, *q)).collect();
    let mut pipeline_summary = PipelineSummary::default();
    let (named, cks): (Vec<(String, u8)>, Vec<u32>) = match &classifier {
        Some(c) => (
            c.model.classes.iter().enumerate().map(|(i, k)| (k.name.clone(), c.dscp[i])).collect(),
            c.model.checkpoints.iter().map(|k| k.packets).collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    for (_, _, _, w) in &shared {
        pipeline_summary.add(&w.pipeline.snapshot_named(&named, &cks));
    }
    let first = shared.iter().map(|w| w.3.first_rx_tsc.load(Ordering::Relaxed)).filter(|&t| t != 0).min();
    let last = shared.iter().map(|w| w.3.last_rx_tsc.load(Ordering::Relaxed)).max();
    // The rate counts the time packets were flowing, not the drain wait.
    let active = match (first, last) {
        (Some(f), Some(l)) if l > f => Duration::from_secs_f64((l - f) as f64 / dpdk_ffi::tsc_hz() as f64),
        _ => wall,
    };
    let totals = RunSummary::total(&worker_summaries);
    let packet_time = match totals.rx_tsc_timed {
        0 => "the rx timestamp (capture time on replay)",
        n if n == totals.rx_packets => "the TSC (the ports gave no rx timestamp)",
        _ => "the rx timestamp where present, else the TSC",
    };
    let summary = RunSummary {
        version: env!("CARGO_PKG_VERSION").to_string(),
        duration_s: active.as_secs_f64(),
        wall_s: wall.as_secs_f64(),
        packet_time: if lockstep {
            format!("{packet_time}; workers in capture-time lockstep (rates are of a replay, not of parallel workers)")
        } else {
            packet_time.to_string()
        },
        ports: port_summaries,
        totals,
        workers: worker_summaries,
        pipeline: pipeline_summary,
        model: classifier.as_ref().map(|c| format!("{} v{}", c.model.name, c.model.version)),
    };
    drop(eal);
    if !app.quiet {
        print!("{}", summary.render());
    }
    if let Some(path) = &app.summary_json {
        let json = serde_json::to_string_pretty(&summary)?;
        std::fs::write(path, json + "\n").with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(mut f) = flow_log {
        if log_error.is_none() {
            log_error = f.flush().err();
        }
        if let Some(e) = log_error {
            bail!("writing the flow log: {e}");
        }
    }
    if !close_errors.is_empty() {
        bail!("closing ports: {}", close_errors.join("; "));
    }
    Ok(())
}

/// A port's counters as the summary and the control server report them.
pub fn port_summary(id: PortId, name: &str, driver: &str, s: &dpdk_ffi::PortStats) -> PortSummary {
    PortSummary {
        port: id.0,
        name: name.to_string(),
        driver: driver.to_string(),
        rx_packets: s.ipackets,
        rx_bytes: s.ibytes,
        tx_packets: s.opackets,
        tx_bytes: s.obytes,
        rx_missed: s.imissed,
        rx_errors: s.ierrors,
        tx_errors: s.oerrors,
        rx_nombuf: s.rx_nombuf,
    }
}

fn install_stop_signals() -> Result<()> {
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe { signal_hook::low_level::register(sig, || STOP.store(true, Ordering::Relaxed)) }
            .context("installing signal handlers")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_pairs() {
        let p = |v: &[u16]| v.iter().map(|&x| PortId(x)).collect::<Vec<_>>();
        assert_eq!(port_paths(None, &p(&[0])).unwrap(), vec![(PortId(0), PortId(0))]);
        assert_eq!(port_paths(None, &p(&[0, 1])).unwrap(), vec![(PortId(0), PortId(1)), (PortId(1), PortId(0))]);
        assert_eq!(port_paths(None, &p(&[0, 1, 2])).unwrap().len(), 3);
    }

    #[test]
    fn explicit_pairs_are_checked() {
        let ports = [PortId(0), PortId(1)];
        assert_eq!(port_paths(Some("0:0,1:1"), &ports).unwrap().len(), 2);
        assert!(port_paths(Some("0:2"), &ports).unwrap_err().to_string().contains("does not exist"));
        assert!(port_paths(Some("0-1"), &ports).unwrap_err().to_string().contains("RX:TX"));
        assert!(port_paths(Some("0:1,1:0"), &ports).unwrap_err().to_string().contains("more than one"));
    }

    #[test]
    fn vdev_values_are_found_in_both_spellings() {
        let args: Vec<String> =
            ["x", "--vdev", "net_pcap0,rx_pcap=a.pcap,tx_pcap=b.pcap", "--vdev=net_pcap1,rx_pcap=c.pcap"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        assert_eq!(vdev_kvargs(&args, "rx_pcap"), vec!["a.pcap", "c.pcap"]);
        assert_eq!(vdev_kvargs(&args, "tx_pcap"), vec!["b.pcap"]);
    }
}
