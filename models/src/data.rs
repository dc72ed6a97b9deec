//! Feature rows as `dataplane extract` writes them: metadata columns, then
//! the schema's features by name. Columns are matched by name, so a file
//! that lacks a feature of this schema is refused rather than misread.
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

use crate::schema;

/// One row: a flow at one checkpoint.
#[derive(Debug, Clone)]
pub struct Row {
    pub capture: String,
    pub session: String,
    /// src, sport, dst, dport, proto, first_ns: identifies the flow.
    pub flow: String,
    pub k: u32,
    pub label: String,
    pub application: String,
    pub x: Box<[f32; schema::N]>,
}

/// Read every row of the given feature files.
pub fn read_rows(paths: &[impl AsRef<Path>]) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for p in paths {
        let p = p.as_ref();
        let mut r =
            csv::ReaderBuilder::new().from_path(p).with_context(|| format!("reading features {}", p.display()))?;
        let header = r.headers()?.clone();
        let col = |n: &str| header.iter().position(|h| h == n);
        let need = |n: &str| col(n).ok_or_else(|| anyhow!("{}: no column {n:?}", p.display()));
        let (cap, sess, k, label, app) =
            (need("capture")?, need("session")?, need("k")?, need("label")?, need("application")?);
        let flow_cols: Vec<usize> = ["src_ip", "src_port", "dst_ip", "dst_port", "protocol", "flow_first_ns"]
            .iter()
            .map(|n| need(n))
            .collect::<Result<_>>()?;
        let mut feat = Vec::with_capacity(schema::N);
        for n in schema::NAMES {
            feat.push(col(n).ok_or_else(|| {
                anyhow!("{}: no feature column {n:?}: extracted with another feature schema?", p.display())
            })?);
        }
        for (i, rec) in r.records().enumerate() {
            let rec = rec.with_context(|| format!("{}: row {}", p.display(), i + 2))?;
            let mut x = Box::new([0f32; schema::N]);
            for (j, &c) in feat.iter().enumerate() {
                let v = rec.get(c).unwrap_or("");
                x[j] = v.parse().map_err(|_| {
                    anyhow!("{}: row {}: {} = {v:?} is not a number", p.display(), i + 2, schema::NAMES[j])
                })?;
            }
            let get = |c: usize| rec.get(c).unwrap_or("").to_string();
            rows.push(Row {
                capture: get(cap),
                session: get(sess),
                flow: flow_cols.iter().map(|&c| get(c)).collect::<Vec<_>>().join(" "),
                k: get(k).parse().map_err(|_| anyhow!("{}: row {}: bad k", p.display(), i + 2))?,
                label: get(label),
                application: get(app),
                x,
            });
        }
    }
    if rows.is_empty() {
        bail!("no feature rows in {} file(s)", paths.len());
    }
    Ok(rows)
}
