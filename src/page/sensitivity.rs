//! The sensitivity table of a report: the answer again with each parameter
//! that is an estimate changed, one at a time, and which of them moves it
//! most, with 95 % intervals.
//!
//! Two kinds of rows: the workload (churn session mean, refresh interval,
//! cloud size), which an architect estimates, and the **[ours]** protocol
//! choices, values the specification leaves open and this model chose
//! (docs/model.md#conformance). Both are listed in [`VARIED`], one entry a
//! parameter: adding a row is adding an entry.

use crate::engine::SimDuration;
use crate::scenario::Scenario;
use crate::scenario::overrides::set_path;
use std::fmt::Write as _;

/// How a parameter is varied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Vary {
    /// Halved and doubled: a duration, a whole number or a fraction,
    /// whichever the scenario's value is.
    HalveDouble,
    /// Set to each of these values (TOML literals) in turn: a choice
    /// between readings, or a count with a few meaningful values.
    Values(&'static [&'static str]),
}

/// A parameter the sensitivity table varies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Varied {
    pub path: &'static str,
    /// Its name for a reader.
    pub label: &'static str,
    pub vary: Vary,
    /// A modelling choice of ours rather than a workload estimate.
    pub ours: bool,
}

/// The parameters varied, workload first, then the [ours] protocol choices.
pub const VARIED: &[Varied] = &[
    Varied {
        path: "churn.session.mean",
        label: "churn session mean",
        vary: Vary::HalveDouble,
        ours: false,
    },
    Varied {
        path: "pnrp.refresh_interval",
        label: "refresh interval",
        vary: Vary::HalveDouble,
        ours: false,
    },
    Varied {
        path: "hosts.count",
        label: "cloud size",
        vary: Vary::HalveDouble,
        ours: false,
    },
    Varied {
        path: "pnrp.balance_gap_fraction",
        label: "balancing threshold",
        vary: Vary::HalveDouble,
        ours: true,
    },
    Varied {
        path: "pnrp.split_detection_interval",
        label: "split-detection interval",
        vary: Vary::HalveDouble,
        ours: true,
    },
    Varied {
        path: "hosts.addresses",
        label: "address count",
        vary: Vary::Values(&["1", "4"]),
        ours: true,
    },
    Varied {
        path: "pnrp.flood_back",
        label: "flood-back reading",
        vary: Vary::Values(&["\"sender\""]),
        ours: true,
    },
];

/// One parameter changed.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub path: &'static str,
    pub label: &'static str,
    pub ours: bool,
    /// 0.5 or 2 when halved or doubled; `None` when set to a value.
    pub factor: Option<f64>,
    pub value: toml::Value,
}

impl Variant {
    /// "halved (1h)", "set to 4".
    pub fn setting(&self) -> String {
        let value = self
            .value
            .as_str()
            .map_or_else(|| self.value.to_string(), str::to_owned);
        match self.factor {
            Some(f) if f < 1.0 => format!("halved ({value})"),
            Some(_) => format!("doubled ({value})"),
            None => format!("set to {value}"),
        }
    }

    /// The base scenario table with this variant's value set.
    pub fn apply(&self, base: &toml::Table) -> Result<toml::Table, String> {
        let mut t = base.clone();
        set_path(&mut t, self.path, self.value.clone())?;
        Ok(t)
    }
}

/// The value at `path` in a scenario table.
fn lookup<'t>(table: &'t toml::Table, path: &str) -> Option<&'t toml::Value> {
    let mut parts = path.split('.');
    let mut value = table.get(parts.next()?)?;
    for part in parts {
        value = value.as_table()?.get(part)?;
    }
    Some(value)
}

/// `value` times `factor`, in the value's own kind: a duration stays a
/// duration, a whole number a whole number (at least 1).
fn scaled(value: &toml::Value, factor: f64) -> Option<toml::Value> {
    Some(match value {
        toml::Value::Integer(n) => {
            toml::Value::Integer(((*n as f64 * factor).round() as i64).max(1))
        }
        toml::Value::Float(x) => toml::Value::Float(x * factor),
        toml::Value::String(text) => {
            let d = crate::engine::units::parse_duration(text).ok()?;
            let us = ((d.as_micros() as f64) * factor).round().max(1.0) as u64;
            toml::Value::String(SimDuration::from_micros(us).to_string())
        }
        _ => return None,
    })
}

