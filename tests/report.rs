//! `--report FILE.md` on `size`, `compare` and `sweep`, on tiny clouds: the
//! page has every section a reader needs (question, answer, parameters
//! with provenance, method, caveats with a halved/doubled sensitivity
//! table), its chart links point at PNG files beside it, and a command
//! that fails on bad input leaves no page behind.

mod common;

use common::{SMALL_CLOUD as CLOUD, answer_of, pnrpsim};
use std::path::Path;

const DESIGNS: &str = r#"
[[design]]
name = "many"
description = "four names per host"
set = { "hosts.names_per_host" = 4 }

[[design]]
name = "one"
description = "one name per host"
set = { "hosts.names_per_host" = 1 }
"#;

const SWEEP: &str = r#"
[sweep]
replications = 3
values = [1, 3]
"#;

fn scenario(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

/// Checks the sections every page has, and returns its text.
fn check_page(page: &Path) -> String {
    let text = std::fs::read_to_string(page).unwrap();
    for section in [
        "## Question",
        "## Answer",
        "## Charts",
        "## Parameters that matter",
        "## Method",
        "## Caveats",
    ] {
        assert!(text.contains(section), "no {section}:\n{text}");
    }
    // Provenance: the file's own settings, a --set, a spec default and
    // one of our modelling choices.
    assert!(
        text.contains("| `hosts.count` | `150` | set by the scenario file |"),
        "{text}"
    );
    assert!(
        text.contains("| `workload.resolves_per_host_per_hour` | `3.0` | set by `--set` |"),
        "{text}"
    );
    assert!(
        text.contains("| `network.loss` | `0.0` | default — **our modelling choice [ours]**"),
        "{text}"
    );
    assert!(
        text.contains("specification value (PNRPINFO dwLifetime)"),
        "{text}"
    );
    for words in [
        "Student's t",
        "warm-up",
        "measured period is 7min",
        "replications",
    ] {
        assert!(text.contains(words), "method lacks {words}:\n{text}");
    }
    // The sensitivity table: each parameter halved and doubled.
    for (label, path, half, double) in [
        ("churn session mean", "churn.session.mean", "10min", "40min"),
        ("refresh interval", "pnrp.refresh_interval", "12h", "2d"),
        ("cloud size", "hosts.count", "75", "300"),
    ] {
        for setting in [format!("halved ({half})"), format!("doubled ({double})")] {
            let row = format!("| {label} (`{path}`) | {setting} | ");
            assert!(text.contains(&row), "no row {row}:\n{text}");
        }
    }
    assert!(text.contains("most sensitive to the"), "{text}");
    // Every chart link is a PNG file beside the page.
    let dir = page.parent().unwrap();
    let links: Vec<&str> = text
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .collect();
    assert!(!links.is_empty(), "no chart:\n{text}");
    for link in links {
        assert!(
            !link.contains('/'),
            "links are relative, beside the page: {link}"
        );
        let bytes = std::fs::read(dir.join(link)).unwrap_or_else(|e| panic!("{link}: {e}"));
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{link} is a PNG");
    }
    text
}

const SET: &str = "workload.resolves_per_host_per_hour=3.0";

/// Runs `pnrpsim <command> <scenario> --set SET --report <page> <args>`
/// (with `--out` for the commands that write CSV files) in a temporary
/// directory, checks that it succeeded and that the page is complete, and
/// returns the directory, the page's text and stdout.
fn report_of(
    command: &str,
    scenario_text: &str,
    page: &str,
    args: &[&str],
) -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), "study.toml", scenario_text);
    let page = dir.path().join(page);
    let csv = dir.path().join("csv");
    let mut all = vec![
        command,
        &s,
        "--set",
        SET,
        "--report",
        page.to_str().unwrap(),
    ];
    if command != "size" {
        all.extend(["--out", csv.to_str().unwrap()]);
    }
    all.extend(args);
    let (code, out, err) = pnrpsim(&all);
    assert_eq!(code, 0, "{out}{err}");
    let text = check_page(&page);
    (dir, text, out)
}

#[test]
fn size_report_states_question_answer_method_and_sensitivity() {
    let (dir, text, out) = report_of(
        "size",
        CLOUD,
        "out/sizing.md",
        // Between the mean costs of 2 and 3 names in this cloud (64 and 94
        // B/s on its seeds, steady start).
        &[
            "--metric",
            "mean",
            "--budget",
            "80B/s",
            "--max-value",
            "64",
            "--max-replications",
            "30",
        ],
    );
    let answer = answer_of(&out);
    for words in [
        "**How many names per host fit in a budget of 0.64 kbit/s (80.0 B/s)",
        "a cloud of 150 hosts with exponential churn",
        &format!("**hosts.names_per_host = {answer}.**"),
        "at 95 % confidence",
        "analytic estimate",
        "| largest hosts.names_per_host within budget |",
    ] {
        assert!(text.contains(words), "no {words}:\n{text}");
    }
    assert!(dir.path().join("out/sizing-size.png").is_file());
}

#[test]
fn compare_report_gives_the_ratio_with_its_interval() {
    let (dir, text, _) = report_of(
        "compare",
        &format!("{CLOUD}{DESIGNS}"),
        "cmp.md",
        &["--replications", "3"],
    );
    for words in [
        "**`many` costs ",
        "as much upload per host as `one`**",
        "(95 % CI ",
        "| `many` | `hosts.names_per_host = 4` |",
    ] {
        assert!(text.contains(words), "no {words}:\n{text}");
    }
    assert!(dir.path().join("cmp-compare.png").is_file());
}

#[test]
fn sweep_report_copies_the_charts_beside_the_page() {
    let (dir, text, _) = report_of("sweep", &format!("{CLOUD}{SWEEP}"), "pages/sweep.md", &[]);
    let headline = "**From hosts.names_per_host = 1 to hosts.names_per_host = 3, the mean upload per host grows ";
    assert!(text.contains(headline), "{text}");
    assert!(
        dir.path()
            .join("pages/sweep-bandwidth_linear.png")
            .is_file()
    );
}

#[test]
fn bad_input_leaves_no_page() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), "tiny.toml", CLOUD);
    let pages = dir.path().join("pages");
    std::fs::create_dir(&pages).unwrap();
    let page = pages.join("r.md");
    let page = page.to_str().unwrap();
    let entries = || std::fs::read_dir(&pages).unwrap().count();
    // A budget without units, a budget below the cost of one name, a
    // report that is not Markdown, a broken --set.
    for (args, message) in [
        (vec!["--budget", "300"], "--budget: invalid rate"),
        (
            vec!["--budget", "0.1B/s"],
            "even hosts.names_per_host = 1 costs",
        ),
        (
            vec!["--budget", "2kbit/s", "--set", "hosts.count=0"],
            "hosts.count",
        ),
    ] {
        let mut all = vec!["size", s.as_str(), "--report", page];
        all.extend(args);
        let (code, _, err) = pnrpsim(&all);
        assert_eq!(code, 2, "{all:?}: {err}");
        assert!(err.contains(message), "{all:?}: {err}");
        assert_eq!(entries(), 0, "{all:?} left a file");
    }
    let txt = pages.join("r.txt");
    let (code, _, err) = pnrpsim(&[
        "size",
        &s,
        "--budget",
        "2kbit/s",
        "--report",
        txt.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("give a file name ending in .md"), "{err}");
    let csv = dir.path().join("csv");
    let (code, _, err) = pnrpsim(&[
        "compare",
        &s,
        "--out",
        csv.to_str().unwrap(),
        "--report",
        page,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("at least two [[design]] tables"), "{err}");
    assert_eq!(entries(), 0);
}
