//! The sweep journal: every finished (point, replication) is on disk the
//! moment it completes, so that a sweep killed after hours loses only the
//! runs that were in progress, and `--resume` runs only what is missing.
//!
//! `sweep-journal.log` in the output directory is an append-only text file,
//! one record per line, each line ending with a checksum of its content
//! (64-bit FNV-1a, hex):
//!
//! ```text
//! pnrpsim-journal  1  <pnrpsim version>  <scenario hash>  <checksum>
//! start     <point>  <replication>  <checksum>
//! done      <point>  <replication>  <run seed>  <metrics>  <host rates>  <series>  <checksum>
//! complete  <checksum>
//! ```
//!
//! (fields separated by tabs). A `done` record holds everything the CSV
//! files need from the run, floats in Rust's shortest round-trip form, so a
//! resumed sweep writes byte-identical files. It is appended in one write
//! and synced before the run counts as finished; a write that fails midway
//! (a full disk) is cut back off. A kill can leave only a last line without
//! its newline. On `--resume` every valid record is kept and every damaged
//! line (torn, edited) is dropped and named; only a damaged header is
//! refused. `start` records
//! say which runs were attempted (a run killed midway has a `start` and no
//! `done`); `complete` is appended once the output files hold every run.
//!
//! The journal is locked while a sweep writes it, so two sweeps into one
//! directory cannot interleave.

use super::tables::RunRecord;
use crate::scenario::Scenario;
use anyhow::{Context, anyhow, bail};
use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

pub const JOURNAL_FILE: &str = "sweep-journal.log";
const MAGIC: &str = "pnrpsim-journal";
const FORMAT: &str = "1";

/// What a journal belongs to; resuming with anything else is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub version: String,
    /// [`scenario_hash`] of the sweep's scenario (after `--set`).
    pub scenario_hash: u64,
}

impl Identity {
    pub fn of(s: &Scenario) -> anyhow::Result<Identity> {
        Ok(Identity {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            scenario_hash: scenario_hash(s)?,
        })
    }

    /// The identity of a study other than a sweep (`size`, `compare`) of
    /// `s`: `study` names it and whatever else decides its runs (the
    /// sizing axis), so one study's journal is never resumed by another.
    pub fn of_study(s: &Scenario, study: &str) -> anyhow::Result<Identity> {
        let text = toml::to_string(s).context("cannot serialize the scenario")?;
        Ok(Identity {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            scenario_hash: fnv1a(format!("{text}\n# study: {study}\n").as_bytes()),
        })
    }
}

/// Hash of the scenario's canonical TOML form: any parameter change,
/// including the `[sweep]` section and the seed, changes it.
pub fn scenario_hash(s: &Scenario) -> anyhow::Result<u64> {
    let text = toml::to_string(s).context("cannot serialize the scenario")?;
    Ok(fnv1a(text.as_bytes()))
}

/// 64-bit FNV-1a: tiny and stable across platforms and Rust versions,
/// which is all a torn-write check and a change detector need.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// One line of the journal, checksum appended.
fn line(fields: &[String]) -> String {
    let body = fields.join("\t");
    format!("{body}\t{:016x}\n", fnv1a(body.as_bytes()))
}

fn header(id: &Identity) -> String {
    line(&[
        MAGIC.into(),
        FORMAT.into(),
        id.version.clone(),
        format!("{:016x}", id.scenario_hash),
    ])
}

fn floats(values: impl Iterator<Item = Option<f64>>) -> String {
    values
        .map(|v| v.map_or_else(String::new, |x| x.to_string()))
        .collect::<Vec<_>>()
        .join(",")
}

fn done_line(r: &RunRecord) -> String {
    let host_up = r
        .host_up
        .as_ref()
        .map_or_else(|| "-".to_owned(), |v| floats(v.iter().copied().map(Some)));
    let series = r.cloud_series.as_ref().map_or_else(
        || "-".to_owned(),
        |v| {
            v.iter()
                .map(|(t, x)| format!("{t}:{x}"))
                .collect::<Vec<_>>()
                .join(",")
        },
    );
    line(&[
        "done".into(),
        r.point.to_string(),
        r.replication.to_string(),
        r.run_seed.to_string(),
        floats(r.values.iter().copied()),
        host_up,
        series,
    ])
}

fn parse_num<T: std::str::FromStr>(field: &str) -> Result<T, String> {
    field
        .parse()
        .map_err(|_| format!("`{field}` is not a number"))
}

