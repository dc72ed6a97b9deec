//! Offline subcommands over capture files (no DPDK).
use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::cli::{CheckArgs, ExtractArgs, SplitArgs};
use dataplane::flow::{EndReason, FlowKey};
use dataplane::flowlog::{csv_header, csv_row, ip_string, json_line};
use dataplane::labels::{Label, Labels};
use dataplane::mark::Direction;
use dataplane::parse::{parse, symmetric_flow_hash};
use dataplane::pcap::{self, Reader, Writer};
use dataplane::pipeline::{Classifier, FlowRef, Pipeline, Sink};
use models::schema;

pub fn split_pcap(a: &SplitArgs) -> Result<()> {
    let mut r = Reader::open(&a.input).with_context(|| format!("reading {}", a.input.display()))?;
    std::fs::create_dir_all(&a.out_dir).with_context(|| format!("creating {}", a.out_dir.display()))?;
    let mut outs = Vec::new();
    for i in 0..a.parts {
        let p = a.out_dir.join(format!("part{i}.pcap"));
        outs.push(Writer::create(&p, pcap::LINKTYPE_ETHERNET).with_context(|| format!("creating {}", p.display()))?);
    }
    let mut counts = vec![0u64; a.parts as usize];
    while let Some(rec) = r.next().with_context(|| format!("reading {}", a.input.display()))? {
        if rec.linktype != pcap::LINKTYPE_ETHERNET {
            bail!("{}: link type {} is not Ethernet (1)", a.input.display(), rec.linktype);
        }
        // Unparseable frames have no flow: they go to part 0, as a NIC's RSS
        // sends what it cannot hash to queue 0.
        let part = parse(rec.data).map(|p| (symmetric_flow_hash(&p) % a.parts as u64) as usize).unwrap_or(0);
        outs[part].write(rec.ts_ns, rec.orig_len, rec.data)?;
        counts[part] += 1;
    }
    for (i, w) in outs.into_iter().enumerate() {
        w.finish()?;
        println!("{}: {} packets", a.out_dir.join(format!("part{i}.pcap")).display(), counts[i]);
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

/// The extract sink: rows at checkpoints, flow log at flow ends.
struct ExtractSink<'a> {
    out: std::io::BufWriter<std::fs::File>,
    flow_log: Option<&'a mut std::io::BufWriter<std::fs::File>>,
    labels: &'a [Labels],
    capture: String,
    label_set: Option<usize>,
    labeled_only: bool,
    /// Class names for the flow log, when a model classifies.
    classes: Option<&'a [String]>,
    /// Rows wait here until their flow ends when flows must reach a size.
    min_flow_packets: u64,
    pending: std::collections::HashMap<(FlowKey, u64), Vec<String>>,
    rows: u64,
    labeled_flows: u64,
    flows: u64,
    error: Option<std::io::Error>,
}

impl ExtractSink<'_> {
    fn label(&self, f: FlowRef<'_>) -> Option<&Label> {
        let l = &self.labels[self.label_set?];
        let (sa, sp) = f.src();
        let (da, dp) = f.dst();
        l.lookup(&self.capture, (&ip_string(sa), sp), (&ip_string(da), dp), f.key.proto, f.state.first_ns as f64 / 1e9)
    }
}

impl Sink for ExtractSink<'_> {
    const CHECKPOINTS: bool = true;

    fn checkpoint(&mut self, f: FlowRef<'_>, k: u32, v: &schema::Vector) {
        let label = self.label(f);
        if self.labeled_only && label.is_none() {
            return;
        }
        let (class, app, session) =
            label.map(|l| (l.class.as_str(), l.application.as_str(), l.session.as_str())).unwrap_or(("", "", ""));
        let session = if session.is_empty() { self.capture.as_str() } else { session };
        let row = csv_row(&self.capture, session, f, k, class, app, v);
        if self.min_flow_packets > 0 {
            self.pending.entry((*f.key, f.state.first_ns)).or_default().push(row);
            return;
        }
        if let Err(e) = writeln!(self.out, "{row}") {
            self.error.get_or_insert(e);
        }
        self.rows += 1;
    }

    fn flow_end(&mut self, f: FlowRef<'_>, reason: EndReason) {
        self.flows += 1;
        if let Some(rows) = self.pending.remove(&(*f.key, f.state.first_ns)) {
            if f.state.packets() >= self.min_flow_packets {
                for row in rows {
                    if let Err(e) = writeln!(self.out, "{row}") {
                        self.error.get_or_insert(e);
                    }
                    self.rows += 1;
                }
            }
        }
        if self.label(f).is_some() {
            self.labeled_flows += 1;
        }
        if let Some(w) = self.flow_log.as_mut() {
            if let Err(e) = writeln!(w, "{}", json_line(f, reason, 0, self.classes)) {
                self.error.get_or_insert(e);
            }
        }
    }
}

