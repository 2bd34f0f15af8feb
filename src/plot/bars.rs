//! Grouped bar charts: one group per metric, one bar per series (design),
//! each with its 95 % confidence interval.

use super::FONT;
use super::axes::{Scale, Ticks, kbit_ticks, layout};
use super::chart::{Drawable, color, save};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

/// One bar: a mean and, when known, its confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bar {
    pub value: f64,
    pub ci: Option<(f64, f64)>,
}

pub struct BarGroup {
    pub label: String,
    /// One bar per series, in series order.
    pub bars: Vec<Bar>,
}

pub struct BarChart {
    pub title: String,
    pub y_label: String,
    /// Legend names of the series.
    pub series: Vec<String>,
    pub groups: Vec<BarGroup>,
}

impl BarChart {
    fn top(&self) -> f64 {
        let top = self
            .groups
            .iter()
            .flat_map(|g| &g.bars)
            .map(|b| b.ci.map_or(b.value, |(_, hi)| hi.max(b.value)))
            .fold(0.0, f64::max);
        if top > 0.0 { top * 1.12 } else { 1.0 }
    }

    /// The y axis: linear from 0, or logarithmic when the bars span more
    /// than a factor of 20, so that a 14 B/s bar beside a 1 000 B/s one
    /// still shows (its value is printed on it either way).
    fn y_axis(&self) -> (Scale, Ticks) {
        let smallest = self
            .groups
            .iter()
            .flat_map(|g| &g.bars)
            .map(|b| b.value)
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        let top = self.top();
        if smallest.is_finite() && top / smallest >= 20.0 {
            // At most four decades: a bar smaller still shows its value
            // on the axis floor.
            let floor = smallest.max(top / 1e4) * 0.5;
            (
                Scale::Log,
                layout(Scale::Log, floor.log10(), top.log10(), false),
            )
        } else {
            (Scale::Linear, layout(Scale::Linear, 0.0, top, true))
        }
    }
}

impl Drawable for BarChart {
    fn draw_on<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> anyhow::Result<()>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        let groups = self.groups.len().max(1) as f64;
        let (scale, yt) = self.y_axis();
        let floor = yt.lo;
        let y = |v: f64| scale.pos(v).unwrap_or(floor).max(floor);
        let kbit = self.y_label.contains("B/s").then(|| kbit_ticks(scale, &yt));
        let mut chart = ChartBuilder::on(&root)
            .caption(&self.title, (FONT, 26).into_font())
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(90)
            .right_y_label_area_size(if kbit.is_some() { 80 } else { 0 })
            .build_cartesian_2d(0.0..groups, yt.clone())?
            .set_secondary_coord(0.0..groups, kbit.clone().unwrap_or_else(|| yt.clone()));
        let y_desc = match scale {
            Scale::Log => format!("{} (log scale)", self.y_label),
            Scale::Linear => self.y_label.clone(),
        };
        let y_label = |v: &f64| yt.label(*v);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_x_axis()
            .y_desc(y_desc)
            .axis_desc_style((FONT, 20))
            .label_style((FONT, 16))
            .y_label_formatter(&y_label)
            .bold_line_style(RGBColor(200, 200, 200))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()?;
        if let Some(k) = &kbit {
            draw_kbit_axis!(chart, k)?;
        }
        let n = self.series.len().max(1) as f64;
        let width = 0.8 / n;
        for (s, name) in self.series.iter().enumerate() {
            let c = color(s);
            let bars = self.groups.iter().enumerate().filter_map(|(g, group)| {
                let bar = group.bars.get(s)?;
                let x0 = g as f64 + 0.1 + s as f64 * width;
                Some(Rectangle::new(
                    [(x0, floor), (x0 + width * 0.9, y(bar.value))],
                    c.filled(),
                ))
            });
            chart
                .draw_series(bars)?
                .label(name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], c.filled()));
            let whiskers = self.groups.iter().enumerate().filter_map(|(g, group)| {
                let (lo, hi) = group.bars.get(s)?.ci?;
                let x = g as f64 + 0.1 + (s as f64 + 0.45) * width;
                Some(PathElement::new(
                    vec![(x, y(lo)), (x, y(hi))],
                    BLACK.stroke_width(2),
                ))
            });
            chart.draw_series(whiskers)?;
            // The value on each bar: the axis alone cannot give a small
            // bar's figure.
            let value_style =
                TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
            let values = self.groups.iter().enumerate().filter_map(|(g, group)| {
                let bar = group.bars.get(s)?;
                let x = g as f64 + 0.1 + (s as f64 + 0.45) * width;
                let top = bar.ci.map_or(bar.value, |(_, hi)| hi.max(bar.value));
                let text = value_text(bar.value);
                Some(Text::new(text, (x, y(top)), value_style.clone()))
            });
            chart.draw_series(values)?;
        }
        let style = TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
        // One word a line, so that neighbouring labels ("split detection",
        // "unregistration") never run into each other.
        for (g, group) in self.groups.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(g as f64 + 0.5, floor));
            for (line, word) in group.label.split(' ').enumerate() {
                root.draw(&Text::new(
                    word.to_owned(),
                    (px, py + 10 + 20 * line as i32),
                    style.clone(),
                ))?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .label_font((FONT, 16))
            .draw()?;
        root.present()?;
        Ok(())
    }
}

/// A bar's value with two significant digits at least: "843", "13.3",
/// "0.26", "0.0081"; "0" for nothing.
fn value_text(v: f64) -> String {
    if v <= 0.0 {
        return "0".to_owned();
    }
    let decimals = (1 - v.log10().floor() as i32).clamp(0, 6) as usize;
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.decimals$}")
    }
}

/// Writes `<stem>.png` and `<stem>.svg` of a grouped bar chart.
pub fn render_bars(chart: &BarChart, dir: &Path, stem: &str) -> anyhow::Result<[PathBuf; 2]> {
    save(chart, dir, stem)
}

#[cfg(test)]
mod tests {
    #[test]
    fn bar_values_keep_two_significant_digits() {
        let shown: Vec<String> = [843.2, 13.34, 2.29, 0.26, 0.0081, 0.0]
            .into_iter()
            .map(super::value_text)
            .collect();
        assert_eq!(shown, ["843", "13.3", "2.3", "0.26", "0.0081", "0"]);
    }
}
