//! Generates DPDK bindings with bindgen and builds the C shim with `cc`, both
//! from every token of `pkg-config --cflags libdpdk` (without `-march=corei7`
//! gcc fails inside `rte_memcpy.h`).
use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=csrc/shim.c");
    println!("cargo:rerun-if-changed=csrc/shim.h");
    println!("cargo:rerun-if-changed=csrc/wrapper.h");

    // The probe also tells cargo which libraries to link.
    if let Err(e) = pkg_config::Config::new().atleast_version("22.11").probe("libdpdk") {
        fail(&format!("DPDK 22.11 development files not found (pkg-config libdpdk): {e}"));
    }
    let out = match std::process::Command::new("pkg-config").args(["--cflags", "libdpdk"]).output() {
        Ok(out) if out.status.success() => out,
        _ => fail("`pkg-config --cflags libdpdk` failed"),
    };
    let cflags: Vec<String> = String::from_utf8_lossy(&out.stdout).split_whitespace().map(str::to_owned).collect();

    let mut build = cc::Build::new();
    build.file("csrc/shim.c").include("csrc").warnings(false);
    for f in &cflags {
        build.flag(f);
    }
    build.compile("flowmark_shim");

    let bindings = bindgen::Builder::default()
        .header("csrc/wrapper.h")
        .clang_args(cflags.iter())
        .clang_arg("-Icsrc")
        .allowlist_function("rte_.*")
        .allowlist_function("fm_.*")
        .allowlist_type("rte_.*")
        .allowlist_var("RTE_.*")
        .blocklist_function("rte_.*_vlog")
        .blocklist_function("rte_vlog")
        // Packed protocol headers that bindgen cannot lay out; flowmark parses
        // packets itself, so they stay opaque.
        .opaque_type("rte_l2tpv2_.*")
        .opaque_type("rte_gtp_.*")
        .derive_default(true)
        .layout_tests(false)
        .generate_comments(false)
        .clang_macro_fallback()
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()))
        .generate()
        .unwrap_or_else(|e| fail(&format!("bindgen failed on the DPDK headers: {e}")));
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    bindings.write_to_file(out.join("bindings.rs")).expect("OUT_DIR is writable");
}

fn fail(msg: &str) -> ! {
    eprintln!(
        "error: {msg}\nflowmark builds against DPDK 22.11 with bindgen: on Debian 12 run `scripts/setup` \
         (installs libdpdk-dev, dpdk-dev, libclang-dev, pkg-config, libpcap-dev)."
    );
    std::process::exit(1);
}
