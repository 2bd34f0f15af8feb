//! The `[sweep]` section of a scenario file and its expansion into points.
//!
//! A sweep varies one scenario parameter (the *axis*) over a list of values,
//! optionally crossed with a second parameter (the *series* axis, one curve
//! per value). Each combination is a *point*; each point runs
//! `replications` independent runs. Values are TOML numbers, or unit strings
//! for duration and size parameters (`"12h"`, `"4KB"`); the point's numeric
//! x is the number itself, the duration in seconds or the size in bytes.

use crate::engine::units::{parse_duration, parse_size};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SweepSpec {
    /// Independent runs per point; the confidence intervals come from these.
    pub replications: u32,
    /// Dotted path of the swept scenario parameter.
    pub axis: String,
    pub values: Vec<toml::Value>,
    /// Second swept parameter: one curve per value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_axis: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub series_values: Vec<toml::Value>,
    /// Axis values whose per-host rate distribution gets a CDF chart;
    /// absent means the first, middle and last value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cdf_points: Option<Vec<toml::Value>>,
}

impl Default for SweepSpec {
    fn default() -> Self {
        SweepSpec {
            replications: 5,
            axis: "hosts.names_per_host".to_string(),
            values: [1, 2, 4, 8, 16, 32, 64]
                .into_iter()
                .map(toml::Value::Integer)
                .collect(),
            series_axis: None,
            series_values: Vec::new(),
            cdf_points: None,
        }
    }
}

/// The most runs a sweep may have: far beyond any practical sweep, and low
/// enough that planning one never exhausts memory (a typo such as
/// `replications = 4294967295` is refused instead of aborting).
pub const MAX_RUNS: u64 = 1_000_000;

/// How an axis value is written, which fixes the unit of its numeric x.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AxisKind {
    Number,
    /// `"12h"`: x in seconds.
    Duration,
    /// `"4KB"`: x in bytes.
    Size,
}

impl AxisKind {
    /// Suffix of the CSV column holding x, so the unit travels with the data.
    pub fn column_suffix(self) -> &'static str {
        match self {
            AxisKind::Number => "",
            AxisKind::Duration => "_s",
            AxisKind::Size => "_B",
        }
    }
}

/// One swept parameter with its values, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub path: String,
    pub kind: AxisKind,
    /// The values as written, set verbatim on the scenario.
    pub values: Vec<toml::Value>,
    /// The numeric x of each value.
    pub xs: Vec<f64>,
}

impl Axis {
    /// `sweep.values` and the like name the field in error messages.
    fn parse(field: &str, path: &str, values: &[toml::Value]) -> Result<Axis, String> {
        if values.is_empty() {
            return Err(format!("sweep.{field} is empty: give at least one value"));
        }
        // Before anything per value: a list this long cannot make a sweep
        // of at most MAX_RUNS runs (10^6 values once took minutes here).
        if values.len() as u64 > MAX_RUNS {
            return Err(format!(
                "sweep.{field} lists {} values; a sweep has at most {MAX_RUNS} runs",
                values.len()
            ));
        }
        let mut kind = None;
        let mut xs = Vec::with_capacity(values.len());
        // Duplicates by x (0 and -0 alike), in O(n log n).
        let mut seen = std::collections::BTreeSet::new();
        for (i, v) in values.iter().enumerate() {
            let (k, x) = numeric_value(v).map_err(|e| format!("sweep.{field}[{i}] = {v} {e}"))?;
            match kind {
                None => kind = Some(k),
                Some(first) if first != k => {
                    return Err(format!(
                        "sweep.{field} mixes {} and {} values ({} and {v}); write them all in one form",
                        kind_name(first),
                        kind_name(k),
                        values[0],
                    ));
                }
                Some(_) => {}
            }
            if !seen.insert((x + 0.0).to_bits()) {
                return Err(format!("sweep.{field} lists the value {v} twice"));
            }
            xs.push(x);
        }
        Ok(Axis {
            path: path.to_string(),
            kind: kind.unwrap_or(AxisKind::Number),
            values: values.to_vec(),
            xs,
        })
    }

