//! Evaluation: per-checkpoint metrics, the decision policy replayed per
//! flow (first checkpoint whose confidence reaches its threshold), and a
//! Markdown report.
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use serde::Serialize;

use crate::data::Row;
use crate::forest::Model;
use crate::schema;

/// Precision, recall, F1 and support of one class.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClassScore {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

/// Scores of a set of (truth, prediction) pairs over the model's classes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Scores {
    pub n: usize,
    pub accuracy: f64,
    /// Macro-F1 over the classes that have support.
    pub macro_f1: f64,
    /// Macro-F1 over web, video and file_transfer (the mission's three).
    pub macro_f1_core: f64,
    pub per_class: BTreeMap<String, ClassScore>,
    /// confusion[truth][prediction]
    pub confusion: Vec<Vec<usize>>,
}

pub const CORE: [&str; 3] = ["web", "video", "file_transfer"];

pub fn score(model: &Model, pairs: &[(usize, usize)]) -> Scores {
    let k = model.classes.len();
    let mut conf = vec![vec![0usize; k]; k];
    for &(t, p) in pairs {
        conf[t][p] += 1;
    }
    let mut per = BTreeMap::new();
    let (mut f1s, mut core) = (Vec::new(), Vec::new());
    for (c, row) in conf.iter().enumerate() {
        let tp = row[c] as f64;
        let support: usize = row.iter().sum();
        let predicted: usize = (0..k).map(|t| conf[t][c]).sum();
        let precision = if predicted > 0 { tp / predicted as f64 } else { 0.0 };
        let recall = if support > 0 { tp / support as f64 } else { 0.0 };
        let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
        let name = model.classes[c].name.clone();
        if support > 0 {
            f1s.push(f1);
            if CORE.contains(&name.as_str()) {
                core.push(f1);
            }
        }
        per.insert(name, ClassScore { precision, recall, f1, support });
    }
    let mean = |v: &[f64]| if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 };
    let correct = (0..k).map(|c| conf[c][c]).sum::<usize>();
    Scores {
        n: pairs.len(),
        accuracy: if pairs.is_empty() { 0.0 } else { correct as f64 / pairs.len() as f64 },
        macro_f1: mean(&f1s),
        macro_f1_core: mean(&core),
        per_class: per,
        confusion: conf,
    }
}

/// The evaluation of a model on labeled rows.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub model: String,
    pub rows: usize,
    pub flows: usize,
    pub skipped_labels: BTreeMap<String, usize>,
    /// Every flow that reached checkpoint k, classified at k.
    pub per_checkpoint: BTreeMap<u32, Scores>,
    /// Each flow at its decision: the first checkpoint whose confidence
    /// reaches the threshold (or the last, when the model decides anyway).
    pub decision: Scores,
    /// Flows decided at each checkpoint, and never (unknown or too short).
    pub decided_at: BTreeMap<u32, usize>,
    pub undecided: usize,
    /// Share of flows (that reached the first checkpoint) decided by packet 8.
    pub decided_by_8: f64,
    pub ns_per_decision: f64,
    /// Every decided flow: (capture and flow, application, truth, prediction,
    /// decision packet, confidence, decided by the name table), for per-flow
    /// analysis.
    #[serde(skip)]
    pub flow_decisions: Vec<(String, String, usize, usize, u32, f32, bool)>,
    /// Flows the name table decided.
    pub decided_by_name: usize,
}

/// A flow's true class and its rows by checkpoint index.
type FlowRows<'a> = (usize, Vec<(usize, &'a Row)>);

pub fn evaluate(model: &Model, rows: &[Row]) -> Report {
    let mut skipped = BTreeMap::new();
    // flow -> checkpoint index -> (truth, row)
    let mut flows: HashMap<String, FlowRows> = HashMap::new();
    let mut per: BTreeMap<u32, Vec<(usize, usize)>> = BTreeMap::new();
    let mut used = 0;
    let mut scored: Vec<(usize, &Row)> = Vec::new();
    for r in rows {
        let Some(truth) = model.class_index(&r.label) else {
            *skipped
                .entry(if r.label.is_empty() { "(unlabeled)".to_string() } else { r.label.clone() })
                .or_insert(0) += 1;
            continue;
        };
        let Some(ck) = model.checkpoint_at(r.k as u64) else { continue };
        used += 1;
        let (pred, _, _) = model.predict(ck, &r.x);
        scored.push((ck, r));
        per.entry(r.k).or_default().push((truth, pred));
        flows.entry(format!("{} {}", r.capture, r.flow)).or_insert((truth, Vec::new())).1.push((ck, r));
    }
    // The cost of the whole vote on these rows, timed alone: every row's
    // checkpoint forest walked again, nothing else in the loop. Each row is
    // first copied into one buffer, as the dataplane builds a flow's vector
    // in its worker's buffer, so the vote reads features from cache and not
    // from rows scattered over the heap; a pass that only copies, in the
    // same run, is the baseline taken off.
    let mut x = [0f32; schema::N];
    let mut copy_ns = f64::INFINITY;
    for _ in 0..2 {
        // Twice, the lower taken: the first pass also warms the rows.
        let t0 = std::time::Instant::now();
        for &(_, r) in &scored {
            x.copy_from_slice(&r.x[..]);
            std::hint::black_box(&mut x);
        }
        copy_ns = copy_ns.min(t0.elapsed().as_nanos() as f64);
    }
    let t0 = std::time::Instant::now();
    let mut sink = 0usize;
    for &(ck, r) in &scored {
        x.copy_from_slice(&r.x[..]);
        sink = sink.wrapping_add(std::hint::black_box(model.predict(ck, std::hint::black_box(&x))).0);
    }
    std::hint::black_box(sink);
    let ns = (t0.elapsed().as_nanos() as f64 - copy_ns).max(0.0) / scored.len().max(1) as f64;
    let mut decided_at: BTreeMap<u32, usize> = model.checkpoints.iter().map(|c| (c.packets, 0)).collect();
    let mut pairs = Vec::new();
    let mut undecided = 0;
    let mut flow_decisions = Vec::new();
    let mut keys: Vec<&String> = flows.keys().collect();
    keys.sort();
    for key in keys {
        let (truth, mut cks) = flows[key].clone();
        cks.sort_by_key(|c| c.0);
        let mut decision = None;
        for &(ck, r) in &cks {
            // The dataplane's decision, by the same code.
            let Some(o) = model.classify(ck, &r.x) else { continue };
            if o.decided {
                decision = Some((model.checkpoints[ck].packets, o.class));
                flow_decisions.push((
                    key.clone(),
                    r.application.clone(),
                    truth,
                    o.class,
                    model.checkpoints[ck].packets,
                    o.confidence(),
                    o.by_name,
                ));
                break;
            }
        }
        match decision {
            Some((k, pred)) => {
                *decided_at.entry(k).or_default() += 1;
                pairs.push((truth, pred));
            }
            None => undecided += 1,
        }
    }
    let total = flows.len().max(1);
    let by8: usize = decided_at.iter().filter(|(k, _)| **k <= 8).map(|(_, v)| v).sum();
    Report {
        model: format!("{} v{}", model.name, model.version),
        rows: used,
        flows: flows.len(),
        skipped_labels: skipped,
        per_checkpoint: per.iter().map(|(k, v)| (*k, score(model, v))).collect(),
        decision: score(model, &pairs),
        decided_at,
        undecided,
        decided_by_8: by8 as f64 / total as f64,
        ns_per_decision: ns,
        decided_by_name: flow_decisions.iter().filter(|d| d.6).count(),
        flow_decisions,
    }
}

