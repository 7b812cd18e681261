//! The report as pretty JSON (`azaudit.report/v1`), streamed: a report
//! with tens of thousands of findings is never held as one string beside
//! the findings themselves.

use crate::report::Report;

pub fn render(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(w, report).map_err(std::io::Error::other)
}