    /// The CSV column name: the parameter path plus a unit suffix.
    pub fn column(&self) -> String {
        format!("{}{}", self.path, self.kind.column_suffix())
    }
}

fn kind_name(k: AxisKind) -> &'static str {
    match k {
        AxisKind::Number => "number",
        AxisKind::Duration => "duration",
        AxisKind::Size => "size",
    }
}

/// The numeric x of one axis value; the error completes "sweep.values[i] = v …".
pub(crate) fn numeric_value(v: &toml::Value) -> Result<(AxisKind, f64), String> {
    match v {
        toml::Value::Integer(i) => Ok((AxisKind::Number, *i as f64)),
        toml::Value::Float(f) if f.is_finite() => Ok((AxisKind::Number, *f)),
        toml::Value::Float(_) => Err("is not a finite number".to_string()),
        toml::Value::String(s) => {
            if let Ok(d) = parse_duration(s) {
                Ok((AxisKind::Duration, d.as_secs_f64()))
            } else if let Ok(b) = parse_size(s) {
                Ok((AxisKind::Size, b as f64))
            } else {
                Err("is not numeric: expected a number, a duration such as \"12h\" or a size such as \"4KB\"".to_string())
            }
        }
        other => Err(format!(
            "is not numeric: expected a number, a duration such as \"12h\" or a size such as \"4KB\", found a {}",
            other.type_str()
        )),
    }
}

/// One parameter setting of a point.
#[derive(Clone, Debug, PartialEq)]
pub struct Coord {
    /// Dotted scenario parameter path, e.g. `hosts.names_per_host`.
    pub path: String,
    /// The value to set, as written in `[sweep]`.
    pub value: toml::Value,
    /// Its numeric x (seconds for durations, bytes for sizes).
    pub x: f64,
}

/// One combination of axis values.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub index: usize,
    /// The main axis setting first, then the series axis setting if any.
    pub coords: Vec<Coord>,
}

impl fmt::Display for Point {
    /// `hosts.names_per_host = 8, network.loss = 0.1`, for error reports.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.coords.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} = {}", c.path, c.value)?;
        }
        Ok(())
    }
}

/// A validated sweep: its axes and the points to run.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPlan {
    pub replications: u32,
    pub axis: Axis,
    pub series: Option<Axis>,
    /// x values of the main axis that get a CDF of per-host rates.
    pub cdf_xs: Vec<f64>,
    /// Series-major: all main-axis values of the first series value, then
    /// the next, so point `s * axis.len() + v` has series `s` and value `v`.
    pub points: Vec<Point>,
}

