//! `--format json` on `run`, `size` and `compare`: stdout is one JSON
//! document of the schema docs/reference/json.md describes, and its figures
//! agree with the files the command wrote.

mod common;
use common::{SMALL_CLOUD, pnrpsim};
use serde_json::Value;

fn scenario(dir: &std::path::Path, extra: &str) -> String {
    let path = dir.join("small.toml");
    std::fs::write(&path, format!("{SMALL_CLOUD}{extra}")).unwrap();
    path.to_str().unwrap().to_owned()
}

fn parse(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{out}"))
}

#[test]
fn run_json_has_every_metric_with_its_unit_and_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "");
    let out_dir = dir.path().join("out");
    let (code, out, err) = pnrpsim(&[
        "run",
        &file,
        "--out",
        out_dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = parse(&out);
    assert_eq!(v["schema"], "pnrpsim.run/1");
    assert_eq!(v["hosts"], 150);
    assert_eq!(v["names_per_host"], 1);
    assert_eq!(v["duration_s"], 600.0);
    let up = v["metrics"]["up_B_per_s"].as_f64().expect("mean upload");
    assert!(up > 0.0, "{up}");
    assert_eq!(v["units"]["up_B_per_s"], "B/s");
    let p95 = v["metrics"]["up_p95_B_per_s"].as_f64().unwrap();
    assert!(p95 >= up * 0.5, "p95 {p95} vs mean {up}");
    let files: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with("summary.csv")),
        "{files:?}"
    );
    assert!(files.iter().all(|f| std::path::Path::new(f).is_file()));
    // Progress and nothing else went to stderr: stdout is the document alone.
    assert!(err.contains("plan: 1 run"), "{err}");
}

#[test]
fn size_json_gives_the_answer_its_bracket_and_every_evaluation() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "");
    let (code, out, err) = pnrpsim(&[
        "size",
        &file,
        "--metric",
        "mean",
        "--budget",
        "2kbit/s",
        "--replications",
        "3",
        "--max-runs",
        "40",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = parse(&out);
    assert_eq!(v["schema"], "pnrpsim.size/1");
    assert_eq!(v["axis"], "hosts.names_per_host");
    assert_eq!(v["statistic"], "mean");
    assert_eq!(v["budget_B_per_s"], 250.0);
    let answer = &v["answer"];
    let bracket = answer["bracket"].as_array().unwrap();
    let lo = bracket[0].as_i64().unwrap();
    if answer["settled"] == true {
        assert_eq!(answer["value"].as_i64(), Some(lo));
        assert_eq!(bracket[1].as_i64(), Some(lo));
        assert_eq!(v["over"]["value"].as_i64(), Some(lo + 1));
        assert!(answer["stopped"].is_null());
    } else {
        assert!(answer["stopped"].is_string(), "{answer}");
    }
    let within = &v["within"];
    assert_eq!(within["value"].as_i64(), Some(lo));
    assert_eq!(within["verdict"], "within");
    let ci = within["ci95_B_per_s"].as_array().unwrap();
    assert!(ci[1].as_f64().unwrap() <= 250.0, "{within}");
    let evaluations = v["evaluations"].as_array().unwrap();
    let runs: u64 = evaluations
        .iter()
        .map(|e| e["runs"].as_u64().unwrap())
        .sum();
    assert_eq!(v["runs"].as_u64(), Some(runs));
    assert!(v["report"].is_null());

    // The inverse question fills `need` instead of `answer`.
    let (code, out, err) = pnrpsim(&[
        "size",
        &file,
        "--names",
        "2",
        "--replications",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = parse(&out);
    assert_eq!(v["names"], 2);
    assert!(v["answer"].is_null());
    assert_eq!(v["need"]["value"], 2);
    assert!(v["need"]["mean_B_per_s"].as_f64().unwrap() > 0.0);
}

#[test]
fn compare_json_gives_each_design_its_intervals_and_ratio() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(
        dir.path(),
        r#"
[[design]]
name = "one"
set = { "hosts.names_per_host" = 1 }
[[design]]
name = "four"
description = "four names"
set = { "hosts.names_per_host" = 4 }
"#,
    );
    let out_dir = dir.path().join("out");
    let (code, out, err) = pnrpsim(&[
        "compare",
        &file,
        "--replications",
        "3",
        "--out",
        out_dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = parse(&out);
    assert_eq!(v["schema"], "pnrpsim.compare/1");
    assert_eq!(v["replications"], 3);
    let designs = v["designs"].as_array().unwrap();
    assert_eq!(designs.len(), 2);
    assert_eq!(designs[1]["name"], "four");
    assert_eq!(designs[1]["description"], "four names");
    assert_eq!(designs[1]["set"]["hosts.names_per_host"], 4);
    let one = &designs[0]["metrics"]["up_B_per_s"];
    let four = &designs[1]["metrics"]["up_B_per_s"];
    assert_eq!(one["n"], 3);
    let ci = four["ci95"].as_array().unwrap();
    let mean = four["mean"].as_f64().unwrap();
    assert!(ci[0].as_f64().unwrap() <= mean && mean <= ci[1].as_f64().unwrap());
    assert_eq!(designs[0]["ratio_to_first"]["up_B_per_s"]["mean"], 1.0);
    let ratio = designs[1]["ratio_to_first"]["up_B_per_s"]["mean"]
        .as_f64()
        .unwrap();
    assert!(ratio > 1.5, "four names cost more than one: {ratio}");
    assert_eq!(v["units"]["up_B_per_s"], "B/s");
    let files = v["files"].as_array().unwrap();
    assert!(
        files
            .iter()
            .any(|f| f.as_str().unwrap().ends_with("compare.csv"))
    );
}
