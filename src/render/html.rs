//! The report as one self-contained HTML page (`-o html`): for people who
//! are not at a terminal, and safe to attach to a ticket.
//!
//! - Nothing is fetched: no fonts, scripts, styles or images from anywhere.
//!   The page's Content-Security-Policy says so to the browser too
//!   (`default-src 'none'`: no images, fonts or connections either), and
//!   lets only this page's own style and script
//!   run, by their SHA-256 hashes: even a string that escaped escaping
//!   could not run.
//! - Every text from the cloud or the cluster (names, tags, reasons,
//!   evidence) goes through [`Esc`]; nothing is ever written raw.
//! - The charts are inline SVG drawn here; filtering and search are a small
//!   script over the rendered rows, so they work from a file, offline. The
//!   filters also read the address's fragment
//!   (`#severity=critical&kind=lb-idle&q=text`), so a filtered view can be
//!   linked to.
//! - Headings in order, table headers with scopes, labelled controls,
//!   contrast of at least 4.5:1 for text, and a print style that hides the
//!   controls and opens every evidence list.

use super::Out;
use crate::findings::{Finding, Kind, Severity};
use crate::report::Report;
use base64::Engine;
use std::collections::BTreeMap;
use std::fmt::{self, Write};

/// Text escaped for HTML element content and quoted attribute values.
pub struct Esc<'a>(pub &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

/// `'sha256-…'` of an inline block, as the Content-Security-Policy wants it.
pub fn csp_hash(text: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest.as_ref()))
}

pub fn render(r: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut out = Out::new(w);
    // Formatting into `Out` fails only when the writer did; `finish` says how.
    let _ = page(r, &mut out);
    out.finish()
}

