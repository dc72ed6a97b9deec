//! `models`: train, evaluate and inspect flowmark models.
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use clap::{Parser, Subcommand};

use models::data::read_rows;
use models::eval::evaluate;
use models::forest::Model;
use models::train::{train, Params};
use models::{default_exclude, schema, DEFAULT_CLASSES, NAME_FEATURES};

/// flowmark models: train a forest on feature rows from `dataplane extract`,
/// evaluate it, inspect a forest.bin.
#[derive(Parser)]
#[command(name = "models", version)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Train one forest per checkpoint and write forest.bin and a summary.
    Train {
        /// Feature CSVs from `dataplane extract` (rows labeled with classes).
        #[arg(long = "features", required = true, num_args = 1..)]
        features: Vec<PathBuf>,
        /// The model to write.
        #[arg(long, default_value = "forest.bin")]
        out: PathBuf,
        /// Packet counts at which the model decides. The last one decides
        /// every flow still pending (unless --unknown-after-last): by 8
        /// packets, so flows are marked while they are starting.
        #[arg(long, value_delimiter = ',', default_value = "3,5,8")]
        checkpoints: Vec<u32>,
        /// Classes and their DSCP, in output order.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "web=18,video=26,file_transfer=10,interactive=18,realtime=34,other=0"
        )]
        classes: Vec<String>,
        /// Trees per checkpoint. On the held-out split (depth 10) 30, 50 and
        /// 100 trees scored 0.853, 0.848 and 0.849 macro-F1 (0.800, 0.796
        /// and 0.794 without name verdicts): the cost per decision grows
        /// with the count, the score does not.
        #[arg(long, default_value_t = 50)]
        trees: u16,
        /// Deepest tree. 10 held out as 14 did (0.848 and 0.847 macro-F1,
        /// names ablation 0.577 and 0.588) at two thirds of the time per
        /// decision and half the size; 8 lost 0.05 in the ablation.
        #[arg(long, default_value_t = 10)]
        max_depth: u16,
        #[arg(long, default_value_t = 2)]
        min_samples_leaf: usize,
        #[arg(long, default_value_t = 4)]
        min_samples_split: usize,
        /// Features tried per split (default: sqrt of the features in use).
        #[arg(long)]
        mtry: Option<usize>,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Extra features to withhold (on top of the defaults unless --no-default-exclude).
        #[arg(long, value_delimiter = ',')]
        exclude: Vec<String>,
        /// Do not withhold the default features: the hosts' traits (ports, SYN
        /// options), frame sizes and timing in absolute milliseconds.
        #[arg(long)]
        no_default_exclude: bool,
        /// Withhold every name-based feature (the ECH/VPN ablation).
        #[arg(long)]
        no_names: bool,
        /// Do not resample classes towards balance.
        #[arg(long)]
        no_balance: bool,
        /// Precision a checkpoint's decisions must reach on the validation sessions.
        #[arg(long, default_value_t = 0.95)]
        target_precision: f32,
        /// After the last checkpoint say unknown instead of deciding anyway.
        #[arg(long)]
        unknown_after_last: bool,
        /// Do not let the name table decide: by default a flow whose service
        /// name (SNI, QUIC, certificate, Host or DNS) the table classes as one
        /// of the model's classes takes that class at its first checkpoint.
        /// Off with --no-names as well.
        #[arg(long)]
        no_name_verdicts: bool,
        /// The model's version number (shown by the dataplane and in flow logs).
        #[arg(long, default_value_t = 1)]
        model_version: u32,
        #[arg(long, default_value = "flowmark")]
        name: String,
        /// Write the training summary (JSON) here (default: OUT with .summary.json).
        #[arg(long)]
        summary: Option<PathBuf>,
        /// Feature CSVs (e.g. the held-out split) on which to check, besides
        /// every training row, that the compiled trees vote exactly as
        /// smartcore's do (training fails if they do not). Not trained on.
        #[arg(long, value_name = "CSV", num_args = 1..)]
        verify_on: Vec<PathBuf>,
    },
    /// Evaluate a model on labeled feature rows; print and write a report.
    Eval {
        #[arg(long)]
        model: PathBuf,
        #[arg(long = "features", required = true, num_args = 1..)]
        features: Vec<PathBuf>,
        /// Write the Markdown report here.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Write the report as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
        #[arg(long, default_value = "flowmark evaluation")]
        title: String,
        /// Draw F1 against the checkpoint k (web, video, file_transfer and
        /// their macro-F1) into this PNG.
        #[arg(long, value_name = "PNG")]
        plot: Option<PathBuf>,
        /// The TrueType font for the plot's text.
        #[arg(long, value_name = "TTF", default_value = models::plot::DEFAULT_FONT)]
        font: PathBuf,
        /// Write each flow's decision (CSV: flow, application, truth, prediction, packet, confidence) here.
        #[arg(long)]
        predictions: Option<PathBuf>,
    },
    /// Show a model's schema, classes, checkpoints, size and feature use.
    Inspect { model: PathBuf },
}

fn load(path: &PathBuf) -> Result<Model> {
    let b = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Model::from_bytes(&b).map_err(|e| anyhow!("{}: {e}", path.display()))
}

