//! A small chart model (curves with error bars, filled bands) and its
//! rendering to PNG and SVG with plotters.
//!
//! Figures build a [`Chart`] from data and hand it to [`render`]; adding a
//! curve (a model estimate, say) is pushing one more [`Curve`].

use super::FONT;
use super::axes::{Scale, Ticks, kbit_ticks, layout};
use crate::outputs::write_atomic;
use anyhow::Context;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 750;

/// A light, colour-blind-friendly palette (Tableau 10).
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// `c` blended towards white by `share`: a secondary curve of the same group.
pub fn lighten(c: RGBColor, share: f64) -> RGBColor {
    let mix = |v: u8| (f64::from(v) + (255.0 - f64::from(v)) * share).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

pub struct Axis {
    pub label: String,
    pub scale: Scale,
    /// Stretch a linear axis to 0, so bar-like quantities are not exaggerated.
    pub include_zero: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    None,
    Circle,
    Triangle,
}

/// A line through data points, optionally with markers and vertical
/// error bars.
pub struct Curve {
    pub label: String,
    pub color: RGBColor,
    pub width: u32,
    /// Drawn dashed: a model or reference line rather than measured data.
    pub dashed: bool,
    pub marker: Marker,
    pub points: Vec<(f64, f64)>,
    /// `(x, low, high)` of each error bar.
    pub errors: Vec<(f64, f64, f64)>,
}

/// A filled area between two lines, `(x, low, high)`: a layer of a stack.
pub struct Band {
    pub label: String,
    pub color: RGBColor,
    pub points: Vec<(f64, f64, f64)>,
}

pub struct Chart {
    pub title: String,
    pub x: Axis,
    pub y: Axis,
    /// Drawn first, under the curves; legend entries in this order.
    pub bands: Vec<Band>,
    pub curves: Vec<Curve>,
}

impl Chart {
    /// Plot-space extent of everything drawable, or `None` if nothing is.
    fn extent(&self) -> Option<((f64, f64), (f64, f64))> {
        let (sx, sy) = (self.x.scale, self.y.scale);
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        let mut add = |x: f64, y: f64| {
            if let (Some(x), Some(y)) = (sx.pos(x), sy.pos(y)) {
                xs.push(x);
                ys.push(y);
            }
        };
        for c in &self.curves {
            c.points.iter().for_each(|&(x, y)| add(x, y));
            for &(x, lo, hi) in &c.errors {
                add(x, lo);
                add(x, hi);
            }
        }
        for b in &self.bands {
            for &(x, lo, hi) in &b.points {
                add(x, lo);
                add(x, hi);
            }
        }
        let span = |v: &[f64]| {
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (lo, hi)
        };
        (!xs.is_empty()).then(|| (span(&xs), span(&ys)))
    }
}

/// Something that draws itself on any plotters backend, so that one
/// function writes both its PNG and its SVG.
pub trait Drawable {
    fn draw_on<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> anyhow::Result<()>
    where
        DB::ErrorType: 'static;
}

/// Draws `figure` into `<stem>.png` and `<stem>.svg` in `dir`, each written
/// atomically.
pub fn save<D: Drawable>(figure: &D, dir: &Path, stem: &str) -> anyhow::Result<[PathBuf; 2]> {
    super::register_font()?;
    let png = dir.join(format!("{stem}.png"));
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    figure.draw_on(BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)).into_drawing_area())?;
    write_atomic(&png, |w| {
        let mut enc = png::Encoder::new(w, WIDTH, HEIGHT);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header()?.write_image_data(&pixels)?;
        Ok(())
    })
    .with_context(|| format!("cannot write {}", png.display()))?;

    let svg = dir.join(format!("{stem}.svg"));
    let mut text = String::new();
    figure.draw_on(SVGBackend::with_string(&mut text, (WIDTH, HEIGHT)).into_drawing_area())?;
    write_atomic(&svg, |w| w.write_all(text.as_bytes()))
        .with_context(|| format!("cannot write {}", svg.display()))?;
    Ok([png, svg])
}

/// A chart with its computed axes.
struct Laid<'a> {
    chart: &'a Chart,
    xt: Ticks,
    yt: Ticks,
}

