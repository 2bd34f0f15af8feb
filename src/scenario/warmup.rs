//! The default warm-up and duration **[ours]**, resolved when a scenario is
//! loaded (after its `--set` overrides) and again for each sweep point and
//! `[[design]]` variant whose settings move them, so that the rest of the
//! program reads plain [`Duration`]s; which of the two took their default
//! stays with the scenario ([`Defaulted`]).
//!
//! A steady start ([`Start::Steady`]) installs exact leaf sets and caches
//! with no stale entries. A static cloud holds that state for ever, and a
//! natural start (`"joins"`) or a churn trace builds its own; 10 minutes
//! of warm-up suffice for them. Under parametric churn a long-running
//! cloud's caches also hold entries of hosts that left without being found
//! out yet, which accumulate over sessions: a steady start overstates
//! resolve success and leaf-set accuracy and understates hops, resolve and
//! maintenance bytes until about [`SETTLED_SESSIONS`] mean sessions have
//! passed (docs/validation.md, "Steady-state start").

use super::model::{Scenario, Start};
use super::validate::Problem;
use crate::engine::SimDuration;
use crate::engine::units::Duration;

/// Mean sessions of churn a steady start warms up for by default **[ours]**:
/// the smallest of 1, 1.5, 2 and 3 after which every judged figure (each
/// upload reason of at least 1 % of the bytes, total upload, resolve
/// success, hops, cache levels, leaf-set accuracy) agrees with a long
/// natural warm-up (every host joining, 4, 8 and 12 h) within ±5 % or the
/// 95 % confidence interval of the difference, at 10³ hosts × 1 and × 8
/// names under exponential churn (sessions 2 h, downtimes 1 h, 5 seeds).
/// One session still leaves maintenance bytes 11–13 % low at one name,
/// resolve bytes and hops 6–7 % low at eight (docs/validation.md,
/// "Steady-state start"). Measured for exponential sessions; Weibull
/// sessions of shape 0.6 relax on the same time scale (2 000 hosts).
pub const SETTLED_SESSIONS: f64 = 1.5;

/// The default warm-up of static clouds, natural starts and trace churn.
pub const SHORT_WARMUP: Duration = Duration::secs(600);

/// What a default `duration` measures after the warm-up: with
/// [`SHORT_WARMUP`], one simulated hour in all.
pub const DEFAULT_MEASURED: Duration = Duration::secs(3000);

/// The default `duration` after a warm-up of `warmup`.
pub fn default_duration(warmup: Duration) -> Duration {
    Duration(warmup.0 + DEFAULT_MEASURED.0)
}

/// Whether the scenario's start still relaxes after the warm-up would end:
/// a steady start under parametric churn.
pub fn relaxes(s: &Scenario) -> bool {
    s.churn.enabled && s.churn.trace.is_none() && s.hosts.start == Start::Steady
}

/// The settled warm-up of `s`: [`SETTLED_SESSIONS`] mean sessions when its
/// start [`relaxes`], else [`SHORT_WARMUP`].
pub fn settled(s: &Scenario) -> Duration {
    if !relaxes(s) {
        return SHORT_WARMUP;
    }
    let mean = s.churn.session.mean.0.as_micros() as f64;
    // Whole seconds, so that the value prints as it would be written.
    let secs = (mean * SETTLED_SESSIONS / 1e6).round() as u64;
    Duration(SimDuration::from_secs(secs))
}

/// The settled warm-up with its reason, for messages: "3h (1.5 mean
/// sessions of churn, `churn.session.mean` = 2h, for a steady start to
/// settle)".
fn reason(s: &Scenario) -> String {
    format!(
        "{} ({SETTLED_SESSIONS} mean sessions of churn, `churn.session.mean` = {}, for a steady start to settle)",
        settled(s),
        s.churn.session.mean
    )
}

/// Which of `warmup` and `duration` neither the file, a `--set`, a sweep
/// axis nor a design gave: a sweep point or design made from the scenario
/// computes these again from its own settings (a point with sessions of
/// 8 h warms up for 12 h, not for the file's 3 h).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Defaulted {
    pub warmup: bool,
    pub duration: bool,
}

