//! Outputs stay where they were sent, through the real binary: a scenario
//! cannot place files outside the output directory (by its name, or by a
//! symbolic link planted in or under `output/`), and pnrpsim opens no
//! network socket.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_pnrpsim");

const SMALL: &str = r#"
duration = "8min"
warmup = "1min"
[hosts]
count = 40
[sweep]
replications = 2
values = [1, 2]
"#;

/// A working directory `work/` with an empty `outside/` beside it, which
/// must stay empty.
struct Sandbox {
    _tmp: tempfile::TempDir,
    work: PathBuf,
    outside: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        let tmp = tempfile::tempdir().unwrap();
        let work = tmp.path().join("work");
        let outside = tmp.path().join("outside");
        fs::create_dir_all(&work).unwrap();
        fs::create_dir_all(&outside).unwrap();
        Sandbox {
            _tmp: tmp,
            work,
            outside,
        }
    }

    fn scenario(&self, file: &str, name: &str) -> PathBuf {
        let path = self.work.join(file);
        fs::write(&path, format!("name = \"{name}\"\n{SMALL}")).unwrap();
        path
    }

    fn pnrpsim(&self, args: &[&str]) -> (Output, String) {
        let out = Command::new(BIN)
            .args(args)
            .current_dir(&self.work)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stderr).into_owned();
        (out, text)
    }

    fn assert_outside_untouched(&self) {
        let left: Vec<_> = fs::read_dir(&self.outside).unwrap().collect();
        assert!(left.is_empty(), "files appeared outside: {left:?}");
        let parent = self.outside.parent().unwrap();
        let mut names: Vec<String> = fs::read_dir(parent)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["outside", "work"]);
    }
}

#[test]
fn a_scenario_name_cannot_leave_the_output_directory() {
    let sb = Sandbox::new();
    let cases = [
        (
            "../outside",
            "name: must not start with `.` (got `../outside`)",
        ),
        (
            "a/../../outside",
            "name: may contain only letters, digits, `_`, `.` and `-`, as it names the output folder (got `a/../../outside`)",
        ),
    ];
    for (name, why) in cases {
        let file = sb.scenario("escape.toml", name);
        for command in ["run", "sweep"] {
            let (out, err) = sb.pnrpsim(&[command, file.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(2), "{command} {name}: {err}");
            assert_eq!(err, format!("error: {}:1:8: {why}\n", file.display()));
        }
    }
    // The same through --set, with an absolute path.
    let file = sb.scenario("ok.toml", "ok");
    let absolute = format!("name={}", sb.outside.display());
    let (out, err) = sb.pnrpsim(&["run", file.to_str().unwrap(), "--set", &absolute]);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!("error: --set {absolute}: name: may contain only")),
        "{err}"
    );
    sb.assert_outside_untouched();
    assert!(!sb.work.join("output").exists());
}

#[cfg(unix)]
#[test]
fn a_symlinked_output_folder_is_refused() {
    let sb = Sandbox::new();
    fs::create_dir(sb.work.join("output")).unwrap();
    std::os::unix::fs::symlink(&sb.outside, sb.work.join("output/linked")).unwrap();
    let file = sb.scenario("linked.toml", "linked");
    for command in ["run", "sweep"] {
        let (out, err) = sb.pnrpsim(&[command, file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(
            err,
            format!(
                "error: output/linked is a symbolic link (to {}): outputs stay inside output/, so remove the link or choose a directory with --out\n",
                sb.outside.display()
            )
        );
    }
    sb.assert_outside_untouched();
}

#[cfg(unix)]
#[test]
fn links_inside_the_output_directory_are_never_written_through() {
    let sb = Sandbox::new();
    let file = sb.scenario("small.toml", "small");
    let out_dir = sb.work.join("out");
    fs::create_dir(&out_dir).unwrap();
    let decoy = sb.outside.join("decoy.txt");
    for name in ["summary.csv", "runs.csv"] {
        std::os::unix::fs::symlink(&decoy, out_dir.join(name)).unwrap();
    }
    let out = out_dir.to_str().unwrap();
    let (status, err) = sb.pnrpsim(&["run", file.to_str().unwrap(), "--out", out]);
    assert!(status.status.success(), "{err}");
    let (status, err) = sb.pnrpsim(&["sweep", file.to_str().unwrap(), "--out", out, "--no-charts"]);
    assert!(status.status.success(), "{err}");
    for name in ["summary.csv", "runs.csv"] {
        let meta = fs::symlink_metadata(out_dir.join(name)).unwrap();
        assert!(
            meta.file_type().is_file(),
            "{name} was replaced by a plain file"
        );
    }
    sb.assert_outside_untouched();

    // The journal is appended to in place, so a link there is refused.
    let other = sb.work.join("other");
    fs::create_dir(&other).unwrap();
    std::os::unix::fs::symlink(&decoy, other.join("sweep-journal.log")).unwrap();
    let (status, err) = sb.pnrpsim(&[
        "sweep",
        file.to_str().unwrap(),
        "--out",
        other.to_str().unwrap(),
    ]);
    assert_eq!(status.status.code(), Some(2), "{err}");
    assert!(err.ends_with("sweep-journal.log is a symbolic link: pnrpsim writes only plain files inside the output directory (remove the link)\n"), "{err}");
    sb.assert_outside_untouched();
}

/// Network system calls (`socket`, `connect`, `bind`, …) that `strace`
/// saw `command` make, or `None` if strace cannot be used here.
fn network_calls(dir: &Path, command: &[&str]) -> Option<Vec<String>> {
    let trace = dir.join(format!("trace-{}", command.len()));
    Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=network", "-o"])
        .arg(&trace)
        .args(command)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    let text = fs::read_to_string(&trace).ok()?;
    Some(
        text.lines()
            .filter(|l| !l.contains("+++ exited") && !l.contains("--- SIG"))
            .map(str::to_owned)
            .collect(),
    )
}

#[test]
fn pnrpsim_opens_no_network_socket() {
    let sb = Sandbox::new();
    // Can strace trace here at all (installed, ptrace allowed)?
    let usable = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=network", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !usable {
        eprintln!(
            "SKIPPED pnrpsim_opens_no_network_socket: strace is not installed or cannot trace here (.ci/run installs it with apt-get)"
        );
        return;
    }
    // The trace must see a socket when there is one: bash opening a TCP
    // connection to the loopback discard port (refused or not, `socket` and
    // `connect` are called).
    let probe = network_calls(
        &sb.work,
        &["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9 || true"],
    )
    .expect("strace ran");
    assert!(
        probe.iter().any(|l| l.contains("socket(")),
        "strace did not see the probe's socket: {probe:?}"
    );

    let file = sb.scenario("small.toml", "small");
    let file = file.to_str().unwrap();
    for command in [
        vec![BIN, "run", file, "--out", "run-out"],
        vec![BIN, "sweep", file, "--out", "sweep-out", "--threads", "2"],
        vec![BIN, "validate", file],
    ] {
        let calls = network_calls(&sb.work, &command).expect("strace ran");
        assert!(
            calls.is_empty(),
            "{command:?} made network calls: {calls:?}"
        );
    }
    assert!(sb.work.join("run-out/summary.csv").is_file());
    assert!(sb.work.join("sweep-out/bandwidth_linear.png").is_file());
}
