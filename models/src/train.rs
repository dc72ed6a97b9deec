//! Training: one smartcore random forest per checkpoint, compiled into the
//! flat trees of [`crate::forest::Model`], with confidence thresholds tuned
//! on a validation split made by capture session (never by flow: flows of
//! one session leak into each other).
use std::collections::{BTreeMap, HashMap};

use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;
use smartcore::ensemble::random_forest_classifier::{RandomForestClassifier, RandomForestClassifierParameters};
use smartcore::linalg::basic::matrix::DenseMatrix;

use crate::data::Row;
use crate::forest::{round_down, winner, Checkpoint, Class, Model, Node, MAX_CLASSES, NEVER};
use crate::schema;

pub type Forest = RandomForestClassifier<f32, u32, DenseMatrix<f32>, Vec<u32>>;

/// Training settings (the CLI's flags).
#[derive(Debug, Clone, Serialize)]
pub struct Params {
    pub classes: Vec<(String, u8)>,
    pub checkpoints: Vec<u32>,
    pub trees: u16,
    pub max_depth: Option<u16>,
    pub min_samples_leaf: usize,
    pub min_samples_split: usize,
    /// Features tried per split (default: sqrt of the features in use).
    pub mtry: Option<usize>,
    pub seed: u64,
    /// Features withheld from the model (held at 0 while training, so no
    /// tree ever splits on them).
    pub exclude: Vec<String>,
    /// Resample each class towards the largest one (at most 10x its own rows).
    pub balance: bool,
    /// Precision a checkpoint's decisions must reach on the validation split.
    pub target_precision: f32,
    pub decide_after_last: bool,
    /// The name table's class decides a named flow ([`Model::name_verdicts`]).
    pub name_verdicts: bool,
    pub version: u32,
    pub name: String,
}

/// What training reports.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub params: Params,
    pub rows_per_checkpoint: BTreeMap<u32, BTreeMap<String, usize>>,
    pub sessions: usize,
    pub validation_sessions: usize,
    /// Per checkpoint, each class's threshold (null: never decided there).
    pub thresholds: BTreeMap<u32, BTreeMap<String, Option<f32>>>,
    /// Validation accuracy and decided share at the chosen threshold.
    pub validation: BTreeMap<u32, (f64, f64)>,
    pub nodes: usize,
    pub bytes: usize,
    /// Rows (every labeled training row at every checkpoint, and every
    /// `--verify-on` row) on which the compiled trees were checked to vote
    /// exactly as smartcore's trees do.
    pub compiled_agrees_on_rows: usize,
}

fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A small deterministic generator for resampling.
struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The schema indices a forest is fitted on: the features not withheld that
/// vary over `rows`. smartcore draws its `mtry` candidate features per node
/// from every column of the matrix and makes the node a leaf when all of
/// them are constant there; withheld (zeroed) and constant columns would
/// waste those draws and stunt the trees (at checkpoint 3 most features are
/// constant: a tree stopped after about three splits). So they are left out
/// of the matrix, and [`compile`] maps the forest's column numbers back.
pub fn columns(rows: &[&Row], mask: &[bool]) -> Vec<usize> {
    (0..schema::N)
        .filter(|&j| mask[j] && rows.first().is_some_and(|r0| rows.iter().any(|r| r.x[j] != r0.x[j])))
        .collect()
}

/// Rows of one checkpoint as a matrix of the given schema columns.
fn matrix(rows: &[&Row], cols: &[usize]) -> Result<DenseMatrix<f32>> {
    let data: Vec<Vec<f32>> = rows.iter().map(|r| cols.iter().map(|&j| r.x[j]).collect()).collect();
    DenseMatrix::from_2d_vec(&data).map_err(|e| anyhow!("building the training matrix: {e}"))
}