fn page(r: &Report, o: &mut dyn Write) -> fmt::Result {
    let cluster = r.cluster.as_ref().map(|c| c.name.as_str());
    writeln!(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">")?;
    writeln!(o, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")?;
    writeln!(
        o,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src {}; script-src {}; base-uri 'none'; form-action 'none'\">",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    )?;
    writeln!(
        o,
        "<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"generator\" content=\"azaudit {}\">",
        Esc(&r.azaudit_version)
    )?;
    write!(o, "<title>azaudit {}", r.command)?;
    if let Some(c) = cluster {
        write!(o, " · {}", Esc(c))?;
    }
    writeln!(
        o,
        " · {}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        r.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    )?;
    header(r, o)?;
    writeln!(o, "<main>")?;
    banner(r, o)?;
    summary(r, o)?;
    charts(r, o)?;
    findings(r, o)?;
    suppressed(r, o)?;
    withheld_and_notes(r, o)?;
    measurements(r, o)?;
    credentials(r, o)?;
    writeln!(o, "</main>")?;
    footer(r, o)?;
    writeln!(o, "<script>{SCRIPT}</script>\n</body>\n</html>")
}

fn header(r: &Report, o: &mut dyn Write) -> fmt::Result {
    writeln!(o, "<header>\n<h1>azaudit {} report</h1>\n<dl class=\"meta\">", r.command)?;
    let mut clusters: Vec<String> = Vec::new();
    for c in r.cluster.iter().chain(&r.fleet) {
        let mut s = c.name.clone();
        if let Some(l) = c.label.as_ref().filter(|l| **l != c.name) {
            s.push_str(&format!(" ({l})"));
        }
        if let Some(rg) = &c.node_resource_group {
            s.push_str(&format!(", node resource group {rg}"));
        }
        s.push_str(&format!(", read from {}", c.source));
        clusters.push(s);
    }
    if clusters.is_empty() {
        clusters.push("none (this audit read no cluster)".into());
    }
    write!(o, "<dt>{}</dt><dd>", if clusters.len() > 1 { "Clusters" } else { "Cluster" })?;
    list_or_line(o, &clusters)?;
    writeln!(o, "</dd>")?;
    let subs = &r.scope.subscriptions;
    write!(o, "<dt>Scope</dt><dd>")?;
    match subs.len() {
        0 => write!(o, "no subscription")?,
        1 => write!(o, "subscription <code>{}</code>", Esc(&subs[0]))?,
        n => write!(o, "{n} subscriptions")?,
    }
    if !r.scope.resource_groups.is_empty() {
        write!(o, ", resource groups ")?;
        for (i, g) in r.scope.resource_groups.iter().enumerate() {
            write!(o, "{}<code>{}</code>", if i > 0 { ", " } else { "" }, Esc(g))?;
        }
    }
    for d in &r.scope.discovery {
        write!(o, "; found through {} ({} subscriptions)", Esc(&d.from), d.found)?;
    }
    writeln!(o, "</dd>")?;
    writeln!(
        o,
        "<dt>Generated</dt><dd><time datetime=\"{0}\">{1}</time></dd>\n<dt>Data read</dt><dd><time datetime=\"{2}\">{3}</time></dd>",
        r.generated_at,
        r.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        r.data_from,
        r.data_from.strftime("%Y-%m-%d %H:%M:%S UTC")
    )?;
    writeln!(o, "<dt>azaudit</dt><dd>{}</dd>", Esc(&r.azaudit_version))?;
    let state = if r.complete {
        "<span class=\"ok\">complete</span>: every list was read and every verdict made"
    } else {
        "<span class=\"bad\">incomplete</span>: see below for what is missing"
    };
    writeln!(o, "<dt>Completeness</dt><dd id=\"completeness\">{state}</dd>\n</dl>\n</header>")
}

fn list_or_line(o: &mut dyn Write, items: &[String]) -> fmt::Result {
    if let [one] = items {
        return write!(o, "{}", Esc(one));
    }
    write!(o, "<ul>")?;
    for i in items {
        write!(o, "<li>{}</li>", Esc(i))?;
    }
    write!(o, "</ul>")
}

fn banner(r: &Report, o: &mut dyn Write) -> fmt::Result {
    if r.complete {
        return Ok(());
    }
    writeln!(
        o,
        "<section class=\"banner\" role=\"alert\" aria-labelledby=\"banner-h\">\n<h2 id=\"banner-h\">This run was incomplete</h2>\n<p>Some data could not be read. No verdict was drawn from it: the findings below are sound, but there may be more.</p>"
    )?;
    if !r.incomplete.is_empty() {
        writeln!(o, "<h3>Missing</h3>\n<ul>")?;
        for m in &r.incomplete {
            writeln!(o, "<li>{}</li>", Esc(m))?;
        }
        writeln!(o, "</ul>")?;
    }
    if !r.withheld.is_empty() {
        writeln!(o, "<h3>Withheld verdicts</h3>\n<ul>")?;
        for w in &r.withheld {
            writeln!(o, "<li><strong>{}</strong>: {}</li>", kinds_text(&w.kinds), Esc(&w.reason))?;
        }
        writeln!(o, "</ul>")?;
    }
    writeln!(o, "</section>")
}

fn kinds_text(kinds: &[Kind]) -> String {
    kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
}

fn usd(v: f64) -> String {
    let cents = (v * 100.0).round() as i64;
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let (whole, frac) = (cents / 100, cents % 100);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}${grouped}.{frac:02}")
}

fn summary(r: &Report, o: &mut dyn Write) -> fmt::Result {
    let s = &r.summary;
    let sev = |v: Severity| s.by_severity.get(&v).copied().unwrap_or(0);
    writeln!(o, "<section aria-labelledby=\"summary-h\">\n<h2 id=\"summary-h\">Summary</h2>\n<div class=\"cards\">")?;
    let card = |o: &mut dyn Write, id: &str, class: &str, label: &str, value: &str| {
        writeln!(
            o,
            "<div class=\"card {class}\"><div class=\"label\">{label}</div><div class=\"value\" id=\"{id}\">{value}</div></div>"
        )
    };
    card(o, "count-findings", "", "Findings", &s.findings.to_string())?;
    card(o, "count-critical", "critical", "Critical", &sev(Severity::Critical).to_string())?;
    card(o, "count-warning", "warning", "Warning", &sev(Severity::Warning).to_string())?;
    card(o, "count-info", "info", "Info", &sev(Severity::Info).to_string())?;
    card(o, "waste", "", "Estimated monthly waste", &usd(s.monthly_waste_usd))?;
    card(o, "count-suppressed", "", "Suppressed", &s.suppressed.to_string())?;
    writeln!(o, "</div>")?;
    if s.monthly_waste_usd > 0.0 {
        writeln!(
            o,
            "<p class=\"fine\">Waste is estimated from public list prices in USD; real bills depend on region, agreements and currency.</p>"
        )?;
    }
    if !s.by_cluster.is_empty() {
        writeln!(
            o,
            "<table class=\"small\"><caption>Findings by cluster</caption><thead><tr><th scope=\"col\">Cluster</th><th scope=\"col\">Findings</th></tr></thead><tbody>"
        )?;
        for (c, n) in &s.by_cluster {
            writeln!(o, "<tr><td>{}</td><td class=\"num\">{n}</td></tr>", Esc(c))?;
        }
        writeln!(o, "</tbody></table>")?;
    }
    writeln!(o, "</section>")
}

// ---- charts -------------------------------------------------------------

const CHART_W: f64 = 760.0;
const LABEL_W: f64 = 300.0;
const BAR_H: f64 = 22.0;
const GAP: f64 = 6.0;
/// The quota chart shows the most pressed objects; the table has them all.
const QUOTA_BARS: usize = 25;
const CREDENTIAL_BARS: usize = 40;

fn charts(r: &Report, o: &mut dyn Write) -> fmt::Result {
    writeln!(o, "<section aria-labelledby=\"charts-h\">\n<h2 id=\"charts-h\">Charts</h2>\n<div class=\"charts\">")?;
    waste_chart(r, o)?;
    quota_chart(r, o)?;
    credential_chart(r, o)?;
    writeln!(o, "</div>\n</section>")
}

/// A chart's threshold lines, from the top to `bottom`, each labelled
/// above the bars: `(x, class, label, anchor)`, the anchor saying which side
/// of its line a label sits on.
fn threshold_marks<const N: usize>(
    o: &mut dyn Write,
    marks: [(f64, &str, String, &str); N],
    bottom: f64,
) -> fmt::Result {
    let rows = label_rows(marks.each_ref().map(|(x, _, label, anchor)| (*x, label.as_str(), *anchor)));
    for ((x, class, label, anchor), y) in marks.into_iter().zip(rows) {
        writeln!(
            o,
            "<line class=\"mark {class}\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"12\" y2=\"{bottom:.1}\"/><text class=\"mark-label\" x=\"{x:.1}\" y=\"{y}\" text-anchor=\"{anchor}\">{}</text>",
            Esc(&label)
        )?;
    }
    Ok(())
}

/// The baseline of each threshold label, given its line's x, its text and
/// its anchor: a label that would overlap the one before it (equal
/// thresholds, say) goes on the other of two rows. Labels anchored on
/// opposite sides of their lines never meet.
fn label_rows<const N: usize>(labels: [(f64, &str, &str); N]) -> [f64; N] {
    // About 6.5 px a character at the labels' 11 px.
    let width = |t: &str| t.chars().count() as f64 * 6.5 + 4.0;
    let mut rows = [10.0; N];
    for i in 1..N {
        let ((x0, t0, a0), (x1, _, a1)) = (labels[i - 1], labels[i]);
        if a0 == a1 && (x1 - x0).abs() < width(t0) {
            rows[i] = if rows[i - 1] == 10.0 { 23.0 } else { 10.0 };
        }
    }
    rows
}

/// Keep chart labels short; the full text is in the `<title>` tooltip.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

fn svg_open(o: &mut dyn Write, id: &str, rows: usize, label: &str, extra_top: f64) -> fmt::Result {
    let h = extra_top + rows as f64 * (BAR_H + GAP) + 24.0;
    writeln!(
        o,
        "<svg id=\"{id}\" class=\"chart\" role=\"img\" aria-labelledby=\"{id}-t\" aria-describedby=\"{id}-d\" viewBox=\"0 0 {CHART_W} {h}\" width=\"{CHART_W}\" height=\"{h}\"><title id=\"{id}-t\">{}</title>",
        Esc(label)
    )
}

/// A chart's values as text, for screen readers (a `role="img"` hides the
/// bars' own titles): the list the chart's `aria-describedby` names.
fn values_list(o: &mut dyn Write, id: &str, lines: &[String]) -> fmt::Result {
    write!(o, "<ul class=\"sr-only\" id=\"{id}-d\">")?;
    for l in lines {
        write!(o, "<li>{}</li>", Esc(l))?;
    }
    writeln!(o, "</ul>")
}

fn waste_chart(r: &Report, o: &mut dyn Write) -> fmt::Result {
    let mut by_kind: BTreeMap<Kind, f64> = BTreeMap::new();
    for f in &r.findings {
        if let Some(c) = &f.cost {
            *by_kind.entry(f.kind).or_default() += c.monthly_usd;
        }
    }
    let mut rows: Vec<(Kind, f64)> = by_kind.into_iter().filter(|(_, v)| *v > 0.0).collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    writeln!(o, "<figure>\n<figcaption>Estimated monthly waste by kind</figcaption>")?;
    if rows.is_empty() {
        return writeln!(o, "<p class=\"empty\">No finding in this report has a cost estimate.</p>\n</figure>");
    }
    let max = rows.iter().map(|r| r.1).fold(0.0, f64::max).max(0.01);
    svg_open(o, "chart-waste", rows.len(), "Estimated monthly waste by kind, USD", 0.0)?;
    let span = CHART_W - LABEL_W - 110.0;
    let mut lines = Vec::new();
    for (i, (kind, v)) in rows.iter().enumerate() {
        lines.push(format!("{}: {} a month", kind.as_str(), usd(*v)));
        let y = i as f64 * (BAR_H + GAP);
        let w = (v / max * span).max(1.0);
        writeln!(
            o,
            "<g><title>{}: {}/month</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect class=\"bar\" x=\"{LABEL_W}\" y=\"{y}\" width=\"{w:.1}\" height=\"{BAR_H}\"/><text x=\"{:.1}\" y=\"{}\">{}</text></g>",
            kind.as_str(),
            usd(*v),
            LABEL_W - 8.0,
            y + 15.0,
            kind.as_str(),
            LABEL_W + w + 6.0,
            y + 15.0,
            usd(*v)
        )?;
    }
    writeln!(o, "</svg>")?;
    values_list(o, "chart-waste", &lines)?;
    writeln!(o, "</figure>")
}

fn quota_chart(r: &Report, o: &mut dyn Write) -> fmt::Result {
    writeln!(o, "<figure>\n<figcaption>Quota pressure per object</figcaption>")?;
    if r.measurements.is_empty() {
        return writeln!(
            o,
            "<p class=\"empty\">No quota was measured in this report (<code>azaudit quotas</code> and <code>azaudit check</code> measure them).</p>\n</figure>"
        );
    }
    let (warn, crit) = r.thresholds.quota_pct();
    let mut ms: Vec<_> = r.measurements.iter().collect();
    ms.sort_by(|a, b| b.percent.total_cmp(&a.percent).then(a.object.cmp(&b.object)));
    let shown = ms.len().min(QUOTA_BARS);
    let top = 30.0;
    svg_open(o, "chart-quota", shown, &format!("Used share of each limit; lines at {warn}% and {crit}%"), top)?;
    let span = CHART_W - LABEL_W - 70.0;
    let x_of = |pct: f64| LABEL_W + pct.clamp(0.0, 100.0) / 100.0 * span;
    // The warning label left of its line, the critical one right of its.
    threshold_marks(
        o,
        [
            (x_of(warn), "warn", format!("warn {warn}%"), "end"),
            (x_of(crit), "crit", format!("critical {crit}%"), "start"),
        ],
        top + shown as f64 * (BAR_H + GAP),
    )?;
    let mut lines = Vec::new();
    for (i, m) in ms.iter().take(shown).enumerate() {
        lines.push(format!("{}: {} of {} ({:.1}%)", m.object, m.used, m.limit, m.percent));
        let y = top + i as f64 * (BAR_H + GAP);
        let class = if m.percent >= crit {
            "crit"
        } else if m.percent >= warn {
            "warn"
        } else {
            "ok"
        };
        writeln!(
            o,
            "<g><title>{}: {} of {} ({:.1}%)</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect class=\"track\" x=\"{LABEL_W}\" y=\"{y}\" width=\"{span}\" height=\"{BAR_H}\"/><rect class=\"bar {class}\" x=\"{LABEL_W}\" y=\"{y}\" width=\"{:.1}\" height=\"{BAR_H}\"/><text x=\"{:.1}\" y=\"{}\">{:.1}%</text></g>",
            Esc(&m.object),
            m.used,
            m.limit,
            m.percent,
            LABEL_W - 8.0,
            y + 15.0,
            Esc(&clip(&m.object, 40)),
            (x_of(m.percent) - LABEL_W).max(1.0),
            LABEL_W + span + 6.0,
            y + 15.0,
            m.percent
        )?;
    }
    writeln!(o, "</svg>")?;
    values_list(o, "chart-quota", &lines)?;
    if ms.len() > shown {
        writeln!(
            o,
            "<p class=\"fine\">The {shown} most pressed of {} objects; the table under “Quota measurements” has them all.</p>",
            ms.len()
        )?;
    }
    writeln!(o, "</figure>")
}

fn credential_chart(r: &Report, o: &mut dyn Write) -> fmt::Result {
    writeln!(o, "<figure>\n<figcaption>Service-principal credentials: days left</figcaption>")?;
    if r.credentials.is_empty() {
        return writeln!(
            o,
            "<p class=\"empty\">No service-principal credential was checked in this report (<code>azaudit sp-expiry</code> and <code>azaudit check</code> check them).</p>\n</figure>"
        );
    }
    let (warn, crit) = r.thresholds.sp_days();
    let mut cs: Vec<_> = r.credentials.iter().collect();
    // Soonest first; credentials that never expire last.
    cs.sort_by_key(|c| (c.days_left.is_none(), c.days_left, c.app_name.clone(), c.key_id.clone()));
    let shown = cs.len().min(CREDENTIAL_BARS);
    let days: Vec<i64> = cs.iter().take(shown).filter_map(|c| c.days_left).collect();
    // The axis is about the near term: from a warning period ago (or the
    // most overdue, if sooner) to three warning periods ahead. Bars beyond
    // it stop at its edge; the text beside each says the real count.
    let period = warn.max(crit).max(7);
    let lo = days.iter().copied().min().unwrap_or(0).clamp(-period, 0) as f64;
    let hi = (days.iter().copied().max().unwrap_or(0).clamp(period, period.saturating_mul(3))) as f64;
    let top = 30.0;
    svg_open(
        o,
        "chart-credentials",
        shown,
        &format!("Days left per credential; lines at today, {crit} days (critical) and {warn} days (warning)"),
        top,
    )?;
    let span = CHART_W - LABEL_W - 130.0;
    let x_of = |d: f64| LABEL_W + (d.clamp(lo, hi) - lo) / (hi - lo) * span;
    let bottom = top + shown as f64 * (BAR_H + GAP);
    threshold_marks(
        o,
        [
            (x_of(0.0), "today", "today".to_string(), "end"),
            (x_of(crit as f64), "crit", format!("{crit} d"), "start"),
            (x_of(warn as f64), "warn", format!("{warn} d"), "start"),
        ],
        bottom,
    )?;
    let mut lines = Vec::new();
    for (i, c) in cs.iter().take(shown).enumerate() {
        let y = top + i as f64 * (BAR_H + GAP);
        let label = format!("{} · {} {}", c.app_name, c.credential_type, clip(&c.key_id, 8));
        let (bar, text) = match c.days_left {
            None => (String::new(), "never expires".to_string()),
            Some(d) => {
                let class = if d < 0 || d < crit {
                    "crit"
                } else if d < warn {
                    "warn"
                } else {
                    "ok"
                };
                let (x0, x1) = (x_of(0.0), x_of(d as f64));
                let (x, w) = if x1 >= x0 { (x0, x1 - x0) } else { (x1, x0 - x1) };
                let t = if d < 0 { format!("expired {} d ago", -d) } else { format!("{d} d left") };
                (
                    format!(
                        "<rect class=\"bar {class}\" x=\"{x:.1}\" y=\"{y}\" width=\"{:.1}\" height=\"{BAR_H}\"/>",
                        w.max(1.0)
                    ),
                    t,
                )
            }
        };
        writeln!(
            o,
            "<g><title>{}: {}</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>{bar}<text x=\"{:.1}\" y=\"{}\">{}</text></g>",
            Esc(&label),
            Esc(&text),
            LABEL_W - 8.0,
            y + 15.0,
            Esc(&clip(&label, 42)),
            LABEL_W + span + 6.0,
            y + 15.0,
            Esc(&text)
        )?;
        lines.push(format!("{label}: {text}"));
    }
    writeln!(o, "</svg>")?;
    values_list(o, "chart-credentials", &lines)?;
    if cs.len() > shown {
        writeln!(
            o,
            "<p class=\"fine\">The {shown} soonest of {} credentials; the table under “Credentials” has them all.</p>",
            cs.len()
        )?;
    }
    writeln!(o, "</figure>")
}

// ---- findings -----------------------------------------------------------

/// Which optional columns the findings tables need.
struct Columns {
    subscription: bool,
    cluster: bool,
}

impl Columns {
    fn of(r: &Report) -> Columns {
        let mut subs = r.findings.iter().filter_map(|f| f.subscription.as_deref());
        let first = subs.next();
        Columns {
            subscription: r.scope.subscriptions.len() > 1 || subs.any(|s| Some(s) != first),
            cluster: !r.fleet.is_empty(),
        }
    }
}

fn findings(r: &Report, o: &mut dyn Write) -> fmt::Result {
    writeln!(o, "<section aria-labelledby=\"findings-h\">\n<h2 id=\"findings-h\">Findings</h2>")?;
    if r.findings.is_empty() {
        return writeln!(o, "<p class=\"empty\" id=\"no-findings\">No findings.</p>\n</section>");
    }
    let mut by_kind: BTreeMap<Kind, Vec<&Finding>> = BTreeMap::new();
    for f in &r.findings {
        by_kind.entry(f.kind).or_default().push(f);
    }
    // Filters: they do nothing without the script, and print hides them.
    writeln!(o, "<form class=\"filters\" role=\"search\" aria-label=\"Filter findings\" hidden>")?;
    writeln!(o, "<fieldset><legend>Severity</legend>")?;
    for s in [Severity::Critical, Severity::Warning, Severity::Info] {
        writeln!(
            o,
            "<label><input type=\"checkbox\" name=\"severity\" value=\"{0}\" checked> {0}</label>",
            s.as_str()
        )?;
    }
    writeln!(o, "</fieldset>\n<label>Kind <select name=\"kind\"><option value=\"\">all kinds</option>")?;
    for (k, fs) in &by_kind {
        writeln!(o, "<option value=\"{0}\">{0} ({1})</option>", k.as_str(), fs.len())?;
    }
    writeln!(
        o,
        "</select></label>\n<label>Search <input type=\"search\" name=\"q\" placeholder=\"name, group, Service, reason…\"></label>\n<output id=\"shown\" aria-live=\"polite\">{} shown</output>\n</form>\n<p id=\"filtered\" class=\"filtered\" hidden></p>",
        r.findings.len()
    )?;
    let cols = Columns::of(r);
    for (kind, fs) in &by_kind {
        findings_table(o, *kind, fs, &cols)?;
    }
    writeln!(o, "</section>")
}

fn findings_table(o: &mut dyn Write, kind: Kind, fs: &[&Finding], cols: &Columns) -> fmt::Result {
    let k = kind.as_str();
    writeln!(
        o,
        "<section class=\"kind\" data-kind=\"{k}\" aria-labelledby=\"kind-{k}\">\n<h3 id=\"kind-{k}\">{} <span class=\"count\">({})</span></h3>\n<p class=\"kind-name\"><code>{k}</code></p>",
        Esc(kind.title()),
        fs.len()
    )?;
    write!(o, "<div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">Severity</th><th scope=\"col\">Name</th>")?;
    if cols.subscription {
        write!(o, "<th scope=\"col\">Subscription</th>")?;
    }
    write!(o, "<th scope=\"col\">Resource group</th><th scope=\"col\">Service</th>")?;
    if cols.cluster {
        write!(o, "<th scope=\"col\">Cluster</th>")?;
    }
    writeln!(
        o,
        "<th scope=\"col\">Monthly cost</th><th scope=\"col\">Age</th><th scope=\"col\">Reason</th></tr></thead>\n<tbody>"
    )?;
    for f in fs {
        finding_row(o, f, cols)?;
    }
    writeln!(o, "</tbody>\n</table></div>\n</section>")
}

fn dash(s: Option<&str>) -> Esc<'_> {
    Esc(s.filter(|s| !s.is_empty()).unwrap_or("—"))
}

