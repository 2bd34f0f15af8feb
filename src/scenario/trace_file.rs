//! `churn.trace`: finding the trace file next to the scenario, reading it,
//! and reporting its problems at the trace's own line and column.

use super::load::{ScenarioError, io_reason};
use super::model::Scenario;
use crate::workload::trace::SessionTrace;
use std::path::Path;

/// Resolves the scenario's `churn.trace` against the directory of the
/// scenario file `origin` and checks the trace; returns the scenario with
/// the trace's absolute path, so that sweep points, designs and re-loads
/// from elsewhere find the same file.
pub fn resolve(mut scenario: Scenario, origin: &str) -> Result<Scenario, ScenarioError> {
    let Some(written) = scenario.churn.trace.clone() else {
        return Ok(scenario);
    };
    let at_scenario = |message: String| ScenarioError {
        origin: origin.to_owned(),
        position: None,
        path: "churn.trace".to_owned(),
        message,
    };
    if written.trim().is_empty() {
        return Err(at_scenario(
            "must name a trace file (`host,up,down` sessions, or a Failure Trace Archive event trace)".to_owned(),
        ));
    }
    let base = Path::new(origin).parent().unwrap_or(Path::new(""));
    let path = base.join(&written);
    let path = std::fs::canonicalize(&path).map_err(|e| {
        at_scenario(format!(
            "cannot read the trace `{}`: {}",
            path.display(),
            io_reason(&e)
        ))
    })?;
    let trace = load(&path)?;
    if trace.hosts.len() > scenario.hosts.count as usize {
        return Err(at_scenario(format!(
            "the trace has {} hosts, more than `hosts.count` ({}); each trace host is one simulated host",
            trace.hosts.len(),
            scenario.hosts.count
        )));
    }
    scenario.churn.trace = Some(path.display().to_string());
    Ok(scenario)
}

/// Reads and parses the trace at `path`.
pub fn load(path: &Path) -> Result<SessionTrace, ScenarioError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        origin: origin.clone(),
        position: None,
        path: String::new(),
        message: format!("cannot read the trace: {}", io_reason(&e)),
    })?;
    SessionTrace::parse(&text).map_err(|e| ScenarioError {
        origin,
        position: Some((e.line, e.column)),
        path: String::new(),
        message: e.message,
    })
}
