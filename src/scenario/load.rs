//! Loading a scenario: file text → `--set` overrides → [`Scenario`] →
//! semantic checks, with every failure reduced to one line that says where
//! (`file:line:column`, or which `--set`), which parameter, and what is wrong.
//!
//! The steps, in order:
//! 1. The file alone must be valid TOML matching the schema (no unknown
//!    fields, right types, valid units), even where a `--set` would replace
//!    the faulty value: a typo in a file is reported, never masked. These
//!    errors carry the byte span toml reports, turned into line and column
//!    (columns count characters, from 1).
//! 2. Each `--set path=value` is applied in order to the file's table
//!    ([`parse_set`], [`set_path`]); a later `--set` of the same path wins.
//!    How a `--set` switches the latency model is described in
//!    [`overrides`](super::overrides).
//! 3. The merged table is deserialized; a failure there is blamed on the
//!    last `--set` whose path overlaps the failing parameter.
//! 4. An empty `name` becomes the file stem, and an absent `warmup` or
//!    `duration` its default ([`warmup`](super::warmup)), from the merged
//!    values: a `--set churn.session.mean` moves the default warm-up.
//! 5. [`validate`] runs; its first problem (in schema order) is reported,
//!    at the parameter's value in the file, or at the `--set` that gave the
//!    value, or — for a default value — at the nearest enclosing table that
//!    the file has (without a position if it has none). Only the first
//!    problem is reported so that the error stays one line; fixing it and
//!    running again shows the next.

use super::model::Scenario;
use super::overrides::{Node, SCHEMA, parse_set, set_path};
use super::provenance::{Origin, Provenance};
use super::validate::{Problem, validate};
use std::fmt;
use std::ops::Range;
use std::path::Path;

/// A scenario that could not be loaded. Displays as one line:
/// `origin[:line:column]: [path: ]message`.
#[derive(Debug, thiserror::Error)]
pub struct ScenarioError {
    /// The file name, or `--set path=value` when an override is to blame.
    pub origin: String,
    /// Line and column (both from 1, column in characters) in the file.
    pub position: Option<(usize, usize)>,
    /// Dotted path of the parameter concerned; empty for the whole file.
    pub path: String,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = self.origin.clone();
        if let Some((line, column)) = self.position {
            text += &format!(":{line}:{column}");
        }
        text += ": ";
        if !self.path.is_empty() {
            text += &self.path;
            text += ": ";
        }
        text += &self.message;
        // One line whatever the parts contain (a multi-line --set value, a
        // library message spanning lines): callers print one error per line.
        let mut lines = text.lines();
        f.write_str(lines.next().unwrap_or_default())?;
        for line in lines {
            write!(f, "; {line}")?;
        }
        Ok(())
    }
}

impl ScenarioError {
    /// An error at byte `span` (if known) of the file `origin` whose text is `text`.
    fn in_file(
        origin: &str,
        text: &str,
        span: Option<Range<usize>>,
        path: String,
        message: String,
    ) -> Self {
        ScenarioError {
            origin: origin.to_owned(),
            position: span.map(|s| line_column(text, s.start)),
            path,
            message: plain_words(message),
        }
    }

    fn in_set(arg: &str, path: String, message: String) -> Self {
        ScenarioError {
            origin: format!("--set {arg}"),
            position: None,
            path,
            message: plain_words(message),
        }
    }
}

/// The TOML library's Rust type names in plain words: `expected u32`
/// becomes `expected a whole number from 0 to 4294967295`, `expected f64`
/// `expected a number`.
fn plain_words(message: String) -> String {
    const WORDS: [(&str, &str); 10] = [
        ("u8", "a whole number from 0 to 255"),
        ("u16", "a whole number from 0 to 65535"),
        ("u32", "a whole number from 0 to 4294967295"),
        ("u64", "a whole number ≥ 0"),
        ("usize", "a whole number ≥ 0"),
        ("i32", "a whole number"),
        ("i64", "a whole number"),
        ("f32", "a number"),
        ("f64", "a number"),
        ("a boolean", "true or false"),
    ];
    let mut out = message;
    for (rust, plain) in WORDS {
        let from = format!("expected {rust}");
        let mut done = String::new();
        let mut rest = out.as_str();
        while let Some(at) = rest.find(&from) {
            let after = &rest[at + from.len()..];
            done.push_str(&rest[..at]);
            if after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                done.push_str(&from);
            } else {
                done.push_str("expected ");
                done.push_str(plain);
            }
            rest = after;
        }
        done.push_str(rest);
        out = done;
    }
    out
}

/// Reads and loads a scenario file; see the [module docs](self).
pub fn load_file(path: &Path, sets: &[String]) -> Result<Scenario, ScenarioError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        message: format!("cannot read file: {}", io_reason(&e)),
        origin: origin.clone(),
        position: None,
        path: String::new(),
    })?;
    load_str(&text, &origin, sets)
}

