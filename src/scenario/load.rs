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
//! 3. The merged table is deserialized; a failure there is blamed on the
//!    last `--set` whose path overlaps the failing parameter.
//! 4. An empty `name` becomes the file stem.
//! 5. [`validate`] runs; its first problem (in schema order) is reported,
//!    at the parameter's value in the file, or at the `--set` that gave the
//!    value, or — for a default value — at the nearest enclosing table that
//!    the file has (without a position if it has none). Only the first
//!    problem is reported so that the error stays one line; fixing it and
//!    running again shows the next.
//!
//! Switching the latency model: `network.latency` is a tagged enum (tag
//! `model`). Setting `network.latency.model` to another variant drops the
//! fields of the current table that the new variant does not have and
//! keeps those it does, so `--set network.latency.model=constant
//! --set network.latency.delay=20ms` works in either order. The new variant
//! has no defaults: each of its fields must come from a `--set` (or the
//! file), otherwise step 3 reports the missing field. A whole table can also
//! be given at once: `--set 'network.latency={model="constant",delay="20ms"}'`.

use super::model::{Latency, Scenario};
use super::validate::{Problem, validate};
use crate::engine::units::Duration;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::LazyLock;

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
            message,
        }
    }

    fn in_set(arg: &str, path: String, message: String) -> Self {
        ScenarioError {
            origin: format!("--set {arg}"),
            position: None,
            path,
            message,
        }
    }
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
        let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            ScenarioError::in_file(
                origin,
                text,
                e.span(),
                String::new(),
                e.message().to_owned(),
            )
        })?;
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
    let first_problem = validate(&scenario)
        .err()
        .and_then(|problems| problems.into_iter().next());
    if let Some(Problem { path, mut message }) = first_problem {
        if path == "name" && name_from_stem {
            message +=
                &format!(" (taken from the file name `{origin}`; set `name` to choose another)");
        }
        let blamed = overrides
            .iter()
            .rev()
            .find(|(set, _)| is_prefix(set, &path));
        return Err(match blamed {
            Some((_, arg)) => ScenarioError::in_set(arg, path, message),
            None => {
                let span = span_in_file(text, &path);
                ScenarioError::in_file(origin, text, span, path, message)
            }
        });
    }
    Ok(scenario)
}

