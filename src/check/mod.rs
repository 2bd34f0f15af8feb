//! `pnrpsim check`: scenario files as regression tests.
//!
//! A scenario's `[[expect]]` entries name per-run metrics (the columns of a
//! sweep's `runs.csv`) with an expected value and a relative tolerance, or
//! bounds; its `fingerprint` pins a hash of every counter of its runs. The
//! pieces:
//! - [`discover`]: the scenario files under the paths given;
//! - [`target`]: runs every file's points and replications on one thread
//!   pool, reduced to metric values and fingerprints, and checks them
//!   ([`target::evaluate`]) into a [`ScenarioReport`];
//! - [`expect`]: which point an entry addresses, and the pass rule;
//! - [`fingerprint`]: the hash;
//! - [`junit`] and [`Report::table`]: the JUnit XML report and the terminal
//!   table;
//! - [`bless`]: rewrites expected values and fingerprints in place,
//!   keeping the file's comments and layout.
//!
//! Like [`run_sweep`](crate::sweep::run_sweep), the runner is a parameter,
//! so the module is tested without simulating.

pub mod bless;
pub mod discover;
pub mod expect;
pub mod fingerprint;
pub mod junit;
pub mod target;

pub use target::{Target, evaluate, run_targets};

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    /// No expected value or fingerprint yet; fails until `--bless`.
    Unset,
    /// A run of the point failed, so the check could not be made.
    Error,
    /// The file has nothing to check and was not run.
    Skipped,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::Unset => "UNSET",
            Verdict::Error => "ERROR",
            Verdict::Skipped => "skipped",
        }
    }
}

/// What a row checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    /// The `[[expect]]` entry with this index.
    Expect(usize),
    Fingerprint,
    /// The placeholder row of a file with nothing to check.
    Nothing,
}

/// One check of one scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub kind: RowKind,
    /// `up_B_per_s @ hosts.names_per_host = 8`, or `fingerprint`.
    pub check: String,
    pub expected: String,
    pub measured: String,
    pub verdict: Verdict,
    /// For a failure or an error, one line saying what and why.
    pub detail: Option<String>,
    /// The value `--bless` would write: the measured mean, or the
    /// fingerprint as a number.
    pub bless_value: Option<BlessValue>,
}

/// A value `--bless` writes into the file.
#[derive(Clone, Debug, PartialEq)]
pub enum BlessValue {
    Expected(f64),
    Fingerprint(String),
}

/// The checks of one scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioReport {
    /// The file, as found under the paths given.
    pub file: String,
    pub name: String,
    pub rows: Vec<Row>,
    /// Seconds its runs took, summed over threads.
    pub run_secs: f64,
}

/// Counts of rows by verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: usize,
    pub passed: usize,
    /// Failed and unset.
    pub failed: usize,
    pub errors: usize,
    pub skipped: usize,
}

impl Counts {
    pub fn of<'r>(rows: impl IntoIterator<Item = &'r Row>) -> Counts {
        let mut c = Counts::default();
        for row in rows {
            c.total += 1;
            match row.verdict {
                Verdict::Pass => c.passed += 1,
                Verdict::Fail | Verdict::Unset => c.failed += 1,
                Verdict::Error => c.errors += 1,
                Verdict::Skipped => c.skipped += 1,
            }
        }
        c
    }

    pub fn all_passed(&self) -> bool {
        self.failed == 0 && self.errors == 0
    }
}

/// Every scenario's checks, in file order.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub scenarios: Vec<ScenarioReport>,
}

impl Report {
    /// Checks every target against its runs (as [`run_targets`] returns
    /// them, in the same order).
    pub fn of(targets: &[Target], runs: &[target::TargetRuns]) -> Report {
        Report {
            scenarios: targets
                .iter()
                .zip(runs)
                .map(|(t, r)| evaluate(t, r))
                .collect(),
        }
    }

    pub fn counts(&self) -> Counts {
        Counts::of(self.scenarios.iter().flat_map(|s| &s.rows))
    }

    /// The terminal table: scenario, expectation, expected, measured,
    /// verdict, one row per check; then one line per failure or error.
    pub fn table(&self) -> String {
        let header = ["scenario", "expectation", "expected", "measured", "verdict"];
        let mut lines: Vec<[String; 5]> = vec![header.map(str::to_owned)];
        for s in &self.scenarios {
            for (i, row) in s.rows.iter().enumerate() {
                let file = if i == 0 {
                    s.file.clone()
                } else {
                    String::new()
                };
                lines.push([
                    file,
                    row.check.clone(),
                    row.expected.clone(),
                    row.measured.clone(),
                    row.verdict.label().to_owned(),
                ]);
            }
        }
        let width = |col: usize| {
            lines
                .iter()
                .map(|l| l[col].chars().count())
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..5).map(width).collect();
        let mut text = String::new();
        for line in &lines {
            let cells: Vec<String> = line
                .iter()
                .zip(&widths)
                .map(|(cell, &w)| format!("{cell}{}", " ".repeat(w - cell.chars().count())))
                .collect();
            text += cells.join("  ").trim_end();
            text.push('\n');
        }
        let details: Vec<String> = self
            .scenarios
            .iter()
            .flat_map(|s| {
                s.rows.iter().filter_map(move |row| {
                    row.detail
                        .as_ref()
                        .map(|d| format!("{} {}: {}: {d}", row.verdict.label(), s.file, row.check))
                })
            })
            .collect();
        if !details.is_empty() {
            text.push('\n');
            for d in details {
                text += &d;
                text.push('\n');
            }
        }
        text
    }
}

#[cfg(test)]
mod tests;