fn finding_row(o: &mut dyn Write, f: &Finding, cols: &Columns) -> fmt::Result {
    let sev = f.severity.as_str();
    write!(
        o,
        "<tr data-severity=\"{sev}\" data-kind=\"{}\"><td><span class=\"sev {sev}\">{sev}</span></td><td class=\"obj\"><span class=\"name\">{}</span><span class=\"rid\">{}</span></td>",
        f.kind.as_str(),
        Esc(&f.name),
        Esc(&f.resource_id.to_string())
    )?;
    if cols.subscription {
        write!(o, "<td><code>{}</code></td>", dash(f.subscription.as_deref()))?;
    }
    write!(o, "<td>{}</td><td>{}</td>", dash(f.resource_group.as_deref()), dash(f.service.as_deref()))?;
    if cols.cluster {
        write!(o, "<td>{}</td>", dash(f.cluster.as_deref()))?;
    }
    match &f.cost {
        Some(c) => write!(o, "<td class=\"num\" title=\"{}\">{}</td>", Esc(&c.basis), usd(c.monthly_usd))?,
        None => write!(o, "<td class=\"num\">—</td>")?,
    }
    match f.age_days {
        Some(d) => write!(o, "<td class=\"num\">{d} d</td>")?,
        None => write!(o, "<td class=\"num\">—</td>")?,
    }
    write!(o, "<td>{}", Esc(&f.reason))?;
    if !f.locks.is_empty() {
        write!(o, "<p class=\"lock\">Locked: ")?;
        for (i, l) in f.locks.iter().enumerate() {
            write!(o, "{}{} ({}, on {})", if i > 0 { "; " } else { "" }, Esc(&l.name), Esc(&l.level), Esc(&l.scope))?;
        }
        write!(o, "</p>")?;
    }
    evidence(o, f)?;
    writeln!(o, "</td></tr>")
}

