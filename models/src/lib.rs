//! flowmark's models crate: the feature schema shared with `dataplane`,
//! training with smartcore, the `forest.bin` format, compiled inference and
//! evaluation reports.
//!
//! Not built yet: this crate holds a place in the workspace until the
//! features (issue 3) and models (issue 5) work lands.
