//! Bad input to the dataplane: a clear message and a non-zero exit, never a
//! hang or a panic trace.
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use flowmark_tests::*;

const DEADLINE: Duration = Duration::from_secs(60);

fn replay(test: &str, input: &Path, app: &[&str]) -> Output {
    let dir = scratch(&format!("{test}-out"));
    let mut args = eal_base(&file_prefix(test), "0@0,1@1");
    args.push("--vdev".into());
    args.push(format!("net_pcap0,rx_pcap={},tx_pcap={}", input.display(), dir.join("out.pcap").display()));
    args.push("--".into());
    args.push("--exit-when-drained".into());
    args.push("--no-model".into());
    args.extend(app.iter().map(|s| s.to_string()));
    run(Command::new(bin("dataplane")).args(&args), DEADLINE)
}

fn assert_fails_naming(o: &Output, needles: &[&str]) {
    let err = text(&o.stderr);
    assert!(!o.status.success(), "should fail; stderr:\n{err}");
    assert!(!err.contains("panicked"), "panic trace:\n{err}");
    for n in needles {
        assert!(err.contains(n), "stderr should mention {n:?}:\n{err}");
    }
}

#[test]
fn missing_capture_is_named() {
    let p = scratch("missing").join("nope.pcap");
    assert_fails_naming(&replay("missing", &p, &[]), &["nope.pcap", "No such file"]);
}

#[test]
fn empty_capture_is_named() {
    let p = scratch("empty").join("empty.pcap");
    std::fs::write(&p, b"").unwrap();
    assert_fails_naming(&replay("empty", &p, &[]), &["empty.pcap", "empty"]);
}

#[test]
fn truncated_capture_is_named() {
    let p = scratch("trunc").join("trunc.pcap");
    let bytes = std::fs::read(demo_pcap()).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    assert_fails_naming(&replay("trunc", &p, &[]), &["trunc.pcap", "truncated"]);
}

#[test]
fn non_pcap_file_is_named() {
    let p = scratch("notpcap").join("notes.txt");
    std::fs::write(&p, b"this is not a capture\n").unwrap();
    assert_fails_naming(&replay("notpcap", &p, &[]), &["notes.txt", "not a pcap"]);
}

#[test]
fn bad_eal_argument_is_reported() {
    let mut args = eal_base(&file_prefix("badeal"), "0@0");
    args.push("--no-such-eal-option".into());
    args.push("--".into());
    args.push("--no-model".into());
    let o = run(Command::new(bin("dataplane")).args(&args), DEADLINE);
    assert_fails_naming(&o, &["EAL initialisation", "EAL option is invalid"]);
}

#[test]
fn bad_app_arguments_are_reported() {
    let demo = demo_pcap();
    let o = replay("badapp1", &demo, &["--drain-ms", "soon"]);
    assert_fails_naming(&o, &["--drain-ms", "soon"]);
    let o = replay("badapp2", &demo, &["--no-such-option"]);
    assert_fails_naming(&o, &["--no-such-option"]);
    let o = replay("badapp3", &demo, &["--port-pairs", "0:7"]);
    assert_fails_naming(&o, &["port 7 does not exist"]);
}

#[test]
fn too_many_workers_for_the_vdev_queues_is_explained() {
    let dir = scratch("queues");
    let mut args = eal_base(&file_prefix("queues"), "0@0,1@1,2@1");
    args.push("--vdev".into());
    args.push(format!("net_pcap0,rx_pcap={},tx_pcap={}", demo_pcap().display(), dir.join("o.pcap").display()));
    args.extend(["--", "--no-model", "--exit-when-drained"].map(String::from));
    let o = run(Command::new(bin("dataplane")).args(&args), DEADLINE);
    assert_fails_naming(&o, &["2 rx / 2 tx queues", "one rx queue per rx_pcap="]);
}

#[test]
fn no_ports_is_explained() {
    let mut args = eal_base(&file_prefix("noports"), "0@0");
    args.extend(["--", "--no-model", "--exit-when-drained"].map(String::from));
    let o = run(Command::new(bin("dataplane")).args(&args), DEADLINE);
    assert_fails_naming(&o, &["no DPDK ports", "--vdev"]);
}

#[test]
fn help_explains_eal_and_options_without_starting_dpdk() {
    let o = run(Command::new(bin("dataplane")).arg("--help"), DEADLINE);
    assert!(o.status.success());
    let out = text(&o.stdout);
    for n in ["--exit-when-drained", "--port-pairs", "--summary-json", "net_pcap", "--no-huge", "split-pcap"] {
        assert!(out.contains(n), "--help should mention {n}:\n{out}");
    }
    assert!(!text(&o.stderr).contains("EAL:"), "help must not initialise EAL");
}

#[test]
fn bad_models_are_refused_with_the_reason_before_dpdk_starts() {
    let dir = scratch("badmodel");
    let header = |format: u16| {
        let mut b = b"FMFOREST".to_vec();
        b.extend_from_slice(&format.to_le_bytes());
        b.extend_from_slice(&[0, 0, 0xff, 0xff, 0, 0]);
        b
    };
    let current = models::forest::FORMAT_VERSION;
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("empty.bin", b"".to_vec(), "no FMFOREST magic"),
        ("text.bin", b"hello, this is not a model".to_vec(), "no FMFOREST magic"),
        ("trunc.bin", header(current), "truncated"),
        ("old.bin", header(1), "format version 1 is not supported"),
    ];
    for (name, bytes, needle) in cases {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        let mut args = eal_base(&file_prefix("badmodel"), "0@0,1@1");
        args.push("--vdev".into());
        args.push(format!("net_pcap0,rx_pcap={},tx_pcap={}", demo_pcap().display(), dir.join("o.pcap").display()));
        args.extend(["--", "--exit-when-drained", "--model"].map(String::from));
        args.push(p.display().to_string());
        let o = run(Command::new(bin("dataplane")).args(&args), DEADLINE);
        assert_fails_naming(&o, &[name, needle]);
        assert!(!text(&o.stderr).contains("EAL: Detected"), "refused before EAL starts");
    }
    let mut args = eal_base(&file_prefix("badmap"), "0@0,1@1");
    args.extend(["--", "--dscp-map", "video=AF99"].map(String::from));
    let o = run(Command::new(bin("dataplane")).args(&args), DEADLINE);
    assert_fails_naming(&o, &["AF99", "not a DSCP"]);
}
