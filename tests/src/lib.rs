//! Helpers for the integration tests: find the built binaries, run them
//! with a deadline, make scratch files, compare captures.
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use dataplane::pcap::Reader;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// A binary of the workspace, built by `cargo build --workspace --bins`
/// (scripts/test does that first) in the same profile as the tests.
pub fn bin(name: &str) -> PathBuf {
    if let Ok(p) = std::env::var(format!("FLOWMARK_{}", name.to_uppercase())) {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test> → target/<profile>/<name>
    let p = exe.parent().and_then(Path::parent).expect("target dir").join(name);
    assert!(p.exists(), "{} not built: run `cargo build --workspace --bins` first (scripts/test does)", p.display());
    p
}

/// The bundled real capture.
pub fn demo_pcap() -> PathBuf {
    root().join("data/demo/demo.pcap")
}

/// A fresh scratch directory for one test.
pub fn scratch(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("flowmark-test-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// A unique EAL --file-prefix, so tests running at once never share a runtime dir.
pub fn file_prefix(test: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!("fmt{}-{}-{test}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// EAL arguments for a vdev run without hugepages or PCI.
pub fn eal_base(prefix: &str, lcores: &str) -> Vec<String> {
    [
        "--no-huge",
        "--no-pci",
        "--no-shconf",
        "-m",
        "512",
        "--log-level",
        "lib.eal:error",
        "--file-prefix",
        prefix,
        "--lcores",
        lcores,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Run a command with a deadline; a hang is a test failure, not a stuck CI.
/// Its output is read while it runs, so a large output cannot block it.
pub fn run(cmd: &mut Command, deadline: Duration) -> Output {
    use std::io::Read;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning {cmd:?}: {e}"));
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let err = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("try_wait") {
            break st;
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let (o, e) = (out.join().unwrap_or_default(), err.join().unwrap_or_default());
            panic!(
                "{cmd:?} still running after {deadline:?}\nstdout (tail):\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&o[o.len().saturating_sub(4000)..]),
                String::from_utf8_lossy(&e)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output { status, stdout: out.join().unwrap_or_default(), stderr: err.join().unwrap_or_default() }
}

/// Every packet's bytes, in file order.
pub fn packets(path: &Path) -> Vec<Vec<u8>> {
    let mut r = Reader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut v = Vec::new();
    while let Some(rec) = r.next().unwrap_or_else(|e| panic!("{}: {e}", path.display())) {
        v.push(rec.data.to_vec());
    }
    v
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A net_pcap vdev spec with one rx queue per input and one tx queue per output.
pub fn pcap_vdev(rx: &[&Path], tx: &[&Path]) -> String {
    let mut v = String::from("net_pcap0");
    for p in rx {
        v.push_str(&format!(",rx_pcap={}", p.display()));
    }
    for p in tx {
        v.push_str(&format!(",tx_pcap={}", p.display()));
    }
    v
}

/// The whole dataplane command line: EAL for `lcores` with `vdev`, then `app`.
pub fn dataplane_args(test: &str, lcores: &str, vdev: &str, app: &[&str]) -> Vec<String> {
    let mut args = eal_base(&file_prefix(test), lcores);
    args.push("--vdev".into());
    args.push(vdev.into());
    args.push("--".into());
    args.extend(app.iter().map(|s| s.to_string()));
    args
}
