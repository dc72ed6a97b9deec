//! One feature path: the features of a capture are identical whether the
//! offline runner (`dataplane extract`) or the DPDK dataplane replaying it
//! through net_pcap computes them, with one worker or two.
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use flowmark_tests::*;

const DEADLINE: Duration = Duration::from_secs(120);

/// Flow log lines keyed by (src, sport, dst, dport, proto, first_seen_ns),
/// without the worker index (which differs by design).
fn flow_log(path: &Path, keep_end_reason: bool) -> BTreeMap<String, serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut m = BTreeMap::new();
    for line in text.lines() {
        let mut v: serde_json::Value = serde_json::from_str(line).expect("flow log line is JSON");
        let o = v.as_object_mut().unwrap();
        o.remove("worker");
        if !keep_end_reason {
            o.remove("end_reason");
        }
        let key = ["src_ip", "src_port", "dst_ip", "dst_port", "protocol", "bidirectional_first_seen_ns"]
            .map(|k| o[k].to_string())
            .join(" ");
        assert!(m.insert(key.clone(), v).is_none(), "two flows with key {key}");
    }
    m
}

fn extract(pcaps: &[&Path], flow_log: &Path, csv: &Path) {
    let mut cmd = Command::new(bin("dataplane"));
    cmd.arg("extract").arg("--pcap").args(pcaps).arg("--out").arg(csv).arg("--flow-log").arg(flow_log);
    let o = run(&mut cmd, DEADLINE);
    assert!(o.status.success(), "extract: {}", text(&o.stderr));
}

#[test]
fn offline_and_dpdk_replay_compute_identical_features() {
    let dir = scratch("onepath1");
    let off = dir.join("offline.jsonl");
    extract(&[&demo_pcap()], &off, &dir.join("f.csv"));

    let dp = dir.join("dpdk.jsonl");
    let dp_arg = dp.display().to_string();
    let args = dataplane_args(
        "onepath1",
        "0@0,1@1",
        &pcap_vdev(&[&demo_pcap()], &[&dir.join("o.pcap")]),
        &["--no-model", "--exit-when-drained", "--flow-log", &dp_arg],
    );
    let o = run(Command::new(bin("dataplane")).args(&args), DEADLINE);
    assert!(o.status.success(), "{}", text(&o.stderr));

    let a = flow_log(&off, true);
    let b = flow_log(&dp, true);
    assert!(a.len() >= 100, "{} flows", a.len());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "same flows");
    for (k, v) in &a {
        assert_eq!(v, &b[k], "flow {k} differs between extract and the DPDK replay");
    }
    // The flows end as TCP says: most by FIN, none evicted.
    let fin = a.values().filter(|v| v["end_reason"] == "fin").count();
    assert!(fin >= 100, "{fin} flows ended by FIN");
}

#[test]
fn two_workers_compute_the_same_features_as_one() {
    let dir = scratch("onepath2");
    let o = run(
        Command::new(bin("dataplane")).arg("split-pcap").arg(demo_pcap()).args(["--parts", "2", "--out-dir"]).arg(&dir),
        DEADLINE,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let parts = [dir.join("part0.pcap"), dir.join("part1.pcap")];
    let dp = dir.join("dpdk.jsonl");
    let dp_arg = dp.display().to_string();
    let args = dataplane_args(
        "onepath2",
        "0@0,1@0,2@1",
        &pcap_vdev(&[&parts[0], &parts[1]], &[&dir.join("o0.pcap"), &dir.join("o1.pcap")]),
        &["--no-model", "--exit-when-drained", "--flow-log", &dp_arg],
    );
    let o = run(Command::new(bin("dataplane")).args(&args), DEADLINE);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let workers: std::collections::BTreeSet<u64> = std::fs::read_to_string(&dp)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["worker"].as_u64().unwrap())
        .collect();
    assert_eq!(workers.len(), 2, "both workers tracked flows");

    // The whole capture through one offline pipeline: the same flows and
    // features (end reasons may differ: each worker's clock is its own
    // packets' time, so a flow's closing grace can end at different points).
    let off = dir.join("offline.jsonl");
    extract(&[&demo_pcap()], &off, &dir.join("f.csv"));
    let a = flow_log(&off, false);
    let b = flow_log(&dp, false);
    assert_eq!(a, b);
}
