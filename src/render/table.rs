//! The report for people: one table per finding kind, then what could not
//! be judged, then a summary line with counts and the estimated monthly
//! waste.

use crate::findings::{Finding, Kind, Severity};
use crate::report::Report;
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use std::fmt::Write;

pub fn render(r: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut out = super::Out::new(w);
    match &r.cluster {
        Some(c) => {
            let rg = c.node_resource_group.as_deref().map(|g| format!(", node resource group {g}")).unwrap_or_default();
            let _ = writeln!(out, "azaudit {} — cluster '{}'{rg}, from {}", r.command, c.name, c.source);
        }
        None => {
            let _ = writeln!(out, "azaudit {} — no cluster involved", r.command);
        }
    }
    let subs = r.scope.subscriptions.join(", ");
    let _ = writeln!(out, "subscription {subs}; data read {}", r.data_from.strftime("%Y-%m-%d %H:%M:%S UTC"));
    if r.command == crate::report::Audit::Quotas && !r.measurements.is_empty() {
        let _ = writeln!(out, "\nHeadroom, by pressure ({} objects)", r.measurements.len());
        let mut t = Table::new();
        t.load_style(presets::NOTHING).set_content_arrangement(ContentArrangement::Dynamic).set_header(vec![
            "USED",
            "LIMIT",
            "PERCENT",
            "KIND",
            "OBJECT",
            "LIMIT FROM",
        ]);
        if let Some(w) = width() {
            t.set_width(w);
        }
        for m in &r.measurements {
            t.add_row(vec![
                m.used.to_string(),
                m.limit.to_string(),
                format!("{:.1}%", m.percent),
                m.kind.as_str().to_string(),
                m.object.clone(),
                m.limit_source.clone(),
            ]);
        }
        let _ = writeln!(out, "{t}");
    }
    for kind in Kind::all() {
        let mut found: Vec<&Finding> = r.findings.iter().filter(|f| f.kind == kind).collect();
        if found.is_empty() {
            continue;
        }
        // A fleet's findings of a kind come grouped by cluster.
        let by_cluster = |a: &Finding, b: &Finding| match r.fleet.is_empty() {
            true => std::cmp::Ordering::Equal,
            false => a.cluster.cmp(&b.cluster),
        };
        found.sort_by(|a, b| by_cluster(a, b).then(b.severity.cmp(&a.severity)).then_with(|| a.name.cmp(&b.name)));
        let _ = writeln!(out, "\n{} ({}, {})", kind.title(), kind.as_str(), found.len());
        let mut t = Table::new();
        // With more than one subscription, a resource group's name alone
        // does not say where the object is.
        let many = r.scope.subscriptions.len() > 1;
        let fleet = !r.fleet.is_empty();
        let mut header = vec!["SEVERITY", "NAME", "RESOURCE GROUP", "SERVICE", "COST/MO", "AGE", "REASON"];
        if many {
            header.insert(2, "SUBSCRIPTION");
        }
        if fleet {
            header.insert(1, "CLUSTER");
        }
        t.load_style(presets::NOTHING).set_content_arrangement(ContentArrangement::Dynamic).set_header(header);
        if let Some(w) = width() {
            t.set_width(w);
        }
        for f in found {
            let mut name = f.name.clone();
            if let Some(l) = f.locks.first() {
                name.push_str(&format!(" [lock: {}]", l.level));
            }
            let cost = f.cost.as_ref().filter(|c| c.monthly_usd > 0.0).map(|c| format!("~${:.2}", c.monthly_usd));
            let age = f.age_days.map(|d| format!("{d} d")).unwrap_or_else(|| "-".into());
            let mut row = vec![
                severity_cell(f.severity),
                Cell::new(name),
                Cell::new(f.resource_group.as_deref().unwrap_or_default()),
                Cell::new(f.service.as_deref().unwrap_or("-")),
                Cell::new(cost.unwrap_or_else(|| "-".into())),
                Cell::new(age),
                Cell::new(&f.reason),
            ];
            if many {
                row.insert(2, Cell::new(f.subscription.as_deref().unwrap_or_default()));
            }
            if fleet {
                row.insert(1, Cell::new(f.cluster.as_deref().unwrap_or("-")));
            }
            t.add_row(row);
        }
        let _ = writeln!(out, "{t}");
    }
    if !r.suppressed.is_empty() {
        let _ = writeln!(out, "\nSuppressed ({}): counted, not in the verdict", r.suppressed.len());
        for sup in &r.suppressed {
            let f = &sup.finding;
            let until = sup.expires.as_deref().map(|d| format!(", until {d}")).unwrap_or_default();
            let _ = writeln!(out, "  - {} {} — {} ({}{until})", f.kind, f.name, sup.reason, sup.rule);
        }
    }
    if !r.incomplete.is_empty() {
        let _ = writeln!(out, "\nIncomplete — these were not read completely, and nothing was concluded from them:");
        for m in &r.incomplete {
            let _ = writeln!(out, "  - {m}");
        }
    }
    if !r.withheld.is_empty() {
        let _ = writeln!(out, "\nWithheld verdicts:");
        for w in &r.withheld {
            let kinds: Vec<&str> = w.kinds.iter().map(|k| k.as_str()).collect();
            let _ = writeln!(out, "  - {}: {}", kinds.join(", "), w.reason);
        }
    }
    if !r.notes.is_empty() {
        let _ = writeln!(out, "\nNotes:");
        for n in &r.notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
    let _ = write!(out, "\n{}", summary_line(r));
    out.finish()
}

/// "9 findings (1 critical, 6 warning, 2 info); estimated waste ~$42.13/month
/// at list prices; complete" — or "INCOMPLETE".
pub fn summary_line(r: &Report) -> String {
    let by = |s: Severity| r.summary.by_severity.get(&s).copied().unwrap_or(0);
    let counts = if r.summary.findings == 0 {
        "no findings".to_string()
    } else {
        format!(
            "{} finding{} ({} critical, {} warning, {} info)",
            r.summary.findings,
            if r.summary.findings == 1 { "" } else { "s" },
            by(Severity::Critical),
            by(Severity::Warning),
            by(Severity::Info)
        )
    };
    let waste = if r.summary.monthly_waste_usd > 0.0 {
        format!("; estimated waste ~${:.2}/month at public list prices", r.summary.monthly_waste_usd)
    } else {
        String::new()
    };
    let suppressed =
        if r.summary.suppressed > 0 { format!("; {} suppressed", r.summary.suppressed) } else { String::new() };
    let state = if r.complete { "complete" } else { "INCOMPLETE: see above" };
    format!("Summary: {counts}{suppressed}{waste}; {state}")
}

/// The terminal's width when it reports a usable one; otherwise `COLUMNS`,
/// or 160. Always set explicitly, so a terminal that reports 0 columns
/// cannot squeeze the table into one character per column.
fn width() -> Option<u16> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal()
        && let Some(w) = Table::new().width().filter(|w| *w >= 60)
    {
        return Some(w);
    }
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).filter(|w: &u16| *w >= 40).or(Some(160))
}

/// Colour only for a terminal, and never with `NO_COLOR` set (no-color.org).
fn use_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

fn severity_cell(s: Severity) -> Cell {
    let cell = Cell::new(s.as_str());
    if !use_color() {
        return cell;
    }
    match s {
        Severity::Critical => cell.fg(Color::Red),
        Severity::Warning => cell.fg(Color::Yellow),
        Severity::Info => cell.fg(Color::Cyan),
    }
}