fn evidence(o: &mut dyn Write, f: &Finding) -> fmt::Result {
    let v = serde_json::to_value(&f.evidence).unwrap_or(serde_json::Value::Null);
    let Some(map) = v.as_object().filter(|m| !m.is_empty()) else {
        return Ok(());
    };
    write!(o, "<details><summary>Evidence</summary><dl>")?;
    for (k, v) in map {
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        write!(o, "<dt>{}</dt><dd>{}</dd>", Esc(k), Esc(&text))?;
    }
    write!(o, "</dl></details>")
}

// ---- the rest -----------------------------------------------------------

fn suppressed(r: &Report, o: &mut dyn Write) -> fmt::Result {
    writeln!(
        o,
        "<section aria-labelledby=\"suppressed-h\">\n<h2 id=\"suppressed-h\">Suppressed findings ({})</h2>",
        r.suppressed.len()
    )?;
    if r.suppressed.is_empty() {
        return writeln!(o, "<p class=\"empty\">None.</p>\n</section>");
    }
    writeln!(
        o,
        "<div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">Kind</th><th scope=\"col\">Name</th><th scope=\"col\">Resource group</th><th scope=\"col\">Why suppressed</th><th scope=\"col\">Rule</th><th scope=\"col\">Expires</th></tr></thead>\n<tbody>"
    )?;
    for s in &r.suppressed {
        writeln!(
            o,
            "<tr><td><code>{}</code></td><td><span class=\"name\">{}</span><span class=\"rid\">{}</span></td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            s.finding.kind.as_str(),
            Esc(&s.finding.name),
            Esc(&s.finding.resource_id.to_string()),
            dash(s.finding.resource_group.as_deref()),
            Esc(&s.reason),
            Esc(&s.rule),
            dash(s.expires.as_deref())
        )?;
    }
    writeln!(o, "</tbody>\n</table></div>\n</section>")
}

