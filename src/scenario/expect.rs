//! Which sweep point an `[[expect]]` entry addresses: part of the schema,
//! as an entry that names no point of its scenario's sweep is a scenario
//! error reported at load.

use super::Expect;
use super::sweep::{Axis, SweepPlan, numeric_value};

/// Why an entry's point cannot be resolved: the field to blame (`None` for
/// the entry as a whole, when a field is missing) and the message.
pub type PointError = (Option<&'static str>, String);

/// Index in `plan.points` of the point an entry addresses; 0 for a scenario
/// without a sweep, which has a single point.
pub fn point_index(e: &Expect, plan: Option<&SweepPlan>) -> Result<usize, PointError> {
    let Some(plan) = plan else {
        for (field, value) in [("point", &e.point), ("series", &e.series)] {
            if value.is_some() {
                return Err((
                    Some(field),
                    format!(
                        "the scenario has no [sweep], so there is no point to choose: remove `{field}`"
                    ),
                ));
            }
        }
        return Ok(0);
    };
    let value = pick(&plan.axis, e.point.as_ref(), "point", "sweep.values")?;
    let series = match &plan.series {
        Some(axis) => pick(axis, e.series.as_ref(), "series", "sweep.series_values")?,
        None if e.series.is_some() => {
            return Err((
                Some("series"),
                "the sweep has no `series_axis`: remove `series`".to_owned(),
            ));
        }
        None => 0,
    };
    Ok(series * plan.axis.values.len() + value)
}

/// Index of `value` among the axis's values, compared as numbers so that
/// `8` finds `8.0` and `"1h"` finds `"60min"`.
fn pick(
    axis: &Axis,
    value: Option<&toml::Value>,
    field: &'static str,
    list: &str,
) -> Result<usize, PointError> {
    let listed = || {
        axis.values
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(value) = value else {
        return if axis.values.len() == 1 {
            Ok(0)
        } else {
            Err((
                None,
                format!(
                    "which sweep point? add `{field} = ` one of {list} ({})",
                    listed()
                ),
            ))
        };
    };
    let (_, x) = numeric_value(value).map_err(|e| (Some(field), format!("{value} {e}")))?;
    axis.xs.iter().position(|&v| v == x).ok_or_else(|| {
        (
            Some(field),
            format!("{value} is not one of {list} ({})", listed()),
        )
    })
}