/// The variants of `s`, in table order: two per parameter halved and
/// doubled, one per value set. A parameter the scenario does not have (or
/// whose value cannot be halved) gives no row.
pub fn variants(s: &Scenario) -> Vec<Variant> {
    let Ok(table) = toml::Table::try_from(s) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for v in VARIED {
        let Some(current) = lookup(&table, v.path) else {
            continue;
        };
        let changes: Vec<(Option<f64>, toml::Value)> = match v.vary {
            Vary::HalveDouble => [0.5, 2.0]
                .into_iter()
                .filter_map(|f| scaled(current, f).map(|value| (Some(f), value)))
                .collect(),
            Vary::Values(values) => values
                .iter()
                .filter_map(|text| {
                    toml::from_str::<toml::Table>(&format!("v = {text}"))
                        .ok()
                        .and_then(|t| t.get("v").cloned())
                })
                .filter(|value| value != current)
                .map(|value| (None, value))
                .collect(),
        };
        for (factor, value) in changes {
            out.push(Variant {
                path: v.path,
                label: v.label,
                ours: v.ours,
                factor,
                value,
            });
        }
    }
    out
}

/// An answer as shown, and as a number to rank the parameters by, with
/// its 95 % interval when it has one (a size answer's is its bracket).
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub text: String,
    pub number: Option<f64>,
    pub ci: Option<(f64, f64)>,
}

/// How much one parameter moves the answer: the largest relative change
/// among its rows, and the 95 % interval of that change (from the
/// intervals of the row and of the base answer; the point value when
/// either has none).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    pub label: &'static str,
    pub ours: bool,
    pub change: f64,
    pub ci: (f64, f64),
}

impl Change {
    /// The interval includes no change: the row cannot be told from noise.
    pub fn within_noise(&self) -> bool {
        self.ci.0 <= 0.0
    }
}

/// The relative change |row − base| / |base| with its interval: the
/// smallest and largest consistent with both intervals.
fn change_of(row: &Answer, base: &Answer) -> Option<(f64, (f64, f64))> {
    let (n, b) = (row.number?, base.number.filter(|b| *b != 0.0)?);
    let (rl, rh) = row.ci.unwrap_or((n, n));
    let (bl, bh) = base.ci.unwrap_or((b, b));
    let lo = (rl - bh) / b.abs();
    let hi = (rh - bl) / b.abs();
    let (lo, hi) = (lo.min(hi), lo.max(hi));
    let ci = if lo <= 0.0 && hi >= 0.0 {
        (0.0, lo.abs().max(hi.abs()))
    } else {
        (lo.abs().min(hi.abs()), lo.abs().max(hi.abs()))
    };
    Some(((n - b).abs() / b.abs(), ci))
}

/// The table and how its rows were obtained.
#[derive(Clone, Debug)]
pub struct Sensitivity {
    /// What the answer column holds ("largest names per host within
    /// budget").
    pub what: String,
    /// How each row was obtained: which runs, or the analytic estimate.
    pub how: String,
    pub base: Answer,
    pub rows: Vec<(Variant, Answer)>,
}

impl Sensitivity {
    /// Runs `answer` on each variant's scenario table (the base table with
    /// the variant set).
    pub fn compute<F>(
        what: String,
        how: String,
        s: &Scenario,
        base_table: &toml::Table,
        base: Answer,
        mut answer: F,
    ) -> anyhow::Result<Sensitivity>
    where
        F: FnMut(&Variant, &toml::Table) -> anyhow::Result<Answer>,
    {
        let mut rows = Vec::new();
        let all = variants(s);
        for (i, v) in all.iter().enumerate() {
            crate::guard::progress::phase(&format!(
                "sensitivity {}/{}: {} {}",
                i + 1,
                all.len(),
                v.label,
                v.setting()
            ));
            let table = v.apply(base_table).map_err(anyhow::Error::msg)?;
            let a = answer(v, &table)
                .map_err(|e| e.context(format!("sensitivity: {} {}", v.path, v.setting())))?;
            rows.push((v.clone(), a));
        }
        Ok(Sensitivity {
            what,
            how,
            base,
            rows,
        })
    }