/// Step 1: the file on its own, with toml's spans.
fn deserialize_file(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
    let de = toml::Deserializer::parse(text).map_err(|e| {
        ScenarioError::in_file(
            origin,
            text,
            e.span(),
            String::new(),
            e.message().to_owned(),
        )
    })?;
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

/// Parses `path=value`. The value is a TOML literal (`3`, `0.5`, `true`,
/// `"text"`, `[1, 2]`, `{ model = "constant", delay = "20ms" }`) or, when it
/// is not one, a bare string, so that `--set network.latency.median=40ms`
/// needs no shell-quoted TOML quotes.
pub fn parse_set(arg: &str) -> Result<(String, toml::Value), String> {
    let Some((path, raw)) = arg.split_once('=') else {
        return Err(format!(
            "expected `path=value`, e.g. `hosts.count=500` (got `{arg}`)"
        ));
    };
    let path = path.trim();
    if path.is_empty() {
        return Err(format!("missing parameter path before `=` in `{arg}`"));
    }
    let value = raw
        .trim()
        .parse::<toml::Value>()
        .unwrap_or_else(|_| toml::Value::String(raw.trim().to_owned()));
    Ok((path.to_owned(), value))
}

/// A scenario built from an already loaded one (as a TOML table) with
/// `overrides` applied, validated like a file: how sweep points and
/// `[[design]]` variants are made.
pub fn scenario_with(
    base: &toml::Table,
    overrides: &[(String, toml::Value)],
) -> Result<Scenario, String> {
    let mut table = base.clone();
    for (path, value) in overrides {
        set_path(&mut table, path, value.clone())?;
    }
    let s: Scenario = toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| e.message().to_string())?;
    super::validate::validate(&s).map_err(|problems| {
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    Ok(s)
}

/// Sets one parameter, addressed by a dotted path (`hosts.count`,
/// `network.latency.median`), in a parsed scenario table, after checking
/// that the path exists in the schema. The value's type is not checked here;
/// deserializing the table does that.
///
/// Tables on the way that the file omits are created from the defaults, so
/// that setting one field of the latency model keeps the default model's
/// other fields. Setting a tagged enum's tag drops the fields the new
/// variant does not have (see the [module docs](self)).
pub fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    if path.split('.').any(str::is_empty) {
        return Err(format!(
            "invalid parameter path `{path}`: expected names joined by `.`, e.g. `hosts.count`"
        ));
    }
    let (parents, last): (Vec<&str>, &str) = match path.rsplit_once('.') {
        Some((parents, last)) => (parents.split('.').collect(), last),
        None => (Vec::new(), path),
    };
    // The whole path is checked before `table` is touched, so that a
    // rejected path leaves it unchanged.
    let mut node = &SCHEMA.root;
    for (depth, key) in parents.iter().enumerate() {
        node = match node.child(key) {
            None => return Err(unknown_parameter(path, &parents[..depth], node)),
            Some(Node::Leaf) => {
                return Err(format!(
                    "unknown parameter `{path}`: `{}` is a single value, not a table",
                    parents[..=depth].join(".")
                ));
            }
            Some(child) => child,
        };
    }
    match node.child(last) {
        None => return Err(unknown_parameter(path, &parents, node)),
        Some(target @ (Node::Table(_) | Node::Tagged(_))) if !value.is_table() => {
            return Err(format!(
                "`{path}` is a table: set one of its parameters ({}), or give an inline table",
                target.child_names().join(", ")
            ));
        }
        Some(_) => {}
    }
    let mut table = table;
    for (depth, key) in parents.iter().enumerate() {
        // Only a value the caller's table already had can be in the way, so
        // an error here comes before any table was created.
        let slot = table
            .entry(*key)
            .or_insert_with(|| toml::Value::Table(SCHEMA.default_table(&parents[..=depth])));
        table = match slot {
            toml::Value::Table(sub) => sub,
            other => {
                return Err(format!(
                    "cannot set `{path}`: `{}` in the scenario holds a value ({}), not a table",
                    parents[..=depth].join("."),
                    other.type_str()
                ));
            }
        };
    }
    table.insert(last.to_owned(), value);
    if let Node::Tagged(tagged) = node {
        if last == tagged.tag {
            tagged.drop_foreign_fields(table);
        }
    }
    Ok(())
}

fn unknown_parameter(path: &str, parent: &[&str], node: &Node) -> String {
    let names = node.child_names().join(", ");
    if parent.is_empty() {
        format!("unknown parameter `{path}`; top-level parameters: {names}")
    } else {
        format!(
            "unknown parameter `{path}`; `{}` has: {names}",
            parent.join(".")
        )
    }
}

/// All valid parameter paths, sorted; for a tagged enum, its tag and the
/// fields of every variant.
pub fn parameter_paths() -> Vec<String> {
    let mut paths = Vec::new();
    SCHEMA.root.collect_paths("", &mut paths);
    paths
}

/// The shape of the scenario schema, as far as parameter paths need it.
enum Node {
    /// One value: number, string, bool or unit quantity.
    Leaf,
    /// A struct: its fields.
    Table(BTreeMap<String, Node>),
    /// An internally tagged enum.
    Tagged(Tagged),
}

/// The only child a [`Tagged`] node has: its tag and variant fields are all
/// single values.
static LEAF: Node = Node::Leaf;

/// An internally tagged enum (`#[serde(tag = "...")]`) whose variants have
/// single-value fields.
struct Tagged {
    tag: &'static str,
    /// Variant name → an example of the variant, tag removed. Only the keys
    /// matter, except in [`Tagged::culprit`], which needs valid values.
    variants: BTreeMap<String, toml::Table>,
    /// Deserializes a table (tag included) as the enum.
    check: fn(toml::Table) -> Result<(), String>,
}

impl Tagged {
    fn new<T: serde::Serialize>(
        tag: &'static str,
        examples: &[T],
        check: fn(toml::Table) -> Result<(), String>,
    ) -> Self {
        let variants = examples
            .iter()
            .map(|example| {
                let mut fields =
                    toml::Table::try_from(example).expect("a tagged enum serializes to a table");
                let name = match fields.remove(tag) {
                    Some(toml::Value::String(name)) => name,
                    other => panic!("variant tag `{tag}` should be a string, got {other:?}"),
                };
                (name, fields)
            })
            .collect();
        Tagged {
            tag,
            variants,
            check,
        }
    }

    fn fields(&self) -> BTreeSet<&str> {
        self.variants
            .values()
            .flat_map(|fields| fields.keys().map(String::as_str))
            .collect()
    }

    /// After the tag was set: keeps the fields the selected variant has.
    /// An unknown variant keeps everything, so that deserializing reports
    /// the bad tag rather than missing fields.
    fn drop_foreign_fields(&self, table: &mut toml::Table) {
        let variant = table.get(self.tag).and_then(toml::Value::as_str);
        if let Some(fields) = variant.and_then(|v| self.variants.get(v)) {
            table.retain(|key, _| key == self.tag || fields.contains_key(key));
        }
    }

    /// The first field of `table` (in key order) that makes the enum fail to
    /// deserialize, with the error, found by putting each field in turn into
    /// a valid example of the selected variant. `path` is the enum's.
    fn culprit(&self, table: &toml::Table, path: &str) -> Option<Culprit> {
        let variant = table.get(self.tag)?.as_str()?;
        let example = self.variants.get(variant)?;
        let (field, mut message) =
            table
                .iter()
                .filter(|(key, _)| *key != self.tag)
                .find_map(|(key, value)| {
                    let mut probe = example.clone();
                    probe.insert(self.tag.to_owned(), variant.into());
                    probe.insert(key.clone(), value.clone());
                    (self.check)(probe).err().map(|e| (key.clone(), e))
                })?;
        let unknown = !example.contains_key(&field);
        let owners: Vec<&str> = self
            .variants
            .iter()
            .filter(|(_, fields)| fields.contains_key(&field))
            .map(|(name, _)| name.as_str())
            .collect();
        if unknown && !owners.is_empty() {
            // The usual cause: a `--set` of a field of another variant
            // without switching `model`.
            message += &format!(
                "; `{field}` belongs to {} `{}`, select it with `{path}.{}`",
                self.tag,
                owners.join("` or `"),
                self.tag
            );
        }
        Some(Culprit {
            field,
            message,
            unknown,
        })
    }
}

/// The field that makes a tagged enum fail, see [`Tagged::culprit`].
struct Culprit {
    field: String,
    message: String,
    /// The selected variant has no such field.
    unknown: bool,
}

impl Node {
    fn from_table(table: &toml::Table) -> Node {
        Node::Table(
            table
                .iter()
                .map(|(key, value)| {
                    let node = match value {
                        toml::Value::Table(sub) => Node::from_table(sub),
                        _ => Node::Leaf,
                    };
                    (key.clone(), node)
                })
                .collect(),
        )
    }

    fn child(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Leaf => None,
            Node::Table(fields) => fields.get(key),
            Node::Tagged(tagged) => {
                (key == tagged.tag || tagged.fields().contains(key)).then_some(&LEAF)
            }
        }
    }

    /// Sorted names below this node.
    fn child_names(&self) -> Vec<String> {
        match self {
            Node::Leaf => Vec::new(),
            Node::Table(fields) => fields.keys().cloned().collect(),
            Node::Tagged(tagged) => {
                let mut names = tagged.fields();
                names.insert(tagged.tag);
                names.into_iter().map(str::to_owned).collect()
            }
        }
    }

    fn collect_paths(&self, prefix: &str, out: &mut Vec<String>) {
        if let Node::Leaf = self {
            out.push(prefix.to_owned());
            return;
        }
        for name in self.child_names() {
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            if let Some(child) = self.child(&name) {
                child.collect_paths(&path, out);
            }
        }
    }
}

