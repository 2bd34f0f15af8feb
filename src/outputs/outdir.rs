//! Where a command may write, checked before any work starts: a run that
//! simulates for an hour must not fail only when it writes its results, and
//! must never write outside the directory it was given.
//!
//! The output directory is `--out DIR` as given, or `output/<name>/` for
//! the scenario's `name`. A name can hold only letters, digits, `_ . -` and
//! cannot start with `.` ([`folder_name_problem`]), so it is one plain
//! folder below `output/`; and a symbolic link in its place, which could
//! lead anywhere, is refused. Inside the directory, files are replaced by
//! rename ([`super::write_atomic`]) and never written through a link.

use crate::scenario::Scenario;
use crate::scenario::validate::folder_name_problem;
use anyhow::{anyhow, bail};
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Where outputs go without `--out`.
pub const DEFAULT_ROOT: &str = "output";

/// Free space kept on top of twice the expected output size: the margin
/// that leaves the disk usable for everything else.
pub const SPARE_BYTES: u64 = 16 << 20;

/// The output directory of a command: `out` if given (the user's explicit
/// choice), otherwise `output/<name>/`, refused if `name` could leave
/// `output/` or if that folder is a symbolic link.
pub fn output_dir(out: Option<PathBuf>, name: &str) -> anyhow::Result<PathBuf> {
    if let Some(dir) = out {
        return Ok(dir);
    }
    if let Some(problem) = folder_name_problem(name) {
        bail!("scenario name {problem}");
    }
    let dir = Path::new(DEFAULT_ROOT).join(name);
    if let Ok(meta) = fs::symlink_metadata(&dir) {
        if meta.file_type().is_symlink() {
            let target =
                fs::read_link(&dir).map_or_else(|_| "?".into(), |t| t.display().to_string());
            bail!(
                "{} is a symbolic link (to {target}): outputs stay inside {DEFAULT_ROOT}/, so remove the link or choose a directory with --out",
                dir.display()
            );
        }
    }
    Ok(dir)
}

/// Creates `dir` if needed and checks that it is writable, by creating and
/// removing a probe file, and that its file system has room for about
/// `expected_bytes` of output twice over plus [`SPARE_BYTES`]. Errors name
/// the directory and the reason.
pub fn prepare_output_dir(dir: &Path, expected_bytes: u64) -> anyhow::Result<()> {
    fs::create_dir_all(dir)
        .map_err(|e| anyhow!("cannot create output directory {}: {e}", dir.display()))?;
    // What a killed earlier command left: its set finished or removed.
    for note in super::staging::recover(dir)? {
        eprintln!("note: {}: {note}", dir.display());
    }
    let probe = dir.join(format!(".pnrpsim-write-probe-{}", std::process::id()));
    let create = || OpenOptions::new().write(true).create_new(true).open(&probe);
    let probed = match create() {
        // Left by a crashed process with our pid: garbage.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            fs::remove_file(&probe).and_then(|()| create())
        }
        other => other,
    }
    .and_then(|mut f| f.write_all(b"probe\n"))
    .and_then(|()| fs::remove_file(&probe));
    if let Err(e) = probed {
        let _ = fs::remove_file(&probe);
        bail!("output directory {} is not writable: {e}", dir.display());
    }
    let needed = expected_bytes.saturating_mul(2).saturating_add(SPARE_BYTES);
    match free_bytes(dir) {
        Ok(Some(free)) if free < needed => bail!(
            "not enough free space for output directory {}: {} free, and the outputs need about {} (pnrpsim wants twice that plus {} to spare)",
            dir.display(),
            mib(free),
            mib(expected_bytes),
            mib(SPARE_BYTES)
        ),
        Ok(_) => Ok(()),
        Err(e) => bail!("cannot tell the free space of {}: {e}", dir.display()),
    }
}