fn fit_matrix(x: &DenseMatrix<f32>, y: &[u32], p: &Params, used: usize, trees: u16, seed: u64) -> Result<Forest> {
    let params = RandomForestClassifierParameters {
        n_trees: trees,
        max_depth: p.max_depth,
        min_samples_leaf: p.min_samples_leaf,
        min_samples_split: p.min_samples_split,
        m: Some(p.mtry.unwrap_or(((used.max(1) as f64).sqrt().ceil()) as usize).clamp(1, used.max(1))),
        seed,
        ..Default::default()
    };
    RandomForestClassifier::fit(x, &y.to_vec(), params).map_err(|e| anyhow!("training the forest: {e}"))
}

/// One smartcore forest of `p.trees` trees on the schema columns `cols`
/// (the reference for compiled inference).
pub fn fit(rows: &[&Row], y: &[u32], p: &Params, cols: &[usize]) -> Result<Forest> {
    fit_matrix(&matrix(rows, cols)?, y, p, cols.len(), p.trees, p.seed)
}

/// `p.trees` independent trees, each a one-tree smartcore forest with its
/// own seed. smartcore 0.4 seeds the feature sampling of every tree of a
/// forest with the forest's one seed, so its trees try the same feature
/// subsets node by node and differ only by their bootstrap: they vote
/// together, confidence saturates at 1.0 and the forest changes wholesale
/// with the seed. Separate seeds give the random forest its decorrelation.
pub fn fit_trees(rows: &[&Row], y: &[u32], p: &Params, cols: &[usize]) -> Result<Vec<Forest>> {
    let x = matrix(rows, cols)?;
    let mut rng = SplitMix(p.seed);
    (0..p.trees).map(|_| fit_matrix(&x, y, p, cols.len(), 1, rng.next())).collect()
}

/// Compile forests one after another into `nodes`; returns the trees added.
fn compile_all(fs: &[Forest], cols: &[usize], nodes: &mut Vec<Node>, trees: &mut Vec<(u32, u32)>) -> Result<u32> {
    let mut n = 0;
    for f in fs {
        n += compile(f, cols, nodes, trees)?;
    }
    Ok(n)
}

/// smartcore's prediction of each row (the reference for compiled inference).
pub fn smartcore_predict(f: &Forest, rows: &[&Row], cols: &[usize]) -> Result<Vec<u32>> {
    f.predict(&matrix(rows, cols)?).map_err(|e| anyhow!("smartcore predict: {e}"))
}

/// Flatten a trained forest's trees (through its serde form: smartcore keeps
/// nodes private) into `nodes` in preorder, mapping leaf outputs to model
/// class indices and the forest's columns (`cols`, as it was fitted) to
/// schema features.
pub fn compile(f: &Forest, cols: &[usize], nodes: &mut Vec<Node>, trees: &mut Vec<(u32, u32)>) -> Result<u32> {
    let v = serde_json::to_value(f).context("serialising the smartcore forest")?;
    let classes: Vec<u32> = serde_json::from_value(v["classes"].clone()).context("forest classes")?;
    let ts = v["trees"].as_array().ok_or_else(|| anyhow!("forest has no trees"))?;
    for t in ts {
        let tree_classes: Vec<u32> = serde_json::from_value(t["classes"].clone()).context("tree classes")?;
        let ns = t["nodes"].as_array().ok_or_else(|| anyhow!("tree has no nodes"))?;
        if ns.is_empty() || ns.len() > crate::forest::MAX_TREE_NODES {
            bail!("a tree of {} nodes (1 to {})", ns.len(), crate::forest::MAX_TREE_NODES);
        }
        let start = nodes.len();
        // Preorder: a node, its true (`<=`) subtree right after it, then its
        // false subtree, whose first index the node records. The stack holds
        // smartcore node ids and, for a false child, the parent to patch.
        let mut stack: Vec<(usize, Option<usize>)> = vec![(0, None)];
        while let Some((id, parent)) = stack.pop() {
            let here = nodes.len() - start;
            if let Some(p) = parent {
                nodes[start + p].no = here as u16;
            }
            let n = ns.get(id).ok_or_else(|| anyhow!("tree node {id} of {}", ns.len()))?;
            match (n["true_child"].as_u64(), n["false_child"].as_u64()) {
                (Some(yes), Some(no)) => {
                    let c = n["split_feature"].as_u64().ok_or_else(|| anyhow!("node without split feature"))?;
                    let feature =
                        *cols.get(c as usize).ok_or_else(|| anyhow!("split on column {c} of {}", cols.len()))? as u16;
                    let threshold = round_down(n["split_value"].as_f64().unwrap_or(f64::NAN));
                    nodes.push(Node { threshold, feature, no: 0 });
                    stack.push((no as usize, Some(here)));
                    stack.push((yes as usize, None));
                }
                _ => {
                    let out = n["output"].as_u64().ok_or_else(|| anyhow!("leaf without output"))? as usize;
                    // A tree's output indexes its classes, which are the
                    // forest's label values: here, model class indices.
                    let label =
                        *tree_classes.get(out).or(classes.get(out)).ok_or_else(|| anyhow!("leaf class {out}"))?;
                    nodes.push(Node::leaf(label as u16));
                }
            }
            if nodes.len() - start > ns.len() {
                bail!("a tree's children do not form a tree");
            }
        }
        trees.push((start as u32, (nodes.len() - start) as u32));
    }
    Ok(ts.len() as u32)
}