impl Drawable for Laid<'_> {
    fn draw_on<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> anyhow::Result<()>
    where
        DB::ErrorType: 'static,
    {
        draw(root, self.chart, &self.xt, &self.yt)
    }
}

/// Writes `<stem>.png` and `<stem>.svg` into `dir`; `Ok(None)` (and no
/// files) when the chart has no drawable data.
pub fn render(chart: &Chart, dir: &Path, stem: &str) -> anyhow::Result<Option<[PathBuf; 2]>> {
    let Some(((x0, x1), (y0, y1))) = chart.extent() else {
        return Ok(None);
    };
    let laid = Laid {
        chart,
        xt: layout(chart.x.scale, x0, x1, chart.x.include_zero),
        yt: layout(chart.y.scale, y0, y1, chart.y.include_zero),
    };
    save(&laid, dir, stem).map(Some)
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    c: &Chart,
    xt: &Ticks,
    yt: &Ticks,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    // A rate in B/s gets its kbit/s on a second axis at the right: budgets
    // and links are quoted in kbit/s.
    let kbit = shows_bytes_per_s(&c.y.label).then(|| kbit_ticks(c.y.scale, yt));
    let mut chart = ChartBuilder::on(&root)
        .caption(&c.title, (FONT, 26).into_font())
        .margin_top(16)
        .margin_left(16)
        .margin_bottom(16)
        // Room for the last x tick label, which is centred on the edge.
        .margin_right(if kbit.is_some() { 16 } else { 40 })
        .x_label_area_size(64)
        .y_label_area_size(96)
        .right_y_label_area_size(if kbit.is_some() { 90 } else { 0 })
        .build_cartesian_2d(xt.clone(), yt.clone())?
        .set_secondary_coord(xt.clone(), kbit.clone().unwrap_or_else(|| yt.clone()));
    let legend = legend_corner(c, xt, yt, chart.plotting_area().dim_in_pixel());
    let x_label = |v: &f64| xt.label(*v);
    let y_label = |v: &f64| yt.label(*v);
    chart
        .configure_mesh()
        .x_desc(c.x.label.as_str())
        .y_desc(c.y.label.as_str())
        .axis_desc_style((FONT, 20))
        .label_style((FONT, 16))
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .bold_line_style(RGBColor(200, 200, 200))
        .light_line_style(RGBColor(238, 238, 238))
        .axis_style(RGBColor(90, 90, 90))
        .draw()?;
    if let Some(k) = &kbit {
        draw_kbit_axis!(chart, k)?;
    }

    let (sx, sy) = (c.x.scale, c.y.scale);
    let to_plot = |x: f64, y: f64| Some((sx.pos(x)?, sy.pos(y)?));
    for band in &c.bands {
        let upper = band.points.iter().filter_map(|&(x, _, hi)| to_plot(x, hi));
        let lower = band
            .points
            .iter()
            .rev()
            .filter_map(|&(x, lo, _)| to_plot(x, lo).or_else(|| Some((sx.pos(x)?, yt.lo))));
        let outline: Vec<(f64, f64)> = upper.chain(lower).collect();
        let fill = band.color.mix(0.8).filled();
        chart
            .draw_series(std::iter::once(Polygon::new(outline, fill)))?
            .label(band.label.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 7), (x + 20, y + 7)], fill));
    }
    for curve in &c.curves {
        let color = curve.color;
        let points: Vec<(f64, f64)> = curve
            .points
            .iter()
            .filter_map(|&(x, y)| to_plot(x, y))
            .collect();
        // An interval reaching below a log axis is drawn to its bottom edge.
        for &(x, lo, hi) in &curve.errors {
            let Some((px, phi)) = to_plot(x, hi) else {
                continue;
            };
            let plo = sy.pos(lo).unwrap_or(yt.lo);
            let whisker = |y| {
                EmptyElement::at((px, y))
                    + PathElement::new([(-6, 0), (6, 0)], color.stroke_width(2))
            };
            chart.draw_series([PathElement::new(
                [(px, plo), (px, phi)],
                color.stroke_width(2),
            )])?;
            chart.draw_series([whisker(plo), whisker(phi)])?;
        }
        // Width 0: points only, for values simulated one by one, which a
        // line would join through values never run.
        let shown: &[(f64, f64)] = if curve.width == 0 { &[] } else { &points };
        let line = color.stroke_width(curve.width.max(2));
        let anno = if curve.dashed {
            chart.draw_series(DashedLineSeries::new(
                shown.iter().copied(),
                DASH,
                DASH_GAP,
                line,
            ))?
        } else {
            chart.draw_series(LineSeries::new(shown.iter().copied(), line))?
        };
        // The legend key: two strokes, apart when the curve is dashed, with
        // the marker on top. A curve without a label has no legend entry
        // (the second edge of a band drawn as two dashed lines, say).
        if !curve.label.is_empty() {
            let (end, start) = match (curve.width, curve.dashed) {
                // Points only: the marker alone.
                (0, _) => (-2, 22),
                (_, true) => (7, 13),
                _ => (10, 10),
            };
            let key = move |at| {
                EmptyElement::at(at)
                    + PathElement::new([(-2, 0), (end, 0)], line)
                    + PathElement::new([(start, 0), (22, 0)], line)
            };
            let anno = anno.label(curve.label.as_str());
            match curve.marker {
                Marker::None => anno.legend(key),
                Marker::Circle => {
                    anno.legend(move |at| key(at) + Circle::new((10, 0), 5, color.filled()))
                }
                Marker::Triangle => {
                    anno.legend(move |at| key(at) + TriangleMarker::new((10, 0), 7, color.filled()))
                }
            };
        }
        match curve.marker {
            Marker::None => {}
            Marker::Circle => {
                chart.draw_series(points.iter().map(|&p| Circle::new(p, 5, color.filled())))?;
            }
            Marker::Triangle => {
                chart.draw_series(
                    points
                        .iter()
                        .map(|&p| TriangleMarker::new(p, 7, color.filled())),
                )?;
            }
        }
    }
    chart
        .configure_series_labels()
        .position(legend)
        .margin(LEGEND_MARGIN)
        .legend_area_size(LEGEND_KEY)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(150, 150, 150))
        .label_font((FONT, LEGEND_FONT))
        .draw()?;
    root.present()?;
    Ok(())
}

