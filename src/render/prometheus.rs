//! The report in the Prometheus text exposition format (0.0.4), for a
//! node_exporter textfile collector or a Pushgateway. Labels are bounded:
//! kind, severity, resource group and name — never reasons or IDs with
//! unbounded variety beyond the objects themselves.

use crate::findings::{Kind, Severity};
use crate::report::Report;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Escape a label value: backslash, double quote and newline.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn labels(pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}=\"{}\"", esc(v))).collect();
    format!("{{{}}}", inner.join(","))
}

fn family(out: &mut dyn Write, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

pub fn render(r: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut out = super::Out::new(w);
    let cmd = r.command.as_str();

    family(&mut out, "azaudit_findings", "gauge", "Findings by kind and severity (suppressed ones excluded).");
    let mut counts: BTreeMap<(Kind, Severity), usize> = BTreeMap::new();
    for f in &r.findings {
        *counts.entry((f.kind, f.severity)).or_default() += 1;
    }
    for kind in Kind::all() {
        for sev in [Severity::Info, Severity::Warning, Severity::Critical] {
            let n = counts.get(&(kind, sev)).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "azaudit_findings{} {n}",
                labels(&[("command", cmd), ("kind", kind.as_str()), ("severity", sev.as_str())])
            );
        }
    }

    family(&mut out, "azaudit_suppressed_findings", "gauge", "Findings hidden by a suppression, by kind.");
    let mut sup: BTreeMap<Kind, usize> = BTreeMap::new();
    for s in &r.suppressed {
        *sup.entry(s.finding.kind).or_default() += 1;
    }
    for kind in Kind::all() {
        let _ = writeln!(
            out,
            "azaudit_suppressed_findings{} {}",
            labels(&[("command", cmd), ("kind", kind.as_str())]),
            sup.get(&kind).copied().unwrap_or(0)
        );
    }

    family(
        &mut out,
        "azaudit_finding",
        "gauge",
        "One series per finding (1), labelled by kind, severity, subscription, resource group, name and cluster.",
    );
    for f in &r.findings {
        let rg = f.resource_group.as_deref().unwrap_or("");
        let _ = writeln!(
            out,
            "azaudit_finding{} 1",
            labels(&[
                ("kind", f.kind.as_str()),
                ("severity", f.severity.as_str()),
                ("subscription", f.subscription.as_deref().unwrap_or("")),
                ("resource_group", rg),
                ("name", &f.name),
                ("cluster", f.cluster.as_deref().unwrap_or(""))
            ])
        );
    }
    family(
        &mut out,
        "azaudit_finding_age_days",
        "gauge",
        "Days since each finding was first seen (with --state-file).",
    );
    for f in &r.findings {
        if let Some(age) = f.age_days {
            let rg = f.resource_group.as_deref().unwrap_or("");
            let _ = writeln!(
                out,
                "azaudit_finding_age_days{} {age}",
                labels(&[
                    ("kind", f.kind.as_str()),
                    ("subscription", f.subscription.as_deref().unwrap_or("")),
                    ("resource_group", rg),
                    ("name", &f.name)
                ])
            );
        }
    }
    family(
        &mut out,
        "azaudit_finding_monthly_cost_usd",
        "gauge",
        "Approximate monthly cost of each finding, USD at public list prices.",
    );
    for f in &r.findings {
        if let Some(c) = &f.cost {
            let rg = f.resource_group.as_deref().unwrap_or("");
            let _ = writeln!(
                out,
                "azaudit_finding_monthly_cost_usd{} {}",
                labels(&[
                    ("kind", f.kind.as_str()),
                    ("subscription", f.subscription.as_deref().unwrap_or("")),
                    ("resource_group", rg),
                    ("name", &f.name)
                ]),
                c.monthly_usd
            );
        }
    }
    family(&mut out, "azaudit_monthly_waste_usd", "gauge", "Sum of the findings' approximate monthly costs, USD.");
    let _ = writeln!(out, "azaudit_monthly_waste_usd{} {}", labels(&[("command", cmd)]), r.summary.monthly_waste_usd);

    // Prometheus wants base units: the end as a Unix timestamp, from which
    // `(x - time()) / 86400` gives the days left in any alert.
    family(
        &mut out,
        "azaudit_sp_credential_expiry_timestamp_seconds",
        "gauge",
        "When each service-principal credential expires, Unix seconds (credentials that never expire are left out).",
    );
    for c in &r.credentials {
        let end = c.days_left.and(c.end_date_time.as_deref()).and_then(crate::checks::sp_credentials::parse_time);
        if let Some(end) = end {
            let _ = writeln!(
                out,
                "azaudit_sp_credential_expiry_timestamp_seconds{} {}",
                labels(&[
                    ("app_id", &c.app_id),
                    ("app_name", &c.app_name),
                    ("type", &c.credential_type),
                    ("key_id", &c.key_id)
                ]),
                end.as_second()
            );
        }
    }

    family(&mut out, "azaudit_quota_used_ratio", "gauge", "Used share of each measured limit (0..1).");
    for m in &r.measurements {
        let _ = writeln!(
            out,
            "azaudit_quota_used_ratio{} {}",
            labels(&[("kind", m.kind.as_str()), ("object", &m.object)]),
            m.percent / 100.0
        );
    }

    let s = &r.stats;
    family(&mut out, "azaudit_requests_total", "counter", "HTTP requests azaudit sent to ARM and Graph in this run.");
    let _ = writeln!(out, "azaudit_requests_total{} {}", labels(&[("command", cmd)]), s.requests);
    family(
        &mut out,
        "azaudit_request_retries_total",
        "counter",
        "Retries after throttling, server errors or connection failures.",
    );
    let _ = writeln!(out, "azaudit_request_retries_total{} {}", labels(&[("command", cmd)]), s.retries);
    family(&mut out, "azaudit_throttled_responses_total", "counter", "429 responses received.");
    let _ = writeln!(out, "azaudit_throttled_responses_total{} {}", labels(&[("command", cmd)]), s.throttled);
    family(&mut out, "azaudit_response_bytes_total", "counter", "Response bytes read.");
    let _ = writeln!(out, "azaudit_response_bytes_total{} {}", labels(&[("command", cmd)]), s.bytes);
    family(
        &mut out,
        "azaudit_arm_remaining_reads_min",
        "gauge",
        "Lowest x-ms-ratelimit-remaining-subscription-reads seen, per subscription.",
    );
    for (sub, v) in &s.min_remaining_reads {
        let _ = writeln!(out, "azaudit_arm_remaining_reads_min{} {v}", labels(&[("subscription", sub)]));
    }
    family(&mut out, "azaudit_run_duration_seconds", "gauge", "How long reading took.");
    let _ =
        writeln!(out, "azaudit_run_duration_seconds{} {}", labels(&[("command", cmd)]), s.elapsed_ms as f64 / 1000.0);
    family(
        &mut out,
        "azaudit_run_complete",
        "gauge",
        "1 when every list was read and every verdict made; 0 when incomplete.",
    );
    let _ = writeln!(out, "azaudit_run_complete{} {}", labels(&[("command", cmd)]), u8::from(r.complete));
    family(&mut out, "azaudit_last_run_timestamp_seconds", "gauge", "When this report was made (Unix time).");
    let _ =
        write!(out, "azaudit_last_run_timestamp_seconds{} {}", labels(&[("command", cmd)]), r.generated_at.as_second());
    out.finish()
}