/// Train the model: per checkpoint, tune the threshold on a validation
/// split by session, then fit on every session. The compiled trees are
/// checked against smartcore's on every training row and on `verify` (the
/// evaluation rows, when given).
pub fn train(rows: &[Row], verify: &[Row], p: &Params, mut progress: impl FnMut(&str)) -> Result<(Model, Summary)> {
    if p.classes.is_empty() || p.classes.len() > crate::forest::MAX_CLASSES {
        bail!("1 to {} classes, got {}", crate::forest::MAX_CLASSES, p.classes.len());
    }
    let class_of: HashMap<&str, u32> = p.classes.iter().enumerate().map(|(i, c)| (c.0.as_str(), i as u32)).collect();
    let mut mask = vec![true; schema::N];
    for e in &p.exclude {
        let i = schema::index_of(e).ok_or_else(|| anyhow!("--exclude: no feature named {e:?}"))?;
        mask[i] = false;
    }
    let sessions: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.session.as_str()).collect();
    let is_val = |s: &str| sessions.len() >= 5 && fnv(s).is_multiple_of(5);
    let validation_sessions = sessions.iter().filter(|s| is_val(s)).count();

    let mut model = Model {
        version: p.version,
        name: p.name.clone(),
        classes: p.classes.iter().map(|(n, d)| Class { name: n.clone(), dscp: *d }).collect(),
        checkpoints: Vec::new(),
        decide_after_last: p.decide_after_last,
        name_verdicts: p.name_verdicts,
        trees: Vec::new(),
        nodes: Vec::new(),
    };
    let mut summary = Summary {
        params: p.clone(),
        rows_per_checkpoint: BTreeMap::new(),
        sessions: sessions.len(),
        validation_sessions,
        thresholds: BTreeMap::new(),
        validation: BTreeMap::new(),
        nodes: 0,
        bytes: 0,
        compiled_agrees_on_rows: 0,
    };
    let mut ks = p.checkpoints.clone();
    ks.sort_unstable();
    ks.dedup();
    for (ci, &k) in ks.iter().enumerate() {
        let at_k: Vec<&Row> = rows.iter().filter(|r| r.k == k && class_of.contains_key(r.label.as_str())).collect();
        let mut counts = BTreeMap::new();
        for r in &at_k {
            *counts.entry(r.label.clone()).or_insert(0usize) += 1;
        }
        summary.rows_per_checkpoint.insert(k, counts);
        if at_k.len() < 2 {
            bail!("checkpoint {k}: {} labeled rows, too few to train", at_k.len());
        }
        let last = ci + 1 == ks.len();
        // Thresholds, class by class: the lowest share of votes whose
        // decisions for that class on the validation sessions reach the
        // target precision; never, if none does (a checkpoint that cannot
        // tell a class apart must not decide it, however unanimous its
        // trees: at checkpoint 3 a TCP flow has shown only its handshake).
        let (train_part, val_part): (Vec<&Row>, Vec<&Row>) = at_k.iter().partition(|r| !is_val(&r.session));
        let decide_anyway = last && p.decide_after_last;
        let mut thresholds = [NEVER; MAX_CLASSES];
        if decide_anyway {
            // Only the model's classes: the unused slots stay NEVER, as a
            // loaded model has them.
            thresholds[..model.classes.len()].fill(0.0);
        } else if val_part.is_empty() || train_part.is_empty() {
            let why = if sessions.len() < 5 {
                format!("a validation split needs at least 5 capture sessions, {} here", sessions.len())
            } else {
                format!("{} rows here, {} of them from validation sessions", at_k.len(), val_part.len())
            };
            progress(&format!(
                "warning: checkpoint {k}: no thresholds can be tuned ({why}): it will decide nothing and flows wait for the last checkpoint"
            ));
        } else {
            progress(&format!(
                "checkpoint {k}: tuning the thresholds ({} train / {} validation rows)",
                train_part.len(),
                val_part.len()
            ));
            let (tx, ty) = balanced(&train_part, &class_of, p);
            let cols = columns(&tx, &mask);
            let f = fit_trees(&tx, &ty, p, &cols)?;
            let mut tmp = Model { checkpoints: Vec::new(), trees: Vec::new(), nodes: Vec::new(), ..model.clone() };
            let n = compile_all(&f, &cols, &mut tmp.nodes, &mut tmp.trees)?;
            tmp.checkpoints.push(Checkpoint::uniform(k, 0.0, 0, n));
            let scored: Vec<(bool, f32, usize)> = val_part
                .iter()
                .map(|r| {
                    let (c, v, t) = tmp.predict(0, &r.x);
                    (c as u32 == class_of[r.label.as_str()], v as f32 / t.max(1) as f32, c)
                })
                .collect();
            for (class, t) in thresholds.iter_mut().enumerate().take(model.classes.len()) {
                *t = class_threshold(&scored, class, p.target_precision);
            }
            let decided: Vec<_> = scored.iter().filter(|s| s.1 >= thresholds[s.2]).collect();
            let acc = decided.iter().filter(|s| s.0).count() as f64 / decided.len().max(1) as f64;
            summary.validation.insert(k, (acc, decided.len() as f64 / scored.len() as f64));
        }
        progress(&format!("checkpoint {k}: training {} trees on {} rows", p.trees, at_k.len()));
        let (tx, ty) = balanced(&at_k, &class_of, p);
        let cols = columns(&tx, &mask);
        let f = fit_trees(&tx, &ty, p, &cols)?;
        let first = model.trees.len() as u32;
        let n = compile_all(&f, &cols, &mut model.nodes, &mut model.trees)?;
        model.checkpoints.push(Checkpoint { packets: k, thresholds, first_tree: first, trees: n });
        let also: Vec<&Row> = verify.iter().filter(|r| r.k == k).collect();
        for set in [&at_k, &also] {
            summary.compiled_agrees_on_rows += check_compiled(&model, model.checkpoints.len() - 1, &f, set, &cols)?;
        }
        summary.thresholds.insert(
            k,
            model.classes.iter().zip(thresholds).map(|(c, t)| (c.name.clone(), (t != NEVER).then_some(t))).collect(),
        );
    }
    summary.nodes = model.nodes.len();
    summary.bytes = model.to_bytes().len();
    Ok((model, summary))
}

