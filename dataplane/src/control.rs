//! The control server: a Unix socket off the hot path, serving the
//! `control` CLI, exporters and scripts; and the same figures as DPDK
//! telemetry commands.
//!
//! # Protocol (version 1)
//!
//! One request per line, one JSON object each; one JSON reply per line.
//! Every request carries `"v": 1` and `"cmd"`; an optional `"id"` is echoed.
//! Replies carry `"v": 1` and `"ok"`; a failure is
//! `{"v":1,"ok":false,"error":"..."}` and the connection stays usable, except
//! after an oversized request or a timeout, which are answered and closed.
//!
//! | cmd | request fields | reply fields |
//! |---|---|---|
//! | `stats` | | `stats` (the exit summary's shape: `ports`, `workers`, `totals`, `pipeline`, `model`), `flow_table` (`capacity_per_worker`, `active` per worker), `model_generation` |
//! | `flows` | `top` (default 20, ≤ 1000 per worker), `class` (a class name, `unknown` or `undecided`), or `lookup` {`src_ip`,`src_port`,`dst_ip`,`dst_port`,`protocol`[,`vlan`]} | `flows`: [{`worker`,`src_ip`,`src_port`,`dst_ip`,`dst_port`,`protocol`,`packets`,`bytes`,`class`,`confidence`,`decision_packet`,`model_version`,`server_name`,`server_name_source`,...}], `matched`, `active` |
//! | `model.info` | | `model`: {`name`,`version`,`generation`,`classes`:[{`name`,`dscp`}],`checkpoints`:[{`packets`,`thresholds`:{class: share of votes, or null: never},`rule`: the same in words}],`trees`} or null |
//! | `model.load` | `model_b64`: the `forest.bin` bytes in base64 | `old`, `new` ({`name`,`version`}), `generation`, `adopted` (every running worker took it within 1 s) |
//! | `dscp.get` | | `dscp`: {class: {`dscp`, `name`}} |
//! | `dscp.set` | `map`: {class: "AF31" or 26} | `dscp` as for `dscp.get`, `generation` |
//! | `names.info` | | `names`: {`version`,`entries`,`generation`} |
//! | `names.load` | `table`: the name table's text (`models/names.txt` format) | `old`, `new` ({`version`,`entries`}), `generation`, `adopted` |
//!
//! Limits: a request line is at most [`MAX_REQUEST`] bytes (a model's
//! base64 fits); a client that sends no complete request within the
//! timeout gets an error and is closed; at most [`MAX_CLIENTS`] at once.
//! A model is validated in full (`Model::from_bytes`: checksum, schema,
//! trees) before it is published; a refused one leaves the old one serving.
//!
//! Model swaps go through [`dataplane::published::Published`]: workers
//! adopt between bursts, decided flows keep their decision (and mark),
//! pending ones go on with the new model. Flow listings are answered by the
//! workers that own the flows ([`dataplane::flowquery`]).
use std::collections::HashMap;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine;
use dpdk_ffi::{Port, PortId};
use serde_json::{json, Value};

use dataplane::features::DecisionState;
use dataplane::flow::FlowKey;
use dataplane::flowlog::ip_string;
use dataplane::flowquery::{ClassFilter, FlowEntry, FlowRequest, MAX_TOP};
use dataplane::mark::{self, Direction};
use dataplane::names::NameTable;
use dataplane::pipeline::Classifier;
use dataplane::published::Published;
use dataplane::stats::{PipelineSummary, PortSummary, RunSummary};

use crate::runner::WorkerShared;
use models::forest::Model;

pub const PROTOCOL_VERSION: u64 = 1;
/// Largest request line (a model's bytes in base64 must fit).
pub const MAX_REQUEST: usize = 8 << 20;
/// Clients served at once; more are answered "busy" and closed.
pub const MAX_CLIENTS: usize = 16;

/// What the server reads of one worker.
pub struct WorkerView {
    pub index: u32,
    pub lcore: u32,
    pub queue: u16,
    pub shared: Arc<WorkerShared>,
}

/// A port the server may read driver counters of.
pub struct PortView {
    pub id: PortId,
    pub name: String,
    pub driver: String,
}

