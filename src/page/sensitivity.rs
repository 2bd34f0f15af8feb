//! The sensitivity table of a report: the answer again with each of churn
//! session mean, refresh interval and cloud size halved and doubled, one at
//! a time, and which of them moves it most.

use crate::engine::SimDuration;
use crate::scenario::Scenario;
use crate::scenario::overrides::set_path;
use std::fmt::Write as _;

/// The parameters varied, with their names for a reader.
pub const VARIED: [(&str, &str); 3] = [
    ("churn.session.mean", "churn session mean"),
    ("pnrp.refresh_interval", "refresh interval"),
    ("hosts.count", "cloud size"),
];

/// One parameter halved or doubled.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub path: &'static str,
    pub label: &'static str,
    /// 0.5 or 2.
    pub factor: f64,
    pub value: toml::Value,
}

impl Variant {
    /// "halved (1h)".
    pub fn setting(&self) -> String {
        let how = if self.factor < 1.0 {
            "halved"
        } else {
            "doubled"
        };
        let value = self
            .value
            .as_str()
            .map_or_else(|| self.value.to_string(), str::to_owned);
        format!("{how} ({value})")
    }

    /// The base scenario table with this variant's value set.
    pub fn apply(&self, base: &toml::Table) -> Result<toml::Table, String> {
        let mut t = base.clone();
        set_path(&mut t, self.path, self.value.clone())?;
        Ok(t)
    }
}

/// The six variants of `s`, in table order.
pub fn variants(s: &Scenario) -> Vec<Variant> {
    let scaled = |d: SimDuration, f: f64| {
        let us = ((d.as_micros() as f64) * f).round().max(1.0) as u64;
        toml::Value::String(SimDuration::from_micros(us).to_string())
    };
    let mut out = Vec::new();
    for (path, label) in VARIED {
        for factor in [0.5, 2.0] {
            let value = match path {
                "churn.session.mean" => scaled(s.churn.session.mean.0, factor),
                "pnrp.refresh_interval" => scaled(s.pnrp.refresh_interval.0, factor),
                _ => toml::Value::Integer(
                    ((f64::from(s.hosts.count) * factor).round() as i64).max(1),
                ),
            };
            out.push(Variant {
                path,
                label,
                factor,
                value,
            });
        }
    }
    out
}

/// An answer as shown, and as a number to rank the parameters by.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub text: String,
    pub number: Option<f64>,
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
        for v in variants(s) {
            let table = v.apply(base_table).map_err(anyhow::Error::msg)?;
            let a = answer(&v, &table)
                .map_err(|e| e.context(format!("sensitivity: {} {}", v.path, v.setting())))?;
            rows.push((v, a));
        }
        Ok(Sensitivity {
            what,
            how,
            base,
            rows,
        })
    }

    /// The largest relative change of the answer each parameter causes,
    /// largest first; parameters whose rows have no number are left out.
    pub fn ranking(&self) -> Vec<(&'static str, f64)> {
        let Some(base) = self.base.number.filter(|b| *b != 0.0) else {
            return Vec::new();
        };
        let mut ranked: Vec<(&'static str, f64)> = VARIED
            .iter()
            .filter_map(|(path, label)| {
                self.rows
                    .iter()
                    .filter(|(v, _)| v.path == *path)
                    .filter_map(|(_, a)| a.number)
                    .map(|n| ((n - base) / base).abs())
                    .max_by(f64::total_cmp)
                    .map(|c| (*label, c))
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked
    }

    /// One paragraph: which parameters move the answer most.
    pub fn summary(&self) -> String {
        let ranked = self.ranking();
        let mut text = format!(
            "The answer ({}) depends on parameters that are estimates, not facts. The table gives it again with each of churn session mean, refresh interval and cloud size halved and doubled, one at a time. {}",
            self.what, self.how
        );
        if let Some((first, change)) = ranked.first() {
            let _ = write!(
                text,
                " **The answer is most sensitive to the {first}** (up to {:.0} % change)",
                change * 100.0
            );
            let rest: Vec<String> = ranked[1..]
                .iter()
                .map(|(l, c)| format!("the {l} ({:.0} %)", c * 100.0))
                .collect();
            if !rest.is_empty() {
                let _ = write!(text, ", then {}", rest.join(" and "));
            }
            text.push('.');
        }
        text
    }

    /// The Markdown table.
    pub fn table(&self) -> String {
        let mut out = format!(
            "| parameter | setting | {} |\n|---|---|---|\n| (as in the scenario) | — | {} |\n",
            self.what, self.base.text
        );
        for (v, a) in &self.rows {
            let _ = writeln!(
                out,
                "| {} (`{}`) | {} | {} |",
                v.label,
                v.path,
                v.setting(),
                a.text
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_variants_halve_and_double_each_parameter() {
        let s = Scenario::default();
        let v = variants(&s);
        let shown: Vec<String> = v
            .iter()
            .map(|v| format!("{} {}", v.path, v.setting()))
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
            ]
        );
        let base = toml::Table::try_from(&s).unwrap();
        let t = v[5].apply(&base).unwrap();
        assert_eq!(t["hosts"]["count"].as_integer(), Some(2000));
    }

    #[test]
    fn ranking_orders_parameters_by_their_largest_change() {
        let s = Scenario::default();
        let base = toml::Table::try_from(&s).unwrap();
        let numbers = [10.0, 10.0, 5.0, 20.0, 9.0, 12.0];
        let mut i = 0;
        let sens = Sensitivity::compute(
            "x".into(),
            "y".into(),
            &s,
            &base,
            Answer {
                text: "10".into(),
                number: Some(10.0),
            },
            |_, _| {
                i += 1;
                Ok(Answer {
                    text: numbers[i - 1].to_string(),
                    number: Some(numbers[i - 1]),
                })
            },
        )
        .unwrap();
        let r = sens.ranking();
        assert_eq!(r[0], ("refresh interval", 1.0));
        assert_eq!(r[1].0, "cloud size");
        assert_eq!(r[2], ("churn session mean", 0.0));
        assert!(
            sens.summary()
                .contains("most sensitive to the refresh interval")
        );
        assert_eq!(sens.table().lines().count(), 2 + 1 + 6);
    }
}
