//! The mission end to end: the held-out labeled capture through the real
//! dataplane on net_pcap with the shipped model, the output read back by
//! tshark (an independent parser): nothing lost, checksums valid, each flow
//! unmarked before its decision and marked with its class's DSCP after it,
//! per-flow accuracy against the labels (at least 0.9), and the same
//! decisions when the offline runner reads the capture at its own speed and
//! with one worker or two (DNS answers included: replaying workers go in
//! capture-time order).
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use flowmark_tests::*;

const DEADLINE: Duration = Duration::from_secs(600);

fn heldout_pcaps() -> Vec<PathBuf> {
    let dir = root().join("data/heldout/pcap");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (the held-out split is part of the repository)", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".pcap.gz"))
        .collect();
    v.sort();
    assert!(!v.is_empty());
    v
}

/// One packet as tshark sees it.
#[derive(Debug, Clone, PartialEq)]
struct Pkt {
    tuple: String,
    dscp: Option<u8>,
    ipv4_checksum_good: Option<bool>,
}

fn tshark(path: &Path) -> Vec<Pkt> {
    let o = run(
        Command::new("tshark").arg("-r").arg(path).args([
            "-o",
            "ip.check_checksum:TRUE",
            "-T",
            "fields",
            "-E",
            "separator=|",
            "-e",
            "ip.src",
            "-e",
            "ipv6.src",
            "-e",
            "ip.dst",
            "-e",
            "ipv6.dst",
            "-e",
            "tcp.srcport",
            "-e",
            "udp.srcport",
            "-e",
            "tcp.dstport",
            "-e",
            "udp.dstport",
            "-e",
            "ip.dsfield.dscp",
            "-e",
            "ipv6.tclass",
            "-e",
            "ip.checksum.status",
        ]),
        DEADLINE,
    );
    assert!(o.status.success(), "tshark: {}", text(&o.stderr));
    text(&o.stdout)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            let pick = |a: usize, b: usize| if f[a].is_empty() { f[b] } else { f[a] };
            // Tunnels (ICMP errors quoting IP) list several values: take the outer.
            let first = |s: &str| s.split(',').next().unwrap_or("").to_string();
            let (src, dst) = (first(pick(0, 1)), first(pick(2, 3)));
            let (sp, dp) = (first(pick(4, 5)), first(pick(6, 7)));
            let mut ends = [format!("{src}:{sp}"), format!("{dst}:{dp}")];
            ends.sort();
            let dscp = if !f[8].is_empty() {
                first(f[8]).parse().ok()
            } else if !f[9].is_empty() {
                u8::from_str_radix(first(f[9]).trim_start_matches("0x"), 16).ok().map(|tc| tc >> 2)
            } else {
                None
            };
            let ck = match first(f[10]).as_str() {
                "" => None,
                "1" => Some(true),
                _ => Some(false),
            };
            Pkt { tuple: ends.join(" "), dscp, ipv4_checksum_good: ck }
        })
        .collect()
}

struct Flow {
    tuple: String,
    class: String,
    decision_packet: Option<usize>,
    first_ns: u64,
    /// Packets seen in both directions.
    packets: u64,
    /// The DNS cache offered a name (whether or not a better one came later).
    by_dns: bool,
}

fn flow_log(path: &Path) -> Vec<Flow> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let mut ends = [
                format!("{}:{}", v["src_ip"].as_str().unwrap(), v["src_port"]),
                format!("{}:{}", v["dst_ip"].as_str().unwrap(), v["dst_port"]),
            ];
            ends.sort();
            Flow {
                tuple: ends.join(" "),
                class: v["class"].as_str().unwrap().to_string(),
                decision_packet: v["decision_packet"].as_u64().map(|x| x as usize),
                first_ns: v["bidirectional_first_seen_ns"].as_u64().unwrap(),
                packets: v["features"]["bidirectional_packets"].as_f64().unwrap() as u64,
                by_dns: v["server_name_sources"].as_array().unwrap().iter().any(|s| s == "dns"),
            }
        })
        .collect()
}

fn replay(test: &str, lcores: &str, inputs: &[PathBuf], dir: &Path) -> (Vec<PathBuf>, PathBuf, serde_json::Value) {
    let outs: Vec<PathBuf> = (0..inputs.len()).map(|i| dir.join(format!("out{i}.pcap"))).collect();
    let log = dir.join("flows.jsonl");
    let js = dir.join("summary.json");
    let (model, log_arg, js_arg) =
        (root().join("models/forest.bin").display().to_string(), log.display().to_string(), js.display().to_string());
    let rx: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    let tx: Vec<&Path> = outs.iter().map(PathBuf::as_path).collect();
    let args = dataplane_args(
        test,
        lcores,
        &pcap_vdev(&rx, &tx),
        &["--exit-when-drained", "--model", &model, "--flow-log", &log_arg, "--summary-json", &js_arg],
    );
    let o = run(Command::new(bin("dataplane")).args(&args), DEADLINE);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&js).unwrap()).unwrap();
    (outs, log, s)
}