/// The contract of compiled inference, checked on the real rows each time a
/// model is trained: checkpoint `ck`'s compiled trees give every row the
/// same votes as the smartcore trees `fs` they came from. Returns the rows
/// checked; any difference is an error.
fn check_compiled(model: &Model, ck: usize, fs: &[Forest], rows: &[&Row], cols: &[usize]) -> Result<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let mut votes = vec![[0u32; MAX_CLASSES]; rows.len()];
    for f in fs {
        for (v, c) in votes.iter_mut().zip(smartcore_predict(f, rows, cols)?) {
            v[(c as usize).min(MAX_CLASSES - 1)] += 1;
        }
    }
    for (r, v) in rows.iter().zip(&votes) {
        let want = winner(v, model.classes.len());
        let (got, n, _) = model.predict(ck, &r.x);
        if (got, n) != (want, v[want]) {
            bail!(
                "compiled trees disagree with smartcore on {} {} at {} packets: {got} with {n} votes, smartcore {want} with {}",
                r.capture,
                r.flow,
                r.k,
                v[want]
            );
        }
    }
    Ok(rows.len())
}

/// The lowest share of votes, in steps of 0.05 from 0.5, at which the
/// validation decisions for `class` reach the target precision, with at
/// least [`MIN_CLASS_DECISIONS`] of them to judge by; [`NEVER`] if none
/// does. Per class, because a large easy class (DNS) would otherwise carry a
/// small one decided badly, and the mission is macro-F1.
fn class_threshold(scored: &[(bool, f32, usize)], class: usize, target: f32) -> f32 {
    for step in 0..=10 {
        let t = (50 + step * 5) as f32 / 100.0;
        let (n, ok) = scored
            .iter()
            .filter(|s| s.2 == class && s.1 >= t)
            .fold((0usize, 0usize), |(n, ok), s| (n + 1, ok + s.0 as usize));
        if n < MIN_CLASS_DECISIONS {
            return NEVER;
        }
        if ok as f32 / n as f32 >= target {
            return t;
        }
    }
    NEVER
}

