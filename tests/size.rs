//! `pnrpsim size` on a small cloud: its answer is within budget and the next
//! value is not, as an independent sweep around the answer confirms.

mod common;

use common::{SMALL_CLOUD as SCENARIO, answer_of, pnrpsim};

/// Mean upload (B/s) a host with `names` names needs, from `size --names`.
fn need(scenario: &str, names: i64) -> f64 {
    let (code, out, err) = pnrpsim(&[
        "size",
        scenario,
        "--metric",
        "mean",
        "--names",
        &names.to_string(),
    ]);
    assert_eq!(code, 0, "{err}");
    let text = out
        .lines()
        .find(|l| l.contains("a host needs"))
        .expect(&out);
    let bytes = text
        .split('(')
        .nth(1)
        .unwrap()
        .split(" B/s")
        .next()
        .unwrap();
    bytes.parse().unwrap()
}

/// The small cloud written to a temporary directory (kept alive by the
/// returned handle), and its path.
fn small_scenario() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.toml");
    std::fs::write(&path, SCENARIO).unwrap();
    let path = path.to_str().unwrap().to_owned();
    (dir, path)
}

/// `pnrpsim size` on the mean upload, with a budget and a replication cap.
fn size_at_mean(scenario: &str, budget: &str, max_replications: u32) -> (i32, String, String) {
    pnrpsim(&[
        "size",
        scenario,
        "--metric",
        "mean",
        "--budget",
        budget,
        "--max-replications",
        &max_replications.to_string(),
    ])
}

#[test]
fn size_answer_is_confirmed_by_a_sweep_around_it() {
    let (dir, scenario) = small_scenario();
    let scenario = scenario.as_str();
    // A budget halfway between the costs of 2 and 3 names per host (heavy
    // churn makes publication, hence names, dominate the cost).
    let budget = (need(scenario, 2) + need(scenario, 3)) / 2.0;
    let budget_arg = format!("{budget:.1}B/s");
    let (code, out, err) = size_at_mean(scenario, &budget_arg, 30);
    assert_eq!(code, 0, "{out}{err}");
    let answer = answer_of(&out);
    assert!((1..=4).contains(&answer), "answer {answer} near 2: {out}");
    assert!(out.contains("stays within budget at 95% confidence"));
    assert!(out.contains("exceeds it at 95% confidence"));

    // Independent check: a sweep (other seeds) over answer and answer + 1.
    let sweep_out = dir.path().join("sweep");
    let values = format!("sweep.values=[{answer}, {}]", answer + 1);
    let (code, _, err) = pnrpsim(&[
        "sweep",
        scenario,
        "--set",
        &values,
        "--set",
        "sweep.replications=10",
        "--no-charts",
        "--out",
        sweep_out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(sweep_out.join("sweep.csv")).unwrap();
    let mut rows = text.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (hi, lo) = (col("up_B_per_s_ci95_high"), col("up_B_per_s_ci95_low"));
    let at: Vec<Vec<f64>> = rows
        .map(|r| {
            r.split(',')
                .map(|c| c.parse().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    assert!(
        at[0][hi] <= budget,
        "answer within budget: CI high {} vs {budget}",
        at[0][hi]
    );
    assert!(
        at[1][lo] > budget,
        "next value over budget: CI low {} vs {budget}",
        at[1][lo]
    );
}

#[test]
fn budgets_without_units_or_below_one_name_are_refused() {
    let (_dir, scenario) = small_scenario();
    let scenario = scenario.as_str();
    let (code, _, err) = pnrpsim(&["size", scenario, "--budget", "300"]);
    assert_eq!(code, 2);
    assert!(err.contains("--budget: invalid rate \"300\""), "{err}");
    let (code, _, err) = pnrpsim(&["size", scenario, "--budget", "0.1B/s"]);
    assert_eq!(code, 2);
    assert!(err.contains("even hosts.names_per_host = 1 costs"), "{err}");
}

/// A budget at the very mean a value costs cannot be settled at 95 %
/// confidence with the replications allowed: the search answers with the
/// bracket its settled values support (exit 0), names the unsettled value
/// and its interval, and still writes its report.
#[test]
fn a_value_that_cannot_be_settled_gives_the_bracket_and_the_report() {
    let (dir, scenario) = small_scenario();
    let scenario = scenario.as_str();
    let budget = format!("{}B/s", need(scenario, 3));
    let page = dir.path().join("r.md");
    let (code, out, err) = pnrpsim(&[
        "size",
        scenario,
        "--metric",
        "mean",
        "--budget",
        &budget,
        "--max-replications",
        "5",
        "--report",
        page.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    // The search may leave 4 unsettled too, when its cost is noisy enough
    // to straddle the budget (3's mean) as well.
    let upper = ["3", "4"]
        .into_iter()
        .find(|hi| {
            out.contains(&format!(
                "answer: hosts.names_per_host between 2 and {hi} (not settled to one value"
            ))
        })
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        out.contains("hosts.names_per_host = 3 is not settled:"),
        "{out}"
    );
    let report = std::fs::read_to_string(&page).unwrap();
    assert!(
        report.contains(&format!(
            "**hosts.names_per_host between 2 and {upper}** (a bracket, not one value)."
        )),
        "{report}"
    );
    assert!(report.contains("| not settled |"), "{report}");
}

/// `--max-runs` bounds the search: when it is spent, the answer is the
/// bracket the settled values leave, never more runs than allowed.
#[test]
fn a_spent_run_budget_ends_with_a_bracket_within_it() {
    let (_dir, scenario) = small_scenario();
    let scenario = scenario.as_str();
    let (code, out, err) = pnrpsim(&[
        "size",
        scenario,
        "--metric",
        "mean",
        "--budget",
        "2kbit/s",
        "--replications",
        "3",
        "--max-runs",
        "6",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("the run budget (--max-runs 6) was spent"),
        "{out}"
    );
    let runs: usize = out
        .lines()
        .find_map(|l| l.strip_suffix(" simulation runs"))
        .expect(&out)
        .parse()
        .unwrap();
    assert!(runs <= 6, "{out}");
    let (code, _, err) = pnrpsim(&[
        "size",
        scenario,
        "--budget",
        "2kbit/s",
        "--replications",
        "5",
        "--max-runs",
        "4",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--max-runs 4 is below --replications 5"),
        "{err}"
    );
}