/// Loads a scenario from `text`; `origin` names the file in messages and
/// gives the default `name` (its stem). See the [module docs](self).
pub fn load_str(text: &str, origin: &str, sets: &[String]) -> Result<Scenario, ScenarioError> {
    let mut scenario = deserialize_file(text, origin)?;
    let mut overrides: Vec<(String, &str)> = Vec::with_capacity(sets.len());
    if !sets.is_empty() {
        let mut table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| syntax_error(origin, text, &e))?;
        for arg in sets {
            let (path, value) =
                parse_set(arg).map_err(|m| ScenarioError::in_set(arg, String::new(), m))?;
            set_path(&mut table, &path, value)
                .map_err(|m| ScenarioError::in_set(arg, String::new(), m))?;
            overrides.push((path, arg));
        }
        scenario = deserialize_merged(table, &overrides)?;
    }
    let name_from_stem = scenario.name.is_empty();
    if name_from_stem {
        scenario.name = Path::new(origin)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
    }
    let given = Provenance::new(text, sets);
    let defaulted = |path| matches!(given.origin(path), Origin::Default(_));
    let defaulted = super::warmup::Defaulted {
        warmup: defaulted("warmup"),
        duration: defaulted("duration"),
    };
    let first_problem = super::warmup::resolve(&mut scenario, defaulted)
        .err()
        .or_else(|| {
            validate(&scenario)
                .err()
                .and_then(|problems| problems.into_iter().next())
        });
    if let Some(Problem { path, mut message }) = first_problem {
        if path == "name" && name_from_stem {
            message +=
                &format!(" (taken from the file name `{origin}`; set `name` to choose another)");
        }
        // The override of the parameter at fault, else one of a parameter
        // the message names (`warmup` shorter than a `duration` set by
        // --set duration=30s is the --set's doing).
        let blamed = overrides
            .iter()
            .rev()
            .find(|(set, _)| is_prefix(set, &path))
            .or_else(|| {
                overrides
                    .iter()
                    .rev()
                    .find(|(set, _)| message.contains(&format!("`{set}`")))
            });
        return Err(match blamed {
            Some((_, arg)) => ScenarioError::in_set(arg, path, message),
            None => {
                let span = span_in_file(text, &path);
                ScenarioError::in_file(origin, text, span, path, message)
            }
        });
    }
    // A trace's own problems point into the trace; one with `churn.trace`
    // itself points at its value, in the file or in the `--set`.
    super::trace_file::resolve(scenario, origin).map_err(|mut e| {
        if e.origin == origin && e.position.is_none() && !e.path.is_empty() {
            match overrides
                .iter()
                .rev()
                .find(|(set, _)| is_prefix(set, &e.path))
            {
                Some((_, arg)) => e.origin = format!("--set {arg}"),
                None => {
                    e.position = span_in_file(text, &e.path).map(|s| line_column(text, s.start))
                }
            }
        }
        e
    })
}

/// A file that is not TOML at all, located where toml's parser stopped.
fn syntax_error(origin: &str, text: &str, e: &toml::de::Error) -> ScenarioError {
    ScenarioError::in_file(
        origin,
        text,
        e.span(),
        String::new(),
        e.message().to_owned(),
    )
}

/// Step 1: the file on its own, with toml's spans.
fn deserialize_file(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
    let de = toml::Deserializer::parse(text).map_err(|e| syntax_error(origin, text, &e))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let span = e.inner().span();
        let failure = Failure::new(&e, || text.parse().ok());
        let span = match &failure.point_at {
            Some(field) => span_in_file(text, field).or(span),
            None => span.or_else(|| span_in_file(text, &failure.path)),
        };
        ScenarioError::in_file(origin, text, span, failure.path, failure.message)
    })
}

/// Step 3: the file's table with the overrides applied.
fn deserialize_merged(
    table: toml::Table,
    overrides: &[(String, &str)],
) -> Result<Scenario, ScenarioError> {
    serde_path_to_error::deserialize(toml::Value::Table(table.clone())).map_err(|e| {
        let failure = Failure::new(&e, || Some(table));
        let arg = overrides
            .iter()
            .rev()
            .find(|(set, _)| is_prefix(set, &failure.path) || is_prefix(&failure.path, set))
            .or(overrides.last())
            .map_or("", |(_, arg)| arg);
        ScenarioError::in_set(arg, failure.path, failure.message)
    })
}

/// A deserialization failure, with the path reported the way users address
/// parameters.
struct Failure {
    /// The parameter, or for an unknown field the table that lacks it.
    path: String,
    message: String,
    /// A parameter below `path` to point at, when toml's span is too coarse:
    /// a field inside a tagged enum, whose span toml reports as the enum's.
    point_at: Option<String>,
}