/// Fills in `warmup` and `duration` where `defaulted` says nothing gave
/// them: the [`settled`] warm-up, and that plus [`DEFAULT_MEASURED`]; and
/// records `defaulted` in the scenario. An explicit `duration` that leaves
/// nothing to measure after a settled warm-up longer than [`SHORT_WARMUP`]
/// is a problem at `duration`; with the short default, `validate`'s rule on
/// `warmup` reports it as before.
pub fn resolve(s: &mut Scenario, defaulted: Defaulted) -> Result<(), Problem> {
    s.defaulted = defaulted;
    if !defaulted.warmup {
        if defaulted.duration {
            s.duration = default_duration(s.warmup);
        }
        return Ok(());
    }
    s.warmup = settled(s);
    if defaulted.duration {
        s.duration = default_duration(s.warmup);
    } else if relaxes(s) && s.duration <= s.warmup {
        return Err(Problem {
            path: "duration".to_owned(),
            message: format!(
                "leaves no measured time after the default warm-up, {} (got {}); give a longer `duration` (e.g. {}) or an explicit, shorter `warmup` (docs/validation.md, \"Steady-state start\", shows what a short one overstates)",
                reason(s),
                s.duration,
                default_duration(s.warmup),
            ),
        });
    }
    Ok(())
}

/// The one-line notice for a run whose warm-up is shorter than the settled
/// one of a relaxing start; `None` otherwise.
pub fn notice(s: &Scenario) -> Option<String> {
    (relaxes(s) && s.warmup < settled(s)).then(|| {
        format!(
            "notice: warmup {} is shorter than the settled warm-up, {}: the steady start's caches hold no stale entries yet, so resolve success and leaf-set accuracy are overstated and hops, resolve and maintenance bytes understated (docs/validation.md, \"Steady-state start\"); leave `warmup` out for the settled default",
            s.warmup,
            reason(s)
        )
    })
}

/// How the warm-up used compares with the settled one, for summaries:
/// "the settled default", or "shorter than the settled 3h (1.5 mean
/// sessions of churn from the steady start)".
pub fn choice(s: &Scenario) -> String {
    let settled = settled(s);
    let why = if relaxes(s) {
        format!(" ({SETTLED_SESSIONS} mean sessions of churn from the steady start)")
    } else {
        String::new()
    };
    match s.warmup.cmp(&settled) {
        std::cmp::Ordering::Equal => format!("the settled default{why}"),
        std::cmp::Ordering::Less => format!("shorter than the settled {settled}{why}"),
        std::cmp::Ordering::Greater => format!("longer than the settled {settled}{why}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_steady_start_under_parametric_churn_warms_up_for_sessions() {
        let mut s = Scenario::default();
        assert_eq!(settled(&s), SHORT_WARMUP);
        s.churn.enabled = true;
        s.churn.session.mean = Duration::secs(7200);
        assert_eq!(settled(&s).as_secs_f64(), 7200.0 * SETTLED_SESSIONS);
        s.hosts.start = Start::Joins;
        assert_eq!(settled(&s), SHORT_WARMUP);
        s.churn.trace = Some("trace.csv".to_owned());
        assert_eq!(settled(&s), SHORT_WARMUP);
    }

    /// A sweep point or design that moves the sessions settles at its own
    /// pace when the file left `warmup` out, and keeps the file's when it
    /// gave one.
    #[test]
    fn a_point_with_other_sessions_computes_its_own_default_warm_up() {
        use super::super::load::load_str;
        use super::super::overrides::{point_base, scenario_with};
        let file = "[churn]\nenabled = true\nsession = { mean = \"2h\" }\n";
        let longer = [("churn.session.mean".to_owned(), toml::Value::from("8h"))];
        let s = load_str(file, "t.toml", &[]).unwrap();
        assert_eq!(s.warmup, Duration::secs(3 * 3600));
        let point = scenario_with(&point_base(&s).unwrap(), &longer).unwrap();
        assert_eq!(point.warmup, Duration::secs(12 * 3600));
        assert_eq!(point.duration, default_duration(point.warmup));
        assert!(notice(&point).is_none());

        let explicit = load_str(&format!("warmup = \"1h\"\n{file}"), "t.toml", &[]).unwrap();
        let point = scenario_with(&point_base(&explicit).unwrap(), &longer).unwrap();
        assert_eq!(point.warmup, Duration::secs(3600));
        assert_eq!(point.duration, default_duration(point.warmup));
        assert!(notice(&point).is_some());
    }

    /// The report's provenance of `warmup` states the rule's number.
    #[test]
    fn the_provenance_of_the_warm_up_names_the_settled_sessions() {
        let source = super::super::provenance::source("warmup").unwrap();
        assert!(
            source.contains(&format!("{SETTLED_SESSIONS} mean sessions")),
            "{source}"
        );
    }
}