#[test]
fn heldout_capture_is_classified_and_marked_after_each_decision() {
    let dir = scratch("marking");
    let merged = dir.join("heldout.pcap");
    let o = run(Command::new("mergecap").arg("-F").arg("pcap").arg("-w").arg(&merged).args(heldout_pcaps()), DEADLINE);
    assert!(o.status.success(), "mergecap: {}", text(&o.stderr));

    let (outs, log, summary) = replay("marking1", "0@0,1@1", std::slice::from_ref(&merged), &dir);
    let input = tshark(&merged);
    let output = tshark(&outs[0]);
    assert_eq!(input.len(), output.len(), "packets in = packets out");
    assert_eq!(summary["totals"]["tx_drops"], 0);
    let v4 = output.iter().filter(|p| p.ipv4_checksum_good.is_some()).count();
    assert!(v4 > 1000);
    assert!(output.iter().all(|p| p.ipv4_checksum_good != Some(false)), "every IPv4 checksum valid");

    // Marks: the class's DSCP from the summary.
    let dscp_of: HashMap<String, u8> = summary["pipeline"]["classes"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v["dscp"].as_u64().unwrap() as u8))
        .collect();
    let flows = flow_log(&log);
    let mut per_tuple: HashMap<&str, usize> = HashMap::new();
    for f in &flows {
        *per_tuple.entry(&f.tuple).or_default() += 1;
    }
    // Packet indices of each 5-tuple in file order (input and output align).
    let mut idx: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in input.iter().enumerate() {
        idx.entry(&p.tuple).or_default().push(i);
    }
    let (mut checked_flows, mut marked, mut unmarked) = (0, 0, 0);
    for f in &flows {
        if per_tuple[f.tuple.as_str()] != 1 {
            continue; // a reused 5-tuple: packet order alone cannot tell its flows apart
        }
        let Some(pkts) = idx.get(f.tuple.as_str()) else { continue };
        checked_flows += 1;
        for (n, &i) in pkts.iter().enumerate() {
            let (a, b) = (&input[i], &output[i]);
            assert_eq!(a.tuple, b.tuple, "packet {i} moved");
            match f.decision_packet {
                Some(d) if f.class != "unknown" && n + 1 >= d && b.dscp.is_some() => {
                    assert_eq!(b.dscp, Some(dscp_of[&f.class]), "flow {} packet {} (decided at {d})", f.tuple, n + 1);
                    marked += 1;
                }
                _ => {
                    assert_eq!(b.dscp, a.dscp, "flow {} packet {} changed before its decision", f.tuple, n + 1);
                    unmarked += 1;
                }
            }
        }
    }
    eprintln!("checked {checked_flows} flows: {marked} packets marked after decisions, {unmarked} left as they were");
    assert!(checked_flows >= 100 && marked > 1000);

    // Per-flow accuracy against the labels (matched by 5-tuple and first time).
    let labels = std::fs::read_to_string(root().join("data/heldout/labels.csv")).unwrap();
    let mut lines = labels.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (si, sp, di, dp, ts, cl) =
        (col("src_ip"), col("src_port"), col("dst_ip"), col("dst_port"), col("first_ts"), col("class"));
    let mut truth: HashMap<String, Vec<(f64, String)>> = HashMap::new();
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        let mut ends = [format!("{}:{}", f[si], f[sp]), format!("{}:{}", f[di], f[dp])];
        ends.sort();
        truth.entry(ends.join(" ")).or_default().push((f[ts].parse().unwrap_or(0.0), f[cl].to_string()));
    }
    let mut confusion: BTreeMap<(String, String), usize> = BTreeMap::new();
    // A flow shorter than the model's first checkpoint is never classified;
    // one that reached a checkpoint is decided by the last one it reached or
    // stays undecided (counted, and it must be rare).
    let model = models::forest::Model::from_bytes(&std::fs::read(root().join("models/forest.bin")).unwrap()).unwrap();
    let first_checkpoint = model.checkpoints[0].packets as u64;
    let (mut right, mut decided, mut short, mut undecided) = (0, 0, 0, 0);
    for f in &flows {
        let Some(rows) = truth.get(&f.tuple) else { continue };
        let t = f.first_ns as f64 / 1e9;
        let Some((_, label)) = rows.iter().find(|(ts, _)| (ts - t).abs() < 2.0) else { continue };
        if f.packets < first_checkpoint {
            short += 1;
            continue;
        }
        if f.decision_packet.is_none() || f.class == "unknown" {
            undecided += 1;
            continue;
        }
        decided += 1;
        right += (f.class == *label) as usize;
        *confusion.entry((label.clone(), f.class.clone())).or_default() += 1;
    }
    let acc = right as f64 / decided.max(1) as f64;
    eprintln!(
        "per-flow accuracy {acc:.3} over {decided} decided labeled flows ({undecided} reached a checkpoint undecided, {short} shorter than the first); (truth, decision): {confusion:?}"
    );
    assert!(decided >= 200, "{decided} decided labeled flows");
    assert!(undecided * 20 <= decided, "{undecided} labeled flows reached a checkpoint and stayed undecided");
    // The issue's target: 0.9 of the decided labeled flows right.
    assert!(acc >= 0.9, "per-flow accuracy {acc:.3}");

    // Another replay speed: the offline runner reads the capture as fast as
    // the file comes, with no DPDK and no ports, and must decide every flow
    // as the DPDK replay did (decisions follow the capture's timestamps,
    // never the clock of the machine replaying it).
    let off_log = dir.join("offline.jsonl");
    let o = run(
        Command::new(bin("dataplane"))
            .arg("extract")
            .arg("--pcap")
            .arg(&merged)
            .arg("--out")
            .arg(dir.join("offline.csv"))
            .arg("--flow-log")
            .arg(&off_log)
            .arg("--model")
            .arg(root().join("models/forest.bin")),
        DEADLINE,
    );
    assert!(o.status.success(), "extract: {}", text(&o.stderr));
    let n = same_decisions(&flows, &flow_log(&off_log), "offline and on DPDK");
    eprintln!("offline vs DPDK replay: {n} flows, the same decisions");

    // Two workers: the capture split by flow, the same decisions.
    let dir2 = scratch("marking2");
    let o = run(
        Command::new(bin("dataplane")).arg("split-pcap").arg(&merged).args(["--parts", "2", "--out-dir"]).arg(&dir2),
        DEADLINE,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let parts = [dir2.join("part0.pcap"), dir2.join("part1.pcap")];
    let (_, log2, summary2) = replay("marking2", "0@0,1@0,2@1", &parts, &dir2);
    // What one worker learns from DNS answers reaches the other.
    let p = &summary2["pipeline"];
    eprintln!(
        "DNS sharing: {} addresses learnt, {} sent to the other worker, {} received",
        p["dns_addresses_cached"], p["dns_shared"], p["dns_received"]
    );
    assert!(p["dns_shared"].as_u64().unwrap() > 0 && p["dns_received"].as_u64().unwrap() > 0, "{p}");
    assert_eq!(p["dns_share_dropped"], 0);
    // The two workers replay in capture-time order (lockstep), so a DNS
    // answer one of them sees names the other's later flows as it would
    // with one worker: every flow is decided the same, by class and packet.
    let flows2 = flow_log(&log2);
    let by_dns = flows.iter().filter(|f| f.by_dns).count();
    assert!(by_dns * 4 >= flows.len(), "{by_dns} flows named by DNS: the comparison must cover them");
    let n = same_decisions(&flows, &flows2, "by one worker and two");
    eprintln!("1 vs 2 workers: {n} flows ({by_dns} named by a DNS answer), the same decisions");
}

/// Assert that two runs' flow logs hold the same flows (by tuple and first
/// packet time) with the same decisions (class and packet); returns how
/// many flows were compared.
fn same_decisions(a: &[Flow], b: &[Flow], runs: &str) -> usize {
    let decisions = |fs: &[Flow]| -> BTreeMap<(String, u64), (String, Option<usize>)> {
        fs.iter().map(|f| ((f.tuple.clone(), f.first_ns), (f.class.clone(), f.decision_packet))).collect()
    };
    let (da, db) = (decisions(a), decisions(b));
    assert_eq!(da.len(), a.len(), "flows are told apart by tuple and first packet time");
    assert_eq!(da.len(), db.len(), "the same flows {runs}");
    let differ: Vec<_> = da.iter().filter(|(k, v)| db.get(*k) != Some(*v)).map(|(k, v)| (k, v, db.get(k))).collect();
    assert!(
        differ.is_empty(),
        "{} flows decided differently {runs}: {:?}",
        differ.len(),
        &differ[..differ.len().min(8)]
    );
    da.len()
}
