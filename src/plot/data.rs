//! Reading the sweep's CSV files back for charts.

use anyhow::{Context, anyhow};
use std::path::{Path, PathBuf};

/// A CSV file held as text cells, with typed access by column name.
pub struct Table {
    path: PathBuf,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn read(path: &Path) -> anyhow::Result<Table> {
        let mut reader = csv::Reader::from_path(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let header = reader.headers()?.iter().map(String::from).collect();
        let rows = reader
            .records()
            .map(|r| r.map(|r| r.iter().map(String::from).collect()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("cannot read {}", path.display()))?;
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    /// Index of a column, or an error naming the file.
    pub fn col(&self, name: &str) -> anyhow::Result<usize> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| anyhow!("{} has no column \"{name}\"", self.path.display()))
    }

    /// The axis columns: those between `point` and `next` (see
    /// [`crate::sweep::tables`]). The first is x, the second the series.
    pub fn axis_columns(&self, next: &str) -> anyhow::Result<Vec<usize>> {
        let (start, end) = (self.col("point")? + 1, self.col(next)?);
        if start >= end || end - start > 2 {
            return Err(anyhow!(
                "{}: expected one or two axis columns between \"point\" and \"{next}\"",
                self.path.display()
            ));
        }
        Ok((start..end).collect())
    }

    /// The number in a cell; `None` for an empty cell.
    pub fn num(&self, row: usize, col: usize) -> anyhow::Result<Option<f64>> {
        let text = &self.rows[row][col];
        if text.is_empty() {
            return Ok(None);
        }
        text.parse().map(Some).map_err(|_| {
            anyhow!(
                "{} line {}, column \"{}\": \"{text}\" is not a number",
                self.path.display(),
                row + 2,
                self.header[col]
            )
        })
    }

    /// Like [`Table::num`] for cells that must not be empty.
    pub fn req(&self, row: usize, col: usize) -> anyhow::Result<f64> {
        self.num(row, col)?.ok_or_else(|| {
            anyhow!(
                "{} line {}: column \"{}\" is empty",
                self.path.display(),
                row + 2,
                self.header[col]
            )
        })
    }
}

/// A readable axis name from its CSV column: `hosts.names_per_host` →
/// `names per host`, `pnrp.refresh_interval_s` → `refresh interval`, with
/// the unit (`s`, `B` or none) returned apart.
pub fn axis_name(column: &str) -> (String, Option<&'static str>) {
    let (path, unit) = if let Some(p) = column.strip_suffix("_s") {
        (p, Some("s"))
    } else if let Some(p) = column.strip_suffix("_B") {
        (p, Some("B"))
    } else {
        (column, None)
    };
    let leaf = path.rsplit('.').next().unwrap_or(path);
    (leaf.replace('_', " "), unit)
}

/// `names per host` or `refresh interval (s)`, for an axis label.
pub fn axis_label(column: &str) -> String {
    match axis_name(column) {
        (name, Some(unit)) => format!("{name} ({unit})"),
        (name, None) => name,
    }
}

/// `names per host = 8` or `refresh interval = 3600 s`, for a legend.
pub fn setting_label(column: &str, x: f64) -> String {
    match axis_name(column) {
        (name, Some(unit)) => format!("{name} = {x} {unit}"),
        (name, None) => format!("{name} = {x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_from_columns() {
        assert_eq!(axis_label("hosts.names_per_host"), "names per host");
        assert_eq!(
            axis_label("pnrp.refresh_interval_s"),
            "refresh interval (s)"
        );
        assert_eq!(
            setting_label("pnrp.extended_payload_B", 4000.0),
            "extended payload = 4000 B"
        );
        assert_eq!(setting_label("network.loss", 0.1), "loss = 0.1");
    }

    #[test]
    fn bad_cells_name_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.csv");
        std::fs::write(&path, "point,x,n,a\n0,1,2,\n1,2,2,abc\n").unwrap();
        let t = Table::read(&path).unwrap();
        assert_eq!(t.axis_columns("n").unwrap(), [1]);
        assert_eq!(t.num(0, 3).unwrap(), None);
        let err = t.num(1, 3).unwrap_err().to_string();
        assert!(
            err.ends_with("sweep.csv line 3, column \"a\": \"abc\" is not a number"),
            "{err}"
        );
        assert!(
            t.req(0, 3)
                .unwrap_err()
                .to_string()
                .contains("column \"a\" is empty")
        );
        assert!(
            t.col("zz")
                .unwrap_err()
                .to_string()
                .contains("has no column \"zz\"")
        );
    }
}
