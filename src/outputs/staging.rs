//! Output sets replaced as a whole.
//!
//! A command writes several files that belong together (`run`'s
//! tables, a sweep's tables and charts). Renaming each file over the old
//! one keeps every file whole but not the set: a full disk or a kill after
//! the first rename left a new `summary.csv` beside the old `hosts.csv`.
//! So a set is written into a staging directory inside the output
//! directory, `.pnrpsim-staging-<pid>-<n>/`, and only once every file is
//! there and synced is a commit marker written (listing the set and the
//! files of the old set it drops) and the files renamed into place.
//!
//! - A failure before the marker (a full disk, an error) removes the
//!   staging directory: the old set is untouched.
//! - A kill before the marker leaves a staging directory without one:
//!   [`recover`] removes it.
//! - A kill after the marker, between renames, leaves the marker: [`recover`]
//!   finishes the renames. Every command that writes into or reads from an
//!   output directory calls [`recover`] first ([`super::prepare_output_dir`],
//!   `plot`), so no pnrpsim command ever sees the mixed set.
//!
//! [`recover`] also removes the temporary files (`.<name>.tmp-<pid>-<n>`)
//! of [`super::write_atomic`] and the staging directories left by a process
//! that is no longer running; those of a live process are left alone.

use anyhow::{Context, anyhow};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const PREFIX: &str = ".pnrpsim-staging-";
/// In a staging directory: the set's file names, then `-` and the names
/// of the old set to remove, one a line.
const MARKER: &str = ".commit";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A set of output files being written; see the module documentation.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl Staging {
    /// A fresh staging directory inside `dir` (which must exist).
    pub fn begin(dir: &Path) -> anyhow::Result<Staging> {
        recover(dir)?;
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let staging = dir.join(format!("{PREFIX}{}-{n}", std::process::id()));
        // A directory of ours left by a dead process with the same pid.
        if fs::symlink_metadata(&staging).is_ok() {
            remove(&staging)?;
        }
        fs::create_dir(&staging).with_context(|| format!("cannot create {}", staging.display()))?;
        Ok(Staging {
            dir: dir.to_path_buf(),
            staging,
            committed: false,
        })
    }

    /// Where the files of the set are written.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Moves the staged files into place as one set, and removes the files
    /// of `dir` for which `old_member` holds that the new set does not
    /// have (a chart not drawn this time must not stay beside the new
    /// ones). Returns the new paths, sorted.
    pub fn commit(mut self, old_member: impl Fn(&str) -> bool) -> anyhow::Result<Vec<PathBuf>> {
        let names = file_names(&self.staging)?;
        let stale: Vec<String> = file_names(&self.dir)?
            .into_iter()
            .filter(|n| old_member(n) && !names.contains(n))
            .collect();
        let mut text = String::new();
        for n in &names {
            text.push_str(n);
            text.push('\n');
        }
        text.push_str("-\n");
        for n in &stale {
            text.push_str(n);
            text.push('\n');
        }
        let marker = self.staging.join(MARKER);
        let written = fs::File::create(&marker)
            .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()));
        written.with_context(|| format!("cannot write {}", marker.display()))?;
        super::atomic::sync_parent_dir(&marker);
        self.committed = true;
        roll_forward(&self.dir, &self.staging)?;
        Ok(names.iter().map(|n| self.dir.join(n)).collect())
    }
}

impl Drop for Staging {
    /// A set never committed is thrown away; the old one stays.
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// The names of the plain files in `dir`, sorted, leaving out the marker.
fn file_names(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != MARKER && entry.file_type().is_ok_and(|t| t.is_file()) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// Finishes a committed set: renames what is still staged, removes the
/// stale files, then the staging directory. Safe to repeat after a kill.
fn roll_forward(dir: &Path, staging: &Path) -> anyhow::Result<()> {
    let marker = staging.join(MARKER);
    let text =
        fs::read_to_string(&marker).with_context(|| format!("cannot read {}", marker.display()))?;
    let (set, stale) = text.split_once("-\n").unwrap_or((&text, ""));
    for name in set.lines().filter(|n| plain_name(n)) {
        let from = staging.join(name);
        match fs::rename(&from, dir.join(name)) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            other => other.with_context(|| {
                format!("cannot move {} into {}", from.display(), dir.display())
            })?,
        }
        fault_point("commit");
    }
    for name in stale.lines().filter(|n| plain_name(n)) {
        match fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(anyhow!("cannot remove {}: {e}", dir.join(name).display()));
            }
            _ => {}
        }
    }
    super::atomic::sync_parent_dir(&dir.join("x"));
    remove(staging)
}

/// A name that stays inside the directory (the marker is ours, but a
/// hand-edited one must not move files elsewhere).
fn plain_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('/') && name != "." && name != ".."
}

fn remove(path: &Path) -> anyhow::Result<()> {
    fs::remove_dir_all(path).with_context(|| format!("cannot remove {}", path.display()))
}

/// Whether process `pid` may still be running (unknown counts as running,
/// so that nothing of a live process is removed).
fn alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        if pid == 0 || pid == std::process::id() as libc::pid_t {
            return pid != 0;
        }
        // SAFETY: kill with signal 0 only checks that the process exists.
        let rc = unsafe { libc::kill(pid, 0) };
        rc == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// The pid in `<pid>-<n>`.
fn pid_of(tail: &str) -> Option<u32> {
    let (pid, n) = tail.split_once('-')?;
    n.parse::<u64>().ok()?;
    pid.parse().ok()
}

