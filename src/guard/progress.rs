//! Progress on stderr for the long commands (`run`, `sweep`, `size`,
//! `compare`, `check`): one process-wide account of the work planned and
//! done, drawn as a live bar on a terminal and as plain lines otherwise.
//!
//! Work is counted in estimated CPU time ([`super::cost`]), not in runs:
//! every run advances the account slice by slice of simulated time as it
//! goes (see [`super::run_watched`]), so the bar moves inside long runs
//! and its ETA does not jump when a costly run ends. Runs are counted
//! too, for the message ("3/35 runs").
//!
//! On a terminal: a bar redrawn five times a second whose clock keeps
//! ticking between runs. Not on a terminal (CI logs, `2>log`): a line per
//! phase, a line per finished run, and a line beginning with `…` whenever
//! five seconds pass without one. Every line starts with the elapsed time
//! in brackets; apart from those times, the ETA and the `…` lines, the
//! lines depend only on the work (with one thread, on nothing else).
//!
//! Nothing is drawn before [`start`]: library users and tests that call
//! the runs directly see no output. Progress never goes to stdout or into
//! a file.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write as _};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Work is counted in microseconds of estimated CPU time.
const MICROS: f64 = 1e6;
/// A plain line at least this often when nothing else was printed.
const PLAIN_EVERY: Duration = Duration::from_secs(5);
/// How often the terminal bar is redrawn.
const TICK: Duration = Duration::from_millis(200);

static ACTIVE: AtomicBool = AtomicBool::new(false);
static PLANNED: AtomicU64 = AtomicU64::new(0);
static DONE: AtomicU64 = AtomicU64::new(0);
static RUNS_PLANNED: AtomicU64 = AtomicU64::new(0);
static RUNS_DONE: AtomicU64 = AtomicU64::new(0);
static STATE: Mutex<Option<State>> = Mutex::new(None);
/// Which [`start`] the state belongs to, so a ticker outlived by its
/// state never draws for the next one.
static GENERATION: AtomicU64 = AtomicU64::new(0);

struct State {
    generation: u64,
    started: Instant,
    phase: String,
    /// The step within the phase ("names_per_host = 12, replications
    /// 1–5"), or empty.
    step: String,
    /// `None` when stderr is not a terminal: plain lines instead.
    bar: Option<ProgressBar>,
    /// When the last plain line was printed.
    last_line: Instant,
}

/// Shows progress while it lives: dropping it calls [`finish`], so the
/// bar is cleared on every way out of a command, errors included.
#[must_use = "progress ends when this is dropped"]
pub struct Session(());

impl Drop for Session {
    fn drop(&mut self) {
        finish();
    }
}

/// Starts showing progress (a bar on a terminal, plain lines otherwise,
/// or plain lines everywhere with `PNRPSIM_PROGRESS=plain`), with `first`
/// as the first phase, until the session returned is dropped.
pub fn start(first: &str) -> Session {
    let terminal = std::io::stderr().is_terminal()
        && std::env::var_os("PNRPSIM_PROGRESS").is_none_or(|v| v != "plain");
    {
        let mut state = lock();
        if state.is_none() {
            let bar = terminal.then(|| {
                let bar = ProgressBar::with_draw_target(Some(1), ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} [{elapsed_precise}] [{bar:30}] {percent:>3}% · ETA {eta} · {msg}",
                    )
                    .expect("the template is valid")
                    .progress_chars("=> "),
                );
                bar
            });
            for counter in [&PLANNED, &DONE, &RUNS_PLANNED, &RUNS_DONE] {
                counter.store(0, Ordering::SeqCst);
            }
            let generation = GENERATION.fetch_add(1, Ordering::SeqCst) + 1;
            *state = Some(State {
                generation,
                started: Instant::now(),
                phase: String::new(),
                step: String::new(),
                bar,
                last_line: Instant::now(),
            });
            ACTIVE.store(true, Ordering::SeqCst);
            std::thread::Builder::new()
                .name("progress".into())
                .spawn(move || ticker(generation))
                .expect("a thread for the progress display");
        }
    }
    phase(first);
    Session(())
}

