//! The report as pretty JSON (`azaudit.report/v1`), streamed: a report
//! with tens of thousands of findings is never held as one string beside
//! the findings themselves.

use crate::report::Report;

pub fn render(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    use std::io::Write;
    // serde_json writes a token at a time: into a buffer of a concrete
    // type those writes are inlined copies, where through `dyn Write` each
    // was a call (a sixth of the JSON report's CPU on 40,000 findings).
    let mut buf = std::io::BufWriter::with_capacity(crate::fsutil::WRITE_BUFFER, w);
    serde_json::to_writer_pretty(&mut buf, report).map_err(std::io::Error::other)?;
    buf.flush()
}
