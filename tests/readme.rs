//! The documentation's references must match the code: every scenario
//! parameter is documented in docs/reference/scenario.md with its true
//! default and source, the output column reference in
//! docs/reference/outputs.md is the one the code generates, and the
//! README's set-up commands name real files. Run with
//! `PNRPSIM_UPDATE_README=1` to regenerate the column block after changing a
//! table.

use pnrpsim::scenario::Scenario;
use pnrpsim::scenario::overrides::parameter_paths;

const README: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
const SCENARIO_REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reference/scenario.md");
const OUTPUT_REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reference/outputs.md");
const BEGIN: &str = "<!-- columns:begin (generated from outputs::column_reference(); `cargo test --test readme` checks it) -->\n";
const END: &str = "<!-- columns:end -->";

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The default of a parameter as TOML text, `None` where it has none.
fn default_of(path: &str) -> Option<String> {
    let t = toml::Table::try_from(Scenario::default()).unwrap();
    let mut value: Option<&toml::Value> = None;
    let mut table = Some(&t);
    for key in path.split('.') {
        value = table.and_then(|t| t.get(key));
        table = value.and_then(|v| v.as_table());
    }
    value.map(|v| v.to_string())
}

#[test]
fn every_parameter_is_documented_with_its_default() {
    let text = read(SCENARIO_REFERENCE);
    let sweep = pnrpsim::sweep::SweepSpec::default();
    for path in parameter_paths() {
        let row = text
            .lines()
            .find(|l| l.starts_with(&format!("| `{path}` |")))
            .unwrap_or_else(|| panic!("the scenario reference has no row for `{path}`"));
        let documented = row.split('|').nth(2).unwrap().trim().trim_matches('`');
        let actual = match path.strip_prefix("sweep.") {
            Some(field) => {
                let t = toml::Table::try_from(&sweep).unwrap();
                t.get(field).map(|v| v.to_string())
            }
            None => default_of(&path),
        };
        match actual {
            Some(v) => assert_eq!(documented, v, "default of `{path}`"),
            None => assert!(
                documented == "—" || documented == "absent" || documented == "[]",
                "`{path}` has no default but the scenario reference says {documented}"
            ),
        }
    }
}

/// The report's provenance column (`--report`) comes from the code's copy
/// of the reference's source column: they must agree on every parameter.
#[test]
fn every_parameter_source_matches_the_report_provenance() {
    let text = read(SCENARIO_REFERENCE);
    for path in parameter_paths() {
        let row = text
            .lines()
            .find(|l| l.starts_with(&format!("| `{path}` |")))
            .unwrap_or_else(|| panic!("the scenario reference has no row for `{path}`"));
        let documented = row.split('|').nth(3).unwrap().trim();
        let coded = pnrpsim::scenario::provenance::source(&path).unwrap_or("—");
        assert_eq!(documented, coded, "source of `{path}`");
    }
}

#[test]
fn column_reference_is_current() {
    let text = read(OUTPUT_REFERENCE);
    let start = text.find(BEGIN).expect("column block start") + BEGIN.len();
    let end = text.find(END).expect("column block end");
    let generated = format!("{}\n", pnrpsim::outputs::column_reference().trim_end());
    if std::env::var_os("PNRPSIM_UPDATE_README").is_some() {
        let updated = format!("{}{}{}", &text[..start], generated, &text[end..]);
        std::fs::write(OUTPUT_REFERENCE, updated).unwrap();
        return;
    }
    assert!(
        text[start..end] == generated,
        "docs/reference/outputs.md column reference is stale: run PNRPSIM_UPDATE_README=1 cargo test --release --test readme"
    );
}

#[test]
fn setup_commands_point_at_real_files() {
    let text = read(README);
    assert!(text.contains("cargo run --release -- run scenarios/quickstart.toml"));
    assert!(text.contains("cargo test --release"));
    let quickstart = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/quickstart.toml");
    pnrpsim::scenario::load::load_file(std::path::Path::new(quickstart), &[]).unwrap();
}