/// Checks, before any work, that a single output file (`--junit`, `--pcap`)
/// can be written at `path`: not a directory, in a directory that exists,
/// is writable and has room for `expected_bytes`. The error says what is
/// wrong, without the option (the caller names it).
pub fn check_output_file(path: &Path, expected_bytes: u64) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!("{} is a directory", path.display()));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(format!("directory {} does not exist", dir.display()));
    }
    prepare_output_dir(dir, expected_bytes).map_err(|e| format!("{e:#}"))
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

/// Bytes available to an unprivileged user on `dir`'s file system.
#[cfg(unix)]
pub fn free_bytes(dir: &Path) -> io::Result<Option<u64>> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path holds a NUL byte"))?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is a NUL-terminated string and `stat` points to a
    // statvfs-sized buffer, which the call fills when it returns 0.
    if unsafe { libc::statvfs(path.as_ptr(), stat.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: statvfs returned 0, so it initialised the buffer.
    let stat = unsafe { stat.assume_init() };
    // The field types differ between platforms (u32 on some, u64 here).
    #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
    let free = u64::from(stat.f_bavail).saturating_mul(stat.f_frsize as u64);
    Ok(Some(free))
}

/// Unknown elsewhere: the check is skipped.
#[cfg(not(unix))]
pub fn free_bytes(_: &Path) -> io::Result<Option<u64>> {
    Ok(None)
}

/// A generous estimate of what `pnrpsim run` writes for `s`: `hosts.csv`
/// (about 300 bytes a row), `timeseries.csv` (about 256 bytes a window)
/// and the small tables.
pub fn estimated_run_bytes(s: &Scenario) -> u64 {
    let measured = s
        .duration
        .0
        .as_micros()
        .saturating_sub(s.warmup.0.as_micros());
    let windows = measured / s.metrics.window.0.as_micros().max(1) + 1;
    u64::from(s.hosts.count) * 300 + windows * 256 + (64 << 10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outputs::atomic::tests::dir_entries;

    #[test]
    fn prepare_creates_nested_dirs_and_leaves_no_probe() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a/b");
        prepare_output_dir(&out, 1000).unwrap();
        assert!(out.is_dir());
        assert!(dir_entries(&out).is_empty());
    }

    #[test]
    fn prepare_under_a_regular_file_names_dir_and_reason() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        fs::write(&file, "x").unwrap();
        let out = file.join("out");
        let msg = format!("{}", prepare_output_dir(&out, 0).unwrap_err());
        assert!(msg.starts_with("cannot create output directory "), "{msg}");
        assert!(msg.contains(&out.display().to_string()), "{msg}");
        // The OS reason follows the path (e.g. "Not a directory (os error 20)").
        assert!(msg.contains("os error"), "{msg}");
    }

    /// The free-space check reads the real file system: asking for more
    /// than any disk holds fails, and says how much there is.
    #[cfg(unix)]
    #[test]
    fn too_little_free_space_is_refused_before_any_work() {
        let dir = tempfile::tempdir().unwrap();
        let free = free_bytes(dir.path()).unwrap().unwrap();
        assert!(free > 0);
        prepare_output_dir(dir.path(), free / 4).unwrap();
        let msg = prepare_output_dir(dir.path(), free)
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("not enough free space for output directory "),
            "{msg}"
        );
        assert!(msg.contains(&format!("{} free", mib(free))[..6]), "{msg}");
        assert!(dir_entries(dir.path()).is_empty());
    }

    #[test]
    fn default_dir_is_the_name_under_output() {
        assert_eq!(
            output_dir(None, "quickstart").unwrap(),
            Path::new("output/quickstart")
        );
        assert_eq!(
            output_dir(Some("/tmp/x".into()), "../../etc").unwrap(),
            Path::new("/tmp/x")
        );
        for bad in ["../etc", "/etc", "a/../../b", ".."] {
            let msg = output_dir(None, bad).unwrap_err().to_string();
            assert!(msg.starts_with("scenario name "), "{bad}: {msg}");
        }
    }
}