fn parse_list<T>(
    field: &str,
    item: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<Vec<T>>, String> {
    match field {
        "-" => Ok(None),
        "" => Ok(Some(Vec::new())),
        _ => field
            .split(',')
            .map(item)
            .collect::<Result<_, _>>()
            .map(Some),
    }
}

fn parse_done(f: &[&str]) -> Result<RunRecord, String> {
    let [point, replication, seed, values, host_up, series] = f else {
        return Err(format!("a done record has 6 fields, found {}", f.len()));
    };
    let values = values
        .split(',')
        .map(|v| (!v.is_empty()).then(|| parse_num(v)).transpose())
        .collect::<Result<_, _>>()?;
    Ok(RunRecord {
        point: parse_num(point)?,
        replication: parse_num(replication)?,
        run_seed: parse_num(seed)?,
        values,
        host_up: parse_list(host_up, parse_num)?,
        cloud_series: parse_list(series, |pair| {
            let (t, x) = pair
                .split_once(':')
                .ok_or_else(|| format!("`{pair}` is not time:value"))?;
            Ok((parse_num(t)?, parse_num(x)?))
        })?,
    })
}

/// What an existing journal holds.
#[derive(Debug, Default)]
struct Contents {
    identity: Option<Identity>,
    /// Runs with a `start` record and no `done` record.
    unfinished: BTreeSet<(usize, u32)>,
    done: Vec<RunRecord>,
    /// The last record is `complete`.
    complete: bool,
    /// The valid lines, as read: what the journal is cut back to.
    kept: Vec<u8>,
    /// What was left out, one entry per line: `line 7: checksum mismatch`.
    dropped: Vec<String>,
}

/// Reads the journal's bytes, keeping every valid record: a damaged line
/// (a torn write, a full disk, an edit) is left out and listed in
/// `dropped`, and the records around it still count. `Err` only when the
/// header itself is damaged: then nothing says whose runs these are.
fn parse(bytes: &[u8]) -> Result<Contents, String> {
    let mut c = Contents::default();
    let mut seen = BTreeSet::new();
    for (i, raw) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        let Some(raw) = raw.strip_suffix(b"\n") else {
            // A torn last line: the write that was cut off.
            c.dropped.push(format!("line {}: cut off", i + 1));
            break;
        };
        match parse_line(&mut c, &mut seen, i, raw) {
            Ok(()) => {
                c.kept.extend_from_slice(raw);
                c.kept.push(b'\n');
            }
            Err(e) if i == 0 => return Err(e),
            Err(e) => c.dropped.push(e),
        }
    }
    Ok(c)
}

/// Adds line `i` (0-based, without its newline) to `c`.
fn parse_line(
    c: &mut Contents,
    seen: &mut BTreeSet<(usize, u32)>,
    i: usize,
    raw: &[u8],
) -> Result<(), String> {
    let bad = |why: String| format!("line {}: {why}", i + 1);
    let text = std::str::from_utf8(raw).map_err(|_| bad("not text".into()))?;
    let (body, sum) = text
        .rsplit_once('\t')
        .ok_or_else(|| bad("no checksum".into()))?;
    if format!("{:016x}", fnv1a(body.as_bytes())) != sum {
        return Err(bad("checksum mismatch".into()));
    }
    let fields: Vec<&str> = body.split('\t').collect();
    c.complete = false;
    match (i, fields.as_slice()) {
        (0, [MAGIC, FORMAT, version, hash]) => {
            c.identity = Some(Identity {
                version: (*version).to_owned(),
                scenario_hash: u64::from_str_radix(hash, 16)
                    .map_err(|_| bad(format!("bad scenario hash `{hash}`")))?,
            });
        }
        (0, _) => return Err(bad("not a pnrpsim journal header".into())),
        (_, ["start", point, replication]) => {
            let task = (
                parse_num(point).map_err(bad)?,
                parse_num(replication).map_err(bad)?,
            );
            if !seen.contains(&task) {
                c.unfinished.insert(task);
            }
        }
        (_, ["done", rest @ ..]) => {
            let r = parse_done(rest).map_err(bad)?;
            let task = (r.point, r.replication);
            if !seen.insert(task) {
                return Err(bad(format!(
                    "point {} replication {} is recorded twice",
                    task.0, task.1
                )));
            }
            c.unfinished.remove(&task);
            c.done.push(r);
        }
        (_, ["complete"]) => c.complete = true,
        (_, [kind, ..]) => return Err(bad(format!("unknown record `{kind}`"))),
        (_, []) => return Err(bad("empty record".into())),
    }
    Ok(())
}

