//! flowmark's models crate: the feature [`schema`] shared with `dataplane`,
//! and (to come with the models work) training with smartcore, the
//! `forest.bin` format, compiled inference and evaluation reports.
//!
//! Pure Rust, no DPDK: `dataplane` depends on it, never the other way.
pub mod schema;
