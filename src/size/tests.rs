//! The search on synthetic runs (`crate::sweep::tests::synthetic_run`:
//! upload grows by a fixed step per name, with ±15 % noise per run), so
//! that its answers can be checked against a brute-force run of the same
//! values.

use super::*;
use crate::sweep::tests::synthetic_run;
use std::sync::Mutex;

fn cloud() -> Scenario {
    let mut s = Scenario {
        name: "synthetic".into(),
        seed: 7,
        ..Scenario::default()
    };
    s.hosts.count = 40;
    s
}

fn search(budget: f64, max_replications: u32, threads: usize) -> Search {
    Search {
        axis: "hosts.names_per_host".into(),
        statistic: Statistic::Mean,
        budget,
        replications: 4,
        max_replications,
        threads,
        max_value: 64,
        max_runs: 400,
    }
}

fn at(base: &Scenario) -> impl Fn(i64) -> Result<Scenario, String> + '_ {
    |v| {
        let mut s = base.clone();
        s.hosts.names_per_host = u32::try_from(v).map_err(|e| e.to_string())?;
        Ok(s)
    }
}

/// Mean upload per host at each of `1..=values` over `runs` replications
/// of other seeds than the search's: the cost the search estimates.
fn brute_force(base: &Scenario, values: i64, runs: u64) -> Vec<f64> {
    let column = catalog::per_run_index("up_B_per_s").unwrap();
    (1..=values)
        .map(|v| {
            let s = at(base)(v).unwrap();
            let sum: f64 = (0..runs)
                .map(|r| {
                    let seed = StreamSeed {
                        seed: 1_000 + base.seed,
                        point: 0,
                        replication: r,
                    };
                    catalog::per_run_values(&synthetic_run(&s, seed).unwrap())[column].unwrap()
                })
                .sum();
            sum / runs as f64
        })
        .collect()
}

fn size(base: &Scenario, search: &Search) -> Answer {
    let stop = AtomicBool::new(false);
    let mut ev = Evaluator::new(search, base, at(base), synthetic_run, &stop);
    let start = analytic_start(&mut ev).unwrap();
    largest_within(&mut ev, start.map_or(1, |s| s.value)).unwrap()
}

#[test]
fn the_answer_is_the_value_a_brute_force_run_finds() {
    let base = cloud();
    let cost = brute_force(&base, 6, 400);
    let mut settled = 0;
    for n in 1..=4 {
        // Halfway between the costs of n and n + 1 names: the hardest
        // budget to settle, a few per cent from both.
        let budget = (cost[n - 1] + cost[n]) / 2.0;
        let answer = size(&base, &search(budget, 64, 2));
        let (lo, hi) = answer.bracket();
        assert!(
            lo <= n as i64 && hi.is_some_and(|hi| hi >= n as i64),
            "budget {budget}: {lo}..{hi:?}"
        );
        if answer.settled() {
            settled += 1;
            let (w, o) = (answer.within.unwrap(), answer.over.unwrap());
            assert!(w.estimate.ci95.unwrap().1 <= budget && o.estimate.ci95.unwrap().0 > budget);
        }
    }
    assert!(settled >= 2, "only {settled} of 4 budgets settled");
}

#[test]
fn a_budget_at_a_values_own_cost_ends_with_a_bracket_around_it() {
    let base = cloud();
    let cost = brute_force(&base, 4, 400);
    let answer = size(&base, &search(cost[2], 20, 2));
    assert!(!answer.settled());
    assert!(
        answer
            .stopped
            .as_deref()
            .unwrap()
            .contains("could not be settled")
    );
    let (lo, hi) = answer.bracket();
    assert!(lo < 3 && hi.is_some_and(|hi| hi >= 3), "{lo}..{hi:?}");
    // Each end is settled; the values between are not.
    assert_eq!(answer.within.as_ref().unwrap().verdict, Verdict::Within);
    assert_eq!(answer.over.as_ref().unwrap().verdict, Verdict::Over);
    let inside: Vec<&Evaluation> = answer.unsettled_inside().collect();
    assert!(inside.iter().any(|e| e.value == 3));
    assert!(inside.iter().all(|e| e.estimate.n == 20));
}

#[test]
fn a_larger_budget_never_answers_fewer_names() {
    let base = cloud();
    let mut last = 0;
    for budget in [90.0, 110.0, 130.0, 150.0, 170.0, 190.0] {
        let (lo, hi) = size(&base, &search(budget, 20, 2)).bracket();
        assert!(lo >= last, "budget {budget}: {lo} after {last}");
        assert!(hi.is_some_and(|hi| hi >= lo));
        last = lo;
    }
}

/// Values far from the budget stop within their first two looks (8 of
/// up to 64 runs); only the pair next to it takes more.
#[test]
fn values_far_from_the_budget_stop_within_two_looks() {
    let base = cloud();
    let cost = brute_force(&base, 8, 400);
    let budget = (cost[1] + cost[2]) / 2.0;
    let answer = size(&base, &search(budget, 64, 2));
    let (lo, hi) = answer.bracket();
    assert!(lo <= 2 && hi.is_some_and(|hi| hi >= 2), "{lo}..{hi:?}");
    for e in &answer.evaluations {
        // Beyond the values costed, farther still.
        let far = cost
            .get(e.value as usize - 1)
            .is_none_or(|c| (c - budget).abs() > 0.3 * budget);
        assert!(
            !far || e.estimate.n <= 8,
            "{} has {} runs",
            e.value,
            e.estimate.n
        );
    }
    // The synthetic costs are not what the analytic estimate of this
    // cloud predicts, so the search bisects 1..=64 in pairs.
    assert!(answer.evaluations.len() <= 14, "{:?}", answer.evaluations);
}

/// Common random numbers: replication r runs with one seed at every
/// value, and the answer does not depend on the number of threads.
#[test]
fn every_value_runs_replication_r_with_one_seed_whatever_the_threads() {
    let base = cloud();
    let seen = Mutex::new(BTreeMap::<u64, Vec<u64>>::new());
    let runner = |s: &Scenario, seed: StreamSeed| {
        seen.lock()
            .unwrap()
            .entry(seed.replication)
            .or_default()
            .push(seed.run_seed());
        synthetic_run(s, seed)
    };
    let stop = AtomicBool::new(false);
    let one = search(150.0, 20, 1);
    let mut ev = Evaluator::new(&one, &base, at(&base), runner, &stop);
    let first = largest_within(&mut ev, 3).unwrap();
    for seeds in seen.lock().unwrap().values() {
        assert!(seeds.iter().all(|s| *s == seeds[0]), "{seeds:?}");
    }
    let three = search(150.0, 20, 3);
    let mut ev = Evaluator::new(&three, &base, at(&base), synthetic_run, &stop);
    let again = largest_within(&mut ev, 3).unwrap();
    assert_eq!(first.bracket(), again.bracket());
    assert_eq!(first.runs, again.runs);
}
