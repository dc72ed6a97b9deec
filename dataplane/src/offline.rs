//! Offline subcommands over capture files (no DPDK).
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::cli::{CheckArgs, SplitArgs};
use dataplane::parse::{parse, symmetric_flow_hash};
use dataplane::pcap::{self, Reader, Writer};

pub fn split_pcap(a: &SplitArgs) -> Result<()> {
    let mut r = Reader::open(&a.input).with_context(|| format!("reading {}", a.input.display()))?;
    std::fs::create_dir_all(&a.out_dir)
        .with_context(|| format!("creating {}", a.out_dir.display()))?;
    let mut outs = Vec::new();
    for i in 0..a.parts {
        let p = a.out_dir.join(format!("part{i}.pcap"));
        outs.push(
            Writer::create(&p, pcap::LINKTYPE_ETHERNET)
                .with_context(|| format!("creating {}", p.display()))?,
        );
    }
    let mut counts = vec![0u64; a.parts as usize];
    while let Some(rec) = r
        .next()
        .with_context(|| format!("reading {}", a.input.display()))?
    {
        if rec.linktype != pcap::LINKTYPE_ETHERNET {
            bail!(
                "{}: link type {} is not Ethernet (1)",
                a.input.display(),
                rec.linktype
            );
        }
        // Unparseable frames have no flow: they go to part 0, as a NIC's RSS
        // sends what it cannot hash to queue 0.
        let part = parse(rec.data)
            .map(|p| (symmetric_flow_hash(&p) % a.parts as u64) as usize)
            .unwrap_or(0);
        outs[part].write(rec.ts_ns, rec.orig_len, rec.data)?;
        counts[part] += 1;
    }
    for (i, w) in outs.into_iter().enumerate() {
        w.finish()?;
        println!(
            "{}: {} packets",
            a.out_dir.join(format!("part{i}.pcap")).display(),
            counts[i]
        );
    }
    Ok(())
}

pub fn check_pcap(a: &CheckArgs) -> Result<()> {
    let mut bad = 0;
    for f in &a.files {
        match check_one(f) {
            Ok(s) => println!(
                "{}: {:?}, {} packets, {} bytes, {:.3} s",
                f.display(),
                s.format,
                s.packets,
                s.bytes,
                s.last_ts_ns.saturating_sub(s.first_ts_ns) as f64 / 1e9
            ),
            Err(e) => {
                eprintln!("{}: {e}", f.display());
                bad += 1;
            }
        }
    }
    if bad > 0 {
        bail!("{bad} of {} files cannot be replayed", a.files.len());
    }
    Ok(())
}

/// Check one capture the way the dataplane does before replaying it.
pub fn check_one(path: &Path) -> Result<pcap::FileSummary, pcap::Error> {
    pcap::check_file(path)
}
