//! The real dataplane binary replaying real traffic through net_pcap vdevs.
use std::process::Command;
use std::time::Duration;

use flowmark_tests::*;

const DEADLINE: Duration = Duration::from_secs(120);

fn summary(path: &std::path::Path) -> serde_json::Value {
    let s = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&s).expect("summary is JSON")
}

/// The value in column `col` of the row of the printed table that starts with `label`.
fn table_cell(table: &str, label: &str, col: usize) -> u64 {
    let line = table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(label))
        .unwrap_or_else(|| panic!("no row {label:?} in:\n{table}"));
    line.split_whitespace().nth(col).unwrap().parse().unwrap()
}

#[test]
fn one_worker_forwards_real_capture_byte_identical_and_in_order() {
    let dir = scratch("one");
    let input = demo_pcap();
    let want = packets(&input);
    assert!(want.len() >= 10_000, "the bundled capture has {} packets", want.len());
    let out = dir.join("out.pcap");
    let js = dir.join("summary.json");
    let js_arg = js.display().to_string();
    let args = dataplane_args(
        "one",
        "0@0,1@1",
        &pcap_vdev(&[&input], &[&out]),
        &["--no-model", "--exit-when-drained", "--summary-json", &js_arg],
    );
    let o = run(Command::new(bin("dataplane")).args(&args), DEADLINE);
    assert!(o.status.success(), "stderr:\n{}", text(&o.stderr));

    let got = packets(&out);
    assert_eq!(got.len(), want.len(), "packets in != packets out");
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(g == w, "packet {i} differs after forwarding");
    }

    let n = want.len() as u64;
    let s = summary(&js);
    assert_eq!(s["totals"]["rx_packets"], n);
    assert_eq!(s["totals"]["tx_packets"], n);
    assert_eq!(s["totals"]["tx_drops"], 0);
    assert_eq!(s["ports"][0]["rx_packets"], n);
    assert_eq!(s["ports"][0]["tx_packets"], n);
    let bytes: u64 = want.iter().map(|p| p.len() as u64).sum();
    assert_eq!(s["totals"]["rx_bytes"], bytes);
    // Replay times packets by the capture, not the TSC.
    assert_eq!(s["totals"]["rx_tsc_timed"], 0);

    let table = text(&o.stdout);
    assert_eq!(table_cell(&table, "total", 1), n, "printed rx total");
    assert_eq!(table_cell(&table, "total", 3), n, "printed tx total");
    assert_eq!(table_cell(&table, "0", 2), n, "printed port 0 rx");
}

#[test]
fn two_workers_forward_each_flow_split_byte_identical_and_in_order() {
    let dir = scratch("two");
    let o = run(
        Command::new(bin("dataplane")).arg("split-pcap").arg(demo_pcap()).args(["--parts", "2", "--out-dir"]).arg(&dir),
        DEADLINE,
    );
    assert!(o.status.success(), "split-pcap: {}", text(&o.stderr));
    let parts = [dir.join("part0.pcap"), dir.join("part1.pcap")];
    let want: Vec<Vec<Vec<u8>>> = parts.iter().map(|p| packets(p)).collect();
    assert_eq!(want[0].len() + want[1].len(), packets(&demo_pcap()).len());
    assert!(want.iter().all(|w| w.len() > 1000), "both workers get real work");

    let outs = [dir.join("out0.pcap"), dir.join("out1.pcap")];
    let js = dir.join("summary.json");
    let js_arg = js.display().to_string();
    let args = dataplane_args(
        "two",
        "0@0,1@0,2@1",
        &pcap_vdev(&[&parts[0], &parts[1]], &[&outs[0], &outs[1]]),
        &["--no-model", "--exit-when-drained", "--summary-json", &js_arg],
    );
    let o = run(Command::new(bin("dataplane")).args(&args), DEADLINE);
    assert!(o.status.success(), "stderr:\n{}", text(&o.stderr));

    let s = summary(&js);
    for q in 0..2 {
        let got = packets(&outs[q]);
        assert_eq!(got.len(), want[q].len(), "queue {q}: packets in != packets out");
        assert!(got == want[q], "queue {q}: packets differ or are out of order");
        assert_eq!(s["workers"][q]["rx_queue"], q as u64);
        assert_eq!(s["workers"][q]["rx_packets"], want[q].len() as u64, "worker {q} rx");
        assert_eq!(s["workers"][q]["tx_packets"], want[q].len() as u64, "worker {q} tx");
    }
    let n = (want[0].len() + want[1].len()) as u64;
    assert_eq!(s["totals"]["tx_packets"], n);
    let table = text(&o.stdout);
    assert_eq!(table_cell(&table, "total", 1), n);
    assert_eq!(table_cell(&table, "1", 3), want[1].len() as u64, "printed worker 1 rx");
}
