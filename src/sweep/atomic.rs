//! Whole-file writes: a temporary file in the target's directory, renamed
//! over the target once complete, so an interrupted or failed sweep never
//! leaves a half-written CSV or chart that looks valid.
//!
//! Stand-in for `report::atomic::write_atomic` until that lands; the
//! signature is the same so switching is a one-line change.

use anyhow::Context;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let tmp = path.with_file_name(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> anyhow::Result<()> {
        let mut w = BufWriter::new(File::create(&tmp)?);
        write(&mut w)?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        fs::rename(&tmp, path)?;
        Ok(())
    })();
    if result.is_err() {
        // Best effort: the error that matters is the one returned below.
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_leaves_old_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        write_atomic(&path, |w| Ok(w.write_all(b"old")?)).unwrap();
        let err = write_atomic(&path, |w| {
            w.write_all(b"partial")?;
            anyhow::bail!("boom")
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains("boom"));
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
