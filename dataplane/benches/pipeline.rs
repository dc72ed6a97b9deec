//! The pipeline's cost per packet over an in-memory trace of real traffic
//! (data/demo/demo.pcap), next to a baseline of header parsing alone in the
//! same run, for:
//! - established flows: the capture as recorded (122 flows, 16,845 packets);
//! - a new-flow-heavy mix: the same packets with the source port rewritten
//!   every 3 packets, so a new flow starts every third packet and the table
//!   (4,096 flows) evicts constantly.
//!
//! Each is run without a model (features only) and with the shipped model
//! (`models/forest.bin`: classifying at its checkpoints and marking).
//!
//! Also prints the table's memory per tracked flow.
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use dataplane::mark::Direction;
use dataplane::parse::parse;
use dataplane::pcap::Reader;
use dataplane::pipeline::{Checkpoints, Classifier, Config, NoSink, Pipeline};
use models::forest::Model;
use std::sync::Arc;

type Frame = (Vec<u8>, u32, u64);

fn trace() -> Vec<Frame> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/demo/demo.pcap");
    let mut r = Reader::open(&path).expect("demo capture");
    let mut v = Vec::new();
    while let Some(rec) = r.next().expect("readable") {
        v.push((rec.data.to_vec(), rec.orig_len, rec.ts_ns));
    }
    v
}

fn new_flow_heavy(base: &[Frame]) -> Vec<Frame> {
    let mut v = base.to_vec();
    for (i, (f, _, _)) in v.iter_mut().enumerate() {
        if let Ok(p) = parse(f) {
            if p.proto == 6 || p.proto == 17 {
                let l4 = p.payload_offset as usize - if p.proto == 6 { p.tcp.map(|_| 20).unwrap_or(20) } else { 8 };
                // Rewrite the lower port number of the pair so both
                // directions of a rewritten flow still match each other.
                let port = ((i / 3) as u16).wrapping_mul(7919) | 0x8000;
                if p.src_port > p.dst_port {
                    f[l4..l4 + 2].copy_from_slice(&port.to_be_bytes());
                } else {
                    f[l4 + 2..l4 + 4].copy_from_slice(&port.to_be_bytes());
                }
            }
        }
    }
    v
}

fn run(c: &mut Criterion, name: &str, frames: &[Frame], capacity: usize) {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(frames.len() as u64));
    g.bench_function("baseline_parse_only", |b| {
        b.iter(|| {
            for (f, _, _) in frames {
                let _ = black_box(parse(black_box(f)));
            }
        })
    });
    let model = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/forest.bin"))
        .ok()
        .and_then(|b| Model::from_bytes(&b).ok())
        .map(Arc::new);
    if model.is_none() {
        eprintln!("no valid models/forest.bin: the pipeline is measured without classification only");
    }
    for (label, model) in [("pipeline", None), ("pipeline_classify_mark", model)] {
        if label != "pipeline" && model.is_none() {
            continue;
        }
        let mut cfg = Config { flow_capacity: capacity, ..Config::default() };
        if let Some(m) = &model {
            let ks: Vec<u32> = m.checkpoints.iter().map(|k| k.packets).collect();
            cfg.checkpoints = Checkpoints::new(&ks).expect("the model's checkpoints");
        }
        let mut pl = Pipeline::new(cfg);
        pl.set_classifier(model.map(|m| Classifier::new(m, &[], Direction::Both).expect("default marks")));
        let mut work = frames.to_vec();
        let mut round = 0u64;
        g.bench_function(label, |b| {
            b.iter(|| {
                // Each pass an hour later in packet time, so flows of the last
                // pass expire as they would in a long run.
                round += 1;
                for (f, len, ts) in work.iter_mut() {
                    black_box(pl.process(f, *len, *ts + round * 3_600_000_000_000, &mut NoSink));
                }
            })
        });
        if label == "pipeline" {
            eprintln!(
                "{name}: flow table of {} flows holds {} bytes per flow ({} bytes of flow state)",
                pl.table().capacity(),
                pl.table().bytes_per_flow(),
                std::mem::size_of::<dataplane::features::FlowState>()
            );
        }
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    let t = trace();
    run(c, "established", &t, 65_536);
    run(c, "new_flow_heavy", &new_flow_heavy(&t), 4_096);
}

criterion_group!(g, benches);
criterion_main!(g);
