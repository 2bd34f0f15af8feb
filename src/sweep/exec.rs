//! Running a sweep's tasks on a thread pool.
//!
//! Tasks are pulled one at a time from a shared counter, so they *start* in
//! the order given (which is what makes a Ctrl-C keep whole points and lets
//! the caller put the costliest tasks first), while each thread takes the
//! next task as soon as it is free. Results go back into the task's own slot,
//! so the caller sees them in task order whatever the thread count.

use crate::guard::{CutShort, progress};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// What became of one task.
#[derive(Debug, PartialEq)]
pub enum Outcome<T> {
    Done(T),
    /// The task returned an error or panicked; the message says which.
    Failed(String),
    /// The task stopped on purpose before finishing ([`CutShort`]).
    CutShort(String),
    /// The stop flag was raised before the task started.
    Skipped,
}

/// Most worker threads `--threads` accepts. Every run holds a whole cloud
/// in memory, so more threads than cores only add memory; the cap stops a
/// typo (`--threads 100000`) from creating threads without limit.
pub const MAX_THREADS: usize = 256;

/// Parses `--threads N`: 0 means one per core (the default), 1 to
/// [`MAX_THREADS`] that many threads.
pub fn parse_threads(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n <= MAX_THREADS => Ok(n),
        _ => Err(format!(
            "expected a whole number from 0 (one thread per core) to {MAX_THREADS}"
        )),
    }
}

/// Runs `work` on every task with `threads` threads (0 = one per core;
/// never more threads than tasks) and
/// returns the outcomes in task order. A raised `stop` flag lets running
/// tasks finish and skips the rest; an error or panic in one task never
/// stops the others. A task that returns [`CutShort`] was stopped on
/// purpose (a wall-clock limit) and is reported apart from failures.
pub fn execute<J, T, W>(
    tasks: &[J],
    threads: usize,
    stop: &AtomicBool,
    work: W,
) -> anyhow::Result<Vec<Outcome<T>>>
where
    J: Sync,
    T: Send,
    W: Fn(&J) -> anyhow::Result<T> + Sync,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.min(tasks.len().max(1)))
        .thread_name(|i| format!("sweep-{i}"))
        .build()?;
    let next = AtomicUsize::new(0);
    let per_thread = pool.broadcast(|_| {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(task) = tasks.get(i) else { break };
            if stop.load(Ordering::SeqCst) {
                progress::phase("interrupted: finishing the runs in progress");
                done.push((i, Outcome::Skipped));
                continue;
            }
            let outcome = match catch_unwind(AssertUnwindSafe(|| work(task))) {
                Ok(Ok(t)) => Outcome::Done(t),
                Ok(Err(e)) if e.is::<CutShort>() => Outcome::CutShort(e.to_string()),
                Ok(Err(e)) => Outcome::Failed(format!("{e:#}")),
                Err(payload) => Outcome::Failed(format!("panicked: {}", panic_message(&*payload))),
            };
            done.push((i, outcome));
        }
        done
    });

    let mut slots: Vec<Option<Outcome<T>>> = (0..tasks.len()).map(|_| None).collect();
    for (i, outcome) in per_thread.into_iter().flatten() {
        slots[i] = Some(outcome);
    }
    Ok(slots
        .into_iter()
        .map(|s| s.expect("every task index is taken by exactly one thread"))
        .collect())
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "(no message)"
    }
}

/// The process-wide Ctrl-C flag, installing the handler on first use.
///
/// The first Ctrl-C raises the flag, so [`execute`] skips tasks not yet
/// started and the caller writes what finished; a second one exits at once
/// (status 130) for when a single run is too long to wait for.
pub fn interrupt_flag() -> anyhow::Result<&'static AtomicBool> {
    static STOP: AtomicBool = AtomicBool::new(false);
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            ctrlc::set_handler(|| {
                if STOP.swap(true, Ordering::SeqCst) {
                    std::process::exit(130);
                }
                eprintln!(
                    "\nCtrl-C: stopping after the runs in progress (press again to quit now)"
                );
            })
            .map_err(|e| format!("cannot install the Ctrl-C handler: {e}"))
        })
        .clone()
        .map_err(anyhow::Error::msg)?;
    Ok(&STOP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_keep_task_order_and_failures_do_not_stop_others() {
        let tasks: Vec<u32> = (0..40).collect();
        let stop = AtomicBool::new(false);
        let out = execute(&tasks, 2, &stop, |&t| {
            if t == 7 {
                anyhow::bail!("bad task");
            }
            if t == 9 {
                panic!("task {t} blew up");
            }
            if t == 11 {
                return Err(CutShort("out of time".into()).into());
            }
            Ok(t * 10)
        })
        .unwrap();
        assert_eq!(out.len(), 40);
        for (i, o) in out.iter().enumerate() {
            match i {
                7 => assert_eq!(*o, Outcome::Failed("bad task".into())),
                9 => assert_eq!(*o, Outcome::Failed("panicked: task 9 blew up".into())),
                11 => assert_eq!(*o, Outcome::CutShort("out of time".into())),
                _ => assert_eq!(*o, Outcome::Done(i as u32 * 10)),
            }
        }
    }

    /// A real SIGINT raises the flag instead of killing the process.
    #[test]
    fn ctrl_c_raises_the_stop_flag() {
        let flag = interrupt_flag().unwrap();
        assert!(std::ptr::eq(flag, interrupt_flag().unwrap()));
        assert!(!flag.load(Ordering::SeqCst));
        let status = std::process::Command::new("kill")
            .args(["-INT", &std::process::id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !flag.load(Ordering::SeqCst) {
            assert!(
                std::time::Instant::now() < deadline,
                "SIGINT did not raise the flag"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    #[test]
    fn stop_skips_tasks_not_started() {
        let tasks: Vec<u32> = (0..20).collect();
        let stop = AtomicBool::new(false);
        // One thread: tasks start strictly in order, so the flag raised by
        // task 4 must skip exactly 5..20.
        let out = execute(&tasks, 1, &stop, |&t| {
            if t == 4 {
                stop.store(true, Ordering::SeqCst);
            }
            Ok(t)
        })
        .unwrap();
        assert!(out[..5].iter().all(|o| matches!(o, Outcome::Done(_))));
        assert!(out[5..].iter().all(|o| *o == Outcome::Skipped));
    }
}
