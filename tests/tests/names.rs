//! Service names on real captured traffic: each flow of the generated
//! captures was made against a known server name (the labels' `server_name`,
//! served through the generator's own DNS and CA), so the name the dataplane
//! finds (from SNI, HTTP Host or the DNS answer for the server) can be
//! checked flow by flow.
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use flowmark_tests::*;

const DEADLINE: Duration = Duration::from_secs(300);

fn extract(pcaps: &[PathBuf], labels: &[PathBuf], flow_log: &Path, extra: &[&str]) -> String {
    let mut cmd = Command::new(bin("dataplane"));
    cmd.arg("extract").arg("--pcap").args(pcaps).arg("--out").arg(flow_log.with_extension("csv"));
    for l in labels {
        cmd.arg("--labels").arg(l);
    }
    cmd.arg("--flow-log").arg(flow_log).args(extra);
    let o = run(&mut cmd, DEADLINE);
    assert!(o.status.success(), "extract: {}", text(&o.stderr));
    text(&o.stderr)
}

fn flows(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path).expect("flow log").lines().map(|l| serde_json::from_str(l).expect("JSON")).collect()
}

/// (src_ip, src_port, dst_ip, dst_port) → server_name, from a labels file.
fn label_names(path: &Path) -> HashMap<(String, u64, String, u64), String> {
    let text = std::fs::read_to_string(path).expect("labels");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap_or_else(|| panic!("no column {n}"));
    let (s, sp, d, dp, name) = (col("src_ip"), col("src_port"), col("dst_ip"), col("dst_port"), col("server_name"));
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .map(|f| {
            ((f[s].to_string(), f[sp].parse().unwrap(), f[d].to_string(), f[dp].parse().unwrap()), f[name].to_string())
        })
        .collect()
}

#[test]
fn generated_flows_are_named_by_sni_host_and_dns_as_their_servers_were() {
    let root = root();
    // The whole held-out split (web, video, FTP, SSH, realtime: named by SNI
    // and DNS) and one training capture with plain HTTP (named by Host).
    let mut pcaps: Vec<PathBuf> = std::fs::read_dir(root.join("data/heldout/pcap"))
        .expect("held-out captures")
        .map(|e| e.expect("dir entry").path())
        .collect();
    pcaps.sort();
    pcaps.push(root.join("data/train/pcap/s0086.pcap.gz"));
    let labels = [root.join("data/heldout/labels.csv"), root.join("data/train/labels.csv")];
    let dir = scratch("names1");
    let log = dir.join("flows.jsonl");
    let stderr = extract(&pcaps, &labels, &log, &[]);
    assert!(stderr.contains("flows named ("), "extract reports names by source: {stderr}");

    let mut truth = label_names(&labels[0]);
    truth.extend(label_names(&labels[1]));
    let mut by_source: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let (mut expected, mut unnamed) = (0u32, Vec::new());
    for f in flows(&log) {
        let key = (
            f["src_ip"].as_str().unwrap().to_string(),
            f["src_port"].as_u64().unwrap(),
            f["dst_ip"].as_str().unwrap().to_string(),
            f["dst_port"].as_u64().unwrap(),
        );
        let Some(want) = truth.get(&key).filter(|n| !n.is_empty()) else { continue };
        expected += 1;
        let got = f["server_name"].as_str().unwrap();
        let source = f["server_name_source"].as_str().unwrap().to_string();
        if source.is_empty() {
            unnamed.push(format!("{key:?} {want}"));
            continue;
        }
        let e = by_source.entry(source.clone()).or_default();
        e.0 += 1;
        if got.eq_ignore_ascii_case(want) {
            e.1 += 1;
        } else {
            eprintln!("{source}: {key:?} named {got:?}, generated against {want:?}");
        }
        if source == "sni" {
            assert_eq!(f["requested_server_name"], f["server_name"], "SNI is the requested_server_name");
        } else {
            assert_eq!(f["requested_server_name"], "", "{source} names are not a requested_server_name");
        }
    }
    eprintln!(
        "named by source (named, right): {by_source:?}; {expected} flows had a server name; unnamed: {unnamed:?}"
    );
    let named: u32 = by_source.values().map(|v| v.0).sum();
    let right: u32 = by_source.values().map(|v| v.1).sum();
    assert!(expected >= 400, "{expected} labeled flows with a server name");
    assert!(named as f64 >= 0.95 * expected as f64, "{named} of {expected} flows named");
    assert!(right as f64 >= 0.98 * named as f64, "{right} of {named} names right");
    for s in ["sni", "host", "dns"] {
        let (n, r) = by_source.get(s).copied().unwrap_or_default();
        // A few generated video flows carry a player page's SNI while their
        // label names the media host: the wire, not the label, is right there.
        assert!(n > 0 && r as f64 >= 0.95 * n as f64, "{s}: {r} of {n} right");
    }
}

#[test]
fn the_name_table_is_chosen_with_names_and_bad_tables_are_refused() {
    let dir = scratch("names2");
    let table = dir.join("names.txt");
    std::fs::write(&table, "#! flowmark-names 1\n# version: test\ndemo.flowmark.test video demo\n").unwrap();
    let log = dir.join("flows.jsonl");
    extract(&[demo_pcap()], &[], &log, &["--names", table.to_str().unwrap()]);
    let fs = flows(&log);
    let tls: Vec<_> = fs.iter().filter(|f| f["server_name_source"] == "sni").collect();
    assert!(tls.len() >= 100, "{} TLS flows", tls.len());
    assert!(tls.iter().all(|f| f["server_name_class"] == "video"), "every *.demo.flowmark.test flow is listed video");
    assert!(tls.iter().all(|f| f["features"]["name_class_video"] == 1.0 && f["features"]["name_present"] == 1.0));
    // With the shipped table the demo's names are unlisted.
    extract(&[demo_pcap()], &[], &log, &[]);
    let fs = flows(&log);
    assert!(fs.iter().filter(|f| f["server_name_source"] == "sni").all(|f| f["server_name_class"] == ""));

    for (body, want) in [
        ("demo.flowmark.test video demo\n", "not a flowmark name table"),
        ("#! flowmark-names 1\ndemo.flowmark.test movies demo\n", "line 2: unknown class `movies`"),
        ("#! flowmark-names 9\n", "format 9 is not supported"),
    ] {
        std::fs::write(&table, body).unwrap();
        let mut cmd = Command::new(bin("dataplane"));
        cmd.args(["extract", "--out"]).arg(dir.join("x.csv")).arg("--pcap").arg(demo_pcap()).arg("--names").arg(&table);
        let o = run(&mut cmd, DEADLINE);
        assert!(!o.status.success());
        let err = text(&o.stderr);
        assert!(err.contains(want) && err.contains("--names"), "{err}");
    }
    let mut cmd = Command::new(bin("dataplane"));
    cmd.args(["extract", "--out"])
        .arg(dir.join("x.csv"))
        .arg("--pcap")
        .arg(demo_pcap())
        .args(["--names", "/nonexistent"]);
    let o = run(&mut cmd, DEADLINE);
    assert!(!o.status.success() && text(&o.stderr).contains("cannot read /nonexistent"), "{}", text(&o.stderr));
}