/// Everything the control server and telemetry read or change.
pub struct ControlState {
    pub workers: Vec<WorkerView>,
    pub model: Arc<Published<Classifier>>,
    /// The name->class table, swapped like the model.
    pub names: Arc<Published<Arc<NameTable>>>,
    pub direction: Direction,
    /// Operator marks by class name (`--dscp-map`, `dscp.set`), applied to
    /// every model loaded later.
    overrides: Mutex<Vec<(String, u8)>>,
    /// Class names of every model version served, for naming decisions.
    versions: Mutex<HashMap<u32, Arc<Vec<String>>>>,
    /// None once the runner has closed the ports.
    ports: Mutex<Option<Vec<PortView>>>,
    pub started: Instant,
    pub flow_capacity: u64,
    pub timeout: Duration,
    next_id: AtomicU64,
    /// One flow listing at a time (control side only).
    flows_lock: Mutex<()>,
    /// One model change at a time (control side only).
    swap_lock: Mutex<()>,
    clients: AtomicUsize,
}

impl ControlState {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        workers: Vec<WorkerView>,
        model: Arc<Published<Classifier>>,
        names: Arc<Published<Arc<NameTable>>>,
        direction: Direction,
        overrides: Vec<(String, u8)>,
        ports: Vec<PortView>,
        flow_capacity: u64,
        timeout: Duration,
    ) -> Self {
        let s = ControlState {
            workers,
            model,
            names,
            direction,
            overrides: Mutex::new(overrides),
            versions: Mutex::new(HashMap::new()),
            ports: Mutex::new(Some(ports)),
            started: Instant::now(),
            flow_capacity,
            timeout,
            next_id: AtomicU64::new(1),
            flows_lock: Mutex::new(()),
            swap_lock: Mutex::new(()),
            clients: AtomicUsize::new(0),
        };
        if let (Some(c), _) = s.model.current() {
            s.remember(&c.model);
        }
        s
    }

    fn remember(&self, m: &Model) {
        let names = Arc::new(m.classes.iter().map(|c| c.name.clone()).collect::<Vec<_>>());
        lock(&self.versions).insert(m.version, names);
    }

    /// The class names of the model version that made a decision.
    pub fn class_names(&self, version: u32) -> Option<Arc<Vec<String>>> {
        lock(&self.versions).get(&version).cloned()
    }

    /// Called by the runner before it stops and closes the ports.
    pub fn close_ports(&self) {
        *lock(&self.ports) = None;
    }

    fn port_summaries(&self) -> Vec<PortSummary> {
        let ports = lock(&self.ports);
        let Some(ports) = ports.as_ref() else { return Vec::new() };
        ports
            .iter()
            .filter_map(|p| Some(crate::runner::port_summary(p.id, &p.name, &p.driver, &Port::stats(p.id).ok()?)))
            .collect()
    }

    /// The live counters, in the shape of the exit summary.
    pub fn summary(&self) -> RunSummary {
        let workers: Vec<_> =
            self.workers.iter().map(|w| w.shared.counters.snapshot(w.index, w.lcore, w.queue)).collect();
        let (cl, _) = self.model.current();
        let (named, cks): (Vec<(String, u8)>, Vec<u32>) = match &cl {
            Some(c) => (
                c.model.classes.iter().enumerate().map(|(i, k)| (k.name.clone(), c.dscp[i])).collect(),
                c.model.checkpoints.iter().map(|k| k.packets).collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let mut pipeline = PipelineSummary::default();
        for w in &self.workers {
            pipeline.add(&w.shared.pipeline.snapshot_named(&named, &cks));
        }
        let up = self.started.elapsed().as_secs_f64();
        RunSummary {
            version: env!("CARGO_PKG_VERSION").to_string(),
            duration_s: up,
            wall_s: up,
            packet_time: String::new(),
            ports: self.port_summaries(),
            totals: RunSummary::total(&workers),
            workers,
            pipeline,
            model: cl.as_ref().map(|c| format!("{} v{}", c.model.name, c.model.version)),
        }
    }

    fn stats(&self) -> Value {
        let active: Vec<u64> = self.workers.iter().map(|w| w.shared.pipeline.snapshot().flows_active).collect();
        json!({
            "stats": self.summary(),
            "flow_table": {"capacity_per_worker": self.flow_capacity, "active": active},
            "model_generation": self.model.generation(),
        })
    }

    fn model_info(&self) -> Value {
        let (cl, g) = self.model.current();
        match cl {
            None => json!({"model": null}),
            Some(c) => {
                let m = &c.model;
                json!({"model": {
                    "name": m.name,
                    "version": m.version,
                    "generation": g,
                    "classes": m.classes.iter().enumerate().map(|(i, k)| json!({"name": k.name, "dscp": c.dscp[i]})).collect::<Vec<_>>(),
                    "checkpoints": m.checkpoints.iter().enumerate().map(|(i, k)| json!({
                        "packets": k.packets,
                        "thresholds": m.classes.iter().zip(k.thresholds).map(|(c, t)| (c.name.clone(), if t <= 1.0 { json!(t) } else { Value::Null })).collect::<serde_json::Map<_, _>>(),
                        "rule": m.thresholds_text(i),
                    })).collect::<Vec<_>>(),
                    "trees": m.trees.len(),
                    "decide_after_last": m.decide_after_last,
                }})
            }
        }
    }

    /// Publish `c` and wait (bounded) until every running worker took it.
    fn publish(&self, c: Classifier) -> (u64, bool) {
        self.remember(&c.model);
        let g = self.model.publish(c);
        let adopted = self.wait_adopted(g, |w| w.counters.model_generation.load(Ordering::Relaxed));
        self.model.reclaim();
        (g, adopted)
    }

    /// Wait up to a second until every running worker serves generation
    /// `g` (as `serving` reads it); whether they all did.
    fn wait_adopted(&self, g: u64, serving: impl Fn(&WorkerShared) -> u64) -> bool {
        let deadline = Instant::now() + Duration::from_secs(1);
        loop {
            let all = self.workers.iter().all(|w| w.shared.done.load(Ordering::Acquire) || serving(&w.shared) >= g);
            if all || Instant::now() > deadline {
                return all;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    fn model_load(&self, req: &Value) -> Result<Value> {
        let b64 = req
            .get("model_b64")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("model.load needs \"model_b64\": the forest.bin bytes in base64"))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| anyhow!("model_b64 is not base64: {e}"))?;
        let model = Model::from_bytes(&bytes).map_err(|e| anyhow!("model refused: {e}"))?;
        let _g = lock(&self.swap_lock);
        let overrides: Vec<(String, u8)> =
            lock(&self.overrides).iter().filter(|(n, _)| model.class_index(n).is_some()).cloned().collect();
        let new = json!({"name": model.name, "version": model.version});
        let c = Classifier::new(Arc::new(model), &overrides, self.direction).map_err(|e| anyhow!(e))?;
        let old = self.model.current().0.map(|c| json!({"name": c.model.name, "version": c.model.version}));
        let (g, adopted) = self.publish(c);
        Ok(json!({"old": old, "new": new, "generation": g, "adopted": adopted}))
    }

    fn names_info(&self) -> Value {
        let (t, g) = self.names.current();
        let (version, entries) = t.map(|t| (t.version.clone(), t.len())).unwrap_or_default();
        json!({"names": {"version": version, "entries": entries, "generation": g}})
    }

    /// Parse a name table's text and publish it: flows named from then on
    /// are looked up in it; flows already named keep their class.
    fn names_load(&self, req: &Value) -> Result<Value> {
        let text = req
            .get("table")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("names.load needs \"table\": the name table's text"))?;
        let table = NameTable::parse(text).map_err(|e| anyhow!("name table refused: {e}"))?;
        let _g = lock(&self.swap_lock);
        let old = self.names.current().0.map(|t| t.version.clone());
        let new = json!({"version": table.version, "entries": table.len()});
        let g = self.names.publish(Arc::new(table));
        let adopted = self.wait_adopted(g, |w| w.counters.names_generation.load(Ordering::Relaxed));
        self.names.reclaim();
        Ok(json!({"old": old, "new": new, "generation": g, "adopted": adopted}))
    }

    fn dscp_get(&self) -> Result<Value> {
        let (cl, g) = self.model.current();
        let c = cl.ok_or_else(|| anyhow!("no model is loaded: there are no classes to mark"))?;
        let mut m = serde_json::Map::new();
        for (i, k) in c.model.classes.iter().enumerate() {
            m.insert(k.name.clone(), json!({"dscp": c.dscp[i], "name": mark::dscp_name(c.dscp[i])}));
        }
        Ok(json!({"dscp": m, "generation": g}))
    }

    fn dscp_set(&self, req: &Value) -> Result<Value> {
        let map = req
            .get("map")
            .and_then(Value::as_object)
            .ok_or_else(|| anyhow!("dscp.set needs \"map\": {{\"video\": \"AF31\", ...}}"))?;
        let _g = lock(&self.swap_lock);
        let c = self.model.current().0.ok_or_else(|| anyhow!("no model is loaded: there are no classes to mark"))?;
        let mut changes = Vec::new();
        for (class, v) in map {
            if c.model.class_index(class).is_none() {
                bail!(
                    "the model has no class {class:?} (classes: {})",
                    c.model.classes.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
                );
            }
            let dscp = match v {
                Value::String(s) => mark::parse_dscp(s).map_err(|e| anyhow!("{class}: {e}"))?,
                Value::Number(n) => match n.as_u64() {
                    Some(x) if x < 64 => x as u8,
                    _ => bail!("{class}: DSCP {n} is outside 0..63"),
                },
                _ => bail!("{class}: a DSCP is a name (AF31) or a number (26)"),
            };
            changes.push((class.clone(), dscp));
        }
        let all = {
            let mut o = lock(&self.overrides);
            for (class, d) in &changes {
                o.retain(|(n, _)| n != class);
                o.push((class.clone(), *d));
            }
            o.clone()
        };
        let overrides: Vec<(String, u8)> = all.into_iter().filter(|(n, _)| c.model.class_index(n).is_some()).collect();
        let next = Classifier::new(c.model.clone(), &overrides, self.direction).map_err(|e| anyhow!(e))?;
        let (g, _) = self.publish(next);
        let mut reply = self.dscp_get()?;
        reply["generation"] = g.into();
        Ok(reply)
    }

    fn flows(&self, req: &Value) -> Result<Value> {
        let top = match req.get("top") {
            None => 20,
            Some(v) => match v.as_u64() {
                Some(n) if (1..=MAX_TOP as u64).contains(&n) => n as usize,
                _ => bail!("\"top\" must be 1..{MAX_TOP}"),
            },
        };
        let (cl, _) = self.model.current();
        let filter = match req.get("class").and_then(Value::as_str) {
            None => ClassFilter::Any,
            Some("unknown") => ClassFilter::Unknown,
            Some("undecided") | Some("pending") => ClassFilter::Pending,
            Some(name) => {
                let c = cl.as_ref().ok_or_else(|| anyhow!("no model is loaded: no flow has class {name:?}"))?;
                let i = c.model.class_index(name).ok_or_else(|| {
                    anyhow!(
                        "the model has no class {name:?} (classes: {}, unknown, undecided)",
                        c.model.classes.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
                    )
                })?;
                ClassFilter::Decided(i as u8)
            }
        };
        let key = match req.get("lookup") {
            None => None,
            Some(l) => Some(lookup_key(l)?),
        };
        let _g = lock(&self.flows_lock);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut waiting = Vec::new();
        for w in &self.workers {
            if w.shared.done.load(Ordering::Acquire) {
                continue;
            }
            // Drop answers to earlier requests that timed out.
            while w.shared.mailbox.replies.pop().is_some() {}
            if w.shared.mailbox.requests.push(FlowRequest::new(id, top, filter, key)).is_ok() {
                waiting.push(w);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut entries: Vec<FlowEntry> = Vec::new();
        let (mut matched, mut active) = (0u64, 0u64);
        for w in waiting {
            loop {
                if let Some(r) = w.shared.mailbox.replies.pop() {
                    if r.id != id {
                        continue;
                    }
                    matched += r.matched;
                    active += r.live;
                    entries.extend((*r).into_sorted());
                    break;
                }
                if w.shared.done.load(Ordering::Acquire) {
                    break;
                }
                if Instant::now() > deadline {
                    bail!("worker {} did not answer within 2 s", w.index);
                }
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        entries.sort_by_key(|e| std::cmp::Reverse((e.bytes, e.packets)));
        entries.truncate(top);
        let flows: Vec<Value> = entries.iter().map(|e| self.flow_json(e)).collect();
        Ok(json!({"flows": flows, "matched": matched, "active": active}))
    }

    fn flow_json(&self, e: &FlowEntry) -> Value {
        let (sa, da) = e.addrs();
        let class = match e.state {
            DecisionState::Pending => "undecided".to_string(),
            DecisionState::Unknown => "unknown".to_string(),
            DecisionState::Decided => self
                .class_names(e.model_version)
                .and_then(|n| n.get(e.class as usize).cloned())
                .unwrap_or_else(|| format!("class{}", e.class)),
        };
        let mut v = json!({
            "worker": e.worker,
            "src_ip": ip_string(sa),
            "src_port": e.src_port,
            "dst_ip": ip_string(da),
            "dst_port": e.dst_port,
            "protocol": e.proto,
            "vlan": e.vlan,
            "packets": e.packets,
            "bytes": e.bytes,
            "first_seen_ns": e.first_ns,
            "last_seen_ns": e.last_ns,
            "class": class,
            "server_name": e.name.to_lossy(),
            "server_name_source": e.name_source.as_str(),
        });
        if e.state != DecisionState::Pending {
            v["confidence"] = json!(e.confidence);
            v["decision_packet"] = e.decision_packet.into();
            v["model_version"] = e.model_version.into();
        }
        v
    }

    /// Answer one request line (without its newline).
    pub fn handle(&self, line: &[u8]) -> Value {
        let req: Value = match serde_json::from_slice(line) {
            Ok(v) => v,
            Err(e) => return error(&Value::Null, format!("malformed JSON: {e}")),
        };
        let id = req.get("id").cloned().unwrap_or(Value::Null);
        if !req.is_object() {
            return error(&id, "a request is a JSON object: {\"v\":1,\"cmd\":\"stats\"}".into());
        }
        match req.get("v").and_then(Value::as_u64) {
            Some(PROTOCOL_VERSION) => {}
            Some(v) => return error(&id, format!("protocol version {v} is not supported (this dataplane speaks 1)")),
            None => return error(&id, "missing \"v\": 1 (the protocol version)".into()),
        }
        let Some(cmd) = req.get("cmd").and_then(Value::as_str) else {
            return error(&id, "missing \"cmd\"".into());
        };
        let r = match cmd {
            "stats" => Ok(self.stats()),
            "flows" => self.flows(&req),
            "model.info" => Ok(self.model_info()),
            "model.load" => self.model_load(&req),
            "dscp.get" => self.dscp_get(),
            "dscp.set" => self.dscp_set(&req),
            "names.info" => Ok(self.names_info()),
            "names.load" => self.names_load(&req),
            other => Err(anyhow!(
                "unknown command {other:?} (commands: stats, flows, model.info, model.load, dscp.get, dscp.set, names.info, names.load)"
            )),
        };
        match r {
            Ok(mut v) => {
                v["v"] = PROTOCOL_VERSION.into();
                v["ok"] = true.into();
                if !id.is_null() {
                    v["id"] = id;
                }
                v
            }
            Err(e) => error(&id, format!("{e:#}")),
        }
    }
}

fn error(id: &Value, msg: String) -> Value {
    let mut v = json!({"v": PROTOCOL_VERSION, "ok": false, "error": msg});
    if !id.is_null() {
        v["id"] = id.clone();
    }
    v
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The canonical flow key of a `lookup` object.
fn lookup_key(l: &Value) -> Result<FlowKey> {
    let ip = |k: &str| -> Result<std::net::IpAddr> {
        l.get(k)
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("lookup needs \"{k}\""))?
            .parse()
            .map_err(|_| anyhow!("lookup: \"{k}\" is not an IP address"))
    };
    let num = |k: &str, max: u64| -> Result<u64> {
        match l.get(k) {
            None if k == "vlan" => Ok(0),
            v => v
                .and_then(Value::as_u64)
                .filter(|&x| x <= max)
                .ok_or_else(|| anyhow!("lookup needs \"{k}\" as a number 0..{max}")),
        }
    };
    let (s, d) = (ip("src_ip")?, ip("dst_ip")?);
    let (sp, dp) = (num("src_port", 65535)? as u16, num("dst_port", 65535)? as u16);
    let proto = num("protocol", 255)? as u8;
    let vlan = num("vlan", 4095)? as u16;
    let bytes = |a: std::net::IpAddr| -> [u8; 16] {
        let mut b = [0u8; 16];
        match a {
            std::net::IpAddr::V4(v) => b[..4].copy_from_slice(&v.octets()),
            std::net::IpAddr::V6(v) => b = v.octets(),
        }
        b
    };
    if s.is_ipv4() != d.is_ipv4() {
        bail!("lookup: src_ip and dst_ip are of different IP versions");
    }
    let (a, b) = ((bytes(s), sp), (bytes(d), dp));
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    Ok(FlowKey { lo_addr: lo.0, hi_addr: hi.0, lo_port: lo.1, hi_port: hi.1, proto, ipv6: s.is_ipv6(), vlan })
}

/// The running server: stop it (and remove its socket) with [`Server::stop`].
pub struct Server {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Bind `path` (mode 0660; a stale socket file is replaced, a live one
    /// refused) and serve on a thread of its own.
    pub fn start(path: &Path, state: Arc<ControlState>) -> Result<Server> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the control socket's directory {}", dir.display()))?;
        }
        if path.exists() {
            if UnixStream::connect(path).is_ok() {
                bail!(
                    "control socket {}: another dataplane is serving it (pass --control-socket PATH)",
                    path.display()
                );
            }
            std::fs::remove_file(path).with_context(|| format!("removing the stale socket {}", path.display()))?;
        }
        let listener =
            UnixListener::bind(path).with_context(|| format!("binding the control socket {}", path.display()))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))
            .with_context(|| format!("chmod 0660 {}", path.display()))?;
        listener.set_nonblocking(true).context("control socket: non-blocking accept")?;
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::Builder::new()
            .name("fm-control".into())
            .spawn(move || accept_loop(listener, state, stop2))
            .context("starting the control thread")?;
        Ok(Server { path: path.to_path_buf(), stop, thread: Some(thread) })
    }

    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

fn accept_loop(listener: UnixListener, state: Arc<ControlState>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((mut stream, _)) => {
                let _ = stream.set_nonblocking(false);
                if state.clients.fetch_add(1, Ordering::AcqRel) >= MAX_CLIENTS {
                    state.clients.fetch_sub(1, Ordering::AcqRel);
                    let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
                    let _ = reply(&mut stream, &error(&Value::Null, format!("busy: {MAX_CLIENTS} clients already")));
                    continue;
                }
                let st = state.clone();
                let spawned = std::thread::Builder::new().name("fm-client".into()).spawn(move || {
                    serve_client(&st, stream);
                    st.clients.fetch_sub(1, Ordering::AcqRel);
                });
                if spawned.is_err() {
                    state.clients.fetch_sub(1, Ordering::AcqRel);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn reply(stream: &mut UnixStream, v: &Value) -> std::io::Result<()> {
    let mut s = v.to_string();
    s.push('\n');
    stream.write_all(s.as_bytes())
}

/// Serve requests on one connection until it closes, sends too much, or
/// stays silent past the timeout.
fn serve_client(state: &ControlState, mut stream: UnixStream) {
    let _ = stream.set_write_timeout(Some(state.timeout));
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        // One request: bytes up to a newline, within the size and time limits.
        let started = Instant::now();
        // Bytes already searched for the newline (only new bytes are scanned).
        let mut scanned = 0;
        let line_end = loop {
            if let Some(i) = buf[scanned..].iter().position(|&b| b == b'\n') {
                break Some(scanned + i);
            }
            scanned = buf.len();
            if buf.len() > MAX_REQUEST {
                let _ = reply(
                    &mut stream,
                    &error(&Value::Null, format!("request larger than {MAX_REQUEST} bytes; closing the connection")),
                );
                let _ = stream.shutdown(std::net::Shutdown::Both);
                return;
            }
            let left = state.timeout.saturating_sub(started.elapsed());
            if left.is_zero() {
                let _ = reply(
                    &mut stream,
                    &error(
                        &Value::Null,
                        format!(
                            "timeout: no complete request within {} ms; closing the connection",
                            state.timeout.as_millis()
                        ),
                    ),
                );
                return;
            }
            let _ = stream.set_read_timeout(Some(left));
            match stream.read(&mut chunk) {
                Ok(0) => break None,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        };
        let (line, eof) = match line_end {
            Some(i) => (buf.drain(..=i).collect::<Vec<u8>>(), false),
            // A last request without its newline still gets an answer.
            None if !buf.iter().all(u8::is_ascii_whitespace) => (std::mem::take(&mut buf), true),
            None => return,
        };
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if !text.iter().all(u8::is_ascii_whitespace) && reply(&mut stream, &state.handle(text)).is_err() {
            return;
        }
        if eof {
            return;
        }
    }
}

/// The default socket: /run/flowmark/<EAL file prefix>.sock.
pub fn default_socket(eal_args: &[String]) -> PathBuf {
    let mut prefix = "rte".to_string();
    let mut it = eal_args.iter();
    while let Some(a) = it.next() {
        if let Some(v) = a.strip_prefix("--file-prefix=") {
            prefix = v.to_string();
        } else if a == "--file-prefix" {
            if let Some(v) = it.next() {
                prefix = v.clone();
            }
        }
    }
    PathBuf::from(format!("/run/flowmark/{prefix}.sock"))
}

/// Register `/flowmark/stats`, `/flowmark/model` and `/flowmark/classes`
/// as DPDK telemetry commands (after EAL init).
pub fn register_telemetry(state: &Arc<ControlState>) -> Result<()> {
    use dpdk_ffi::telemetry::{register, Value as T};
    let st = state.clone();
    register("/flowmark/stats", c"flowmark counters over all workers and ports. No parameters", move || {
        let s = st.summary();
        let t = &s.totals;
        let p = &s.pipeline;
        let mut v = vec![
            ("rx_packets".to_string(), T::U64(t.rx_packets)),
            ("rx_bytes".into(), T::U64(t.rx_bytes)),
            ("tx_packets".into(), T::U64(t.tx_packets)),
            ("tx_bytes".into(), T::U64(t.tx_bytes)),
            ("tx_drops".into(), T::U64(t.tx_drops)),
            ("workers".into(), T::U64(s.workers.len() as u64)),
            ("flows_created".into(), T::U64(p.flows_created)),
            ("flows_active".into(), T::U64(p.flows_active)),
            ("flows_unknown".into(), T::U64(p.flows_unknown)),
            ("flows_decided_by_name".into(), T::U64(p.decided_by_name)),
            ("model_swaps".into(), T::U64(t.model_swaps)),
            ("model_generation".into(), T::U64(st.model.generation())),
            ("max_loop_ns".into(), T::U64(t.max_loop_ns)),
            ("max_swap_loop_ns".into(), T::U64(t.max_swap_loop_ns)),
            ("max_adopt_ns".into(), T::U64(t.max_adopt_ns)),
        ];
        for (k, n) in &p.parse_errors {
            v.push((format!("parse_errors_{k}"), T::U64(*n)));
        }
        for (k, n) in &p.flows_ended {
            v.push((format!("flows_ended_{k}"), T::U64(*n)));
        }
        for port in &s.ports {
            v.push((format!("port{}_rx_packets", port.port), T::U64(port.rx_packets)));
            v.push((format!("port{}_tx_packets", port.port), T::U64(port.tx_packets)));
        }
        v
    })
    .map_err(|e| anyhow!("{e}"))?;
    let st = state.clone();
    register("/flowmark/model", c"The model flowmark classifies with. No parameters", move || {
        let (cl, g) = st.model.current();
        match cl {
            None => vec![("loaded".to_string(), T::U64(0)), ("generation".into(), T::U64(g))],
            Some(c) => vec![
                ("loaded".to_string(), T::U64(1)),
                ("name".into(), T::Str(c.model.name.clone())),
                ("version".into(), T::U64(c.model.version as u64)),
                ("generation".into(), T::U64(g)),
                ("classes".into(), T::U64(c.model.classes.len() as u64)),
                ("trees".into(), T::U64(c.model.trees.len() as u64)),
            ],
        }
    })
    .map_err(|e| anyhow!("{e}"))?;
    let st = state.clone();
    register("/flowmark/classes", c"Flows decided and packets marked per class. No parameters", move || {
        let s = st.summary();
        let mut v = Vec::new();
        for (name, c) in &s.pipeline.classes {
            v.push((format!("{name}_flows"), T::U64(c.flows)));
            v.push((format!("{name}_packets_marked"), T::U64(c.packets_marked)));
            v.push((format!("{name}_dscp"), T::U64(c.dscp as u64)));
        }
        v
    })
    .map_err(|e| anyhow!("{e}"))?;
    Ok(())
}
