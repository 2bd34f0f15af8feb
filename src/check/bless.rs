//! `pnrpsim check --bless`: writes measured values into the scenario file.
//!
//! Only what does not pass is rewritten: the `expected` value of a failed or
//! unset `[[expect]]` entry (bounds `min`/`max` are the author's and never
//! change), and a fingerprint that differs or is empty. A review of the
//! resulting diff thus shows exactly the figures that moved.
//!
//! The file is edited with `toml_edit`, which keeps everything it does not
//! touch byte for byte: comments, blank lines, key order, quoting, inline
//! tables. A replaced value keeps the whitespace and comment around it; an
//! `expected` key that was absent is appended to its entry.

use super::{BlessValue, RowKind, ScenarioReport, Verdict};
use crate::outputs::write_atomic;
use anyhow::Context;
use std::path::Path;
use toml_edit::{DocumentMut, Item, TableLike, Value};

/// What `--bless` writes into one file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Updates {
    /// `(index of the [[expect]] entry, new expected value)`.
    pub expected: Vec<(usize, f64)>,
    pub fingerprint: Option<String>,
}

impl Updates {
    /// The updates for the rows of a file that failed or are unset and
    /// have a measured value to record.
    pub fn of(report: &ScenarioReport) -> Updates {
        let mut u = Updates::default();
        for row in &report.rows {
            if !matches!(row.verdict, Verdict::Fail | Verdict::Unset) {
                continue;
            }
            match (row.kind, &row.bless_value) {
                (RowKind::Expect(i), Some(BlessValue::Expected(v))) => u.expected.push((i, *v)),
                (RowKind::Fingerprint, Some(BlessValue::Fingerprint(f))) => {
                    u.fingerprint = Some(f.clone());
                }
                _ => {}
            }
        }
        u
    }

    pub fn is_empty(&self) -> bool {
        self.expected.is_empty() && self.fingerprint.is_none()
    }

    /// How many values this writes.
    pub fn len(&self) -> usize {
        self.expected.len() + usize::from(self.fingerprint.is_some())
    }
}

/// `text` (a scenario file) with the updates applied.
pub fn apply(text: &str, u: &Updates) -> Result<String, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| e.message().to_owned())?;
    for &(i, value) in &u.expected {
        let entry = expect_entry(&mut doc, i)
            .ok_or_else(|| format!("no [[expect]] entry number {}", i + 1))?;
        set_keeping_decor(entry, "expected", Value::from(value));
    }
    if let Some(f) = &u.fingerprint {
        set_keeping_decor(doc.as_table_mut(), "fingerprint", Value::from(f.as_str()));
    }
    Ok(doc.to_string())
}