impl SweepSpec {
    /// Validates the section and expands it into points. Errors name the
    /// offending field so they can be shown as they are.
    pub fn plan(&self) -> Result<SweepPlan, String> {
        if self.replications < 1 {
            return Err(format!(
                "sweep.replications must be at least 1 (got {})",
                self.replications
            ));
        }
        let axis_path = self.axis.trim();
        if axis_path.is_empty() {
            return Err(
                "sweep.axis is empty: name a numeric scenario parameter, e.g. \"hosts.names_per_host\""
                    .to_string(),
            );
        }
        let axis = Axis::parse("values", axis_path, &self.values)?;
        let series = match (&self.series_axis, self.series_values.is_empty()) {
            (None, true) => None,
            (None, false) => {
                return Err("sweep.series_values is given but sweep.series_axis is not".to_string());
            }
            (Some(_), true) => {
                return Err(
                    "sweep.series_axis is given but sweep.series_values is empty".to_string(),
                );
            }
            (Some(path), false) => {
                let path = path.trim();
                if path.is_empty() {
                    return Err(
                        "sweep.series_axis is empty: name a numeric scenario parameter".to_string(),
                    );
                }
                if path == axis.path {
                    return Err(format!(
                        "sweep.series_axis must differ from sweep.axis (both are \"{path}\")"
                    ));
                }
                Some(Axis::parse("series_values", path, &self.series_values)?)
            }
        };
        let cdf_xs = match &self.cdf_points {
            Some(list) => {
                let mut xs = Vec::with_capacity(list.len());
                for (i, v) in list.iter().enumerate() {
                    let (_, x) =
                        numeric_value(v).map_err(|e| format!("sweep.cdf_points[{i}] = {v} {e}"))?;
                    if !axis.xs.contains(&x) {
                        return Err(format!(
                            "sweep.cdf_points[{i}] = {v} is not one of sweep.values"
                        ));
                    }
                    xs.push(x);
                }
                xs
            }
            None => {
                let n = axis.xs.len();
                let mut idx = vec![0, n / 2, n - 1];
                idx.dedup();
                idx.into_iter().map(|i| axis.xs[i]).collect()
            }
        };

        let series_count = series.as_ref().map_or(1, |s| s.values.len());
        let runs = (series_count * axis.values.len()) as u64 * u64::from(self.replications);
        if runs > MAX_RUNS {
            return Err(format!(
                "the sweep has {runs} runs ({} points × {} replications); at most {MAX_RUNS} are allowed",
                series_count * axis.values.len(),
                self.replications
            ));
        }
        let coord = |a: &Axis, i: usize| Coord {
            path: a.path.clone(),
            value: a.values[i].clone(),
            x: a.xs[i],
        };
        let mut points = Vec::with_capacity(series_count * axis.values.len());
        for s in 0..series_count {
            for v in 0..axis.values.len() {
                let mut coords = vec![coord(&axis, v)];
                if let Some(series) = &series {
                    coords.push(coord(series, s));
                }
                points.push(Point {
                    index: points.len(),
                    coords,
                });
            }
        }
        Ok(SweepPlan {
            replications: self.replications,
            axis,
            series,
            cdf_xs,
            points,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> SweepSpec {
        toml::from_str(text).unwrap()
    }

    fn plan_err(text: &str) -> String {
        spec(text).plan().unwrap_err()
    }

    /// Issue #16, H3: 10^6 + 1 values were refused only after an O(n²)
    /// duplicate check of 184 s; 10^6 distinct values plan in well under a
    /// second, and a duplicate among them is still found.
    #[test]
    fn huge_value_lists_are_refused_or_checked_quickly() {
        let started = std::time::Instant::now();
        let list = |n: u64| (1..=n).map(|v| v.to_string()).collect::<Vec<_>>().join(",");
        let err = plan_err(&format!(
            "replications = 1\nvalues = [{}]",
            list(MAX_RUNS + 1)
        ));
        assert!(err.contains("lists 1000001 values"), "{err}");
        let plan = spec(&format!("replications = 1\nvalues = [{}]", list(MAX_RUNS)))
            .plan()
            .unwrap();
        assert_eq!(plan.points.len(), MAX_RUNS as usize);
        let err = plan_err(&format!("replications = 1\nvalues = [{}, 7]", list(1000)));
        assert!(err.contains("lists the value 7 twice"), "{err}");
        let err = plan_err("replications = 1\nvalues = [0.0, -0.0]");
        assert!(err.contains("twice"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    }

    #[test]
    fn default_is_names_per_host_powers_of_two() {
        let plan = SweepSpec::default().plan().unwrap();
        assert_eq!(plan.replications, 5);
        assert_eq!(plan.axis.column(), "hosts.names_per_host");
        assert_eq!(plan.axis.xs, [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]);
        assert_eq!(plan.cdf_xs, [1.0, 8.0, 64.0]);
        assert_eq!(plan.points.len(), 7);
        assert_eq!(plan.points[3].to_string(), "hosts.names_per_host = 8");
        // An empty section means the defaults.
        assert_eq!(spec(""), SweepSpec::default());
    }

    #[test]
    fn scenario_files_carry_the_section() {
        let s: crate::scenario::Scenario =
            toml::from_str("seed = 3\n[sweep]\nreplications = 2\nvalues = [\"1h\", \"2h\"]\naxis = \"pnrp.refresh_interval\"").unwrap();
        let plan = s.sweep.unwrap().plan().unwrap();
        assert_eq!(
            (plan.replications, plan.axis.xs.as_slice()),
            (2, &[3600.0, 7200.0][..])
        );
        assert_eq!(
            toml::from_str::<crate::scenario::Scenario>("")
                .unwrap()
                .sweep,
            None
        );
    }

    #[test]
    fn grid_is_series_major_with_durations_in_seconds() {
        let plan = spec(
            r#"
            axis = "pnrp.refresh_interval"
            values = ["1h", "12h"]
            series_axis = "network.loss"
            series_values = [0.0, 0.1, 0.2]
            replications = 2
            "#,
        )
        .plan()
        .unwrap();
        assert_eq!(plan.axis.kind, AxisKind::Duration);
        assert_eq!(plan.axis.column(), "pnrp.refresh_interval_s");
        assert_eq!(plan.axis.xs, [3600.0, 43200.0]);
        assert_eq!(plan.points.len(), 6);
        let p = &plan.points[3];
        assert_eq!(p.index, 3);
        assert_eq!(p.coords[0].x, 43200.0);
        assert_eq!(p.coords[0].value, toml::Value::String("12h".into()));
        assert_eq!(p.coords[1].x, 0.1);
        assert_eq!(
            p.to_string(),
            "pnrp.refresh_interval = \"12h\", network.loss = 0.1"
        );
        // Two values: first and last only, without repeating.
        assert_eq!(plan.cdf_xs, [3600.0, 43200.0]);
    }

    #[test]
    fn sizes_and_explicit_cdf_points() {
        let plan = spec(
            r#"
            axis = "pnrp.extended_payload"
            values = ["0B", "1KB", "4KB"]
            cdf_points = ["4KB"]
            "#,
        )
        .plan()
        .unwrap();
        assert_eq!(plan.axis.column(), "pnrp.extended_payload_B");
        assert_eq!(plan.cdf_xs, [4000.0]);
    }

    #[test]
    fn bad_specs_are_explained() {
        let cases = [
            ("axis = \"\"", "sweep.axis is empty"),
            ("values = []", "sweep.values is empty"),
            (
                "replications = 0",
                "sweep.replications must be at least 1 (got 0)",
            ),
            (
                "values = [1, \"many\"]",
                "sweep.values[1] = \"many\" is not numeric",
            ),
            ("values = [true]", "found a boolean"),
            ("values = [1, \"1h\"]", "mixes number and duration"),
            ("values = [2, 2]", "lists the value 2 twice"),
            (
                "series_axis = \"network.loss\"",
                "sweep.series_values is empty",
            ),
            ("series_values = [1]", "sweep.series_axis is not"),
            (
                "series_axis = \"hosts.names_per_host\"\nseries_values = [1]",
                "must differ from sweep.axis",
            ),
            (
                "replications = 4294967295",
                "the sweep has 30064771065 runs (7 points × 4294967295 replications); at most 1000000 are allowed",
            ),
            (
                "cdf_points = [3]",
                "sweep.cdf_points[0] = 3 is not one of sweep.values",
            ),
            (
                "replications = 4294967295",
                "the sweep has 30064771065 runs (7 points × 4294967295 replications); at most 1000000 are allowed",
            ),
        ];
        for (text, want) in cases {
            let err = plan_err(text);
            assert!(err.contains(want), "{text:?}: got {err:?}, want {want:?}");
        }
        let unknown = toml::from_str::<SweepSpec>("axes = \"x\"").unwrap_err();
        assert!(unknown.to_string().contains("unknown field"), "{unknown}");
    }
}
