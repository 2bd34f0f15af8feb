//! A sweep split into shards run as separate processes, then merged, gives
//! the same bytes as a one-process sweep; merge refuses a missing or a
//! foreign shard and writes nothing. Also checks the Kubernetes manifest
//! docs/cluster.md relies on.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The sweep that ci/slurm-test.sh also runs on a one-node cluster.
const SCENARIO: &str = include_str!("data/small-sweep.toml");

fn pnrpsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pnrpsim"))
        .args(args)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("shard-test.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    (tmp, scenario)
}

fn shard(scenario: &Path, out: &Path, spec: &str, sets: &[&str]) {
    let o = pnrpsim(
        &[
            &["sweep", scenario.to_str().unwrap(), "--threads", "1"],
            &["--out", out.to_str().unwrap(), "--shard", spec][..],
            sets,
        ]
        .concat(),
    );
    assert!(o.status.success(), "{}", text(&o));
}

/// Files in `dir` other than the journals and shard files.
fn outputs(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("shard-") && !n.ends_with(".log"))
        .collect();
    names.sort();
    names
}

#[test]
fn three_shards_merged_equal_one_sweep_byte_for_byte() {
    let (tmp, scenario) = setup();
    let one = tmp.path().join("one");
    let o = pnrpsim(&[
        "sweep",
        scenario.to_str().unwrap(),
        "--out",
        one.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));

    let split = tmp.path().join("split");
    for i in 0..3 {
        shard(&scenario, &split, &format!("{i}/3"), &[]);
    }
    // A shard run again replaces its own file: no duplicate.
    shard(&scenario, &split, "1/3", &[]);
    assert!(outputs(&split).is_empty(), "{:?}", outputs(&split));
    let o = pnrpsim(&["merge", split.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("merged 9 runs from 3 shards"),
        "{}",
        text(&o)
    );

    let names = outputs(&one);
    for must in [
        "runs.csv",
        "sweep.csv",
        "host_rates.csv",
        "cloud_series.csv",
    ] {
        assert!(names.iter().any(|n| n == must), "{names:?}");
    }
    assert!(names.iter().any(|n| n.ends_with(".png")), "{names:?}");
    assert_eq!(names, outputs(&split));
    for n in &names {
        let a = std::fs::read(one.join(n)).unwrap();
        let b = std::fs::read(split.join(n)).unwrap();
        assert!(
            a == b,
            "{n} differs between the one-process sweep and the merge"
        );
    }
}

#[test]
fn merge_refuses_a_missing_shard_and_writes_nothing() {
    let (tmp, scenario) = setup();
    let split = tmp.path().join("split");
    shard(&scenario, &split, "0/3", &[]);
    shard(&scenario, &split, "2/3", &[]);
    let o = pnrpsim(&["merge", split.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let t = text(&o);
    // Shard 1 of 3 holds tasks 1, 4, 7: (point 0, rep 1), (1, 1), (2, 1).
    assert!(
        t.contains("3 of 9 tasks are not present exactly once; nothing was written"),
        "{t}"
    );
    for p in 0..3 {
        assert!(
            t.contains(&format!(
                "missing: point {p} (hosts.names_per_host = {}), replication 1",
                p + 1
            )),
            "{t}"
        );
    }
    assert!(outputs(&split).is_empty(), "{:?}", outputs(&split));

    // Shards of two different splits overlap: duplicates are named.
    shard(&scenario, &split, "1/3", &[]);
    shard(&scenario, &split, "0/2", &[]);
    let t = text(&pnrpsim(&["merge", split.to_str().unwrap()]));
    assert!(
        t.contains("duplicated: point 0 (hosts.names_per_host = 1), replication 0, in shard-0-of-2.journal, shard-0-of-3.journal"),
        "{t}"
    );
    assert!(outputs(&split).is_empty(), "{:?}", outputs(&split));
}

#[test]
fn merge_refuses_a_foreign_shard_naming_both_hashes() {
    let (tmp, scenario) = setup();
    let split = tmp.path().join("split");
    shard(&scenario, &split, "0/2", &[]);
    shard(&scenario, &split, "1/2", &["--set", "seed=12"]);
    let o = pnrpsim(&["merge", split.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let t = text(&o);
    let hash = |file: &str| {
        let j = std::fs::read_to_string(split.join(file)).unwrap();
        j.lines()
            .next()
            .unwrap()
            .split('\t')
            .nth(3)
            .unwrap()
            .to_owned()
    };
    let (ours, foreign) = (hash("shard-0-of-2.journal"), hash("shard-1-of-2.journal"));
    assert_ne!(ours, foreign);
    assert!(
        t.contains(&format!(
            "shard-1-of-2.journal comes from another sweep: scenario hash {foreign}, pnrpsim {}",
            env!("CARGO_PKG_VERSION")
        )),
        "{t}"
    );
    assert!(
        t.contains(&format!(
            "shard-0-of-2.scenario.toml has scenario hash {ours}"
        )),
        "{t}"
    );
    assert!(outputs(&split).is_empty(), "{:?}", outputs(&split));
}

#[test]
fn bad_shard_specs_are_refused() {
    let (tmp, scenario) = setup();
    let out = tmp.path().join("out");
    for (spec, msg) in [
        ("3/3", "shard index 3 is out of range for 3 shards"),
        ("0/0", "shard count must be at least 1"),
    ] {
        let o = pnrpsim(&[
            "sweep",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--shard",
            spec,
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains(msg), "{}", text(&o));
    }
    let o = Command::new(env!("CARGO_BIN_EXE_pnrpsim"))
        .args([
            "sweep",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .env("JOB_COMPLETION_INDEX", "0")
        .env_remove("PNRPSIM_SHARD_COUNT")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("give --shard-count N or set PNRPSIM_SHARD_COUNT"),
        "{}",
        text(&o)
    );
}

/// The fields the Kubernetes instructions of docs/cluster.md rely on.
#[test]
fn kubernetes_manifest_is_an_indexed_job_sharing_a_volume_then_a_merge() {
    use serde_yaml::Value;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/k8s/sweep-job.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    let docs: Vec<Value> = serde_yaml::Deserializer::from_str(&yaml)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    let find = |kind: &str, name: &str| {
        docs.iter()
            .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} {name} in {}", path.display()))
    };
    let pvc = find("PersistentVolumeClaim", "pnrpsim-out");
    assert!(
        pvc["spec"]["accessModes"]
            .as_sequence()
            .unwrap()
            .contains(&"ReadWriteMany".into())
    );

    let mounts_out = |job: &Value| {
        let pod = &job["spec"]["template"]["spec"];
        let claim = pod["volumes"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|v| v["persistentVolumeClaim"]["claimName"] == "pnrpsim-out")
            .expect("a volume from the pnrpsim-out claim");
        let c = &pod["containers"][0];
        assert!(
            c["volumeMounts"]
                .as_sequence()
                .unwrap()
                .iter()
                .any(|m| m["name"] == claim["name"] && m["mountPath"] == "/out"),
            "the shared volume is mounted at /out"
        );
        c["command"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };

    let sweep = find("Job", "pnrpsim-sweep");
    assert_eq!(sweep["spec"]["completionMode"], "Indexed");
    let completions = sweep["spec"]["completions"].as_u64().unwrap();
    assert!(completions > 1);
    assert!(sweep["spec"]["parallelism"].as_u64().unwrap() >= 1);
    let command = mounts_out(sweep);
    assert_eq!(command[..2], ["pnrpsim", "sweep"]);
    assert!(command.windows(2).any(|w| w == ["--out", "/out"]));
    let count = sweep["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "PNRPSIM_SHARD_COUNT")
        .expect("PNRPSIM_SHARD_COUNT is set");
    assert_eq!(count["value"], completions.to_string().as_str());

    let merge = find("Job", "pnrpsim-merge");
    assert_eq!(mounts_out(merge), ["pnrpsim", "merge", "/out"]);

    // The scenario shipped in the ConfigMap is valid.
    let scenario = find("ConfigMap", "pnrpsim-scenario")["data"]["study.toml"]
        .as_str()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("study.toml");
    std::fs::write(&file, scenario).unwrap();
    let o = pnrpsim(&["validate", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
}

/// A shard killed midway leaves no shard file for merge to pick up (only
/// its progress journal, see `tests/interrupt.rs`).
#[test]
fn a_killed_shard_leaves_no_file() {
    let (tmp, scenario) = setup();
    let out = tmp.path().join("killed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pnrpsim"))
        .args(["sweep", scenario.to_str().unwrap(), "--threads", "1"])
        .args(["--out", out.to_str().unwrap(), "--shard", "0/3"])
        .args([
            "--set",
            "hosts.count=5000",
            "--set",
            "duration=2h",
            "--no-charts",
        ])
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the shard finished before it could be killed: make its runs longer"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let left: Vec<_> = std::fs::read_dir(&out)
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    // Only its running journal, which merge ignores and a re-run resumes.
    assert!(
        left.iter().all(|n| {
            let n = n.to_string_lossy();
            !n.starts_with("shard-") || n == "shard-0-of-3.progress.log"
        }),
        "{left:?}"
    );
    let o = pnrpsim(&["merge", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("holds no shard journals"), "{}", text(&o));
}