/// Whether an axis label is of a rate in bytes per second.
fn shows_bytes_per_s(label: &str) -> bool {
    label.contains("B/s")
}

/// Dash length and gap of a dashed curve, in pixels.
const DASH: u32 = 12;
const DASH_GAP: u32 = 8;

const LEGEND_MARGIN: u32 = 14;
const LEGEND_KEY: u32 = 30;
const LEGEND_FONT: u32 = 17;

/// The corner where the legend hides the least data, found by counting
/// sampled points of the lines and filled areas under each corner's box.
fn legend_corner(c: &Chart, xt: &Ticks, yt: &Ticks, area: (u32, u32)) -> SeriesLabelPosition {
    let labels = c
        .bands
        .iter()
        .map(|b| &b.label)
        .chain(c.curves.iter().map(|c| &c.label))
        .filter(|l| !l.is_empty());
    let longest = labels.clone().map(|l| l.chars().count()).max().unwrap_or(0);
    // Plotters' legend: margin, key, text (DejaVu Sans averages about 0.55
    // em per character), about 1.4 em per entry.
    let font = f64::from(LEGEND_FONT);
    let w = f64::from(LEGEND_MARGIN + LEGEND_KEY) + 20.0 + longest as f64 * 0.55 * font;
    let h = f64::from(LEGEND_MARGIN) + 10.0 + labels.count() as f64 * 1.4 * font;
    let (w, h) = (w / f64::from(area.0.max(1)), h / f64::from(area.1.max(1)));

    let (sx, sy) = (c.x.scale, c.y.scale);
    let norm = |x: f64, y: f64| -> Option<(f64, f64)> {
        Some((
            (sx.pos(x)? - xt.lo) / (xt.hi - xt.lo),
            (sy.pos(y)? - yt.lo) / (yt.hi - yt.lo),
        ))
    };
    let mut ink: Vec<(f64, f64)> = Vec::new();
    let mut segment = |a: (f64, f64), b: (f64, f64), n: usize| {
        ink.extend((0..=n).map(|i| {
            let t = i as f64 / n as f64;
            (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
        }));
    };
    for curve in &c.curves {
        let pts: Vec<(f64, f64)> = curve
            .points
            .iter()
            .filter_map(|&(x, y)| norm(x, y))
            .collect();
        pts.windows(2).for_each(|p| segment(p[0], p[1], 40));
        pts.iter().for_each(|&p| segment(p, p, 1));
        for &(x, lo, hi) in &curve.errors {
            if let (Some(a), Some(b)) = (norm(x, lo), norm(x, hi)) {
                segment(a, b, 10);
            }
        }
    }
    for band in &c.bands {
        let pts: Vec<((f64, f64), (f64, f64))> = band
            .points
            .iter()
            .filter_map(|&(x, lo, hi)| {
                Some((norm(x, lo).unwrap_or((norm(x, hi)?.0, 0.0)), norm(x, hi)?))
            })
            .collect();
        // The filled area, as vertical strokes across it.
        for p in pts.windows(2) {
            for i in 0..=20 {
                let t = f64::from(i) / 20.0;
                let lerp =
                    |a: (f64, f64), b: (f64, f64)| (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
                segment(lerp(p[0].0, p[1].0), lerp(p[0].1, p[1].1), 10);
            }
        }
    }
    let corners = [
        (SeriesLabelPosition::UpperLeft, (0.0, 1.0 - h)),
        (SeriesLabelPosition::UpperRight, (1.0 - w, 1.0 - h)),
        (SeriesLabelPosition::LowerRight, (1.0 - w, 0.0)),
        (SeriesLabelPosition::LowerLeft, (0.0, 0.0)),
    ];
    corners
        .into_iter()
        .min_by_key(|(_, (x0, y0))| {
            ink.iter()
                .filter(|(x, y)| *x >= *x0 && *x <= x0 + w && *y >= *y0 && *y <= y0 + h)
                .count()
        })
        .map_or(SeriesLabelPosition::UpperLeft, |c| c.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(points: Vec<(f64, f64)>) -> Chart {
        let axis = || Axis {
            label: String::new(),
            scale: Scale::Linear,
            include_zero: false,
        };
        Chart {
            title: String::new(),
            x: axis(),
            y: axis(),
            bands: Vec::new(),
            curves: vec![Curve {
                label: "a curve".to_string(),
                color: color(0),
                width: 2,
                dashed: false,
                marker: Marker::Circle,
                points,
                errors: Vec::new(),
            }],
        }
    }

    fn corner(c: &Chart) -> SeriesLabelPosition {
        let ((x0, x1), (y0, y1)) = c.extent().unwrap();
        let xt = layout(Scale::Linear, x0, x1, false);
        let yt = layout(Scale::Linear, y0, y1, false);
        legend_corner(c, &xt, &yt, (1000, 600))
    }

    #[test]
    fn legend_avoids_the_data() {
        let rising = line((0..=10).map(|i| (f64::from(i), f64::from(i))).collect());
        assert!(matches!(corner(&rising), SeriesLabelPosition::UpperLeft));
        let falling = line(
            (0..=10)
                .map(|i| (f64::from(i), f64::from(10 - i)))
                .collect(),
        );
        assert!(matches!(corner(&falling), SeriesLabelPosition::UpperRight));
        // A curve hugging the top and the left edge leaves the lower right.
        let corner_l = line(vec![(0.0, 0.0), (0.0, 10.0), (10.0, 10.0)]);
        assert!(matches!(corner(&corner_l), SeriesLabelPosition::LowerRight));
    }

    #[test]
    fn nothing_to_draw_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        // A log axis cannot show zero or negative values.
        let mut c = line(vec![(0.0, 1.0), (-1.0, 2.0)]);
        c.x.scale = Scale::Log;
        assert_eq!(render(&c, dir.path(), "empty").unwrap(), None);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