pub fn extract(a: &ExtractArgs) -> Result<()> {
    let labels: Vec<Labels> = a.labels.iter().map(|p| Labels::load_where(p, &a.label_where)).collect::<Result<_>>()?;
    let out = std::fs::File::create(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let mut out = std::io::BufWriter::new(out);
    writeln!(out, "{}", csv_header())?;
    let mut flow_log = match &a.flow_log {
        Some(p) => Some(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => None,
    };
    let names = a.flows.name_table()?;
    let classifier = match &a.model {
        Some(p) => Some(
            Classifier::new(std::sync::Arc::new(crate::cli::read_model(p)?), &[], Direction::Both)
                .map_err(|e| anyhow::anyhow!(e))?,
        ),
        None => None,
    };
    if classifier.is_some() && a.flow_log.is_none() {
        eprintln!("warning: --model without --flow-log: the decisions are made but not written anywhere");
    }
    let class_names: Option<Vec<String>> =
        classifier.as_ref().map(|c| c.model.classes.iter().map(|k| k.name.clone()).collect());
    let mut named = std::collections::BTreeMap::<String, u64>::new();
    let started = std::time::Instant::now();
    let (mut rows, mut flows, mut labeled, mut packets) = (0u64, 0u64, 0u64, 0u64);
    let mut unparsed = 0u64;
    let n = a.pcaps.len();
    for (i, path) in a.pcaps.iter().enumerate() {
        let t0 = std::time::Instant::now();
        let mut r = Reader::open(path).with_context(|| format!("reading {}", path.display()))?;
        // Which label file names this capture, and under which name.
        let (label_set, capture) = labels
            .iter()
            .enumerate()
            .find_map(|(j, l)| l.capture_name(path).map(|c| (Some(j), c.to_string())))
            .unwrap_or((None, path.display().to_string()));
        if !labels.is_empty() && label_set.is_none() {
            eprintln!("warning: {}: no label file names this capture", path.display());
        }
        let mut sink = ExtractSink {
            out,
            flow_log: flow_log.as_mut(),
            labels: &labels,
            capture,
            label_set,
            labeled_only: a.labeled_only,
            classes: class_names.as_deref(),
            min_flow_packets: a.min_flow_packets,
            pending: Default::default(),
            rows: 0,
            labeled_flows: 0,
            flows: 0,
            error: None,
        };
        let mut pl = Pipeline::new(a.flows.config(a.checkpoints));
        pl.set_names(names.clone());
        pl.set_classifier(classifier.clone());
        let mut file_packets = 0u64;
        let mut foreign = 0u64;
        let mut frame = Vec::with_capacity(pcap::MAX_RECORD + 14);
        loop {
            let rec = match r.next() {
                Ok(Some(rec)) => rec,
                Ok(None) => break,
                // A capture cut short (a capture tool killed mid-write) still
                // holds whole records before the cut: use them, and say so.
                Err(e @ pcap::Error::Truncated { .. }) => {
                    eprintln!("warning: {}: {e}; using the {file_packets} records before it", path.display());
                    break;
                }
                Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
            };
            let Some(wire_len) = pcap::to_ethernet(&rec, &mut frame) else {
                foreign += 1;
                continue;
            };
            pl.process(&mut frame, wire_len, rec.ts_ns, &mut sink);
            file_packets += 1;
            if file_packets.is_multiple_of(1_000_000) {
                eprintln!("  {}: {file_packets} packets...", path.display());
            }
        }
        pl.flush(&mut sink);
        if foreign > 0 {
            eprintln!(
                "warning: {}: {foreign} records of a link type other than Ethernet, raw IP, SLL or loopback skipped",
                path.display()
            );
        }
        if let Some(e) = sink.error.take() {
            return Err(e).with_context(|| format!("writing {}", a.out.display()));
        }
        let c = pl.counters().snapshot();
        unparsed += c.parse_errors.values().sum::<u64>();
        for (k, v) in &c.flows_named {
            *named.entry(k.clone()).or_default() += v;
        }
        eprintln!(
            "[{}/{n}] {}: {file_packets} packets, {} flows ({} labeled), {} rows, {:.2} s",
            i + 1,
            path.display(),
            sink.flows,
            sink.labeled_flows,
            sink.rows,
            t0.elapsed().as_secs_f64()
        );
        rows += sink.rows;
        flows += sink.flows;
        labeled += sink.labeled_flows;
        packets += file_packets;
        out = sink.out;
    }
    out.flush()?;
    if let Some(w) = flow_log.as_mut() {
        w.flush()?;
    }
    eprintln!(
        "extract: {n} captures, {packets} packets ({unparsed} not parsed to a flow), {flows} flows ({labeled} labeled), \
         {rows} rows at checkpoints {:?} -> {} in {:.1} s",
        a.checkpoints.as_slice(),
        a.out.display(),
        started.elapsed().as_secs_f64()
    );
    let named_total: u64 = named.values().sum();
    eprintln!(
        "extract: {named_total} flows named ({}), {} without a name",
        named.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", "),
        flows - named_total
    );
    Ok(())
}
