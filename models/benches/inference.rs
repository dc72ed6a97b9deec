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
    // Deterministic, varied vectors.
    let xs: Vec<[f32; schema::N]> = (0..256u32)
        .map(|i| {
            let mut x = [0f32; schema::N];
            for (j, v) in x.iter_mut().enumerate() {
                *v = ((i.wrapping_mul(2654435761) ^ (j as u32 * 40503)) % 1500) as f32;
            }
            x
        })
        .collect();
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
    g.finish();
}

criterion_group!(g, benches);
criterion_main!(g);