/// A finished shard's journal: the runs of one `--shard I/N` share,
/// written in one piece (header, `done` records, `complete`) once the share
/// is done, so a killed shard leaves no file and a re-run replaces it.
pub fn write_shard(path: &Path, id: &Identity, records: &[RunRecord]) -> anyhow::Result<()> {
    crate::outputs::write_atomic(path, |w| w.write_all(to_text(id, records, true).as_bytes()))
        .with_context(|| format!("cannot write {}", path.display()))
}

/// A whole journal of `records`: the header, a `done` line per record and,
/// if `complete`, the `complete` line.
pub fn to_text(id: &Identity, records: &[RunRecord], complete: bool) -> String {
    let mut text = header(id);
    for r in records {
        text += &done_line(r);
    }
    if complete {
        text += &line(&["complete".into()]);
    }
    text
}

/// What `--resume` recovers from a journal's bytes: its identity, every
/// valid `done` record in file order, and the damaged lines it left out;
/// `Err` only for a damaged header. (The journal fuzz target checks that
/// every valid record survives any damage around it.)
pub fn recover(bytes: &[u8]) -> Result<Recovered, String> {
    parse(bytes).map(|c| Recovered {
        identity: c.identity,
        done: c.done,
        dropped: c.dropped,
    })
}

/// What [`recover`] found in a journal.
#[derive(Debug)]
pub struct Recovered {
    pub identity: Option<Identity>,
    /// Every valid `done` record, in file order.
    pub done: Vec<RunRecord>,
    /// The damaged lines left out (`line 7: checksum mismatch`).
    pub dropped: Vec<String>,
}

/// Reads a shard journal written by [`write_shard`]: its identity and runs.
/// A damaged or incomplete file is refused.
pub fn read_shard(path: &Path) -> anyhow::Result<(Identity, Vec<RunRecord>)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let c = parse(&bytes).map_err(|e| anyhow!("{} is damaged ({e})", path.display()))?;
    match c.identity {
        Some(id) if c.complete => Ok((id, c.done)),
        _ => bail!(
            "{} is not a complete shard journal; run its shard again",
            path.display()
        ),
    }
}

/// What to do with the finished runs of a journal already there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reuse {
    /// Start over; refuse a journal of an unfinished study rather than
    /// overwrite its runs (no `--resume`).
    Fresh,
    /// Keep its runs; refuse a journal of another scenario or version
    /// (`--resume`).
    Resume,
    /// Keep its runs if it belongs to this very study, else start over (a
    /// shard: a batch system retries it with the same command).
    Auto,
}

impl From<bool> for Reuse {
    fn from(resume: bool) -> Reuse {
        if resume { Reuse::Resume } else { Reuse::Fresh }
    }
}

/// An open, locked journal.
#[derive(Debug)]
pub struct Journal {
    file: Mutex<File>,
    path: PathBuf,
}

/// A journal just opened, with what an earlier sweep left in it.
#[derive(Debug)]
pub struct Opened {
    pub journal: Journal,
    /// Finished runs kept for `--resume` (empty otherwise), in file order.
    pub done: Vec<RunRecord>,
    /// Runs that were started and never finished (killed or cut short).
    pub unfinished: usize,
    /// Damaged lines left out on `--resume` (`line 7: checksum mismatch`);
    /// the runs they held, if any, are run again.
    pub dropped: Vec<String>,
}

impl Journal {
    /// Opens `dir`'s journal for the sweep `id`. Without `resume`, a fresh
    /// journal is started, unless the existing one holds finished runs of a
    /// sweep that never completed: that work is not thrown away silently.
    /// With `resume`, the existing journal must belong to the same scenario
    /// and pnrpsim version, and its finished runs are returned.
    pub fn open(dir: &Path, id: &Identity, resume: bool) -> anyhow::Result<Opened> {
        Journal::open_at(
            &dir.join(JOURNAL_FILE),
            id,
            Reuse::from(resume),
            false,
            "sweep",
        )
    }

