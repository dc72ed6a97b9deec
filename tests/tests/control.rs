//! The control plane with real processes: a dataplane replaying a long
//! capture through net_pcap while the `control` CLI reads stats, lists flows
//! and swaps models 100 times; a Prometheus scrape with curl against the
//! exit summary; DPDK telemetry through `dpdk-telemetry.py`; and bad control
//! input that gets error replies while the dataplane keeps serving.
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use flowmark_tests::*;
use serde_json::{json, Value};

const DEADLINE: Duration = Duration::from_secs(120);

/// A dataplane running in the background, its output drained.
struct Running {
    child: Child,
    out: Option<std::thread::JoinHandle<Vec<u8>>>,
    err: Option<std::thread::JoinHandle<Vec<u8>>>,
    prefix: String,
}

impl Running {
    fn start(test: &str, vdev: &str, socket: &Path, app: &[&str]) -> Running {
        let prefix = file_prefix(test);
        let mut args = eal_base(&prefix, "0@0,1@1");
        args.push("--vdev".into());
        args.push(vdev.into());
        args.push("--".into());
        args.push("--control-socket".into());
        args.push(socket.display().to_string());
        args.extend(app.iter().map(|s| s.to_string()));
        let mut child = Command::new(bin("dataplane"))
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning the dataplane");
        let drain = |mut r: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut v = Vec::new();
                let _ = r.read_to_end(&mut v);
                v
            })
        };
        let out = Some(drain(Box::new(child.stdout.take().unwrap())));
        let err = Some(drain(Box::new(child.stderr.take().unwrap())));
        let start = Instant::now();
        while UnixStream::connect(socket).is_err() {
            if let Some(st) = child.try_wait().unwrap() {
                panic!("dataplane exited ({st}) before serving: {}", text(&err.map(|e| e.join().unwrap()).unwrap()));
            }
            assert!(start.elapsed() < Duration::from_secs(30), "no control socket after 30 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        Running { child, out, err, prefix }
    }

    /// SIGTERM, then wait for the exit; returns (stdout, stderr).
    fn stop(mut self) -> (String, String) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let start = Instant::now();
        let st = loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                break st;
            }
            if start.elapsed() > Duration::from_secs(30) {
                let _ = self.child.kill();
                panic!("dataplane did not stop on SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let out = text(&self.out.take().unwrap().join().unwrap());
        let err = text(&self.err.take().unwrap().join().unwrap());
        assert!(st.success(), "dataplane failed: {err}");
        (out, err)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request on a fresh connection; the reply.
fn ask(socket: &Path, req: &Value) -> Value {
    let mut s = UnixStream::connect(socket).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    writeln!(s, "{req}").unwrap();
    let mut line = String::new();
    BufReader::new(s).read_line(&mut line).unwrap();
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("reply {line:?}: {e}"))
}

fn stats(socket: &Path) -> Value {
    let r = ask(socket, &json!({"v": 1, "cmd": "stats"}));
    assert_eq!(r["ok"], true, "{r}");
    r
}

fn control(socket: &Path, args: &[&str]) -> std::process::Output {
    run(Command::new(bin("control")).arg("--socket").arg(socket).args(args), DEADLINE)
}

/// `copies` copies of the demo capture one after another (timestamps
/// shifted so each copy starts a second after the previous one ends).
fn long_capture(path: &Path, copies: u32) -> (u64, Vec<u64>) {
    let mut r = dataplane::pcap::Reader::open(&demo_pcap()).unwrap();
    let mut recs = Vec::new();
    while let Some(rec) = r.next().unwrap() {
        recs.push((rec.ts_ns, rec.orig_len, rec.data.to_vec()));
    }
    let (t0, t1) = (recs[0].0, recs[recs.len() - 1].0);
    let span = t1 - t0 + 1_000_000_000;
    let mut w = dataplane::pcap::Writer::create(path, dataplane::pcap::LINKTYPE_ETHERNET).unwrap();
    let mut ts = Vec::new();
    for c in 0..copies as u64 {
        for (t, len, data) in &recs {
            let t = t + c * span;
            // net_pcap delivers microseconds.
            ts.push(t - t % 1000);
            w.write(t, *len, data).unwrap();
        }
    }
    w.finish().unwrap();
    (ts.len() as u64, ts)
}

/// The shipped model cut to its first `keep` trees per checkpoint: a
/// real, valid model that is quick to send and check, so a hundred swaps
/// fit inside the replay whatever the machine's speed.
fn small_model(keep: u32) -> models::forest::Model {
    let bytes = std::fs::read(root().join("models/forest.bin")).unwrap();
    let mut m = models::forest::Model::from_bytes(&bytes).unwrap();
    let (mut trees, mut nodes) = (Vec::new(), Vec::new());
    for c in m.checkpoints.iter_mut() {
        let first = trees.len() as u32;
        for &(start, len) in &m.trees[c.first_tree as usize..(c.first_tree + c.trees.min(keep)) as usize] {
            trees.push((nodes.len() as u32, len));
            nodes.extend_from_slice(&m.nodes[start as usize..(start + len) as usize]);
        }
        c.first_tree = first;
        c.trees = c.trees.min(keep);
    }
    m.trees = trees;
    m.nodes = nodes;
    models::forest::Model::from_bytes(&m.to_bytes()).expect("the cut model is valid")
}

/// Model files with distinct versions.
fn model_versions(dir: &Path, n: u32) -> Vec<(u32, PathBuf)> {
    let base = small_model(8);
    (0..n)
        .map(|i| {
            let mut m = base.clone();
            m.version = 1000 + i;
            let p = dir.join(format!("forest-{}.bin", m.version));
            std::fs::write(&p, m.to_bytes()).unwrap();
            (m.version, p)
        })
        .collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The value of one sample line of a Prometheus text body.
fn metric(body: &str, name_and_labels: &str) -> u64 {
    body.lines()
        .find_map(|l| l.strip_prefix(name_and_labels).and_then(|r| r.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("{name_and_labels} not in /metrics:\n{body}"))
        .trim()
        .parse::<f64>()
        .unwrap() as u64
}

#[test]
fn model_swaps_during_a_long_replay_lose_nothing_and_counters_match() {
    let dir = scratch("control-swaps");
    let input = dir.join("long.pcap");
    let (packets, ts) = long_capture(&input, 40);
    let out = dir.join("out.pcap");
    let socket = dir.join("control.sock");
    let log = dir.join("flows.jsonl");
    let js = dir.join("summary.json");
    let models = model_versions(&dir, 100);
    let model = root().join("models/forest.bin");
    let dp = Running::start(
        "swaps",
        &pcap_vdev(&[&input], &[&out]),
        &socket,
        &[
            "--model",
            &model.display().to_string(),
            "--flow-log",
            &log.display().to_string(),
            "--summary-json",
            &js.display().to_string(),
        ],
    );

    // 100 swaps through the CLI while the capture replays, with stats and
    // flow listings in between.
    let t = Instant::now();
    let rx_before = stats(&socket)["stats"]["totals"]["rx_packets"].as_u64().unwrap();
    let mut swapped = Vec::new();
    // (version, packets received once every worker had adopted it)
    let mut adopted_at: Vec<(u32, u64)> = Vec::new();
    for (i, (version, path)) in models.iter().enumerate() {
        let o = control(&socket, &["model", "swap", &path.display().to_string()]);
        assert!(o.status.success(), "swap {i}: {}", text(&o.stderr));
        let line = text(&o.stdout);
        assert!(line.contains(&format!("→ flowmark v{version}")), "{line}");
        assert!(line.contains("adopted by every worker"), "{line}");
        swapped.push(*version);
        adopted_at.push((*version, stats(&socket)["stats"]["totals"]["rx_packets"].as_u64().unwrap()));
        if i % 10 == 0 {
            let o = control(&socket, &["stats"]);
            assert!(o.status.success() && text(&o.stdout).contains("workers:"), "{}", text(&o.stderr));
            let o = control(&socket, &["flows", "--top", "5", "--json"]);
            assert!(o.status.success(), "{}", text(&o.stderr));
            let v: Value = serde_json::from_slice(&o.stdout).unwrap();
            for f in v["flows"].as_array().unwrap() {
                if let Some(mv) = f["model_version"].as_u64() {
                    assert!(mv == 1 || swapped.contains(&(mv as u32)), "flow decided by a version never loaded: {f}");
                }
            }
        }
    }
    let after = stats(&socket);
    let rx_after = after["stats"]["totals"]["rx_packets"].as_u64().unwrap();
    let last = *swapped.last().unwrap();
    eprintln!(
        "100 swaps in {:.1} s while {} of {packets} packets went through",
        t.elapsed().as_secs_f64(),
        rx_after - rx_before
    );
    let during = adopted_at.iter().filter(|(_, rx)| *rx < packets).count();
    eprintln!("{during} of 100 swaps adopted while the capture was still replaying (rx {rx_after})");
    assert!(during >= 30, "too few swaps while traffic flowed: {during} (make the capture longer)");
    assert!(rx_after > rx_before, "traffic flowed during the swaps");
    let info = control(&socket, &["model", "info", "--json"]);
    let info: Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(info["model"]["version"], last);
    // For people: each checkpoint's rule, the last one deciding every flow.
    let info_text = text(&control(&socket, &["model", "info"]).stdout);
    let last_k = info["model"]["checkpoints"].as_array().unwrap().last().unwrap()["packets"].clone();
    assert!(info_text.contains(&format!("at {last_k:>3} packets: decides anyway")), "{info_text}");
    assert!(info_text.contains("video 0.") || info_text.contains("never"), "{info_text}");

    // Wait for the whole capture, then scrape.
    let start = Instant::now();
    loop {
        let s = stats(&socket);
        if s["stats"]["totals"]["tx_packets"].as_u64().unwrap() == packets {
            break;
        }
        assert!(start.elapsed() < DEADLINE, "replay did not finish: {s}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut exporter = Command::new(bin("control"))
        .arg("--socket")
        .arg(&socket)
        .args(["export", "prometheus", "--listen", &listen])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let body = loop {
        let o = Command::new("curl").args(["-sf", &format!("http://{listen}/metrics")]).output().unwrap();
        if o.status.success() {
            break text(&o.stdout);
        }
        assert!(start.elapsed() < Duration::from_secs(20), "exporter did not answer");
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = exporter.kill();
    let _ = exporter.wait();
    assert!(body.contains("# TYPE flowmark_packets_received_total counter"));
    assert!(body.contains("# HELP flowmark_flows_decided_total"));

    // DPDK telemetry: the flowmark commands through DPDK's own client.
    let mut tel = Command::new("dpdk-telemetry.py")
        .args(["-f", &dp.prefix])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dpdk-telemetry.py (Debian's dpdk package)");
    tel.stdin.take().unwrap().write_all(b"/flowmark/stats\n/flowmark/model\n").unwrap();
    let o = tel.wait_with_output().unwrap();
    let tel_out = text(&o.stdout);
    assert!(tel_out.contains("\"/flowmark/stats\""), "{tel_out}\n{}", text(&o.stderr));
    assert!(tel_out.contains(&format!("\"version\": {last}")), "{tel_out}");
    assert!(tel_out.contains(&format!("\"tx_packets\": {packets}")), "{tel_out}");

    let (_stdout, _stderr) = dp.stop();
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&js).unwrap()).unwrap();

    // Packets in = packets out, and the scrape agrees with the exit summary.
    assert_eq!(s["totals"]["rx_packets"], packets);
    assert_eq!(s["totals"]["tx_packets"], packets);
    assert_eq!(s["totals"]["tx_drops"], 0);
    assert_eq!(packets as usize, packets_in(&out));
    assert_eq!(metric(&body, "flowmark_packets_received_total{port=\"0\",name=\"net_pcap0\"}"), packets);
    assert_eq!(metric(&body, "flowmark_packets_transmitted_total{port=\"0\",name=\"net_pcap0\"}"), packets);
    assert_eq!(s["ports"][0]["rx_packets"], packets);
    assert_eq!(metric(&body, "flowmark_worker_packets_received_total{worker=\"0\",lcore=\"1\"}"), packets);
    assert_eq!(
        metric(&body, "flowmark_worker_received_bytes_total{worker=\"0\",lcore=\"1\"}"),
        s["totals"]["rx_bytes"].as_u64().unwrap()
    );
    for (class, c) in s["pipeline"]["classes"].as_object().unwrap() {
        assert_eq!(
            metric(&body, &format!("flowmark_flows_decided_total{{class=\"{class}\"}}")),
            c["flows"].as_u64().unwrap(),
            "{class}"
        );
        assert_eq!(
            metric(&body, &format!("flowmark_packets_marked_total{{class=\"{class}\"}}")),
            c["packets_marked"].as_u64().unwrap(),
            "{class}"
        );
    }
    for (reason, n) in s["pipeline"]["parse_errors"].as_object().unwrap() {
        assert_eq!(metric(&body, &format!("flowmark_parse_errors_total{{reason=\"{reason}\"}}")), n.as_u64().unwrap());
    }
    assert_eq!(metric(&body, "flowmark_flows_created_total"), s["pipeline"]["flows_created"].as_u64().unwrap());
    assert_eq!(s["workers"][0]["model_swaps"], 100);

    // Decisions carry the version of the model that made them: every
    // version is one that was loaded, and a flow that started after swap k
    // was adopted was decided by model k or a later one (versions grow).
    let mut versions = BTreeSet::new();
    let mut checked = 0;
    for l in std::fs::read_to_string(&log).unwrap().lines() {
        let f: Value = serde_json::from_str(l).unwrap();
        let Some(v) = f["model_version"].as_u64() else { continue };
        assert!(v == 1 || swapped.contains(&(v as u32)), "unknown version {v}");
        versions.insert(v);
        let first = f["bidirectional_first_seen_ns"].as_u64().unwrap();
        // The newest swap adopted before this flow's first packet arrived.
        if let Some((k, _)) =
            adopted_at.iter().rev().find(|(_, rx)| (*rx as usize) < ts.len() && ts[*rx as usize] < first)
        {
            assert!(v >= *k as u64, "flow first seen after model {k} was adopted, decided by {v}: {l:.300}");
            checked += 1;
        }
    }
    assert!(checked > 50, "flows that started after a swap: {checked}");
    assert!(versions.len() > 3, "decisions by several model versions: {versions:?}");
    eprintln!(
        "stall: longest loop iteration {} ns without a swap, {} ns with one, adoption itself {} ns ({} swaps)",
        s["totals"]["max_loop_ns"].as_u64().unwrap(),
        s["totals"]["max_swap_loop_ns"].as_u64().unwrap(),
        s["totals"]["max_adopt_ns"].as_u64().unwrap(),
        s["totals"]["model_swaps"]
    );
}

fn packets_in(p: &Path) -> usize {
    packets(p).len()
}

#[test]
fn bad_control_input_gets_errors_and_the_dataplane_keeps_serving() {
    let dir = scratch("control-bad");
    let out = dir.join("out.pcap");
    let socket = dir.join("control.sock");
    let model = root().join("models/forest.bin");
    let dp = Running::start(
        "bad",
        &pcap_vdev(&[&demo_pcap()], &[&out]),
        &socket,
        &["--model", &model.display().to_string(), "--control-timeout-ms", "2000"],
    );
    let meta = std::fs::metadata(&socket).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(meta.permissions().mode() & 0o777, 0o660);
    let err = |r: Value, want: &str| {
        assert_eq!(r["ok"], false, "{r}");
        let e = r["error"].as_str().unwrap();
        assert!(e.contains(want), "{e:?} should say {want:?}");
        assert_eq!(stats(&socket)["ok"], true, "still serving");
    };

    // Malformed JSON, unknown command, no version, wrong version.
    let raw = |line: &[u8]| {
        let mut s = UnixStream::connect(&socket).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(line).unwrap();
        let mut l = String::new();
        BufReader::new(s).read_line(&mut l).unwrap();
        serde_json::from_str::<Value>(&l).unwrap()
    };
    err(raw(b"{\"v\":1,\"cmd\":\n"), "malformed JSON");
    err(raw(b"[1,2]\n"), "JSON object");
    err(ask(&socket, &json!({"v": 1, "cmd": "reboot"})), "unknown command");
    err(ask(&socket, &json!({"cmd": "stats"})), "missing \"v\"");
    err(ask(&socket, &json!({"v": 2, "cmd": "stats"})), "version 2");
    err(ask(&socket, &json!({"v": 1, "cmd": "flows", "class": "nope"})), "no class");
    err(ask(&socket, &json!({"v": 1, "cmd": "dscp.set", "map": {"video": "AF99"}})), "video");

    // Oversized: more than 8 MiB without a newline.
    {
        let s = UnixStream::connect(&socket).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut w = s.try_clone().unwrap();
        let writer = std::thread::spawn(move || {
            let chunk = vec![b'x'; 1 << 20];
            for _ in 0..9 {
                if w.write_all(&chunk).is_err() {
                    break;
                }
            }
        });
        let mut l = String::new();
        BufReader::new(s).read_line(&mut l).unwrap();
        let _ = writer.join();
        err(serde_json::from_str(&l).unwrap(), "larger than");
    }

    // A silent client: an error after the timeout, and the connection closed.
    {
        let s = UnixStream::connect(&socket).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let t = Instant::now();
        let mut r = BufReader::new(s);
        let mut l = String::new();
        r.read_line(&mut l).unwrap();
        assert!(t.elapsed() >= Duration::from_millis(1900));
        err(serde_json::from_str(&l).unwrap(), "timeout");
        l.clear();
        assert_eq!(r.read_line(&mut l).unwrap(), 0, "closed after the timeout");
    }

    // An invalid model, sent past the CLI's own check: refused with the
    // loader's reason, the old model keeps serving.
    let mut bytes = std::fs::read(&model).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
    err(ask(&socket, &json!({"v": 1, "cmd": "model.load", "model_b64": b64})), "checksum");
    err(ask(&socket, &json!({"v": 1, "cmd": "model.load", "model_b64": "%%%"})), "base64");
    let info = ask(&socket, &json!({"v": 1, "cmd": "model.info"}));
    assert_eq!((info["model"]["version"].as_u64(), info["model"]["generation"].as_u64()), (Some(1), Some(1)));
    // The CLI checks locally first.
    let bad = dir.join("bad.bin");
    std::fs::write(&bad, &bytes).unwrap();
    let o = control(&socket, &["model", "swap", &bad.display().to_string()]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("corrupt"), "{}", text(&o.stderr));

    // The name table: a bad one refused (locally by the CLI, and by the
    // server), a good one swapped in and adopted by every worker.
    let before = ask(&socket, &json!({"v": 1, "cmd": "names.info"}));
    assert!(before["names"]["entries"].as_u64().unwrap() >= 100, "{before}");
    err(
        ask(&socket, &json!({"v": 1, "cmd": "names.load", "table": "#! flowmark-names 1\na.com movies x\n"})),
        "unknown class",
    );
    err(ask(&socket, &json!({"v": 1, "cmd": "names.load"})), "needs \"table\"");
    let table = dir.join("names.txt");
    std::fs::write(&table, "#! flowmark-names 1\n# version: test-2\ndemo.flowmark.test video demo\n").unwrap();
    let o = control(&socket, &["names", "swap", &table.display().to_string()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("→ test-2 (1 entries") && text(&o.stdout).contains("adopted by every worker"),
        "{}",
        text(&o.stdout)
    );
    let after = ask(&socket, &json!({"v": 1, "cmd": "names.info"}));
    assert_eq!((after["names"]["version"].as_str(), after["names"]["entries"].as_u64()), (Some("test-2"), Some(1)));
    std::fs::write(&table, "not a table\n").unwrap();
    let o = control(&socket, &["names", "swap", &table.display().to_string()]);
    assert!(!o.status.success() && text(&o.stderr).contains("not a flowmark name table"), "{}", text(&o.stderr));

    // Several clients at once, one connection serving several requests.
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let socket = socket.clone();
            std::thread::spawn(move || {
                let mut s = UnixStream::connect(&socket).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let mut r = BufReader::new(s.try_clone().unwrap());
                for i in 0..5 {
                    writeln!(s, "{}", json!({"v": 1, "cmd": "stats", "id": i})).unwrap();
                    let mut l = String::new();
                    r.read_line(&mut l).unwrap();
                    let v: Value = serde_json::from_str(&l).unwrap();
                    assert_eq!((v["ok"].as_bool(), v["id"].as_i64()), (Some(true), Some(i)));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }

    // DSCP map: set through the CLI, read back.
    let o = control(&socket, &["dscp", "set", "video=AF41"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = ask(&socket, &json!({"v": 1, "cmd": "dscp.get"}));
    assert_eq!(r["dscp"]["video"]["dscp"], 34);

    // A flow looked up by its 5-tuple, either way round.
    let o = control(&socket, &["flows", "--lookup", "10.77.0.2:443,10.77.0.1:57338,tcp", "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["flows"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(v["flows"][0]["src_port"], 57338);

    dp.stop();

    // The CLI when nothing is listening.
    let o = control(&socket, &["stats"]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("is the dataplane running"), "{}", text(&o.stderr));
    let stale = dir.join("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    let o = control(&stale, &["stats"]);
    assert!(text(&o.stderr).contains("not running"), "{}", text(&o.stderr));
}