fn withheld_and_notes(r: &Report, o: &mut dyn Write) -> fmt::Result {
    writeln!(
        o,
        "<section aria-labelledby=\"withheld-h\">\n<h2 id=\"withheld-h\">Withheld verdicts ({})</h2>",
        r.withheld.len()
    )?;
    if r.withheld.is_empty() {
        writeln!(o, "<p class=\"empty\">None: every verdict was made.</p>")?;
    } else {
        writeln!(o, "<ul>")?;
        for w in &r.withheld {
            writeln!(o, "<li><strong>{}</strong>: {}</li>", kinds_text(&w.kinds), Esc(&w.reason))?;
        }
        writeln!(o, "</ul>")?;
    }
    writeln!(
        o,
        "</section>\n<section aria-labelledby=\"notes-h\">\n<h2 id=\"notes-h\">Notes ({})</h2>",
        r.notes.len()
    )?;
    if r.notes.is_empty() {
        writeln!(o, "<p class=\"empty\">None.</p>")?;
    } else {
        writeln!(o, "<p>Objects deliberately not judged, and why.</p>\n<ul>")?;
        for n in &r.notes {
            writeln!(o, "<li>{}</li>", Esc(n))?;
        }
        writeln!(o, "</ul>")?;
    }
    writeln!(o, "</section>")
}

