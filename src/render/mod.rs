//! RENDERERS: a [`Report`](crate::report::Report) to text, written
//! straight into a `Write` (a file, stdout), never built as one string
//! first. They never decide anything; the same report renders the same way
//! every time. Each writes its whole document: the text formats end with
//! a newline, CSV with its CRLF record end (no empty record after it).

pub mod csv;
pub mod html;
pub mod json;
pub mod junit;
pub mod prometheus;
pub mod table;

use crate::report::Report;
use std::{fmt, io};

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Grouped by kind, with a summary line (the default on a terminal).
    Table,
    /// The documented `azaudit.report/v1` schema (the default otherwise).
    Json,
    /// Prometheus text format, for a textfile collector or a Pushgateway.
    Prometheus,
    /// JUnit XML: a suite per check, a failing case per finding.
    Junit,
    /// One self-contained HTML page: summary, charts, filterable findings.
    Html,
    /// One row per finding (RFC 4180), for spreadsheets.
    Csv,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Prometheus => "prometheus",
            Format::Junit => "junit",
            Format::Html => "html",
            Format::Csv => "csv",
        }
    }
}

/// Write the report in `format` into `w`.
pub fn render(report: &Report, format: Format, w: &mut dyn io::Write) -> io::Result<()> {
    match format {
        Format::Table => table::render(report, w)?,
        Format::Json => json::render(report, w)?,
        Format::Prometheus => prometheus::render(report, w)?,
        Format::Junit => junit::render(report, w)?,
        // These end their documents themselves (CSV with its CRLF).
        Format::Html => return html::render(report, w),
        Format::Csv => return csv::render(report, w),
    }
    w.write_all(b"\n")
}

/// `fmt::Write` over an `io::Write` that keeps the first I/O error: the
/// text renderers format line by line straight into the output, and the
/// error (a closed pipe, a full disk) comes back from [`Out::finish`].
pub struct Out<'a> {
    w: &'a mut dyn io::Write,
    err: Option<io::Error>,
}

impl<'a> Out<'a> {
    pub fn new(w: &'a mut dyn io::Write) -> Out<'a> {
        Out { w, err: None }
    }

    pub fn finish(self) -> io::Result<()> {
        self.err.map_or(Ok(()), Err)
    }
}

impl fmt::Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.err.is_some() {
            return Err(fmt::Error);
        }
        self.w.write_all(s.as_bytes()).map_err(|e| {
            self.err = Some(e);
            fmt::Error
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first write error comes back; nothing is written after it.
    #[test]
    fn out_keeps_the_first_error() {
        struct Full(usize);
        impl io::Write for Full {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"));
                }
                self.0 -= 1;
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut w = Full(1);
        let mut out = Out::new(&mut w);
        use std::fmt::Write;
        assert!(write!(out, "one").is_ok());
        assert!(write!(out, "two").is_err());
        assert!(write!(out, "three").is_err());
        assert_eq!(out.finish().unwrap_err().kind(), io::ErrorKind::BrokenPipe);
        let mut buf = Vec::new();
        let mut out = Out::new(&mut buf);
        let _ = write!(out, "ok");
        assert!(out.finish().is_ok());
        assert_eq!(buf, b"ok");
    }
}