struct Schema {
    root: Node,
    /// `Scenario::default()` as TOML, to fill tables a `--set` goes through.
    defaults: toml::Table,
}

static SCHEMA: LazyLock<Schema> = LazyLock::new(Schema::build);

impl Schema {
    /// Derives the schema from the serialized default scenario, with the
    /// two things serialization cannot show filled in explicitly: optional
    /// fields (`None` is not serialized) and the variants of tagged enums
    /// (only the default variant is). Tests check both against the field and
    /// variant lists serde itself reports, so a schema change that is not
    /// reflected here fails them.
    fn build() -> Schema {
        let defaults =
            toml::Table::try_from(Scenario::default()).expect("the default scenario serializes");
        let mut every_field = Scenario::default();
        every_field.workload.address_change_interval = Some(Duration::secs(1));
        every_field.metrics.connectivity_every = Some(Duration::secs(1));
        every_field.fingerprint = Some(String::new());
        every_field.designs = vec![crate::scenario::Design {
            name: "a".to_owned(),
            description: String::new(),
            set: toml::Table::new(),
        }];
        every_field.sweep = Some(crate::scenario::sweep::SweepSpec {
            series_axis: Some("network.loss".to_owned()),
            series_values: vec![toml::Value::Float(0.0)],
            cdf_points: Some(vec![toml::Value::Integer(1)]),
            ..crate::scenario::sweep::SweepSpec::default()
        });
        let mut root = Node::from_table(
            &toml::Table::try_from(every_field).expect("the default scenario serializes"),
        );
        if let Node::Table(top) = &mut root {
            if let Some(Node::Table(network)) = top.get_mut("network") {
                network.insert(
                    "latency".to_owned(),
                    Node::Tagged(Tagged::new("model", &latency_examples(), |t| {
                        Latency::deserialize(t)
                            .map(drop)
                            .map_err(|e| e.message().to_owned())
                    })),
                );
            }
        }
        Schema { root, defaults }
    }

