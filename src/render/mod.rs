//! RENDERERS: a [`Report`](crate::report::Report) to text. They never
//! decide anything; the same report renders the same way every time.

pub mod json;
pub mod junit;
pub mod prometheus;
pub mod table;

use crate::report::Report;

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
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Prometheus => "prometheus",
            Format::Junit => "junit",
        }
    }
}

pub fn render(report: &Report, format: Format) -> Result<String, String> {
    match format {
        Format::Table => Ok(table::render(report)),
        Format::Json => json::render(report),
        Format::Prometheus => Ok(prometheus::render(report)),
        Format::Junit => junit::render(report),
    }
}
