//! Charts drawn from the CSV files of synthetic sweeps.

use crate::plot::plot_dir;
use crate::sweep::tables::RUNS_CSV;
use crate::sweep::tests::{scenario, sweep_into};
use std::fs;
use std::path::{Path, PathBuf};

fn stems(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// Every PNG decodes to the chart size and every SVG is text with the
/// chart's title in the embedded font's family.
fn check_files(files: &[PathBuf], scenario: &str) {
    for f in files {
        let bytes = fs::read(f).unwrap();
        assert!(!bytes.is_empty(), "{} is empty", f.display());
        match f.extension().unwrap().to_str().unwrap() {
            "png" => {
                let mut reader = png::Decoder::new(bytes.as_slice()).read_info().unwrap();
                let mut buf = vec![0; reader.output_buffer_size()];
                let info = reader.next_frame(&mut buf).unwrap();
                assert_eq!(
                    (info.width, info.height),
                    (super::super::chart::WIDTH, super::super::chart::HEIGHT)
                );
                // Not a blank canvas: a fair share of non-white pixels.
                let ink = buf.chunks(3).filter(|p| p.iter().any(|&c| c < 200)).count();
                assert!(
                    ink > 5000,
                    "{} looks blank ({ink} dark pixels)",
                    f.display()
                );
            }
            "svg" => {
                let text = String::from_utf8(bytes).unwrap();
                assert!(text.starts_with("<svg"), "{}", f.display());
                assert!(
                    text.contains(&format!("{scenario}: ")),
                    "{} has no title",
                    f.display()
                );
                assert!(text.contains(super::super::FONT), "{}", f.display());
            }
            other => panic!("unexpected chart file {other}"),
        }
    }
}

fn sweep_and_plot(dir: &Path, sweep: &str) -> Vec<PathBuf> {
    sweep_into(dir, &scenario(sweep), 2);
    // The charts need nothing but the summary files.
    fs::remove_file(dir.join(RUNS_CSV)).unwrap();
    plot_dir(dir).unwrap()
}

#[test]
fn every_chart_renders_from_csv_as_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let files = sweep_and_plot(dir.path(), "replications = 3");
    let mut names = stems(&files);
    names.sort();
    let want: Vec<String> = [
        "bandwidth_linear",
        "bandwidth_loglog",
        "by_reason",
        "cloud_series",
        "hops_vs_registrations",
        "host_cdf",
    ]
    .iter()
    .flat_map(|s| [format!("{s}.png"), format!("{s}.svg")])
    .collect();
    assert_eq!(names, want);
    check_files(&files, "synthetic");
    // The analytic estimate of sweep.csv is drawn (dashed) on the upload charts.
    for chart in ["bandwidth_linear.svg", "bandwidth_loglog.svg"] {
        let svg = fs::read_to_string(dir.path().join(chart)).unwrap();
        assert!(svg.contains("analytic estimate"), "{chart}");
    }

    // Given a file of the sweep instead of its directory, the same charts.
    let again = plot_dir(&dir.path().join("sweep.csv")).unwrap();
    assert_eq!(again, files);
}

#[test]
fn a_grid_gets_one_stack_per_series_value() {
    let dir = tempfile::tempdir().unwrap();
    let files = sweep_and_plot(
        dir.path(),
        "replications = 2\nvalues = [1, 4, 16]\nseries_axis = \"network.loss\"\nseries_values = [0.0, 0.3]",
    );
    let names = stems(&files);
    assert!(
        names.contains(&"by_reason_0.png".to_string())
            && names.contains(&"by_reason_1.svg".to_string())
    );
    check_files(&files, "synthetic");
    let svg = fs::read_to_string(dir.path().join("bandwidth_loglog.svg")).unwrap();
    assert!(
        svg.contains("mean, loss = 0.3"),
        "legend names the series value"
    );
}

#[test]
fn plotting_a_directory_without_a_sweep_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = plot_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("has no sweep.csv"), "{err}");
}
