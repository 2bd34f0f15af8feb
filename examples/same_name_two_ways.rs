//! Draws the README's chart of `scenarios/same-name-two-ways.toml`: per-host
//! upload of identity export and of a peer group against k, the computers
//! per person, from one `pnrpsim compare` per k:
//!
//! ```sh
//! for k in 2 3 5 10; do
//!   pnrpsim compare scenarios/same-name-two-ways.toml \
//!     --set hosts.shared_name_hosts=$k --out output/same-name-two-ways/k$k
//! done
//! cargo run --release --example same_name_two_ways -- output/same-name-two-ways docs/img
//! ```
//!
//! Prints each k's means and the ratio group ÷ identity with its 95 %
//! confidence interval (paired replications).

use pnrpsim::plot::{Axis, Chart, Curve, Marker, Scale, color, lighten, render};
use std::path::Path;

const KS: [u32; 4] = [2, 3, 5, 10];

/// (mean, ci low, ci high, ratio, ratio low, ratio high) of `metric` for
/// `design` in one compare.csv.
fn row(csv: &Path, design: &str, metric: &str) -> anyhow::Result<[f64; 6]> {
    let mut r = csv::Reader::from_path(csv)?;
    for rec in r.records() {
        let rec = rec?;
        if &rec[0] == design && &rec[1] == metric {
            let f = |i: usize| rec[i].parse::<f64>().unwrap_or(f64::NAN);
            return Ok([f(3), f(4), f(5), f(6), f(7), f(8)]);
        }
    }
    anyhow::bail!("{}: no row for {design} {metric}", csv.display())
}

fn curve(
    label: &str,
    c: plotters::style::RGBColor,
    dashed: bool,
    pts: &[(f64, [f64; 6])],
) -> Curve {
    Curve {
        label: label.to_string(),
        color: c,
        width: 3,
        dashed,
        marker: Marker::Circle,
        points: pts.iter().map(|(k, v)| (*k, v[0])).collect(),
        errors: pts.iter().map(|(k, v)| (*k, v[1], v[2])).collect(),
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(out)) = (args.get(1), args.get(2)) else {
        anyhow::bail!("usage: same_name_two_ways <compare dirs parent> <chart dir>");
    };
    let mut identity = Vec::new();
    let mut group = Vec::new();
    let mut group_pnrp = Vec::new();
    println!("k  identity B/s  group B/s (PNRP + graph)  group ÷ identity (95% CI)");
    for k in KS {
        let csv = Path::new(input).join(format!("k{k}")).join("compare.csv");
        let i = row(&csv, "identity", "up_total_B_per_s")?;
        let g = row(&csv, "group", "up_total_B_per_s")?;
        let p = row(&csv, "group", "up_B_per_s")?;
        println!(
            "{k:<2} {:>12.2}  {:>8.2} ({:.2} + {:.2})  {:.2} [{:.2}, {:.2}]",
            i[0],
            g[0],
            p[0],
            g[0] - p[0],
            g[3],
            g[4],
            g[5]
        );
        identity.push((f64::from(k), i));
        group.push((f64::from(k), g));
        group_pnrp.push((f64::from(k), p));
    }
    let chart = Chart {
        title: "same-name-two-ways: upload per host vs computers per person".to_string(),
        x: Axis {
            label: "computers per person (k)".to_string(),
            scale: Scale::Linear,
            include_zero: true,
        },
        y: Axis {
            label: "upload per host (B/s), mean, 95% CI".to_string(),
            scale: Scale::Linear,
            include_zero: true,
        },
        bands: Vec::new(),
        curves: vec![
            curve("identity export (PNRP)", color(0), false, &identity),
            curve("peer group: PNRP + graph", color(1), false, &group),
            curve(
                "peer group: its PNRP part",
                lighten(color(1), 0.45),
                true,
                &group_pnrp,
            ),
        ],
    };
    if let Some([png, _]) = render(&chart, Path::new(out), "same_name_two_ways")? {
        println!("wrote {}", png.display());
    }
    Ok(())
}
