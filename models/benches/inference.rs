//! Compiled inference cost per decision, next to a baseline in the same run:
//! summing the feature vector (the least any decision must touch).
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use models::forest::Model;
use models::schema;

fn benches(c: &mut Criterion) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("forest.bin");
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("no {}: train the shipped model first (see README)", path.display());
        return;
    };
    let m = Model::from_bytes(&bytes).expect("valid model");
    // Real vectors: the held-out rows `scripts/train-model` extracts with
    // the dataplane's own pipeline, each at its own checkpoint. Without
    // them, deterministic synthetic vectors (they reach shallower leaves, so
    // they understate the cost: run scripts/train-model first).
    let heldout = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/train/heldout.csv");
    let real: Vec<(usize, [f32; schema::N])> = models::data::read_rows(&[&heldout])
        .map(|rows| {
            // 256 rows spread over the split (it is ordered by capture).
            let scored: Vec<_> = rows.iter().filter_map(|r| m.checkpoint_at(r.k as u64).map(|ck| (ck, *r.x))).collect();
            let step = (scored.len() / 256).max(1);
            scored.into_iter().step_by(step).take(256).collect()
        })
        .unwrap_or_default();
    let xs: Vec<[f32; schema::N]> = if real.is_empty() {
        eprintln!("no rows in {}: synthetic vectors (run scripts/train-model for real ones)", heldout.display());
        (0..256u32)
            .map(|i| {
                let mut x = [0f32; schema::N];
                for (j, v) in x.iter_mut().enumerate() {
                    *v = ((i.wrapping_mul(2654435761) ^ (j as u32 * 40503)) % 1500) as f32;
                }
                x
            })
            .collect()
    } else {
        eprintln!("{} held-out rows from {}", real.len(), heldout.display());
        real.iter().map(|r| r.1).collect()
    };
    let mut g = c.benchmark_group("decision");
    g.bench_function("baseline_sum_vector", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % xs.len();
            black_box(xs[i].iter().sum::<f32>())
        })
    });
    for (ck, cp) in m.checkpoints.iter().enumerate() {
        g.bench_function(format!("forest_k{}", cp.packets), |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % xs.len();
                black_box(m.predict(ck, black_box(&xs[i])))
            })
        });
    }
    // What the dataplane runs at a checkpoint that is not the last: the vote
    // stops once no class can reach its threshold there.
    for (ck, cp) in m.checkpoints.iter().enumerate().take(m.checkpoints.len().saturating_sub(1)) {
        g.bench_function(format!("forest_k{}_to_thresholds", cp.packets), |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % xs.len();
                black_box(m.predict_reaching(ck, black_box(&xs[i])))
            })
        });
    }
    // Each row at the checkpoint it was extracted for: what the held-out
    // evaluation's decisions cost.
    if !real.is_empty() {
        g.bench_function("forest_rows_own_checkpoint", |b| {
            let mut i = 0;
            let mut x = [0f32; schema::N];
            b.iter(|| {
                i = (i + 1) % real.len();
                // Copied into one buffer first, as the dataplane builds a
                // flow's vector in its worker's buffer (and as eval times it).
                x.copy_from_slice(&real[i].1);
                black_box(m.predict(real[i].0, black_box(&x)))
            })
        });
    }
    g.finish();
}

criterion_group!(g, benches);
criterion_main!(g);
