//! Raw bindgen output for DPDK 22.11 plus the `fm_*` shim functions.
#![allow(
    non_upper_case_globals,
    non_camel_case_types,
    non_snake_case,
    dead_code,
    unnecessary_transmutes,
    clippy::all,
    rustdoc::all
)]
include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