fn measurements(r: &Report, o: &mut dyn Write) -> fmt::Result {
    if r.measurements.is_empty() {
        return Ok(());
    }
    let mut ms: Vec<_> = r.measurements.iter().collect();
    ms.sort_by(|a, b| b.percent.total_cmp(&a.percent).then(a.object.cmp(&b.object)));
    writeln!(
        o,
        "<section aria-labelledby=\"measurements-h\">\n<h2 id=\"measurements-h\">Quota measurements ({})</h2>\n<details><summary>Every measured object</summary><div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">Object</th><th scope=\"col\">Used</th><th scope=\"col\">Limit</th><th scope=\"col\">Used share</th><th scope=\"col\">Limit from</th></tr></thead>\n<tbody>",
        ms.len()
    )?;
    for m in ms {
        writeln!(
            o,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.1}%</td><td>{}</td></tr>",
            Esc(&m.object),
            m.used,
            m.limit,
            m.percent,
            Esc(&m.limit_source)
        )?;
    }
    writeln!(o, "</tbody>\n</table></div></details>\n</section>")
}

fn credentials(r: &Report, o: &mut dyn Write) -> fmt::Result {
    if r.credentials.is_empty() {
        return Ok(());
    }
    writeln!(
        o,
        "<section aria-labelledby=\"credentials-h\">\n<h2 id=\"credentials-h\">Credentials ({})</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">Application</th><th scope=\"col\">App ID</th><th scope=\"col\">Type</th><th scope=\"col\">Key ID</th><th scope=\"col\">Name</th><th scope=\"col\">Ends</th><th scope=\"col\">Days left</th></tr></thead>\n<tbody>",
        r.credentials.len()
    )?;
    for c in &r.credentials {
        writeln!(
            o,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            Esc(&c.app_name),
            Esc(&c.app_id),
            Esc(&c.credential_type),
            Esc(&c.key_id),
            dash(c.display_name.as_deref()),
            dash(c.end_date_time.as_deref()),
            c.days_left.map_or("never expires".to_string(), |d| d.to_string())
        )?;
    }
    writeln!(o, "</tbody>\n</table></div>\n</section>")
}

