//! RENDERERS: a [`Report`](crate::report::Report) to text. They never
//! decide anything; the same report renders the same way every time.

pub mod json;
pub mod table;

use crate::report::Report;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Grouped by kind, with a summary line (the default on a terminal).
    Table,
    /// The documented `azaudit.report/v1` schema (the default otherwise).
    Json,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
        }
    }
}

pub fn render(report: &Report, format: Format) -> Result<String, String> {
    match format {
        Format::Table => Ok(table::render(report)),
        Format::Json => json::render(report),
    }
}
