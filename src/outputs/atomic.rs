//! Crash-safe file output.
//!
//! Runs can take hours, and sweeps read the CSV files of earlier runs, so a
//! file must be either its old complete content or its new complete content,
//! never a torn half. Each file is written to a temporary sibling, synced to
//! disk and then renamed over the target (an atomic replace on one file
//! system, hence the same directory).

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
    let result = write_temp(&temp, |w| {
        write(w)?;
        super::staging::full_disk_fault(path)
    })
    .and_then(|()| keep_permissions(path, &temp))
    .and_then(|()| fs::rename(&temp, path));
    if let Err(e) = result {
        // The original error matters more than a failed clean-up (the file
        // may not even exist if creating it failed).
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    sync_parent_dir(path);
    Ok(())
}

/// Gives `temp` the permissions of the regular file it will replace, if
/// one is there: replacing a file must not widen who may read it (a 600
/// scenario rewritten by `--bless` stays 600). A link at `path` is not
/// followed (the rename replaces the link itself, and a link's own mode
/// says nothing).
fn keep_permissions(path: &Path, temp: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_file() => fs::set_permissions(temp, m.permissions()),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
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
    // create_new never follows a symbolic link planted at the temporary
    // name. A file already there can only be left by a crashed process
    // that had the same pid: garbage, removed (the link itself, if one).
    let create = || OpenOptions::new().write(true).create_new(true).open(temp);
    let file = match create() {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            fs::remove_file(temp)?;
            create()?
        }
        other => other?,
    };
    let mut out = BufWriter::new(file);
    write(&mut out)?;
    let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.sync_all()
}

/// Makes the rename itself durable. Best effort: the new content is already
/// in place and complete, and some file systems (and Windows, where a
/// directory cannot be opened as a file) do not support syncing a directory,
/// so a failure here must not report the write as failed.
pub(crate) fn sync_parent_dir(path: &Path) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The names in `dir`, sorted.
    pub(crate) fn dir_entries(dir: &Path) -> Vec<String> {
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

    /// A symbolic link at the target (say to a file outside the output
    /// directory) is replaced by the new file, never written through.
    #[cfg(unix)]
    #[test]
    fn a_link_at_the_target_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.txt");
        fs::write(&outside, "precious\n").unwrap();
        let out = dir.path().join("out");
        fs::create_dir(&out).unwrap();
        let path = out.join("runs.csv");
        std::os::unix::fs::symlink(&outside, &path).unwrap();
        write_atomic(&path, |w| w.write_all(b"new\n")).unwrap();
        assert_eq!(fs::read_to_string(&outside).unwrap(), "precious\n");
        assert!(fs::symlink_metadata(&path).unwrap().file_type().is_file());
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
    }
}
