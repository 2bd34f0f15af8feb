//! Charts of a sweep, drawn from its CSV files alone, so `pnrpsim plot`
//! can re-draw them without re-running anything; and the charts of one
//! run's `[[event]]` timeline ([`timeline`]), drawn by `pnrpsim run`.
//!
//! Text uses DejaVu Sans compiled into the binary (plotters' `ab_glyph`
//! backend), so charts render the same on a machine without any fonts.

/// Draws the kbit/s axis on the right of `$chart` (a chart with secondary
/// coordinates whose y axis is in B/s), labelled by `$k`
/// ([`axes::kbit_ticks`]): one definition for the line charts and the bar
/// charts, so both read alike.
macro_rules! draw_kbit_axis {
    ($chart:expr, $k:expr) => {{
        let k_label = |v: &f64| $k.label(*v);
        $chart
            .configure_secondary_axes()
            .y_desc("kbit/s")
            .axis_desc_style((FONT, 20))
            .label_style((FONT, 16))
            .y_label_formatter(&k_label)
            .axis_style(RGBColor(90, 90, 90))
            .draw()
    }};
}

mod axes;
pub mod bars;
mod chart;
mod data;
mod figures;
pub mod timeline;

/// The chart model, for charts that are not drawn from a sweep (the
/// validation charts of `docs/validation.md`).
pub use axes::Scale;
pub use chart::{Axis, Band, Chart, Curve, Marker, color, lighten, render};
pub use data::axis_label;

use anyhow::{anyhow, bail};
use plotters::style::{FontStyle, register_font as plotters_register_font};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Room the charts of one sweep take (twelve PNG and SVG files, a few
/// hundred KiB each).
pub const CHART_BYTES: u64 = 8 << 20;

/// Font family every chart uses.
pub const FONT: &str = "DejaVu Sans";

static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font, once per process. Also under plotters'
/// default `sans-serif`, so no text can fall back to a missing system font.
fn register_font() -> anyhow::Result<()> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        for family in [FONT, "sans-serif"] {
            plotters_register_font(family, FontStyle::Normal, DEJAVU_SANS)
                .map_err(|_| "the embedded DejaVu Sans font cannot be read".to_string())?;
        }
        Ok(())
    })
    .clone()
    .map_err(|e| anyhow!(e))
}

/// Re-draws every chart of the sweep in `path` (its output directory, or
/// any file in it) from its CSV files, next to them, as PNG and SVG.
/// Returns the chart files written. Charts whose data is absent (no
/// `host_rates.csv`, an interrupted sweep without the first point…) are
/// skipped; [`plot_dir_noting`] says which.
pub fn plot_dir(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    plot_dir_noting(path).map(|(files, _)| files)
}

/// [`plot_dir`], also returning each chart not drawn with the reason
/// (`host_cdf: out/host_rates.csv is missing`).
pub fn plot_dir_noting(path: &Path) -> anyhow::Result<(Vec<PathBuf>, Vec<String>)> {
    if std::fs::symlink_metadata(path).is_err() {
        bail!("{} does not exist", path.display());
    }
    let dir = if path.is_file() {
        path.parent().unwrap_or(Path::new("."))
    } else {
        path
    };
    // A set a killed command left half renamed is finished first.
    crate::outputs::staging::recover(dir)?;
    if !dir.join(crate::sweep::tables::SWEEP_CSV).is_file() {
        bail!(
            "{} has no {}: give the output directory of a sweep",
            dir.display(),
            crate::sweep::tables::SWEEP_CSV
        );
    }
    figures::render_all(dir)
}

pub use figures::is_chart_file;

/// The sweep layer's hook for drawing charts into a sweep's output set.
pub const SWEEP_CHARTS: crate::sweep::Charts = crate::sweep::Charts {
    draw: plot_dir,
    is_chart: is_chart_file,
};