fn footer(r: &Report, o: &mut dyn Write) -> fmt::Result {
    let s = &r.stats;
    writeln!(
        o,
        "<footer><p>Read with {} requests ({} retries, {} throttled, {} confirmations) in {:.1} s. Made by azaudit {}; schema <code>{}</code>.</p></footer>",
        s.requests,
        s.retries,
        s.throttled,
        s.confirmations,
        s.elapsed_ms as f64 / 1000.0,
        Esc(&r.azaudit_version),
        Esc(&r.schema)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_the_five_characters_and_keeps_the_rest() {
        assert_eq!(Esc("a<b>&\"c'd é").to_string(), "a&lt;b&gt;&amp;&quot;c&#39;d é");
        assert_eq!(Esc("").to_string(), "");
        assert_eq!(Esc("plain").to_string(), "plain");
    }

    #[test]
    fn dollars_are_grouped_and_rounded() {
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(usd(3.65), "$3.65");
        assert_eq!(usd(1234567.891), "$1,234,567.89");
        assert_eq!(usd(999.999), "$1,000.00");
        assert_eq!(usd(-123456.5), "-$123,456.50");
    }

    #[test]
    fn close_threshold_labels_take_turns_on_two_rows() {
        let s = "start";
        assert_eq!(label_rows([(100.0, "7 d", s), (160.0, "30 d", s)]), [10.0, 10.0], "apart");
        assert_eq!(label_rows([(100.0, "0 d", s), (100.0, "0 d", s)]), [10.0, 23.0], "equal");
        assert_eq!(label_rows([(100.0, "warn 0%", "end"), (100.0, "critical 0%", s)]), [10.0, 10.0], "opposite sides");
        let three = [(100.0, "today", "end"), (100.0, "0 d", s), (101.0, "0 d", s)];
        assert_eq!(label_rows(three), [10.0, 10.0, 23.0]);
    }

    #[test]
    fn clipped_labels_end_with_an_ellipsis() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("abcdefghijkl", 5), "abcd…");
    }

    /// The policy's hashes are those of the blocks the page carries.
    #[test]
    fn the_policy_hashes_the_page_s_own_style_and_script() {
        let h = csp_hash("");
        assert_eq!(h, "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
    }
}
