use super::*;
use std::fs;

fn id(hash: u64) -> Identity {
    Identity {
        version: "0.1.0".into(),
        scenario_hash: hash,
    }
}

fn record(point: usize, replication: u32) -> RunRecord {
    RunRecord {
        point,
        replication,
        run_seed: 0xdead_beef_0000 + point as u64,
        values: vec![
            Some(1.5),
            None,
            Some(1e-7),
            Some(123_456_789.123_456_78),
            Some(0.1 + 0.2),
        ],
        host_up: (replication == 0).then(|| vec![0.5, 1.0 / 3.0, 7e21]),
        cloud_series: (point == 0).then(|| vec![(600.0, 12.25), (660.0, 1.0 / 7.0)]),
    }
}

fn journal_text(dir: &Path) -> String {
    fs::read_to_string(dir.join(JOURNAL_FILE)).unwrap()
}

#[test]
fn finished_runs_come_back_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let first = Journal::open(dir.path(), &id(7), false).unwrap();
    assert!(first.done.is_empty());
    let runs = [record(0, 0), record(0, 1), record(3, 0)];
    for r in &runs {
        first.journal.started(r.point, r.replication).unwrap();
        first.journal.finished(r).unwrap();
    }
    first.journal.started(2, 1).unwrap(); // never finishes
    let empty = RunRecord {
        host_up: Some(Vec::new()),
        ..record(5, 0)
    };
    first.journal.finished(&empty).unwrap();
    drop(first);

    let again = Journal::open(dir.path(), &id(7), true).unwrap();
    assert_eq!(
        again.done,
        [runs[0].clone(), runs[1].clone(), runs[2].clone(), empty]
    );
    assert_eq!(again.unfinished, 1);
    for line in journal_text(dir.path()).lines() {
        assert!(
            !line.is_empty() && line.split('\t').count() >= 2,
            "{line:?}"
        );
    }
}

#[test]
fn a_torn_last_line_is_cut_off_and_appending_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let o = Journal::open(dir.path(), &id(1), false).unwrap();
    o.journal.finished(&record(0, 0)).unwrap();
    drop(o);
    let whole = journal_text(dir.path());
    // A kill in the middle of appending the second record.
    let torn = done_line(&record(1, 0));
    fs::write(
        dir.path().join(JOURNAL_FILE),
        format!("{whole}{}", &torn[..torn.len() / 2]),
    )
    .unwrap();

    let o = Journal::open(dir.path(), &id(1), true).unwrap();
    assert_eq!(o.done, [record(0, 0)]);
    assert_eq!(journal_text(dir.path()), whole, "the torn tail is removed");
    o.journal.finished(&record(1, 0)).unwrap();
    drop(o);
    let o = Journal::open(dir.path(), &id(1), true).unwrap();
    assert_eq!(o.done, [record(0, 0), record(1, 0)]);
}

/// Issue #16, D1–D2: a full disk cut one record short and the next one
/// was appended onto it; resuming then refused the whole journal and said
/// to delete it. Every valid record before and after the damage is kept,
/// the damaged lines are named, and the journal is cut back to its valid
/// records so that appending goes on cleanly.
#[test]
fn a_damaged_line_is_dropped_and_named_and_every_valid_record_kept() {
    let dir = tempfile::tempdir().unwrap();
    let o = Journal::open(dir.path(), &id(1), false).unwrap();
    o.journal.finished(&record(0, 0)).unwrap();
    o.journal.finished(&record(1, 0)).unwrap();
    drop(o);
    let text = journal_text(dir.path()).replacen("\t1.5,", "\t1.6,", 1);
    // A record torn by a full disk, then the next one merged onto it.
    let torn = done_line(&record(2, 0));
    let merged = format!(
        "{text}{}{}",
        &torn[..torn.len() / 2],
        done_line(&record(3, 0))
    );
    let after = done_line(&record(4, 0));
    fs::write(dir.path().join(JOURNAL_FILE), format!("{merged}{after}")).unwrap();
    let o = Journal::open(dir.path(), &id(1), true).unwrap();
    assert_eq!(o.done, [record(1, 0), record(4, 0)]);
    assert_eq!(
        o.dropped,
        ["line 2: checksum mismatch", "line 4: checksum mismatch"]
    );
    o.journal.finished(&record(0, 0)).unwrap();
    drop(o);
    let o = Journal::open(dir.path(), &id(1), true).unwrap();
    assert_eq!(o.done, [record(1, 0), record(4, 0), record(0, 0)]);
    assert!(o.dropped.is_empty(), "{:?}", o.dropped);
}

