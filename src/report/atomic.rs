//! Crash-safe file output.
//!
//! Runs can take hours, and sweeps read the CSV files of earlier runs, so a
//! file must be either its old complete content or its new complete content,
//! never a torn half. Each file is written to a temporary sibling, synced to
//! disk and then renamed over the target (an atomic replace on one file
//! system, hence the same directory).

use anyhow::anyhow;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes temporary files of concurrent writes within one process;
/// the process id distinguishes processes.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `path` atomically: `write` fills a temporary file in the same
/// directory, which is flushed, fsynced and renamed over `path`. On any error
/// (including one returned by `write`) the temporary file is removed and
/// `path` keeps its previous content.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let temp = temp_path(path)?;
    let result = write_temp(&temp, write).and_then(|()| fs::rename(&temp, path));
    if let Err(e) = result {
        // The original error matters more than a failed clean-up (the file
        // may not even exist if creating it failed).
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    sync_parent_dir(path);
    Ok(())
}

/// `.<name>.tmp-<pid>-<n>` next to `path`: hidden, so a half-written file
/// is not mistaken for output, and unique to this process and call.
fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} has no file name", path.display()),
        )
    })?;
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".tmp-{}-{n}", std::process::id()));
    Ok(path.with_file_name(temp_name))
}

fn write_temp(temp: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    // Truncate rather than create_new: a stale file of that name can only
    // be left by a crashed process that had the same pid, and is garbage.
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(temp)?;
    let mut out = BufWriter::new(file);
    write(&mut out)?;
    let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.sync_all()
}

/// Makes the rename itself durable. Best effort: the new content is already
/// in place and complete, and some file systems (and Windows, where a
/// directory cannot be opened as a file) do not support syncing a directory,
/// so a failure here must not report the write as failed.
fn sync_parent_dir(path: &Path) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Checks (before a run starts) that `dir` exists or can be created and is
/// writable, by creating and removing a probe file, so that a long run does
/// not fail only when it writes its results. The error names the directory
/// and the OS reason.
pub fn prepare_output_dir(dir: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(dir)
        .map_err(|e| anyhow!("cannot create output directory {}: {e}", dir.display()))?;
    let probe = dir.join(format!(".pnrpsim-write-probe-{}", std::process::id()));
    let probed = File::create(&probe)
        .and_then(|mut f| f.write_all(b"probe\n"))
        .and_then(|()| fs::remove_file(&probe));
    if let Err(e) = probed {
        let _ = fs::remove_file(&probe);
        return Err(anyhow!(
            "output directory {} is not writable: {e}",
            dir.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn success_replaces_content_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        fs::write(&path, "old\n").unwrap();
        write_atomic(&path, |w| w.write_all(b"new\n")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(dir_entries(dir.path()), ["out.csv"]);
    }

    #[test]
    fn failing_writer_keeps_old_content_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        fs::write(&path, "old\n").unwrap();
        let err = write_atomic(&path, |w| {
            // Part of the new content is written before the failure, so a
            // non-atomic implementation would leave it behind.
            w.write_all(b"half")?;
            Err(io::Error::other("writer failed"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "writer failed");
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(dir_entries(dir.path()), ["out.csv"]);
    }

    #[test]
    fn failing_writer_for_a_new_file_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.csv");
        write_atomic(&path, |_| Err(io::Error::other("no"))).unwrap_err();
        assert!(dir_entries(dir.path()).is_empty());
    }

    #[test]
    fn prepare_creates_nested_dirs_and_leaves_no_probe() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a/b");
        prepare_output_dir(&out).unwrap();
        assert!(out.is_dir());
        assert!(dir_entries(&out).is_empty());
    }

    #[test]
    fn prepare_under_a_regular_file_names_dir_and_reason() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        fs::write(&file, "x").unwrap();
        let out = file.join("out");
        let msg = format!("{}", prepare_output_dir(&out).unwrap_err());
        assert!(msg.starts_with("cannot create output directory "), "{msg}");
        assert!(msg.contains(&out.display().to_string()), "{msg}");
        // The OS reason follows the path (e.g. "Not a directory (os error 20)").
        assert!(msg.contains("os error"), "{msg}");
    }
}
