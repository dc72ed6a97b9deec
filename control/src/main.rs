//! `control`: the operator CLI for a running dataplane.
//!
//! Not built yet: the dataplane has no control socket until the control
//! plane work (issue 7) lands. Until then this binary says so and fails, so
//! no script mistakes it for a working client.
use clap::Parser;

/// flowmark control: stats, flows and model swaps of a running dataplane (not available yet)
#[derive(Parser)]
#[command(name = "control", version)]
struct Cli {
    /// The command (stats, flows, model, dscp, export).
    #[arg(trailing_var_arg = true)]
    args: Vec<String>,
}

fn main() -> std::process::ExitCode {
    let _ = Cli::parse();
    eprintln!(
        "control: the dataplane's control socket is not implemented yet; \
         use `dataplane ... -- --summary-json PATH` for counters"
    );
    std::process::ExitCode::from(2)
}
