//! The evaluation's F1-by-checkpoint plot (PNG): how well the model does
//! if every flow is classified at packet k, per class and macro.
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::eval::{Report, CORE};

/// Where Debian's fonts-dejavu-core puts the font the plot's text uses.
pub const DEFAULT_FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

fn register(font: &Path) -> Result<()> {
    let bytes = std::fs::read(font).with_context(|| {
        format!("reading the plot font {} (install fonts-dejavu-core, or pass --font PATH to a TTF)", font.display())
    })?;
    // plotters keeps the font for the life of the process.
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
        .map_err(|_| anyhow!("{} is not a TrueType font plotters can read", font.display()))
}

/// A line of the plot: its legend, colour and (k, F1) points.
type Series = (String, RGBColor, Vec<(u32, f64)>);

/// Write `report`'s per-checkpoint F1 (web, video, file_transfer and their
/// macro-F1) to `out` as a PNG.
pub fn f1_by_checkpoint(report: &Report, title: &str, out: &Path, font: &Path) -> Result<()> {
    register(font)?;
    let ks: Vec<u32> = report.per_checkpoint.keys().copied().collect();
    let kmax = ks.iter().copied().max().unwrap_or(1);
    let root = BitMapBackend::new(out, (960, 600)).into_drawing_area();
    let draw = |e| anyhow!("drawing {}: {e:?}", out.display());
    root.fill(&WHITE).map_err(draw)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d(0u32..kmax + 1, 0f64..1.0)
        .map_err(draw)?;
    chart
        .configure_mesh()
        .x_desc("checkpoint k (packets seen)")
        .y_desc("F1 when every flow is classified at k")
        .x_labels(kmax as usize + 2)
        .axis_desc_style(("sans-serif", 18))
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(draw)?;
    let mut series: Vec<Series> = vec![("macro-F1 (web, video, file_transfer)".into(), BLACK, Vec::new())];
    let colors = [RGBColor(31, 119, 180), RGBColor(214, 39, 40), RGBColor(44, 160, 44)];
    for (c, color) in CORE.iter().zip(colors) {
        series.push((format!("F1 {c}"), color, Vec::new()));
    }
    for (k, sc) in &report.per_checkpoint {
        series[0].2.push((*k, sc.macro_f1_core));
        for (i, c) in CORE.iter().enumerate() {
            if let Some(s) = sc.per_class.get(*c) {
                series[i + 1].2.push((*k, s.f1));
            }
        }
    }
    for (name, color, pts) in series {
        let style = ShapeStyle { color: color.to_rgba(), filled: true, stroke_width: 3 };
        chart
            .draw_series(LineSeries::new(pts.clone(), style))
            .map_err(draw)?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
        chart.draw_series(pts.iter().map(|p| Circle::new(*p, 5, color.filled()))).map_err(draw)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font(("sans-serif", 16))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(draw)?;
    root.present().map_err(draw)?;
    Ok(())
}