impl Report {
    pub fn markdown(&self, model: &Model, title: &str) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# {title}\n\nModel `{}`; {} flows, {} rows.\n", self.model, self.flows, self.rows);
        let _ = writeln!(s, "## At the decision point\n");
        let _ = writeln!(
            s,
            "Each flow is decided at the first checkpoint where the winning class's share of the votes reaches that class's threshold there{}.\n",
            if model.decide_after_last { ", else at the last one" } else { "" }
        );
        let d = &self.decision;
        let _ = writeln!(
            s,
            "- macro-F1 (web, video, file_transfer): **{:.3}**\n- macro-F1 (all classes present): {:.3}\n- accuracy: {:.3}\n- decided by packet 8: {:.1} %\n- decided by the name table: {} (name verdicts {})\n- undecided: {}\n- inference: {:.0} ns per decision (this run, whole forest of one checkpoint)\n",
            d.macro_f1_core,
            d.macro_f1,
            d.accuracy,
            self.decided_by_8 * 100.0,
            self.decided_by_name,
            if model.name_verdicts { "on" } else { "off" },
            self.undecided,
            self.ns_per_decision
        );
        let _ = writeln!(
            s,
            "| checkpoint (packets) | thresholds (share of votes per class) | flows decided |\n|---|---|---|"
        );
        for (i, c) in model.checkpoints.iter().enumerate() {
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                c.packets,
                model.thresholds_text(i),
                self.decided_at.get(&c.packets).unwrap_or(&0)
            );
        }
        let _ = writeln!(s, "\n{}", class_table(d));
        let _ = writeln!(s, "Confusion (rows: truth, columns: prediction):\n");
        let names: Vec<&str> = model.classes.iter().map(|c| c.name.as_str()).collect();
        let _ = writeln!(s, "| | {} |\n|---|{}", names.join(" | "), "---|".repeat(names.len()));
        for (i, row) in d.confusion.iter().enumerate() {
            let _ =
                writeln!(s, "| {} | {} |", names[i], row.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(" | "));
        }
        let _ = writeln!(s, "\n## Every flow at every checkpoint it reached\n");
        let _ = writeln!(
            s,
            "| k | flows | accuracy | macro-F1 (core) | macro-F1 (all) | {} |",
            names.iter().map(|n| format!("F1 {n}")).collect::<Vec<_>>().join(" | ")
        );
        let _ = writeln!(s, "|---|---|---|---|---|{}", "---|".repeat(names.len()));
        for (k, sc) in &self.per_checkpoint {
            let f1s: Vec<String> = names
                .iter()
                .map(|n| {
                    sc.per_class.get(*n).filter(|c| c.support > 0).map(|c| format!("{:.3}", c.f1)).unwrap_or("–".into())
                })
                .collect();
            let _ = writeln!(
                s,
                "| {k} | {} | {:.3} | {:.3} | {:.3} | {} |",
                sc.n,
                sc.accuracy,
                sc.macro_f1_core,
                sc.macro_f1,
                f1s.join(" | ")
            );
        }
        if !self.skipped_labels.is_empty() {
            let _ = writeln!(s, "\nRows skipped (label not a model class): {:?}", self.skipped_labels);
        }
        s
    }
}

fn class_table(d: &Scores) -> String {
    let mut s = String::from("| class | precision | recall | F1 | flows |\n|---|---|---|---|---|\n");
    for (n, c) in &d.per_class {
        let _ = writeln!(s, "| {n} | {:.3} | {:.3} | {:.3} | {} |", c.precision, c.recall, c.f1, c.support);
    }
    s
}
