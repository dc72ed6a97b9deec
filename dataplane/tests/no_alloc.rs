//! The per-packet path allocates nothing: a counting global allocator
//! watches `Pipeline::process` over a real capture, after the pipeline was
//! built, with the flow table churning (small capacity, evictions).
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use dataplane::pcap::Reader;
use dataplane::pipeline::{Config, NoSink, Pipeline};

struct Counting;
static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: defers to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        System.realloc(p, l, n)
    }
}

#[global_allocator]
static A: Counting = Counting;

#[test]
fn process_never_allocates() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/demo/demo.pcap");
    let mut frames = Vec::new();
    let mut r = Reader::open(&path).unwrap();
    while let Some(rec) = r.next().unwrap() {
        frames.push((rec.data.to_vec(), rec.orig_len, rec.ts_ns));
    }
    for capacity in [4usize, 65_536] {
        let mut pl = Pipeline::new(Config { flow_capacity: capacity, ..Config::default() });
        // Twice through: the second pass meets a table full of closed flows.
        for pass in 0..2u64 {
            COUNTING.store(true, Ordering::Relaxed);
            for (f, len, ts) in frames.iter_mut() {
                pl.process(f, *len, *ts + pass * 3_600_000_000_000, &mut NoSink);
            }
            COUNTING.store(false, Ordering::Relaxed);
        }
        let c = pl.counters().snapshot();
        assert!(c.flows_created > 200, "{c:?}");
        if capacity == 4 {
            assert!(c.flows_ended["evicted"] > 0, "the small table churned");
        }
    }
    assert_eq!(ALLOCS.load(Ordering::Relaxed), 0, "allocations on the per-packet path");
}