/// Whether [`start`] was called.
pub fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// Prints a line on stderr in the progress stream (above the bar on a
/// terminal), whether or not progress was started: the plan of a command.
pub fn note(line: &str) {
    let state = lock();
    match state.as_ref().and_then(|s| s.bar.as_ref()) {
        Some(bar) => bar.println(line),
        None => {
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    }
}

/// Names what the work is doing now ("search", "sensitivity 3/10:
/// refresh interval halved"), and clears the step.
pub fn phase(label: &str) {
    show(label, "");
}

/// Names the step within the phase ("hosts.names_per_host = 12,
/// replications 1–5").
pub fn step(label: &str) {
    let phase = match lock().as_ref() {
        Some(state) => state.phase.clone(),
        None => return,
    };
    show(&phase, label);
}

fn show(phase: &str, step: &str) {
    let mut guard = lock();
    let Some(state) = guard.as_mut() else { return };
    if state.phase == phase && state.step == step {
        return;
    }
    state.phase = phase.to_owned();
    state.step = step.to_owned();
    let label = activity(state);
    match &state.bar {
        Some(bar) => bar.set_message(message(state)),
        None => plain_line(state, label),
    }
}

/// "search: hosts.names_per_host = 12, replications 1–5".
fn activity(state: &State) -> String {
    if state.step.is_empty() {
        state.phase.clone()
    } else {
        format!("{}: {}", state.phase, state.step)
    }
}

/// Adds `runs` runs of `cpu_seconds` estimated CPU time in all to the work
/// planned: before a batch starts, so the bar's length and ETA include it.
pub fn plan(runs: u64, cpu_seconds: f64) {
    if !active() {
        return;
    }
    RUNS_PLANNED.fetch_add(runs, Ordering::Relaxed);
    PLANNED.fetch_add((cpu_seconds * MICROS).round() as u64, Ordering::Relaxed);
}

/// Work of a run in progress: `micros` of its estimated CPU time done.
pub(crate) fn advance(micros: u64) {
    if micros > 0 && active() {
        DONE.fetch_add(micros, Ordering::Relaxed);
    }
}

/// A run ended (finished, failed or cut short).
pub(crate) fn run_done() {
    if !active() {
        return;
    }
    let done = RUNS_DONE.fetch_add(1, Ordering::Relaxed) + 1;
    let mut guard = lock();
    let Some(state) = guard.as_mut() else { return };
    if state.bar.is_none() {
        let planned = RUNS_PLANNED.load(Ordering::Relaxed).max(done);
        let line = format!(
            "{done}/{planned} run{} done · {}",
            if planned == 1 { "" } else { "s" },
            figures(state)
        );
        plain_line(state, line);
    }
}

/// Clears the bar (a terminal keeps no trace of it) and stops drawing;
/// with plain lines, prints the last one. [`Session`] calls it.
fn finish() {
    let mut guard = lock();
    if let Some(state) = guard.as_mut() {
        match state.bar.take() {
            Some(bar) => bar.finish_and_clear(),
            None => {
                let line = format!(
                    "done: {} run{}",
                    RUNS_DONE.load(Ordering::Relaxed),
                    if RUNS_DONE.load(Ordering::Relaxed) == 1 {
                        ""
                    } else {
                        "s"
                    }
                );
                plain_line(state, line);
            }
        }
    }
    *guard = None;
    ACTIVE.store(false, Ordering::SeqCst);
}

fn lock() -> std::sync::MutexGuard<'static, Option<State>> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// "12 % · ETA 0:01:20", from the work done and planned.
fn figures(state: &State) -> String {
    let (done, planned) = counts();
    let share = done as f64 / planned as f64;
    let elapsed = state.started.elapsed().as_secs_f64();
    let eta = if done == 0 {
        "ETA ?".to_owned()
    } else {
        format!("ETA {}", clock(elapsed * (1.0 - share) / share))
    };
    format!("{:.0} % · {eta}", share * 100.0)
}

fn counts() -> (u64, u64) {
    let done = DONE.load(Ordering::Relaxed);
    (done, PLANNED.load(Ordering::Relaxed).max(done).max(1))
}

/// "search: names = 12 · 3/10 runs".
fn message(state: &State) -> String {
    let planned = RUNS_PLANNED.load(Ordering::Relaxed);
    let done = RUNS_DONE.load(Ordering::Relaxed);
    format!("{} · {done}/{} runs", activity(state), planned.max(done))
}

fn clock(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

fn plain_line(state: &mut State, text: String) {
    state.last_line = Instant::now();
    let _ = writeln!(
        std::io::stderr().lock(),
        "[{}] {text}",
        clock(state.started.elapsed().as_secs_f64())
    );
}

/// Redraws the bar, or prints a `…` line when the plain log was quiet for
/// [`PLAIN_EVERY`]; ends with [`finish`].
fn ticker(generation: u64) {
    loop {
        std::thread::sleep(TICK);
        let mut guard = lock();
        let Some(state) = guard.as_mut().filter(|s| s.generation == generation) else {
            return;
        };
        let (done, planned) = counts();
        match &state.bar {
            Some(bar) => {
                bar.set_length(planned);
                bar.set_position(done);
                bar.set_message(message(state));
                bar.tick();
            }
            None if state.last_line.elapsed() >= PLAIN_EVERY => {
                let line = format!("… {} · {}", figures(state), message(state));
                plain_line(state, line);
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_read_hours_minutes_seconds() {
        assert_eq!(clock(0.4), "0:00:00");
        assert_eq!(clock(75.0), "0:01:15");
        assert_eq!(clock(3725.0), "1:02:05");
    }
}
