//! Which scenario files `check` runs.
//!
//! A file given by name is taken whatever its extension; a directory is
//! searched recursively for `*.toml` files. Hidden files and directories
//! (`.name`, such as the temporary files of an atomic write) are passed
//! over. Files come in path order within each directory, in the order the
//! paths were given, each once.

use std::path::{Path, PathBuf};

/// The scenario files under `paths`. Errors (a missing path, an unreadable
/// directory, no scenario file at all) are one line naming the path.
pub fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| {
            format!(
                "{}: {}",
                path.display(),
                crate::scenario::load::io_reason(&e)
            )
        })?;
        if meta.is_dir() {
            let before = files.len();
            walk(path, &mut files)?;
            if files.len() == before {
                return Err(format!(
                    "{}: no scenario files (*.toml) in this directory",
                    path.display()
                ));
            }
        } else {
            files.push(path.clone());
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    files.retain(|f| seen.insert(f.clone()));
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let unreadable = |e: std::io::Error| {
        format!(
            "{}: cannot read directory: {}",
            dir.display(),
            crate::scenario::load::io_reason(&e)
        )
    };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        entries.push(entry.path());
    }
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_searched_recursively_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "b.toml",
            "a.toml",
            "notes.txt",
            ".hidden.toml",
            "sub/c.toml",
            ".git/d.toml",
        ] {
            let path = root.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let found = scenario_files(&[root.to_path_buf(), root.join("a.toml")]).unwrap();
        let names: Vec<_> = found
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.toml", "b.toml", "sub/c.toml"]);
        // A file named explicitly is taken whatever its extension.
        let txt = scenario_files(&[root.join("notes.txt")]).unwrap();
        assert_eq!(txt, [root.join("notes.txt")]);
    }

    #[test]
    fn missing_paths_and_empty_directories_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let e = scenario_files(&[dir.path().join("nope")]).unwrap_err();
        assert!(e.ends_with("nope: No such file or directory"), "{e}");
        let e = scenario_files(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(e.contains("no scenario files"), "{e}");
    }
}