    /// [`Journal::open`] for the journal file `path` of any study (a
    /// sweep, a shard, a sizing search, a comparison), which `what` names
    /// in messages. With `wait`, a journal another process holds is waited
    /// for rather than refused.
    pub fn open_at(
        path: &Path,
        id: &Identity,
        reuse: Reuse,
        wait: bool,
        what: &str,
    ) -> anyhow::Result<Opened> {
        let path = path.to_path_buf();
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut file = open_regular_no_follow(&path)?;
        let mut locked = lock_exclusive(&file, false);
        if wait
            && locked
                .as_ref()
                .is_err_and(|e| e.kind() == io::ErrorKind::WouldBlock)
        {
            eprintln!(
                "waiting for the other pnrpsim {what} writing into {} to finish (its journal {} is locked)",
                dir.display(),
                path.display()
            );
            locked = lock_exclusive(&file, true);
        }
        locked.map_err(|e| {
            if e.kind() == io::ErrorKind::WouldBlock {
                anyhow!(
                    "another pnrpsim {what} is writing into {} (its journal {} is locked)",
                    dir.display(),
                    path.display()
                )
            } else {
                anyhow!("cannot lock {}: {e}", path.display())
            }
        })?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let old = parse(&bytes).map_err(|e| {
            anyhow!(
                "{} is damaged ({e}); remove it to start the {what} over",
                path.display()
            )
        })?;
        let resume = reuse == Reuse::Resume;
        let keep = match &old.identity {
            None => false,
            Some(found) if reuse == Reuse::Auto => found == id,
            Some(found) if resume => {
                check_same(&path, found, id)?;
                true
            }
            Some(_) if !old.done.is_empty() && !old.complete => bail!(
                "{} holds an unfinished {what} (runs done: {}): add --resume to continue it, or remove {} to start over",
                dir.display(),
                old.done.len(),
                path.display()
            ),
            Some(_) => false,
        };
        // Cut back to the valid records, so that the next append does not
        // land after a damaged line.
        let mut reset = || -> io::Result<()> {
            file.set_len(0)?;
            if keep {
                file.write_all(&old.kept)?;
            } else {
                file.write_all(header(id).as_bytes())?;
            }
            file.sync_all()
        };
        reset().with_context(|| format!("cannot write {}", path.display()))?;
        crate::outputs::atomic::sync_parent_dir(&path);
        let (done, unfinished, dropped) = if keep {
            (old.done, old.unfinished.len(), old.dropped)
        } else {
            (Vec::new(), 0, Vec::new())
        };
        Ok(Opened {
            journal: Journal {
                file: Mutex::new(file),
                path,
            },
            done,
            unfinished,
            dropped,
        })
    }

    /// Appends whole records, or nothing: a write cut short (a full disk)
    /// is cut back off, so that once the disk has room again the next
    /// record starts on a line of its own instead of being merged onto a
    /// torn one (which made `--resume` call the journal damaged).
    fn append(&self, text: &str, sync: bool) -> io::Result<()> {
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        let before = file.metadata()?.len();
        let written = file
            .write_all(text.as_bytes())
            .and_then(|()| if sync { file.sync_data() } else { Ok(()) });
        if written.is_err() {
            // Best effort: if even this fails, the next open drops the torn line.
            let _ = file.set_len(before);
        }
        written
    }

    /// Records that a run starts. Not synced: it only tells, after a crash,
    /// which runs were attempted.
    pub fn started(&self, point: usize, replication: u32) -> io::Result<()> {
        self.append(
            &line(&["start".into(), point.to_string(), replication.to_string()]),
            false,
        )
    }

    /// Records a finished run, durably, before it counts as finished.
    pub fn finished(&self, r: &RunRecord) -> io::Result<()> {
        self.append(&done_line(r), true)
    }

