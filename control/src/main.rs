//! `control`: the operator CLI for a running dataplane, over its control
//! socket (protocol v1, documented in the dataplane's `control` module and
//! README): stats, flows, model info and swap, DSCP map, and a Prometheus
//! exporter.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine;
use clap::{Parser, Subcommand};
use serde_json::{json, Value};

use dataplane::stats::RunSummary;

/// flowmark control: stats, flows, model swaps and exporters of a running dataplane
#[derive(Parser)]
#[command(name = "control", version)]
struct Cli {
    /// The dataplane's control socket (default: /run/flowmark/<file prefix>.sock).
    #[arg(long, global = true, value_name = "PATH", env = "FLOWMARK_CONTROL_SOCKET")]
    socket: Option<PathBuf>,
    /// The dataplane's EAL --file-prefix, to find its default socket.
    #[arg(long, global = true, value_name = "NAME", default_value = "rte")]
    file_prefix: String,
    /// How long to wait for the dataplane's answer.
    #[arg(long, global = true, value_name = "MS", default_value_t = 10_000)]
    timeout_ms: u64,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Counters per port, worker and class; parse errors; flow table occupancy.
    Stats {
        /// Print again every SECONDS until interrupted.
        #[arg(long, value_name = "SECONDS")]
        watch: Option<f64>,
        /// The dataplane's JSON reply instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// The flows in the workers' tables, largest first.
    Flows {
        #[arg(long, default_value_t = 20)]
        top: u64,
        /// Only flows of this class (or `unknown`, `undecided`).
        #[arg(long)]
        class: Option<String>,
        /// Look up one flow: `SRC_IP:PORT,DST_IP:PORT,PROTO` (PROTO: tcp, udp or a number).
        #[arg(long, value_name = "5-TUPLE")]
        lookup: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The model: info, or swap in a new one while traffic flows.
    Model {
        #[command(subcommand)]
        cmd: ModelCmd,
    },
    /// The name → class table: info, or swap in a new one while traffic flows.
    Names {
        #[command(subcommand)]
        cmd: NamesCmd,
    },
    /// The class → DSCP map.
    Dscp {
        #[command(subcommand)]
        cmd: DscpCmd,
    },
    /// Long-running exporters.
    Export {
        #[command(subcommand)]
        cmd: ExportCmd,
    },
}

#[derive(Subcommand)]
enum ModelCmd {
    /// Name, version, classes and checkpoints of the serving model.
    Info {
        #[arg(long)]
        json: bool,
    },
    /// Validate FILE here, send it, and print old → new version.
    Swap {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum NamesCmd {
    /// Version and size of the serving name table.
    Info,
    /// Validate FILE here (the models/names.txt format), send it, and print
    /// old → new version. Flows named from then on use it.
    Swap { file: PathBuf },
}

#[derive(Subcommand)]
enum DscpCmd {
    /// Print the map.
    Get,
    /// Change marks: `video=AF31 web=18` (names or 0..63).
    Set {
        #[arg(required = true, value_name = "CLASS=DSCP")]
        entries: Vec<String>,
    },
}

#[derive(Subcommand)]
enum ExportCmd {
    /// Serve /metrics in the Prometheus text format (0.0.4).
    Prometheus {
        #[arg(long, default_value = "127.0.0.1:9464")]
        listen: SocketAddr,
    },
}

/// A connection to the dataplane's control socket.
struct Client {
    path: PathBuf,
    stream: BufReader<UnixStream>,
}

impl Client {
    fn connect(path: &Path, timeout: Duration) -> Result<Client> {
        let stream = UnixStream::connect(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => anyhow!(
                "no control socket at {}: is the dataplane running? (start it, or pass --socket PATH / --file-prefix NAME)",
                path.display()
            ),
            std::io::ErrorKind::ConnectionRefused => anyhow!(
                "the dataplane is not running: {} is left over from an earlier run (connection refused)",
                path.display()
            ),
            std::io::ErrorKind::PermissionDenied => anyhow!(
                "permission denied on {}: run as root or as a member of the socket's group",
                path.display()
            ),
            _ => anyhow!("connecting to {}: {e}", path.display()),
        })?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        Ok(Client { path: path.to_path_buf(), stream: BufReader::new(stream) })
    }

    /// Send one request; the reply if `ok`, else its error.
    fn call(&mut self, mut req: Value) -> Result<Value> {
        req["v"] = 1.into();
        let mut line = req.to_string();
        line.push('\n');
        // A refused (oversized) request may fail to write whole: read the reply anyway.
        let wrote = self.stream.get_mut().write_all(line.as_bytes());
        let mut buf = String::new();
        let n = self
            .stream
            .read_line(&mut buf)
            .with_context(|| format!("reading the dataplane's reply on {}", self.path.display()))?;
        if n == 0 {
            wrote.with_context(|| format!("sending to {}", self.path.display()))?;
            bail!("the dataplane closed the connection without a reply");
        }
        let v: Value = serde_json::from_str(&buf).context("the dataplane's reply is not JSON")?;
        if v.get("ok").and_then(Value::as_bool) == Some(true) {
            Ok(v)
        } else {
            bail!("dataplane: {}", v.get("error").and_then(Value::as_str).unwrap_or("error without a message"))
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("control: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let path = cli.socket.clone().unwrap_or_else(|| PathBuf::from(format!("/run/flowmark/{}.sock", cli.file_prefix)));
    let timeout = Duration::from_millis(cli.timeout_ms.max(1));
    let connect = || Client::connect(&path, timeout);
    match cli.cmd {
        Cmd::Stats { watch, json } => {
            let mut c = connect()?;
            loop {
                let r = c.call(json!({"cmd": "stats"}))?;
                if json {
                    println!("{r}");
                } else {
                    print!("{}", render_stats(&r)?);
                }
                match watch {
                    Some(s) if s > 0.0 => {
                        std::thread::sleep(Duration::from_secs_f64(s));
                        if !json {
                            println!();
                        }
                    }
                    _ => return Ok(()),
                }
            }
        }
        Cmd::Flows { top, class, lookup, json } => {
            let mut req = json!({"cmd": "flows", "top": top});
            if let Some(c) = class {
                req["class"] = c.into();
            }
            if let Some(l) = lookup {
                req["lookup"] = parse_lookup(&l)?;
            }
            let r = connect()?.call(req)?;
            if json {
                println!("{r}");
            } else {
                print!("{}", render_flows(&r));
            }
            Ok(())
        }
        Cmd::Model { cmd: ModelCmd::Info { json } } => {
            let r = connect()?.call(json!({"cmd": "model.info"}))?;
            if json {
                println!("{r}");
                return Ok(());
            }
            let m = &r["model"];
            if m.is_null() {
                println!("no model loaded: the dataplane forwards without classifying");
                return Ok(());
            }
            println!("model {} v{} (generation {}), {} trees", m["name"], m["version"], m["generation"], m["trees"]);
            let cks: Vec<String> = m["checkpoints"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|k| format!("  at {:>3} packets: {}", k["packets"], k["rule"].as_str().unwrap_or("?")))
                .collect();
            println!("checkpoints (share of votes a class needs to decide):\n{}", cks.join("\n"));
            for c in m["classes"].as_array().into_iter().flatten() {
                let d = c["dscp"].as_u64().unwrap_or(0) as u8;
                println!("  {:<14} {}", c["name"].as_str().unwrap_or("?"), dataplane::mark::dscp_name(d));
            }
            Ok(())
        }
        Cmd::Model { cmd: ModelCmd::Swap { file, json } } => {
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let model =
                models::forest::Model::from_bytes(&bytes).map_err(|e| anyhow!("{}: refused: {e}", file.display()))?;
            let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
            let r = connect()?.call(json!({"cmd": "model.load", "model_b64": b64}))?;
            if json {
                println!("{r}");
                return Ok(());
            }
            let old = match &r["old"] {
                Value::Null => "(none)".to_string(),
                o => format!("{} v{}", o["name"].as_str().unwrap_or("?"), o["version"]),
            };
            println!(
                "model {old} → {} v{} (generation {}{})",
                model.name,
                model.version,
                r["generation"],
                if r["adopted"] == true { ", adopted by every worker" } else { ", not yet adopted by every worker" }
            );
            Ok(())
        }
        Cmd::Names { cmd: NamesCmd::Info } => {
            let r = connect()?.call(json!({"cmd": "names.info"}))?;
            let n = &r["names"];
            println!("name table {} ({} entries, generation {})", n["version"], n["entries"], n["generation"]);
            Ok(())
        }
        Cmd::Names { cmd: NamesCmd::Swap { file } } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let t =
                dataplane::names::NameTable::parse(&text).map_err(|e| anyhow!("{}: refused: {e}", file.display()))?;
            let r = connect()?.call(json!({"cmd": "names.load", "table": text}))?;
            println!(
                "name table {} → {} ({} entries, generation {}{})",
                r["old"].as_str().unwrap_or("(none)"),
                t.version,
                t.len(),
                r["generation"],
                if r["adopted"] == true { ", adopted by every worker" } else { ", not yet adopted by every worker" }
            );
            Ok(())
        }
        Cmd::Dscp { cmd } => {
            let r = match cmd {
                DscpCmd::Get => connect()?.call(json!({"cmd": "dscp.get"}))?,
                DscpCmd::Set { entries } => {
                    let mut map = serde_json::Map::new();
                    for e in entries.iter().flat_map(|e| e.split(',')).filter(|e| !e.trim().is_empty()) {
                        let (c, d) =
                            e.split_once('=').ok_or_else(|| anyhow!("{e:?} is not CLASS=DSCP (video=AF31)"))?;
                        let d = dataplane::mark::parse_dscp(d).map_err(|x| anyhow!("{e}: {x}"))?;
                        map.insert(c.trim().to_string(), d.into());
                    }
                    connect()?.call(json!({"cmd": "dscp.set", "map": map}))?
                }
            };
            for (class, d) in r["dscp"].as_object().into_iter().flatten() {
                println!("{:<14} {:>5} ({})", class, d["name"].as_str().unwrap_or("?"), d["dscp"]);
            }
            Ok(())
        }
        Cmd::Export { cmd: ExportCmd::Prometheus { listen } } => serve_prometheus(listen, &path, timeout),
    }
}

/// `SRC_IP:PORT,DST_IP:PORT,PROTO` → the `lookup` object.
fn parse_lookup(s: &str) -> Result<Value> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let [src, dst, proto] = parts[..] else {
        bail!("--lookup {s:?}: expected SRC_IP:PORT,DST_IP:PORT,PROTO (10.0.0.1:5000,10.0.0.2:443,tcp)")
    };
    let a: SocketAddr = src.parse().map_err(|_| anyhow!("--lookup: {src:?} is not IP:PORT ([v6]:PORT for IPv6)"))?;
    let b: SocketAddr = dst.parse().map_err(|_| anyhow!("--lookup: {dst:?} is not IP:PORT ([v6]:PORT for IPv6)"))?;
    let p: u8 = match proto.to_ascii_lowercase().as_str() {
        "tcp" => 6,
        "udp" => 17,
        n => n.parse().map_err(|_| anyhow!("--lookup: {proto:?} is not tcp, udp or a protocol number"))?,
    };
    Ok(
        json!({"src_ip": a.ip().to_string(), "src_port": a.port(), "dst_ip": b.ip().to_string(), "dst_port": b.port(), "protocol": p}),
    )
}

fn render_stats(r: &Value) -> Result<String> {
    let s: RunSummary =
        serde_json::from_value(r["stats"].clone()).context("the stats reply has an unexpected shape")?;
    let mut out = s.render();
    let ft = &r["flow_table"];
    let active: Vec<String> =
        ft["active"].as_array().into_iter().flatten().map(|x| x.as_u64().unwrap_or(0).to_string()).collect();
    out.push_str(&format!(
        "flow table: {} active per worker (capacity {} each); model generation {}\n",
        active.join(" / "),
        ft["capacity_per_worker"],
        r["model_generation"]
    ));
    Ok(out)
}

fn render_flows(r: &Value) -> String {
    let mut s = format!(
        "{:<40} {:<40} {:>5} {:>8} {:>12} {:<14} {:>5} {:>4} {:>6}  {}\n",
        "src", "dst", "proto", "pkts", "bytes", "class", "conf", "at", "model", "name (source)"
    );
    for f in r["flows"].as_array().into_iter().flatten() {
        let ep = |ip: &Value, port: &Value| {
            let ip = ip.as_str().unwrap_or("?");
            if ip.contains(':') {
                format!("[{ip}]:{port}")
            } else {
                format!("{ip}:{port}")
            }
        };
        s.push_str(&format!(
            "{:<40} {:<40} {:>5} {:>8} {:>12} {:<14} {:>5} {:>4} {:>6}  {}\n",
            ep(&f["src_ip"], &f["src_port"]),
            ep(&f["dst_ip"], &f["dst_port"]),
            f["protocol"].to_string(),
            f["packets"].to_string(),
            f["bytes"].to_string(),
            f["class"].as_str().unwrap_or("?"),
            f["confidence"].as_f64().map(|c| format!("{c:.2}")).unwrap_or_default(),
            f["decision_packet"].as_u64().map(|c| c.to_string()).unwrap_or_default(),
            f["model_version"].as_u64().map(|c| c.to_string()).unwrap_or_default(),
            match (f["server_name"].as_str().unwrap_or(""), f["server_name_source"].as_str().unwrap_or("")) {
                ("", _) => String::new(),
                (n, src) => format!("{n} ({src})"),
            }
        ));
    }
    s.push_str(&format!("{} matching flows of {} active\n", r["matched"], r["active"]));
    s
}

type PortField = fn(&dataplane::stats::PortSummary) -> u64;
type WorkerField = fn(&dataplane::stats::WorkerSummary) -> u64;

/// Prometheus text format 0.0.4 of a `stats` reply.
fn prometheus_text(r: &Value) -> Result<String> {
    let s: RunSummary =
        serde_json::from_value(r["stats"].clone()).context("the stats reply has an unexpected shape")?;
    let mut m = Metrics::default();
    let esc = |v: &str| v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    m.family("flowmark_up", "gauge", "Whether the dataplane answered this scrape.");
    m.sample("flowmark_up", "", 1);
    let ports: &[(&str, &str, PortField)] = &[
        ("flowmark_packets_received_total", "Packets received by a port (driver counter).", |p| p.rx_packets),
        ("flowmark_received_bytes_total", "Bytes received by a port (driver counter).", |p| p.rx_bytes),
        ("flowmark_packets_transmitted_total", "Packets sent by a port (driver counter).", |p| p.tx_packets),
        ("flowmark_transmitted_bytes_total", "Bytes sent by a port (driver counter).", |p| p.tx_bytes),
        ("flowmark_port_missed_packets_total", "Packets the port dropped for lack of rx descriptors.", |p| p.rx_missed),
        ("flowmark_port_rx_errors_total", "Erroneous packets received by the port.", |p| p.rx_errors),
        ("flowmark_port_tx_errors_total", "Packets the port failed to send.", |p| p.tx_errors),
        ("flowmark_port_rx_nombuf_total", "Rx mbuf allocation failures.", |p| p.rx_nombuf),
    ];
    for (name, help, f) in ports {
        m.family(name, "counter", help);
        for p in &s.ports {
            m.sample(name, &format!("port=\"{}\",name=\"{}\"", p.port, esc(&p.name)), f(p));
        }
    }
    let workers: &[(&str, &str, &str, WorkerField)] = &[
        ("flowmark_worker_packets_received_total", "counter", "Packets a worker received.", |w| w.rx_packets),
        ("flowmark_worker_received_bytes_total", "counter", "Bytes a worker received.", |w| w.rx_bytes),
        ("flowmark_worker_packets_transmitted_total", "counter", "Packets a worker sent.", |w| w.tx_packets),
        ("flowmark_worker_transmitted_bytes_total", "counter", "Bytes a worker sent.", |w| w.tx_bytes),
        ("flowmark_worker_tx_dropped_packets_total", "counter", "Packets freed after the bounded tx retry.", |w| {
            w.tx_drops
        }),
        ("flowmark_worker_model_swaps_total", "counter", "Models or DSCP maps a worker adopted.", |w| w.model_swaps),
        ("flowmark_worker_model_generation", "gauge", "The model slot generation a worker runs.", |w| {
            w.model_generation
        }),
    ];
    for (name, kind, help, f) in workers {
        m.family(name, kind, help);
        for w in &s.workers {
            m.sample(name, &format!("worker=\"{}\",lcore=\"{}\"", w.worker, w.lcore), f(w));
        }
    }
    let secs: &[(&str, &str, WorkerField)] = &[
        ("flowmark_worker_max_loop_seconds", "Longest worker loop iteration without a model swap.", |w| w.max_loop_ns),
        ("flowmark_worker_max_swap_loop_seconds", "Longest worker loop iteration that adopted a new model.", |w| {
            w.max_swap_loop_ns
        }),
    ];
    for (name, help, f) in secs {
        m.family(name, "gauge", help);
        for w in &s.workers {
            m.sample_f(name, &format!("worker=\"{}\",lcore=\"{}\"", w.worker, w.lcore), f(w) as f64 / 1e9);
        }
    }
    let p = &s.pipeline;
    m.family(
        "flowmark_parse_errors_total",
        "counter",
        "Packets not parsed to a flow (forwarded unchanged), by reason.",
    );
    for (k, v) in &p.parse_errors {
        m.sample("flowmark_parse_errors_total", &format!("reason=\"{}\"", esc(k)), *v);
    }
    m.family("flowmark_flows_created_total", "counter", "Flows created.");
    m.sample("flowmark_flows_created_total", "", p.flows_created);
    m.family("flowmark_flows_ended_total", "counter", "Flows ended, by reason.");
    for (k, v) in &p.flows_ended {
        m.sample("flowmark_flows_ended_total", &format!("reason=\"{}\"", esc(k)), *v);
    }
    m.family("flowmark_flows_active", "gauge", "Flows in the flow tables.");
    m.sample("flowmark_flows_active", "", p.flows_active);
    let cap = r["flow_table"]["capacity_per_worker"].as_u64().unwrap_or(0) * s.workers.len() as u64;
    m.family("flowmark_flow_table_capacity", "gauge", "Flows the tables can hold, over all workers.");
    m.sample("flowmark_flow_table_capacity", "", cap);
    m.family("flowmark_flows_decided_total", "counter", "Flows decided, by class.");
    for (k, c) in &p.classes {
        m.sample("flowmark_flows_decided_total", &format!("class=\"{}\"", esc(k)), c.flows);
    }
    m.family("flowmark_flows_unknown_total", "counter", "Flows the model left unknown after its last checkpoint.");
    m.sample("flowmark_flows_unknown_total", "", p.flows_unknown);
    m.family(
        "flowmark_flows_decided_by_name_total",
        "counter",
        "Flows decided by the name table's class rather than the trees' vote.",
    );
    m.sample("flowmark_flows_decided_by_name_total", "", p.decided_by_name);
    m.family("flowmark_packets_marked_total", "counter", "Packets marked with their class's DSCP, by class.");
    for (k, c) in &p.classes {
        m.sample("flowmark_packets_marked_total", &format!("class=\"{}\"", esc(k)), c.packets_marked);
    }
    m.family("flowmark_marked_bytes_total", "counter", "Bytes of marked packets, by class.");
    for (k, c) in &p.classes {
        m.sample("flowmark_marked_bytes_total", &format!("class=\"{}\"", esc(k)), c.bytes_marked);
    }
    m.family("flowmark_class_dscp", "gauge", "The DSCP a class is marked with.");
    for (k, c) in &p.classes {
        m.sample("flowmark_class_dscp", &format!("class=\"{}\"", esc(k)), c.dscp as u64);
    }
    let misc: &[(&str, &str, u64)] = &[
        ("flowmark_tls_client_hellos_total", "TLS ClientHellos parsed.", p.tls_client_hellos),
        ("flowmark_tls_server_hellos_total", "TLS ServerHellos parsed.", p.tls_server_hellos),
        ("flowmark_tls_malformed_total", "Malformed TLS handshakes.", p.tls_malformed),
        ("flowmark_dns_messages_total", "DNS messages parsed.", p.dns_messages),
        ("flowmark_dns_malformed_total", "Malformed DNS messages.", p.dns_malformed),
        ("flowmark_flow_log_dropped_total", "Ended flows the flow log could not take.", p.flow_log_dropped),
    ];
    for (name, help, v) in misc {
        m.family(name, "counter", help);
        m.sample(name, "", *v);
    }
    m.family(
        "flowmark_model_generation",
        "gauge",
        "Generation of the model slot (bumped by each model or DSCP change).",
    );
    m.sample("flowmark_model_generation", "", r["model_generation"].as_u64().unwrap_or(0));
    if let Some(model) = &s.model {
        m.family("flowmark_model_info", "gauge", "The serving model (name and version as labels).");
        m.sample("flowmark_model_info", &format!("model=\"{}\"", esc(model)), 1);
    }
    Ok(m.out)
}

#[derive(Default)]
struct Metrics {
    out: String,
}

impl Metrics {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        self.out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
    }
    fn sample(&mut self, name: &str, labels: &str, v: u64) {
        if labels.is_empty() {
            self.out.push_str(&format!("{name} {v}\n"));
        } else {
            self.out.push_str(&format!("{name}{{{labels}}} {v}\n"));
        }
    }
    fn sample_f(&mut self, name: &str, labels: &str, v: f64) {
        self.out.push_str(&format!("{name}{{{labels}}} {v}\n"));
    }
}

fn serve_prometheus(listen: SocketAddr, socket: &Path, timeout: Duration) -> Result<()> {
    let l = TcpListener::bind(listen).with_context(|| format!("listening on {listen}"))?;
    eprintln!("control: serving http://{listen}/metrics from {}", socket.display());
    for conn in l.incoming() {
        let Ok(conn) = conn else { continue };
        let socket = socket.to_path_buf();
        std::thread::spawn(move || {
            let _ = scrape(conn, &socket, timeout);
        });
    }
    Ok(())
}

/// Answer one HTTP/1.x request (then close).
fn scrape(mut conn: TcpStream, socket: &Path, timeout: Duration) -> Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(5)))?;
    conn.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && !head.windows(2).any(|w| w == b"\n\n") {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
        if head.len() > 16 * 1024 {
            return respond(&mut conn, "431 Request Header Fields Too Large", "text/plain", "request head too large\n");
        }
    }
    let head = String::from_utf8_lossy(&head);
    let mut first = head.lines().next().unwrap_or("").split_whitespace();
    let (method, target) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
    if method != "GET" && method != "HEAD" {
        return respond(&mut conn, "405 Method Not Allowed", "text/plain", "GET /metrics\n");
    }
    if target.split('?').next() != Some("/metrics") {
        return respond(&mut conn, "404 Not Found", "text/plain", "flowmark exporter: see /metrics\n");
    }
    let body = Client::connect(socket, timeout)
        .and_then(|mut c| c.call(json!({"cmd": "stats"})))
        .and_then(|r| prometheus_text(&r));
    match body {
        Ok(b) => respond(&mut conn, "200 OK", "text/plain; version=0.0.4; charset=utf-8", &b),
        Err(e) => respond(
            &mut conn,
            "503 Service Unavailable",
            "text/plain",
            &format!("# flowmark dataplane unreachable: {e:#}\n"),
        ),
    }
}

fn respond(conn: &mut TcpStream, status: &str, ctype: &str, body: &str) -> Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes())?;
    conn.write_all(body.as_bytes())?;
    conn.flush()?;
    Ok(())
}
