//! Arbitrary bytes as a sequence of frames through the whole pipeline:
//! parsing, flow tracking (a tiny table, so eviction runs too), features,
//! TLS/DNS/QUIC inspection, classification and marking with a small model.
#![no_main]
use std::sync::{Arc, OnceLock};

use dataplane::mark::Direction;
use dataplane::pipeline::{Classifier, Config, NoSink, Pipeline};
use libfuzzer_sys::fuzz_target;
use models::forest::{Checkpoint, Class, Model, Node};

fn model() -> Arc<Model> {
    static M: OnceLock<Arc<Model>> = OnceLock::new();
    M.get_or_init(|| {
        Arc::new(Model {
            version: 1,
            name: "fuzz".into(),
            classes: vec![Class { name: "web".into(), dscp: 18 }, Class { name: "video".into(), dscp: 26 }],
            checkpoints: vec![
                Checkpoint::uniform(2, 0.9, 0, 1),
                Checkpoint::uniform(4, 0.0, 0, 1),
            ],
            decide_after_last: true,
            name_verdicts: true,
            trees: vec![(0, 3)],
            nodes: vec![Node { feature: 1, threshold: 3.0, no: 2 }, Node::leaf(0), Node::leaf(1)],
        })
    })
    .clone()
}

fuzz_target!(|data: &[u8]| {
    let mut pl = Pipeline::new(Config { flow_capacity: 8, hello_buffers: 2, dns_cache: 16, ..Config::default() });
    pl.set_classifier(Some(Classifier::new(model(), &[], Direction::Both).unwrap()));
    // Frames: a 2-byte length, a 2-byte time step (ms), then the bytes.
    let mut rest = data;
    let mut ts = 1u64 << 40;
    while rest.len() >= 4 {
        let len = u16::from_le_bytes([rest[0], rest[1]]) as usize;
        ts += u16::from_le_bytes([rest[2], rest[3]]) as u64 * 1_000_000_000;
        rest = &rest[4..];
        let n = len.min(rest.len());
        let mut frame = rest[..n].to_vec();
        rest = &rest[n..];
        pl.process(&mut frame, n as u32, ts, &mut NoSink);
    }
    pl.flush(&mut NoSink);
});