/// Cleans `dir` (if it exists) of what a process that died while writing
/// into it left: finishes its committed set, removes an uncommitted one and
/// its temporary files. Returns what it did, one entry per item.
pub fn recover(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut done = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(_) => return Ok(done),
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if let Some(pid) = name.strip_prefix(PREFIX).and_then(pid_of) {
            if alive(pid) || !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            if path.join(MARKER).is_file() {
                roll_forward(dir, &path)?;
                done.push(format!("finished writing the output set of {name}"));
            } else {
                remove(&path)?;
                done.push(format!("removed the unfinished output set {name}"));
            }
        } else if let Some(pid) = name
            .starts_with('.')
            .then(|| name.rsplit_once(".tmp-"))
            .flatten()
            .and_then(|(_, tail)| pid_of(tail))
        {
            if !alive(pid) && entry.file_type().is_ok_and(|t| t.is_file()) {
                fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
                done.push(format!("removed the temporary file {name}"));
            }
        }
    }
    Ok(done)
}

/// Fault injection for tests, named by `PNRPSIM_FAULT`: a process whose
/// `PNRPSIM_FAULT` is `kill-after-<n>-<point>` kills itself (SIGKILL) the
/// n-th time it passes `point` (`commit`: a file of a set was renamed into
/// place). It exists so that `tests/outputs.rs` can kill the binary
/// exactly between two renames; nothing else sets it.
pub fn fault_point(point: &str) {
    static PASSED: AtomicU64 = AtomicU64::new(0);
    let Ok(spec) = std::env::var("PNRPSIM_FAULT") else {
        return;
    };
    let Some((n, at)) = spec
        .strip_prefix("kill-after-")
        .and_then(|rest| rest.split_once('-'))
    else {
        return;
    };
    if at == point && n.parse::<u64>().ok() == Some(PASSED.fetch_add(1, Ordering::SeqCst) + 1) {
        #[cfg(unix)]
        // SAFETY: raising a signal on our own process.
        unsafe {
            libc::raise(libc::SIGKILL);
        }
        std::process::abort();
    }
}

/// Fault injection for tests: with `PNRPSIM_FAULT=full-disk-<name>`, writing
/// a file named `<name>` fails as on a full disk (after part of it is
/// written), so that tests can check what a full disk leaves behind
/// without a small file system to fill. Nothing else sets it.
pub fn full_disk_fault(path: &Path) -> io::Result<()> {
    let Ok(spec) = std::env::var("PNRPSIM_FAULT") else {
        return Ok(());
    };
    match spec.strip_prefix("full-disk-") {
        Some(name) if path.file_name().is_some_and(|n| n == name) => Err(io::Error::new(
            io::ErrorKind::StorageFull,
            "No space left on device (PNRPSIM_FAULT)",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outputs::atomic::tests::dir_entries;

    #[test]
    fn a_set_replaces_the_old_one_and_drops_its_stale_members() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.csv"), "old a").unwrap();
        fs::write(dir.path().join("b.csv"), "old b").unwrap();
        fs::write(dir.path().join("keep.txt"), "not ours").unwrap();
        let s = Staging::begin(dir.path()).unwrap();
        fs::write(s.path().join("a.csv"), "new a").unwrap();
        let files = s.commit(|n| n.ends_with(".csv")).unwrap();
        assert_eq!(files, [dir.path().join("a.csv")]);
        assert_eq!(dir_entries(dir.path()), ["a.csv", "keep.txt"]);
        assert_eq!(
            fs::read_to_string(dir.path().join("a.csv")).unwrap(),
            "new a"
        );
    }

    #[test]
    fn a_set_never_committed_leaves_the_old_one_alone() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.csv"), "old a").unwrap();
        {
            let s = Staging::begin(dir.path()).unwrap();
            fs::write(s.path().join("a.csv"), "new a").unwrap();
        }
        assert_eq!(dir_entries(dir.path()), ["a.csv"]);
        assert_eq!(
            fs::read_to_string(dir.path().join("a.csv")).unwrap(),
            "old a"
        );
    }

    /// What a process killed at each moment leaves is finished or removed
    /// by the next one: never a mixed set, never a leftover.
    #[test]
    fn recovery_finishes_a_committed_set_and_removes_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("a.csv"), "old a").unwrap();
        fs::write(d.join("b.csv"), "old b").unwrap();
        fs::write(d.join("c.csv"), "old c").unwrap();
        // pid 0 is never a running process's id here; it stands for a dead one.
        let dead = d.join(format!("{PREFIX}999999999-0"));
        fs::create_dir(&dead).unwrap();
        fs::write(dead.join("b.csv"), "new b").unwrap();
        fs::write(dead.join(MARKER), "a.csv\nb.csv\n-\nc.csv\n").unwrap();
        // a.csv was already moved when the process died.
        fs::write(d.join("a.csv"), "new a").unwrap();
        let uncommitted = d.join(format!("{PREFIX}999999998-3"));
        fs::create_dir(&uncommitted).unwrap();
        fs::write(uncommitted.join("a.csv"), "newer a").unwrap();
        fs::write(d.join(".hosts.csv.tmp-999999997-5"), "torn").unwrap();
        let mine = d.join(format!(".x.csv.tmp-{}-0", std::process::id()));
        fs::write(&mine, "in progress").unwrap();
        let done = recover(d).unwrap();
        assert_eq!(done.len(), 3, "{done:?}");
        let mut want = vec![
            "a.csv".to_owned(),
            "b.csv".to_owned(),
            mine.file_name().unwrap().to_string_lossy().into_owned(),
        ];
        want.sort();
        assert_eq!(dir_entries(d), want);
        assert_eq!(fs::read_to_string(d.join("a.csv")).unwrap(), "new a");
        assert_eq!(fs::read_to_string(d.join("b.csv")).unwrap(), "new b");
    }
}