fn run(cli: Cli) -> Result<()> {
    match cli.cmd {
        Cmd::Train {
            features,
            out,
            checkpoints,
            classes,
            trees,
            max_depth,
            min_samples_leaf,
            min_samples_split,
            mtry,
            seed,
            exclude,
            no_default_exclude,
            no_names,
            no_balance,
            target_precision,
            unknown_after_last,
            no_name_verdicts,
            model_version,
            name,
            summary,
            verify_on,
        } => {
            let classes = classes
                .iter()
                .map(|c| {
                    let (n, d) = c.split_once('=').unwrap_or((c.as_str(), ""));
                    let dscp = if d.is_empty() {
                        DEFAULT_CLASSES.iter().find(|x| x.0 == n).map(|x| x.1).unwrap_or(0)
                    } else {
                        d.parse().map_err(|_| anyhow!("--classes: {c:?}: DSCP must be 0..63"))?
                    };
                    if dscp > 63 {
                        bail!("--classes: {c:?}: DSCP must be 0..63");
                    }
                    Ok((n.to_string(), dscp))
                })
                .collect::<Result<Vec<_>>>()?;
            let mut ex: Vec<String> = exclude;
            if !no_default_exclude {
                ex.extend(default_exclude().map(str::to_string));
            }
            if no_names {
                ex.extend(NAME_FEATURES.iter().map(|s| s.to_string()));
            }
            let p = Params {
                classes,
                checkpoints,
                trees,
                max_depth: Some(max_depth),
                min_samples_leaf,
                min_samples_split,
                mtry,
                seed,
                exclude: ex,
                balance: !no_balance,
                target_precision,
                decide_after_last: !unknown_after_last,
                name_verdicts: !no_name_verdicts && !no_names,
                version: model_version,
                name,
            };
            eprintln!("reading {} feature file(s)...", features.len());
            let rows = read_rows(&features)?;
            eprintln!("{} rows", rows.len());
            let t0 = std::time::Instant::now();
            let verify = if verify_on.is_empty() { Vec::new() } else { read_rows(&verify_on)? };
            let (model, sum) = train(&rows, &verify, &p, |m| eprintln!("[{:6.1} s] {m}", t0.elapsed().as_secs_f64()))?;
            let bytes = model.to_bytes();
            std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            let sp = summary.unwrap_or_else(|| out.with_extension("summary.json"));
            std::fs::write(&sp, serde_json::to_string_pretty(&sum)? + "\n")?;
            println!(
                "wrote {} ({} bytes, {} trees, {} nodes; the same vote winners and counts as smartcore's trees on all {} rows) and {} in {:.1} s; thresholds {:?}",
                out.display(),
                bytes.len(),
                model.trees.len(),
                model.nodes.len(),
                sum.compiled_agrees_on_rows,
                sp.display(),
                t0.elapsed().as_secs_f64(),
                sum.thresholds
            );
        }
        Cmd::Eval { model, features, report, json, title, plot, font, predictions } => {
            let m = load(&model)?;
            let rows = read_rows(&features)?;
            let r = evaluate(&m, &rows);
            let md = r.markdown(&m, &title);
            print!("{md}");
            if let Some(p) = report {
                std::fs::write(&p, &md).with_context(|| format!("writing {}", p.display()))?;
            }
            if let Some(p) = json {
                std::fs::write(&p, serde_json::to_string_pretty(&r)? + "\n")?;
            }
            if let Some(p) = plot {
                models::plot::f1_by_checkpoint(&r, &title, &p, &font)?;
                eprintln!("wrote {}", p.display());
            }
            if let Some(p) = predictions {
                let mut w = csv::Writer::from_path(&p).with_context(|| format!("writing {}", p.display()))?;
                w.write_record(["flow", "application", "truth", "prediction", "packet", "confidence", "by"])?;
                for (flow, app, t, pr, k, c, by_name) in &r.flow_decisions {
                    let (t, pr) = (&m.classes[*t].name, &m.classes[*pr].name);
                    let by = if *by_name { "name" } else { "forest" };
                    w.write_record([flow, app, t, pr, &k.to_string(), &format!("{c:.3}"), by])?;
                }
                w.flush()?;
            }
        }
        Cmd::Inspect { model } => {
            let m = load(&model)?;
            let bytes = std::fs::metadata(&model)?.len();
            println!("model {} version {} ({bytes} bytes)", m.name, m.version);
            println!("schema {} {:016x}, {} features", schema::VERSION, schema::HASH, schema::N);
            println!(
                "classes: {}",
                m.classes.iter().map(|c| format!("{}=DSCP {}", c.name, c.dscp)).collect::<Vec<_>>().join(", ")
            );
            for (i, c) in m.checkpoints.iter().enumerate() {
                println!("checkpoint {:>3} packets: {} trees; {}", c.packets, c.trees, m.thresholds_text(i));
            }
            println!("after the last checkpoint: {}", if m.decide_after_last { "decide anyway" } else { "unknown" });
            // Feature importance: how many splits use each feature.
            let mut uses = vec![0usize; schema::N];
            for n in &m.nodes {
                if n.feature != models::forest::LEAF {
                    uses[n.feature as usize] += 1;
                }
            }
            let mut order: Vec<usize> = (0..schema::N).filter(|&i| uses[i] > 0).collect();
            order.sort_by_key(|&i| std::cmp::Reverse(uses[i]));
            let splits: usize = uses.iter().sum();
            println!("{} nodes, {splits} splits over {} features; most used:", m.nodes.len(), order.len());
            for &i in order.iter().take(25) {
                println!("  {:>5.1} %  {}", 100.0 * uses[i] as f64 / splits.max(1) as f64, schema::NAMES[i]);
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