    fn node(&self, keys: &[String]) -> Option<&Node> {
        keys.iter()
            .try_fold(&self.root, |node, key| node.child(key))
    }

    /// The default content of the table at `keys`, empty if it has none.
    fn default_table(&self, keys: &[&str]) -> toml::Table {
        keys.iter()
            .try_fold(&self.defaults, |t, key| t.get(*key)?.as_table())
            .cloned()
            .unwrap_or_default()
    }
}

/// One value of every latency variant. The values must deserialize (see
/// [`Tagged::culprit`]) but need not pass validation.
fn latency_examples() -> [Latency; 4] {
    let ms = Duration::millis(1);
    [
        Latency::Constant { delay: ms },
        Latency::Uniform { min: ms, max: ms },
        Latency::Lognormal {
            median: ms,
            sigma: 1.0,
        },
        Latency::Topology {
            routers: 2,
            links_per_router: 1,
            link_delay_min: ms,
            link_delay_max: ms,
            access_delay_min: ms,
            access_delay_max: ms,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names between backticks after "expected" in a serde message such
    /// as "unknown field `x`, expected one of `a`, `b`".
    fn expected_names(message: &str) -> BTreeSet<String> {
        let (_, list) = message.split_once("expected").unwrap_or(("", ""));
        list.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    }

    fn names(node: &Node) -> BTreeSet<String> {
        node.child_names().into_iter().collect()
    }

    /// Deserializes a scenario consisting of `leaf` placed at `keys`.
    fn deserialize_error(keys: &[String], leaf: toml::Table) -> String {
        let table = keys.iter().rev().fold(leaf, |inner, key| {
            toml::Table::from_iter([(key.clone(), toml::Value::Table(inner))])
        });
        Scenario::deserialize(table)
            .expect_err("the probe holds an unknown name")
            .message()
            .to_owned()
    }

    fn bogus() -> toml::Table {
        toml::Table::from_iter([("?bogus".to_owned(), toml::Value::Integer(1))])
    }

    /// Walks the derived schema and compares every table's fields, every
    /// tagged enum's variants and each variant's fields with the lists serde
    /// itself gives when it rejects an unknown name. Fails when the model
    /// gains an `Option` field or an enum variant that `Schema::build` and
    /// `latency_examples` do not know about.
    #[test]
    fn schema_matches_what_serde_accepts() {
        fn walk(node: &Node, keys: &mut Vec<String>, checked: &mut usize) {
            match node {
                Node::Leaf => {}
                Node::Table(fields) => {
                    let message = deserialize_error(keys, bogus());
                    assert_eq!(expected_names(&message), names(node), "{keys:?}: {message}");
                    *checked += 1;
                    for (key, child) in fields {
                        keys.push(key.clone());
                        walk(child, keys, checked);
                        keys.pop();
                    }
                }
                Node::Tagged(tagged) => {
                    let tag = |v: &str| toml::Table::from_iter([(tagged.tag.to_owned(), v.into())]);
                    let message = deserialize_error(keys, tag("?bogus"));
                    let variants: BTreeSet<String> = tagged.variants.keys().cloned().collect();
                    assert_eq!(expected_names(&message), variants, "{message}");
                    for (variant, fields) in &tagged.variants {
                        let mut probe = tag(variant);
                        probe.extend(bogus());
                        let message = deserialize_error(keys, probe);
                        let fields: BTreeSet<String> = fields.keys().cloned().collect();
                        assert_eq!(expected_names(&message), fields, "{variant}: {message}");
                        *checked += 1;
                    }
                }
            }
        }
        let mut checked = 0;
        walk(&SCHEMA.root, &mut Vec::new(), &mut checked);
        // scenario, hosts, network, pnrp, workload, churn + 2 dists, metrics,
        // sweep, and 4 latency variants.
        assert_eq!(checked, 14);
    }

    #[test]
    fn parameter_paths_include_options_and_every_variant() {
        let paths = parameter_paths();
        for path in [
            "hosts.count",
            "network.latency.model",
            "network.latency.median",
            "network.latency.delay",
            "network.latency.routers",
            "workload.address_change_interval",
            "metrics.connectivity_every",
            "churn.session.shape",
        ] {
            assert!(paths.iter().any(|p| p == path), "{path} missing");
        }
        // Only leaves: no table is itself a parameter.
        assert!(!paths.iter().any(|p| p == "hosts" || p == "network.latency"));
        let mut sorted = paths.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, paths);
    }

    #[test]
    fn parse_set_reads_toml_literals_or_bare_strings() {
        let parse = |arg| parse_set(arg).unwrap();
        assert_eq!(parse("hosts.count=500"), ("hosts.count".into(), 500.into()));
        assert_eq!(
            parse(" network.loss = 0.25 "),
            ("network.loss".into(), 0.25.into())
        );
        assert_eq!(parse("churn.enabled=true").1, true.into());
        assert_eq!(parse("name=\"a b\"").1, "a b".into());
        assert_eq!(parse("network.latency.median=40ms").1, "40ms".into());
        assert_eq!(parse("description=").1, "".into());
        // Only the first `=` separates: the value may contain more.
        assert_eq!(parse("description=a=b").1, "a=b".into());
        let table = parse("network.latency={model=\"constant\", delay=\"20ms\"}").1;
        assert_eq!(table["delay"].as_str(), Some("20ms"));
        assert!(parse_set("hosts.count").unwrap_err().contains("path=value"));
        assert!(
            parse_set("=3")
                .unwrap_err()
                .contains("missing parameter path")
        );
    }

    #[test]
    fn set_path_fills_omitted_tables_from_the_defaults() {
        let mut table = toml::Table::new();
        set_path(&mut table, "network.latency.sigma", 0.9.into()).unwrap();
        let latency = &table["network"]["latency"];
        assert_eq!(latency["model"].as_str(), Some("lognormal"));
        assert_eq!(latency["median"].as_str(), Some("40ms"));
        assert_eq!(latency["sigma"].as_float(), Some(0.9));
        // Optional fields absent by default can be set too.
        set_path(&mut table, "workload.address_change_interval", "1h".into()).unwrap();
        let s = Scenario::deserialize(table).unwrap();
        assert_eq!(
            s.workload.address_change_interval,
            Some(Duration::secs(3600))
        );
        assert_eq!(
            s.network.latency,
            Latency::Lognormal {
                median: Duration::millis(40),
                sigma: 0.9
            }
        );
    }

    #[test]
    fn switching_the_tag_keeps_only_the_new_variants_fields() {
        let mut table: toml::Table =
            "[network.latency]\nmodel = \"uniform\"\nmin = \"1ms\"\nmax = \"9ms\"\n"
                .parse()
                .unwrap();
        set_path(&mut table, "network.latency.delay", "5ms".into()).unwrap();
        set_path(&mut table, "network.latency.model", "constant".into()).unwrap();
        let latency = table["network"]["latency"].as_table().unwrap();
        assert_eq!(latency.keys().collect::<Vec<_>>(), ["delay", "model"]);
        // Back to uniform: `delay` goes, and nothing brings `min` back.
        set_path(&mut table, "network.latency.model", "uniform".into()).unwrap();
        let latency = table["network"]["latency"].as_table().unwrap();
        assert_eq!(latency.keys().collect::<Vec<_>>(), ["model"]);
        // An unknown variant keeps the fields for the error to be about the tag.
        set_path(&mut table, "network.latency.min", "1ms".into()).unwrap();
        set_path(&mut table, "network.latency.model", "fast".into()).unwrap();
        assert!(table["network"]["latency"].get("min").is_some());
    }

    #[test]
    fn set_path_rejects_what_the_schema_lacks() {
        let mut table = toml::Table::new();
        let err = |table: &mut toml::Table, path| set_path(table, path, 1.into()).unwrap_err();
        let e = err(&mut table, "hosts.cont");
        assert!(
            e.starts_with("unknown parameter `hosts.cont`; `hosts` has: count, "),
            "{e}"
        );
        assert!(e.contains("names_per_host"), "{e}");
        let e = err(&mut table, "hostz");
        assert!(
            e.contains("top-level parameters: churn, description"),
            "{e}"
        );
        let e = err(&mut table, "network.latency.speed");
        assert!(e.contains("`network.latency` has: access_delay_max"), "{e}");
        assert!(e.contains("model") && e.contains("sigma"), "{e}");
        let e = err(&mut table, "hosts.count.x");
        assert!(e.contains("`hosts.count` is a single value"), "{e}");
        let e = err(&mut table, "hosts..count");
        assert!(e.contains("invalid parameter path"), "{e}");
        let e = err(&mut table, "hosts");
        assert!(e.contains("`hosts` is a table"), "{e}");
        // A failed set leaves no trace.
        assert!(table.is_empty(), "{table:?}");
        // The file's own value in the way of a table.
        let mut table: toml::Table = "hosts = 3".parse().unwrap();
        let e = err(&mut table, "hosts.count");
        assert!(
            e.contains("`hosts` in the scenario holds a value (integer)"),
            "{e}"
        );
    }

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