#[test]
fn a_damaged_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let o = Journal::open(dir.path(), &id(1), false).unwrap();
    o.journal.finished(&record(0, 0)).unwrap();
    drop(o);
    let text = journal_text(dir.path()).replacen("pnrpsim-journal", "pnrpsim-journax", 1);
    fs::write(dir.path().join(JOURNAL_FILE), text).unwrap();
    let err = Journal::open(dir.path(), &id(1), true)
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with("is damaged (line 1: checksum mismatch); remove it to start the sweep over"),
        "{err}"
    );
}

#[test]
fn resuming_needs_the_same_scenario_and_version() {
    let dir = tempfile::tempdir().unwrap();
    let o = Journal::open(dir.path(), &id(1), false).unwrap();
    o.journal.finished(&record(0, 0)).unwrap();
    drop(o);
    let err = Journal::open(dir.path(), &id(2), true)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("cannot resume: "), "{err}");
    assert!(
        err.contains(
            "belongs to another scenario (hash 0000000000000001, this one 0000000000000002)"
        ),
        "{err}"
    );
    let newer = Identity {
        version: "9.9.9".into(),
        ..id(1)
    };
    let err = Journal::open(dir.path(), &newer, true)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("was written by pnrpsim 0.1.0, this is 9.9.9"),
        "{err}"
    );
    // Refusals change nothing.
    assert_eq!(
        Journal::open(dir.path(), &id(1), true).unwrap().done.len(),
        1
    );
}

#[test]
fn finished_work_is_not_dropped_without_resume_unless_complete() {
    let dir = tempfile::tempdir().unwrap();
    let o = Journal::open(dir.path(), &id(1), false).unwrap();
    o.journal.finished(&record(0, 0)).unwrap();
    drop(o);
    for other in [1, 2] {
        let err = Journal::open(dir.path(), &id(other), false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "holds an unfinished sweep (runs done: 1): add --resume to continue it, or remove"
            ),
            "{err}"
        );
    }
    let o = Journal::open(dir.path(), &id(1), true).unwrap();
    o.journal.complete().unwrap();
    drop(o);
    // A complete sweep is simply run again.
    let o = Journal::open(dir.path(), &id(1), false).unwrap();
    assert!(o.done.is_empty());
    assert_eq!(journal_text(dir.path()), header(&id(1)));
}

#[test]
fn a_second_sweep_into_the_same_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _first = Journal::open(dir.path(), &id(1), false).unwrap();
    let err = Journal::open(dir.path(), &id(1), true)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("another pnrpsim sweep is writing into "),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_link_in_place_of_the_journal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside.txt");
    fs::write(&outside, "precious\n").unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    std::os::unix::fs::symlink(&outside, out.join(JOURNAL_FILE)).unwrap();
    let err = Journal::open(&out, &id(1), false).unwrap_err().to_string();
    assert!(err.ends_with("is a symbolic link: pnrpsim writes only plain files inside the output directory (remove the link)"), "{err}");
    assert_eq!(fs::read_to_string(&outside).unwrap(), "precious\n");
}

#[test]
fn the_scenario_hash_sees_every_parameter() {
    let base = Scenario::default();
    let mut other = base.clone();
    other.pnrp.retries += 1;
    let mut swept = base.clone();
    swept.sweep = Some(crate::sweep::SweepSpec::default());
    let hashes = [&base, &other, &swept].map(|s| scenario_hash(s).unwrap());
    assert_eq!(hashes[0], scenario_hash(&base.clone()).unwrap());
    assert_ne!(hashes[0], hashes[1]);
    assert_ne!(hashes[0], hashes[2]);
}
