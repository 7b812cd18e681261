//! The report as pretty JSON (`azaudit.report/v1`).

use crate::report::Report;

pub fn render(report: &Report) -> Result<String, String> {
    let mut s = serde_json::to_string_pretty(report).map_err(|e| format!("cannot encode the report: {e}"))?;
    s.push('\n');
    Ok(s)
}