    /// The largest relative change of the answer each parameter causes,
    /// largest first, with its interval; parameters whose rows have no
    /// number are left out.
    pub fn ranking(&self) -> Vec<Change> {
        let mut ranked: Vec<Change> = VARIED
            .iter()
            .filter_map(|p| {
                self.rows
                    .iter()
                    .filter(|(v, _)| v.path == p.path)
                    .filter_map(|(_, a)| change_of(a, &self.base))
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(change, ci)| Change {
                        label: p.label,
                        ours: p.ours,
                        change,
                        ci,
                    })
            })
            .collect();
        ranked.sort_by(|a, b| b.change.total_cmp(&a.change));
        ranked
    }

    /// One paragraph: which parameters move the answer most, and which
    /// moves cannot be told from the noise of the runs.
    pub fn summary(&self) -> String {
        let ranked = self.ranking();
        let workload: Vec<&str> = VARIED.iter().filter(|v| !v.ours).map(|v| v.label).collect();
        let ours: Vec<&str> = VARIED.iter().filter(|v| v.ours).map(|v| v.label).collect();
        let mut text = format!(
            "The answer ({}) depends on parameters that are estimates, not facts. The table gives it again with each of them changed, one at a time: the workload ({}) and the protocol choices marked **[ours]**, values the specification leaves open that this model chose ({}). {}",
            self.what,
            join(&workload),
            join(&ours),
            self.how
        );
        let shown = |c: &Change| {
            format!(
                "the {}{} ({:.0} %, 95 % CI {:.0}–{:.0} %)",
                c.label,
                if c.ours { " [ours]" } else { "" },
                c.change * 100.0,
                c.ci.0 * 100.0,
                c.ci.1 * 100.0
            )
        };
        if let Some(first) = ranked.first() {
            let _ = write!(
                text,
                " **The answer is most sensitive to the {}**{} (up to {:.0} % change, 95 % CI {:.0}–{:.0} %)",
                first.label,
                if first.ours { " [ours]" } else { "" },
                first.change * 100.0,
                first.ci.0 * 100.0,
                first.ci.1 * 100.0
            );
            let rest: Vec<String> = ranked[1..].iter().map(shown).collect();
            if !rest.is_empty() {
                let _ = write!(text, ", then {}", join_owned(&rest));
            }
            text.push('.');
            if let Some(second) = ranked.get(1) {
                if first.ci.0 < second.ci.1 {
                    let _ = write!(
                        text,
                        " The lead of the {} over the {} is within the 95 % intervals: the order of the first two is not settled.",
                        first.label, second.label
                    );
                }
            }
            let noise: Vec<&str> = ranked
                .iter()
                .filter(|c| c.within_noise())
                .map(|c| c.label)
                .collect();
            if !noise.is_empty() {
                let _ = write!(
                    text,
                    " The change due to the {} cannot be told from no change at 95 % confidence.",
                    join(&noise)
                );
            }
        }
        text
    }

    /// The Markdown table.
    pub fn table(&self) -> String {
        let mut out = format!(
            "| parameter | setting | {} | change, 95 % CI |\n|---|---|---|---|\n| (as in the scenario) | — | {} | — |\n",
            self.what, self.base.text
        );
        for (v, a) in &self.rows {
            let change = change_of(a, &self.base).map_or("—".to_owned(), |(c, (lo, hi))| {
                format!("{:.0} % ({:.0}–{:.0} %)", c * 100.0, lo * 100.0, hi * 100.0)
            });
            let _ = writeln!(
                out,
                "| {}{} (`{}`) | {} | {} | {change} |",
                v.label,
                if v.ours { " **[ours]**" } else { "" },
                v.path,
                v.setting(),
                a.text
            );
        }
        out
    }
}