    /// Records that the output files now hold every run.
    pub fn complete(&self) -> io::Result<()> {
        self.append(&line(&["complete".into()]), true)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The journal of a study whose runs are keyed (task, replication) and
/// each has a known run seed: `size` (task = the axis value) and `compare`
/// (task = the design), which keep their finished runs in it exactly as a
/// sweep does and, with `--resume`, take them from it instead of running
/// them again. Records hold the per-run metrics only.
#[derive(Debug)]
pub struct StudyJournal {
    journal: Journal,
    done: std::collections::BTreeMap<(usize, u32), RunRecord>,
    /// Of the journal's finished runs, how many this study took.
    pub reused: std::sync::atomic::AtomicUsize,
    /// Runs an earlier study started and never finished.
    pub unfinished: usize,
    /// Damaged lines left out (see [`Opened::dropped`]).
    pub dropped: Vec<String>,
}

impl StudyJournal {
    /// Opens `file` in `dir` for the study `id` (see [`Journal::open`]
    /// for `resume`), waiting while another process's study writes it.
    pub fn open(
        dir: &Path,
        file: &str,
        id: &Identity,
        resume: bool,
        what: &str,
    ) -> anyhow::Result<StudyJournal> {
        let opened = Journal::open_at(&dir.join(file), id, Reuse::from(resume), true, what)?;
        Ok(StudyJournal {
            journal: opened.journal,
            done: opened
                .done
                .into_iter()
                .map(|r| ((r.point, r.replication), r))
                .collect(),
            reused: Default::default(),
            unfinished: opened.unfinished,
            dropped: opened.dropped,
        })
    }

    /// The per-run metrics of run (`task`, `replication`) with seed
    /// `run_seed`: from the journal if an earlier study finished it (same
    /// seed, whole record), else from `run`, recorded durably before they
    /// are returned.
    pub fn run(
        &self,
        task: usize,
        replication: u32,
        run_seed: u64,
        run: impl FnOnce() -> anyhow::Result<Vec<Option<f64>>>,
    ) -> anyhow::Result<Vec<Option<f64>>> {
        let metrics = crate::metrics::catalog::per_run_names().len();
        if let Some(r) = self.done.get(&(task, replication)) {
            if r.run_seed == run_seed && r.values.len() == metrics {
                self.reused
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return Ok(r.values.clone());
            }
        }
        let cannot = |e: io::Error| {
            anyhow!(
                "cannot record the run in {}: {e}",
                self.journal.path().display()
            )
        };
        self.journal.started(task, replication).map_err(cannot)?;
        let values = run()?;
        let record = RunRecord {
            point: task,
            replication,
            run_seed,
            values: values.clone(),
            host_up: None,
            cloud_series: None,
        };
        self.journal.finished(&record).map_err(cannot)?;
        Ok(values)
    }

    /// Records that the study ended (with an answer or an error other than
    /// an interruption): the next one without `--resume` starts over.
    pub fn complete(&self) -> anyhow::Result<()> {
        self.journal
            .complete()
            .with_context(|| format!("cannot write {}", self.journal.path().display()))
    }

    /// One line for the terminal on what came from the journal, if anything.
    pub fn note(&self) -> Option<String> {
        let reused = self.reused.load(std::sync::atomic::Ordering::Relaxed);
        let mut parts = Vec::new();
        if reused > 0 || self.unfinished > 0 {
            parts.push(format!(
                "resumed: {reused} runs taken from {}, {} started before and never finished",
                self.journal.path().display(),
                self.unfinished
            ));
        }
        if !self.dropped.is_empty() {
            parts.push(format!(
                "the journal had {} damaged lines, left out (their runs ran again): {}",
                self.dropped.len(),
                self.dropped.join("; ")
            ));
        }
        (!parts.is_empty()).then(|| parts.join("\n"))
    }
}

fn check_same(path: &Path, found: &Identity, id: &Identity) -> anyhow::Result<()> {
    if found.version != id.version {
        bail!(
            "cannot resume: {} was written by pnrpsim {}, this is {}, whose results may differ; remove it to start over",
            path.display(),
            found.version,
            id.version
        );
    }
    if found.scenario_hash != id.scenario_hash {
        bail!(
            "cannot resume: {} belongs to another scenario (hash {:016x}, this one {:016x}); run the same scenario with the same --set options, or remove it to start over",
            path.display(),
            found.scenario_hash,
            id.scenario_hash
        );
    }
    Ok(())
}

/// Opens (creating if missing) a regular file for reading and appending,
/// refusing a symbolic link, which could point anywhere outside the output
/// directory, and anything that is not a plain file (a FIFO would block).
fn open_regular_no_follow(path: &Path) -> anyhow::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    let is_link = || std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let file = options.open(path).map_err(|e| {
        if is_link() {
            anyhow!(
                "{} is a symbolic link: pnrpsim writes only plain files inside the output directory (remove the link)",
                path.display()
            )
        } else {
            anyhow!("cannot open {}: {e}", path.display())
        }
    })?;
    if !file.metadata()?.is_file() || is_link() {
        bail!(
            "{} is not a plain file: pnrpsim writes only plain files inside the output directory",
            path.display()
        );
    }
    Ok(file)
}

/// An exclusive advisory lock held until the file is closed; `WouldBlock`
/// if another process (or another open of the file) holds it.
/// With `wait`, blocks until the lock is free.
#[cfg(unix)]
fn lock_exclusive(file: &File, wait: bool) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let flags = if wait {
        libc::LOCK_EX
    } else {
        libc::LOCK_EX | libc::LOCK_NB
    };
    // SAFETY: flock takes a file descriptor and flags only; `file` keeps the
    // descriptor open for the duration of the call.
    let rc = unsafe { libc::flock(file.as_raw_fd(), flags) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Elsewhere sweeps run unlocked: two sweeps into one directory must be
/// avoided by hand.
#[cfg(not(unix))]
fn lock_exclusive(_: &File, _: bool) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests;