/// Rewrites the file at `path` with the updates, atomically. A symbolic
/// link is written through: the file it points to gets the new content
/// (keeping its permissions, see [`write_atomic`]) and the link stays a
/// link, as an editor would leave it.
pub fn bless_file(path: &Path, u: &Updates) -> anyhow::Result<()> {
    let target =
        std::fs::canonicalize(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = std::fs::read_to_string(&target)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let blessed = apply(&text, u).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    write_atomic(&target, |w| w.write_all(blessed.as_bytes()))
        .with_context(|| format!("cannot write {}", target.display()))
}

/// Entry `i` of `expect`, written as `[[expect]]` tables or as an inline
/// array of inline tables.
fn expect_entry(doc: &mut DocumentMut, i: usize) -> Option<&mut dyn TableLike> {
    match doc.get_mut("expect")? {
        Item::ArrayOfTables(tables) => tables.get_mut(i).map(|t| t as &mut dyn TableLike),
        Item::Value(Value::Array(array)) => array
            .get_mut(i)?
            .as_inline_table_mut()
            .map(|t| t as &mut dyn TableLike),
        _ => None,
    }
}

/// Sets `key` to `value`, keeping the old value's surrounding whitespace and
/// trailing comment if there was one. A new key goes right after `metric`
/// if the table has one (`metric`, `expected`, `tolerance` reads best), at
/// the end otherwise.
fn set_keeping_decor(table: &mut dyn TableLike, key: &str, mut value: Value) {
    if let Some(Item::Value(old)) = table.get_mut(key) {
        *value.decor_mut() = old.decor().clone();
        *old = value;
        return;
    }
    // Keys keep their order of insertion: take out those after `metric`,
    // with their formatting, and put them back after the new one.
    let after_metric: Vec<String> = table
        .iter()
        .map(|(k, _)| k.to_owned())
        .skip_while(|k| k != "metric")
        .skip(1)
        .collect();
    let moved: Vec<(toml_edit::Key, Item)> = after_metric
        .iter()
        .filter_map(|k| {
            let formatted = table.key(k)?.clone();
            Some((formatted, table.remove(k)?))
        })
        .collect();
    table.insert(key, Item::Value(value));
    for (k, item) in moved {
        table.entry_format(&k).or_insert(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"# A scenario with comments.
seed = 3
fingerprint = "0000000000000000"   # pinned

[hosts]
count = 300 # small

# The first expectation.
[[expect]]
metric = "up_B_per_s"
expected = 1.5  # was measured once
tolerance = 0.05

[[expect]]
metric = "resolve_hops"   # no value yet
tolerance = 0.1

[[expect]]
metric = "resolve_success_ratio"
min = 0.9
"#;

    #[test]
    fn rewrites_only_the_values_and_keeps_everything_else() {
        let u = Updates {
            expected: vec![(0, 12.25), (1, 2.5)],
            fingerprint: Some("0123456789abcdef".into()),
        };
        let out = apply(FILE, &u).unwrap();
        let expected = FILE
            .replace(
                "fingerprint = \"0000000000000000\"   # pinned",
                "fingerprint = \"0123456789abcdef\"   # pinned",
            )
            .replace(
                "expected = 1.5  # was measured once",
                "expected = 12.25  # was measured once",
            )
            .replace(
                "metric = \"resolve_hops\"   # no value yet\n",
                "metric = \"resolve_hops\"   # no value yet\nexpected = 2.5\n",
            );
        assert_eq!(out, expected);
        // The result loads as the intended values.
        let s: crate::scenario::Scenario = toml::from_str(&out).unwrap();
        assert_eq!(s.expect[0].expected, Some(12.25));
        assert_eq!(s.expect[1].expected, Some(2.5));
        assert_eq!(s.expect[2].min, Some(0.9));
    }

    #[test]
    fn inline_arrays_of_entries_are_edited_in_place() {
        let text = "expect = [\n  { metric = \"up_B_per_s\", tolerance = 0.05 }, # first\n  { metric = \"events\", expected = 1.0, tolerance = 0.0 },\n]\n";
        let u = Updates {
            expected: vec![(0, 3.0), (1, 7.0)],
            fingerprint: None,
        };
        let out = apply(text, &u).unwrap();
        assert!(out.contains("# first"), "{out}");
        let s: crate::scenario::Scenario = toml::from_str(&out).unwrap();
        assert_eq!(s.expect[0].expected, Some(3.0));
        assert_eq!(s.expect[1].expected, Some(7.0));
        assert!(
            out.contains("{ metric = \"events\", expected = 7.0, tolerance = 0.0 }"),
            "{out}"
        );
    }

    #[test]
    fn a_missing_entry_is_an_error() {
        let u = Updates {
            expected: vec![(5, 1.0)],
            fingerprint: None,
        };
        assert_eq!(apply(FILE, &u).unwrap_err(), "no [[expect]] entry number 6");
    }

    /// Red-team case D5: `check link.toml --bless` on a symbolic link to a
    /// file of mode 600 replaced the link by a new 644 file and left the
    /// target as it was.
    #[cfg(unix)]
    #[test]
    fn blessing_writes_through_a_link_and_keeps_the_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.toml");
        let link = dir.path().join("link.toml");
        std::fs::write(&real, FILE).unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let u = Updates {
            expected: vec![(0, 12.25)],
            fingerprint: None,
        };
        bless_file(&link, &u).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            std::fs::read_to_string(&real)
                .unwrap()
                .contains("expected = 12.25")
        );
        let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
