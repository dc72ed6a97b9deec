//! `dataplane`: the DPDK runner (`dataplane [EAL] -- [OPTIONS]`) and the
//! offline subcommands over capture files.
mod cli;
mod control;
mod offline;
mod runner;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let prog = argv.first().cloned().unwrap_or_else(|| "dataplane".into());
    if cli::is_offline(argv.get(1).map(String::as_str)) {
        let o = cli::Offline::parse_from(&argv);
        let r = match o.cmd {
            cli::OfflineCmd::SplitPcap(a) => offline::split_pcap(&a),
            cli::OfflineCmd::CheckPcap(a) => offline::check_pcap(&a),
            cli::OfflineCmd::Extract(a) => offline::extract(&a),
        };
        return report(r);
    }
    let split = argv.iter().position(|a| a == "--");
    let (eal_args, app_args): (&[String], &[String]) = match split {
        Some(i) => (&argv[..i], &argv[i + 1..]),
        None => (&argv[..], &[]),
    };
    // `dataplane --help` without `--` means flowmark's help, not EAL's.
    let help = ["-h", "--help", "-V", "--version"];
    let app_args: Vec<&String> = if split.is_none() {
        let h: Vec<&String> = argv[1..].iter().filter(|a| help.contains(&a.as_str())).collect();
        if !h.is_empty() {
            cli::RunArgs::parse_from(std::iter::once(&prog).chain(h));
            return ExitCode::SUCCESS;
        }
        Vec::new()
    } else {
        app_args.iter().collect()
    };
    let app = cli::RunArgs::parse_from(std::iter::once(&prog).chain(app_args));
    report(runner::run(eal_args, app))
}

fn report(r: anyhow::Result<()>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
