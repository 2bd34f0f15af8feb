//! `pnrpsim init`: every template is written, validates, and runs the
//! command its comments name (shrunk with `--set` so the test is quick).

mod common;
use common::pnrpsim;

/// Shrinks any template to a cloud that runs in a fraction of a second.
const SMALL: [&str; 6] = [
    "--set",
    "hosts.count=80",
    "--set",
    "duration=8min",
    "--set",
    "warmup=2min",
];

fn init(dir: &std::path::Path, template: &str) -> String {
    let (code, out, err) = pnrpsim(&["init", template, "--dir", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let path = dir.join(format!("{template}.toml"));
    assert!(path.is_file());
    let (code, out, err) = pnrpsim(&["validate", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{template}: {out}{err}");
    path.to_str().unwrap().to_owned()
}

fn run_ok(args: &[&str]) -> String {
    let (code, out, err) = pnrpsim(args);
    assert_eq!(code, 0, "pnrpsim {args:?}: {out}{err}");
    out
}

#[test]
fn every_template_validates_and_runs_its_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();

    let quickstart = init(dir.path(), "quickstart");
    run_ok(&[&["run", &quickstart, "--out", out], &SMALL[..]].concat());

    let sizing = init(dir.path(), "sizing");
    let text = run_ok(
        &[
            &["size", &sizing, "--names", "1", "--replications", "3"],
            &SMALL[..],
        ]
        .concat(),
    );
    assert!(text.contains("B/s"), "{text}");

    let compare = init(dir.path(), "compare");
    let text = run_ok(
        &[
            &["compare", &compare, "--replications", "2", "--out", out],
            &SMALL[..],
        ]
        .concat(),
    );
    assert!(
        text.contains("per-item") && text.contains("per-service"),
        "{text}"
    );

    // The CI template has no expected values yet: --bless records them,
    // after which the same check passes.
    let ci = init(dir.path(), "ci");
    run_ok(&["check", &ci, "--bless"]);
    assert!(std::fs::read_to_string(&ci).unwrap().contains("expected ="));
    run_ok(&["check", &ci]);

    let cluster = init(dir.path(), "cluster");
    let shard_dir = dir.path().join("shards");
    let text = run_ok(
        &[
            &[
                "sweep",
                &cluster,
                "--shard",
                "0/1",
                "--out",
                shard_dir.to_str().unwrap(),
                "--set",
                "sweep.values=[1,2]",
                "--set",
                "sweep.replications=2",
            ],
            &SMALL[..],
        ]
        .concat(),
    );
    assert!(!text.is_empty());
    run_ok(&["merge", shard_dir.to_str().unwrap(), "--no-charts"]);
    assert!(shard_dir.join("sweep.csv").is_file());
}

#[test]
fn init_refuses_to_overwrite_and_bad_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    assert_eq!(pnrpsim(&["init", "ci", "--dir", d]).0, 0);
    let (code, _, err) = pnrpsim(&["init", "ci", "--dir", d]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("exists already"), "{err}");
    assert_eq!(pnrpsim(&["init", "ci", "--dir", d, "--force"]).0, 0);
    let (code, _, err) = pnrpsim(&["init", "ci", "../escape", "--dir", d]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = pnrpsim(&["init", "ci", "--dir", "/no/such/dir"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--dir"), "{err}");
}

#[test]
fn completions_and_man_page_are_generated() {
    let (code, out, err) = pnrpsim(&["completions", "bash"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("pnrpsim") && out.contains("--budget"),
        "bash completions"
    );
    let (code, out, err) = pnrpsim(&["man"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(".ie") || out.contains(".TH pnrpsim"),
        "{out}"
    );
    assert!(out.contains("pnrpsim\\-size"), "a section per command");
}