impl Failure {
    /// `table` gives the deserialized table, needed only to narrow an error
    /// inside a tagged enum.
    fn new(
        e: &serde_path_to_error::Error<toml::de::Error>,
        table: impl FnOnce() -> Option<toml::Table>,
    ) -> Self {
        let mut keys: Vec<String> = e
            .path()
            .iter()
            .filter_map(|segment| match segment {
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                _ => None,
            })
            .collect();
        // An unknown field's path ends in that field; report it against its
        // table, whose allowed fields the message lists.
        if SCHEMA.node(&keys).is_none() {
            keys.pop();
        }
        let path = keys.join(".");
        let mut failure = Failure {
            path,
            message: e.inner().message().to_owned(),
            point_at: None,
        };
        if let Some(Node::Tagged(tagged)) = SCHEMA.node(&keys) {
            // serde buffers a tagged enum's content, so the path stops at the
            // enum: find the field to blame by trying them one by one.
            let culprit = table()
                .and_then(|t| table_at(&t, &keys).cloned())
                .and_then(|t| tagged.culprit(&t, &failure.path));
            if let Some(culprit) = culprit {
                let field_path = format!("{}.{}", failure.path, culprit.field);
                if !culprit.unknown {
                    failure.path = field_path.clone();
                }
                failure.message = culprit.message;
                failure.point_at = Some(field_path);
            }
        }
        failure
    }
}

fn table_at<'t>(table: &'t toml::Table, keys: &[String]) -> Option<&'t toml::Table> {
    keys.iter()
        .try_fold(table, |t, key| t.get(key.as_str())?.as_table())
}

/// Whether dotted path `prefix` is `path` or one of its enclosing tables.
fn is_prefix(prefix: &str, path: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// Byte span of the value at `path` in the file, or of the nearest
/// enclosing table that has one.
fn span_in_file(text: &str, path: &str) -> Option<Range<usize>> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let mut item = doc.as_item();
    let mut span = None;
    for key in path.split('.').filter(|k| !k.is_empty()) {
        // A number addresses an element of an array (`expect.2.metric`).
        let next = match key.parse::<usize>() {
            Ok(index) => item.get(index),
            Err(_) => item.get(key),
        };
        let Some(next) = next else { break };
        item = next;
        // Tables defined by dotted keys (`hosts.count = 1`) have no span of
        // their own; their children do.
        span = item.span().or(span);
    }
    span
}

/// 1-based line and character column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// The OS error text without Rust's ` (os error N)` suffix, which tells a
/// user nothing more.
pub fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters() {
        let text = "a = 1\nb = \"µµ\" x\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        let x = text.find('x').unwrap();
        assert_eq!(line_column(text, x), (2, 10));
        // Inside a multi-byte character, and past the end: no panic.
        assert_eq!(line_column(text, text.find('µ').unwrap() + 1), (2, 6));
        assert_eq!(line_column(text, 1000), (3, 1));
    }

    #[test]
    fn prefixes_follow_path_segments() {
        assert!(is_prefix("hosts", "hosts.count"));
        assert!(is_prefix("hosts.count", "hosts.count"));
        assert!(!is_prefix("hosts.c", "hosts.count"));
        assert!(!is_prefix("hosts.count", "hosts"));
    }

    #[test]
    fn span_in_file_falls_back_to_the_enclosing_table() {
        let text = "[hosts]\ncount = 3\n\n[network]\nloss = 0.1\n";
        let at = |path| span_in_file(text, path).map(|s| line_column(text, s.start));
        assert_eq!(at("hosts.count"), Some((2, 9)));
        assert_eq!(at("network.latency.median"), Some((4, 1)));
        assert_eq!(at("warmup"), None);
        // Dotted keys: the table has no span, its value does.
        let text = "hosts.count = 0\n";
        assert_eq!(span_in_file(text, "hosts.count"), Some(14..15));
        // Array elements are addressed by index, arrays of tables included.
        let text = "[[expect]]\nmetric = \"a\"\n\n[[expect]]\nmetric = \"b\"\nmin = 1\n";
        assert_eq!(at_col(text, "expect.1.min"), Some((6, 7)));
        assert_eq!(at_col(text, "expect.0.metric"), Some((2, 10)));
        let text = "expect = [{ metric = \"a\" }, { metric = \"b\", max = 2 }]\n";
        assert_eq!(at_col(text, "expect.1.max"), Some((1, 51)));
    }

    fn at_col(text: &str, path: &str) -> Option<(usize, usize)> {
        span_in_file(text, path).map(|s| line_column(text, s.start))
    }

    #[test]
    fn display_is_one_line() {
        let e = ScenarioError {
            origin: "--set description=a\nb".into(),
            position: None,
            path: String::new(),
            message: "first\nsecond".into(),
        };
        assert_eq!(e.to_string(), "--set description=a; b: first; second");
        let e = ScenarioError {
            origin: "x.toml".into(),
            position: Some((7, 9)),
            path: "hosts.count".into(),
            message: "must be at least 1 (got 0)".into(),
        };
        assert_eq!(
            e.to_string(),
            "x.toml:7:9: hosts.count: must be at least 1 (got 0)"
        );
    }

    #[test]
    fn io_reason_drops_the_os_error_code() {
        let e = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert!(!io_reason(&e).contains("os error"));
        let e = std::io::Error::from_raw_os_error(2);
        assert!(e.to_string().contains("(os error 2)"));
        assert!(!io_reason(&e).contains("os error"));
    }
}