/// Fewer validation decisions for a class than this say too little about its precision.
const MIN_CLASS_DECISIONS: usize = 5;

/// The rows and labels to fit on, with classes resampled towards the
/// largest when balancing is on.
fn balanced<'a>(rows: &[&'a Row], class_of: &HashMap<&str, u32>, p: &Params) -> (Vec<&'a Row>, Vec<u32>) {
    let mut by: BTreeMap<u32, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        by.entry(class_of[r.label.as_str()]).or_default().push(r);
    }
    let largest = by.values().map(Vec::len).max().unwrap_or(0);
    let mut rng = SplitMix(p.seed ^ 0x5eed);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for (c, rs) in &by {
        xs.extend(rs.iter().copied());
        ys.extend(std::iter::repeat_n(*c, rs.len()));
        if p.balance {
            let target = largest.min(rs.len() * 10);
            for _ in rs.len()..target {
                xs.push(rs[(rng.next() % rs.len() as u64) as usize]);
                ys.push(*c);
            }
        }
    }
    (xs, ys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize, seed: u64) -> Vec<Row> {
        let mut rng = SplitMix(seed);
        let labels = ["web", "video", "file_transfer"];
        (0..n)
            .map(|i| {
                let c = (rng.next() % 3) as usize;
                let mut x = Box::new([0f32; schema::N]);
                for v in x.iter_mut() {
                    *v = (rng.next() % 10_000) as f32 / 7.0;
                }
                // Make the class learnable from a few features, with noise.
                x[schema::F::bidirectional_mean_ps as usize] = 200.0 + 500.0 * c as f32 + (rng.next() % 400) as f32;
                x[schema::F::splt_ps_2 as usize] = (c as f32 + 1.0) * 0.1 + (rng.next() % 3) as f32 * 0.05;
                Row {
                    capture: "c".into(),
                    session: format!("s{}", i % 10),
                    flow: i.to_string(),
                    k: 3,
                    label: labels[c].into(),
                    application: String::new(),
                    x,
                }
            })
            .collect()
    }

    fn params() -> Params {
        Params {
            classes: crate::DEFAULT_CLASSES.iter().map(|(n, d)| (n.to_string(), *d)).collect(),
            checkpoints: vec![3],
            trees: 15,
            max_depth: Some(10),
            min_samples_leaf: 1,
            min_samples_split: 2,
            mtry: None,
            seed: 3,
            exclude: vec![],
            balance: false,
            target_precision: 0.9,
            decide_after_last: true,
            name_verdicts: false,
            version: 1,
            name: "t".into(),
        }
    }

    #[test]
    fn compiled_forest_agrees_exactly_with_smartcore() {
        let train_rows = rows(600, 1);
        let eval_rows = rows(400, 2);
        let p = params();
        let class_of: HashMap<&str, u32> =
            p.classes.iter().enumerate().map(|(i, c)| (c.0.as_str(), i as u32)).collect();
        let refs: Vec<&Row> = train_rows.iter().collect();
        let y: Vec<u32> = refs.iter().map(|r| class_of[r.label.as_str()]).collect();
        // Every column but a constant one and one withheld: compiling must
        // map the forest's column numbers back to schema features.
        let mut mask = vec![true; schema::N];
        mask[schema::F::splt_ps_0 as usize] = false;
        let mut refs = refs;
        let mut constant: Vec<Row> = refs.iter().map(|r| (*r).clone()).collect();
        for r in &mut constant {
            r.x[schema::F::dst_port as usize] = 443.0;
        }
        refs = constant.iter().collect();
        let cols = columns(&refs, &mask);
        assert!(!cols.contains(&(schema::F::splt_ps_0 as usize)) && !cols.contains(&(schema::F::dst_port as usize)));
        assert_eq!(cols.len(), schema::N - 2);
        let f = fit(&refs, &y, &p, &cols).unwrap();
        let mut m = Model {
            version: 1,
            name: "t".into(),
            classes: p.classes.iter().map(|(n, d)| Class { name: n.clone(), dscp: *d }).collect(),
            checkpoints: vec![],
            decide_after_last: true,
            name_verdicts: false,
            trees: vec![],
            nodes: vec![],
        };
        let n = compile(&f, &cols, &mut m.nodes, &mut m.trees).unwrap();
        m.checkpoints.push(Checkpoint::uniform(3, 0.0, 0, n));
        let m = Model::from_bytes(&m.to_bytes()).unwrap();
        let eval_refs: Vec<&Row> = eval_rows.iter().chain(train_rows.iter()).collect();
        let want = smartcore_predict(&f, &eval_refs, &cols).unwrap();
        let mut agree = 0;
        for (r, w) in eval_refs.iter().zip(&want) {
            assert_eq!(m.predict(0, &r.x).0 as u32, *w, "row {}", r.flow);
            agree += 1;
        }
        assert_eq!(agree, 1000);
        // And it learned something: well above the 133 of guessing.
        let correct = eval_rows.iter().filter(|r| m.predict(0, &r.x).0 as u32 == class_of[r.label.as_str()]).count();
        assert!(correct > 200, "{correct}/400");
    }

    #[test]
    fn withheld_features_never_split() {
        let mut p = params();
        p.exclude = vec!["bidirectional_mean_ps".into()];
        let (m, _) = train(&rows(300, 5), &[], &p, |_| {}).unwrap();
        let f = schema::F::bidirectional_mean_ps as u16;
        assert!(m.nodes.iter().all(|n| n.feature != f));
    }

    #[test]
    fn training_checks_the_compiled_trees_on_every_row() {
        let (m, s) = train(&rows(300, 5), &rows(50, 6), &params(), |_| {}).unwrap();
        assert_eq!(s.compiled_agrees_on_rows, 350);
        // What is served is what was trained: the model survives its file.
        assert_eq!(Model::from_bytes(&m.to_bytes()).unwrap(), m);
    }
}