/// "a, b and c".
fn join(items: &[&str]) -> String {
    join_owned(&items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
}

fn join_owned(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_halve_and_double_or_set_each_parameter_and_mark_ours() {
        let s = Scenario::default();
        let v = variants(&s);
        let shown: Vec<String> = v
            .iter()
            .map(|v| {
                format!(
                    "{} {}{}",
                    v.path,
                    v.setting(),
                    if v.ours { " [ours]" } else { "" }
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                "churn.session.mean halved (30min)",
                "churn.session.mean doubled (2h)",
                "pnrp.refresh_interval halved (12h)",
                "pnrp.refresh_interval doubled (2d)",
                "hosts.count halved (500)",
                "hosts.count doubled (2000)",
                "pnrp.balance_gap_fraction halved (0.05) [ours]",
                "pnrp.balance_gap_fraction doubled (0.2) [ours]",
                "pnrp.split_detection_interval halved (5s) [ours]",
                "pnrp.split_detection_interval doubled (20s) [ours]",
                "hosts.addresses set to 1 [ours]",
                "hosts.addresses set to 4 [ours]",
                "pnrp.flood_back set to sender [ours]",
            ]
        );
        let base = toml::Table::try_from(&s).unwrap();
        let t = v[5].apply(&base).unwrap();
        assert_eq!(t["hosts"]["count"].as_integer(), Some(2000));
        // Every variant makes a scenario the loader accepts.
        let named = Scenario {
            name: "variants".into(),
            ..Scenario::default()
        };
        let base = toml::Table::try_from(&named).unwrap();
        for variant in &v {
            let t = variant.apply(&base).unwrap();
            crate::scenario::overrides::scenario_with(&t, &[])
                .unwrap_or_else(|e| panic!("{} {}: {e}", variant.path, variant.setting()));
        }
    }

    /// The list is data: an entry whose path is not a scenario parameter
    /// (a typo, or a parameter renamed) would silently give no rows.
    #[test]
    fn every_varied_parameter_is_a_scenario_parameter() {
        let known = crate::scenario::overrides::parameter_paths();
        for v in VARIED {
            assert!(
                known.iter().any(|p| p == v.path),
                "{} is not a parameter",
                v.path
            );
        }
    }

    fn answer(n: f64, ci: Option<(f64, f64)>) -> Answer {
        Answer {
            text: n.to_string(),
            number: Some(n),
            ci,
        }
    }

    #[test]
    fn ranking_orders_parameters_by_their_largest_change_with_intervals() {
        let s = Scenario::default();
        let base = toml::Table::try_from(&s).unwrap();
        // session ±0, refresh −50 %/+100 %, cloud −10 %/+20 %,
        // balancing ±1 (noise), split ±0, addresses −30 %/+80 %, flood-back
        // reading ±0.
        let rows = [
            (10.0, (9.0, 11.0)),
            (10.0, (9.0, 11.0)),
            (5.0, (4.5, 5.5)),
            (20.0, (19.0, 21.0)),
            (9.0, (8.5, 9.5)),
            (12.0, (11.5, 12.5)),
            (11.0, (9.0, 13.0)),
            (9.0, (7.0, 11.0)),
            (10.0, (9.5, 10.5)),
            (10.0, (9.5, 10.5)),
            (7.0, (6.5, 7.5)),
            (16.0, (15.0, 17.0)),
            (10.0, (9.5, 10.5)),
        ];
        let mut i = 0;
        let sens = Sensitivity::compute(
            "x".into(),
            "y".into(),
            &s,
            &base,
            answer(10.0, Some((9.8, 10.2))),
            |_, _| {
                i += 1;
                let (n, ci) = rows[i - 1];
                Ok(answer(n, Some(ci)))
            },
        )
        .unwrap();
        let r = sens.ranking();
        let order: Vec<&str> = r.iter().map(|c| c.label).collect();
        assert_eq!(
            order,
            [
                "refresh interval",
                "address count",
                "cloud size",
                "balancing threshold",
                "churn session mean",
                "split-detection interval",
                "flood-back reading"
            ]
        );
        let refresh = r[0];
        assert!((refresh.change - 1.0).abs() < 1e-9);
        // (19 − 10.2)/10 to (21 − 9.8)/10.
        assert!((refresh.ci.0 - 0.88).abs() < 1e-9 && (refresh.ci.1 - 1.12).abs() < 1e-9);
        assert!(r[1].ours && !r[0].ours);
        let noise: Vec<&str> = r
            .iter()
            .filter(|c| c.within_noise())
            .map(|c| c.label)
            .collect();
        assert_eq!(
            noise,
            [
                "balancing threshold",
                "churn session mean",
                "split-detection interval",
                "flood-back reading"
            ]
        );
        let summary = sens.summary();
        assert!(
            summary.contains(
                "most sensitive to the refresh interval** (up to 100 % change, 95 % CI 88–112 %)"
            ),
            "{summary}"
        );
        assert!(
            summary.contains("the address count [ours] (60 %"),
            "{summary}"
        );
        assert!(
            summary.contains("cannot be told from no change"),
            "{summary}"
        );
        assert!(!summary.contains("not settled"), "{summary}");
        let table = sens.table();
        assert_eq!(table.lines().count(), 2 + 1 + 13);
        assert!(
            table.contains(
                "| address count **[ours]** (`hosts.addresses`) | set to 4 | 16 | 60 % (48–72 %) |"
            ),
            "{table}"
        );
    }
}
