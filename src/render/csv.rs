//! The findings as CSV (`-o csv`, RFC 4180: comma-separated, CRLF line
//! ends, fields quoted when they hold a comma, quote or line break), one
//! row per finding, for spreadsheets and FinOps reviews.
//!
//! The columns are a stable interface, in this order: [`COLUMNS`]. Empty
//! where a finding has no value. `monthly_cost_usd` is a plain number with
//! two decimals (list prices, approximate); `age_days` is whole days since
//! first seen (`--state-file`).
//!
//! A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and
//! some also tab or carriage return) as a formula. Names, tags and reasons
//! come from the cloud, so any such text cell gets a leading `'`, which
//! spreadsheets show as text (OWASP's advice for CSV injection). The
//! numbers are azaudit's own and are never changed.
//!
//! The file starts with a UTF-8 byte-order mark: without it, a spreadsheet
//! opened by double-click reads the text in the system's legacy code page
//! and garbles every non-ASCII character (reasons carry "—" and the source
//! guide's Chinese headings). Python reads it with `encoding="utf-8-sig"`.
//!
//! Suppressed findings are not rows: they are in the JSON and HTML reports.

use crate::report::Report;

/// The header row: the stable column names.
pub const COLUMNS: [&str; 11] = [
    "kind",
    "severity",
    "subscription",
    "resource_group",
    "name",
    "resource_id",
    "service",
    "cluster",
    "monthly_cost_usd",
    "age_days",
    "reason",
];

/// Text that a spreadsheet would run as a formula gets a leading `'`.
pub fn neutralise(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

/// The UTF-8 byte-order mark the file starts with.
pub const BOM: &str = "\u{feff}";

pub fn render(r: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    w.write_all(BOM.as_bytes())?;
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(w);
    out.write_record(COLUMNS)?;
    for f in &r.findings {
        let cost = f.cost.as_ref().map(|c| format!("{:.2}", c.monthly_usd)).unwrap_or_default();
        let age = f.age_days.map(|d| d.to_string()).unwrap_or_default();
        // Text cells are borrowed, copied only when neutralised.
        out.write_record([
            f.kind.as_str(),
            f.severity.as_str(),
            &neutralise(f.subscription.as_deref().unwrap_or("")),
            &neutralise(f.resource_group.as_deref().unwrap_or("")),
            &neutralise(&f.name),
            &neutralise(&f.resource_id.to_string()),
            &neutralise(f.service.as_deref().unwrap_or("")),
            &neutralise(f.cluster.as_deref().unwrap_or("")),
            &cost,
            &age,
            &neutralise(&f.reason),
        ])?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        for s in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(s), format!("'{s}"));
        }
        for s in ["", "pip-1", "a=b", "'quoted", "1.5"] {
            assert_eq!(neutralise(s), s);
        }
    }
}
