//! `--set path=value` overrides, and the dotted parameter paths they
//! address: parsing an override, applying it to a scenario table, and the
//! schema's shape that both check paths against.
//!
//! Switching the latency model: `network.latency` is a tagged enum (tag
//! `model`). Setting `network.latency.model` to another variant drops the
//! fields of the current table that the new variant does not have and
//! keeps those it does, so `--set network.latency.model=constant
//! --set network.latency.delay=20ms` works in either order. The new variant
//! has no defaults: each of its fields must come from a `--set` (or the
//! file), otherwise deserializing the merged table (step 3 of
//! [`load`](super::load)) reports the missing field. A whole table can also
//! be given at once: `--set 'network.latency={model="constant",delay="20ms"}'`.

use super::model::{Latency, Scenario};
use super::validate::validate;
use crate::engine::units::Duration;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

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

/// A loaded scenario as the TOML table that [`scenario_with`] makes sweep
/// points and `[[design]]` variants from: a `warmup` or `duration` that took
/// its default is left out, so that each point computes its own
/// ([`super::warmup::Defaulted`]).
pub fn point_base(s: &Scenario) -> Result<toml::Table, toml::ser::Error> {
    let mut table = toml::Table::try_from(s)?;
    if s.defaulted.warmup {
        table.remove("warmup");
    }
    if s.defaulted.duration {
        table.remove("duration");
    }
    Ok(table)
}

/// A scenario built from an already loaded one (as a [`point_base`] table)
/// with `overrides` applied, validated like a file: how sweep points and
/// `[[design]]` variants are made.
pub fn scenario_with(
    base: &toml::Table,
    overrides: &[(String, toml::Value)],
) -> Result<Scenario, String> {
    let mut table = base.clone();
    for (path, value) in overrides {
        set_path(&mut table, path, value.clone())?;
    }
    let defaulted = super::warmup::Defaulted {
        warmup: !table.contains_key("warmup"),
        duration: !table.contains_key("duration"),
    };
    let mut s: Scenario = toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| e.message().to_string())?;
    super::warmup::resolve(&mut s, defaulted).map_err(|p| p.to_string())?;
    validate(&s).map_err(|problems| {
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    Ok(s)
}

/// The scenario of a sweep point: [`scenario_with`] the point's settings.
pub fn scenario_at(base: &toml::Table, coords: &[super::sweep::Coord]) -> Result<Scenario, String> {
    let sets: Vec<_> = coords
        .iter()
        .map(|c| (c.path.clone(), c.value.clone()))
        .collect();
    scenario_with(base, &sets)
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
pub(super) enum Node {
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
pub(super) struct Tagged {
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
    pub(super) fn culprit(&self, table: &toml::Table, path: &str) -> Option<Culprit> {
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
pub(super) struct Culprit {
    pub(super) field: String,
    pub(super) message: String,
    /// The selected variant has no such field.
    pub(super) unknown: bool,
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

pub(super) struct Schema {
    root: Node,
    /// `Scenario::default()` as TOML, to fill tables a `--set` goes through.
    defaults: toml::Table,
}

pub(super) static SCHEMA: LazyLock<Schema> = LazyLock::new(Schema::build);

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
        every_field.hosts.join_spread = Some(Duration::secs(1));
        every_field.metrics.connectivity_every = Some(Duration::secs(1));
        every_field.fingerprint = Some(String::new());
        every_field.group = Some(crate::scenario::group::GroupConfig::default());
        every_field.designs = vec![crate::scenario::Design {
            name: "a".to_owned(),
            description: String::new(),
            set: toml::Table::new(),
        }];
        every_field.churn.trace = Some(String::new());
        every_field.events = vec![crate::scenario::EventSpec::default()];
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

    pub(super) fn node(&self, keys: &[String]) -> Option<&Node> {
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
        // sweep, group, and 4 latency variants.
        assert_eq!(checked, 15);
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
            e.starts_with("unknown parameter `hosts.cont`; `hosts` has: addresses, count, "),
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
}
