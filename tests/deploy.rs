//! What `deploy/` ships for monitoring: the alert rules (a plain rules file
//! and the same as a PrometheusRule) with promtool's unit tests, and the
//! Grafana dashboard. Both are held to the metrics azaudit really writes,
//! so a renamed metric cannot leave a silent panel or a dead alert.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(repo(path)).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The metric families azaudit writes for the demo (`check`, Graph data
/// included, so credentials and quotas are there): read once, for both
/// tests.
fn metric_families() -> &'static BTreeSet<String> {
    static FAMILIES: std::sync::OnceLock<BTreeSet<String>> = std::sync::OnceLock::new();
    FAMILIES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let snap = edited_demo_snapshot(dir.path(), |t| t);
        let families: BTreeSet<String> = demo_check_from(dir.path(), &snap, "prometheus")
            .lines()
            .filter_map(|l| l.strip_prefix("# TYPE "))
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_string)
            .collect();
        assert!(families.len() > 10, "{families:?}");
        families
    })
}

/// The `azaudit_…` metric names a PromQL expression uses.
fn metrics_in(expr: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = expr;
    while let Some(i) = rest.find("azaudit_") {
        let tail = &rest[i..];
        let end = tail.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(tail.len());
        out.insert(tail[..end].to_string());
        rest = &tail[end..];
    }
    out
}

/// GitHub's anchors for the README's headings.
fn readme_anchors() -> BTreeSet<String> {
    let text = std::fs::read_to_string(repo("README.md")).unwrap();
    text.lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| {
            l.trim_start_matches('#')
                .trim()
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
                .map(|c| if c == ' ' { '-' } else { c })
                .collect()
        })
        .collect()
}

fn promtool() -> bool {
    Command::new("promtool").arg("--version").output().is_ok_and(|o| o.status.success())
}

fn run_promtool(args: &[&str], dir: &Path) {
    let out = Command::new("promtool").args(args).current_dir(dir).output().unwrap();
    assert!(
        out.status.success(),
        "promtool {} failed:\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

const ALERTS: [&str; 8] = [
    "AzauditRunIncomplete",
    "AzauditNoRecentRun",
    "AzauditMetricsAbsent",
    "AzauditCredentialExpiringSoon",
    "AzauditCredentialExpiring",
    "AzauditCriticalFindings",
    "AzauditQuotaNearLimit",
    "AzauditArmReadBudgetLow",
];

/// The rules file and the PrometheusRule hold the same rules; each rule has
/// a severity, a summary, a description and a runbook that is a README
/// section; every metric they use is one azaudit writes; and promtool
/// checks them and passes their unit tests.
#[test]
fn the_alert_rules_are_tested_documented_and_use_real_metrics() {
    let plain = yaml("deploy/prometheus/azaudit-rules.yaml");
    let operator = yaml("deploy/prometheus/prometheusrule.yaml");
    assert_eq!(operator["kind"], "PrometheusRule");
    assert_eq!(operator["apiVersion"], "monitoring.coreos.com/v1");
    assert_eq!(operator["spec"]["groups"], plain["groups"], "prometheusrule.yaml differs from azaudit-rules.yaml");

    let families = metric_families();
    let anchors = readme_anchors();
    let rules: Vec<&Value> =
        plain["groups"].as_array().unwrap().iter().flat_map(|g| g["rules"].as_array().unwrap()).collect();
    let names: Vec<&str> = rules.iter().map(|r| r["alert"].as_str().unwrap()).collect();
    assert_eq!(names, ALERTS);
    for r in &rules {
        let name = r["alert"].as_str().unwrap();
        let sev = r["labels"]["severity"].as_str().unwrap_or("");
        assert!(["warning", "critical"].contains(&sev), "{name}: severity {sev:?}");
        for a in ["summary", "description", "runbook_url"] {
            assert!(r["annotations"][a].as_str().is_some_and(|s| !s.is_empty()), "{name}: no {a}");
        }
        let url = r["annotations"]["runbook_url"].as_str().unwrap();
        let anchor = url.strip_prefix("https://github.com/azaudit/azaudit#").unwrap_or_else(|| panic!("{name}: {url}"));
        assert!(anchors.contains(anchor), "{name}: the README has no section #{anchor}");
        let used = metrics_in(r["expr"].as_str().unwrap());
        assert!(!used.is_empty(), "{name}");
        for m in used {
            assert!(families.contains(&m), "{name} uses {m}, which azaudit does not write");
        }
    }

    if !promtool() {
        skip(
            "the_alert_rules_are_tested_documented_and_use_real_metrics (promtool part)",
            "promtool is not installed (Debian package prometheus; .ci/run installs it)",
        );
        return;
    }
    let dir = repo("deploy/prometheus");
    run_promtool(&["check", "rules", "azaudit-rules.yaml"], &dir);
    run_promtool(&["test", "rules", "azaudit-rules.test.yaml"], &dir);
    // Every alert has a unit test.
    let tests = std::fs::read_to_string(dir.join("azaudit-rules.test.yaml")).unwrap();
    for a in ALERTS {
        assert!(tests.contains(&format!("alertname: {a}\n")), "no unit test for {a}");
    }
}

/// The dashboard provisions as is: one data-source variable that every
/// panel and query uses, unique panel IDs, panels inside the 24-column grid
/// and never on top of each other, and queries that parse (promtool) and use
/// only metrics azaudit writes, covering every family the issue asks for.
#[test]
fn the_grafana_dashboard_is_provisionable_and_uses_real_metrics() {
    let text = std::fs::read_to_string(repo("deploy/grafana/azaudit.json")).unwrap();
    let d: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(d["uid"], "azaudit");
    assert!(d["schemaVersion"].as_u64().unwrap() >= 36);
    assert!(d.get("__inputs").is_none(), "an import-only dashboard cannot be provisioned as is");
    let vars = d["templating"]["list"].as_array().unwrap();
    assert!(vars.iter().any(|v| v["name"] == "datasource" && v["type"] == "datasource" && v["query"] == "prometheus"));
    let ds = serde_json::json!({"type": "prometheus", "uid": "${datasource}"});

    let families = metric_families();
    let panels = d["panels"].as_array().unwrap();
    let mut ids = BTreeSet::new();
    let mut cells = BTreeSet::new();
    let mut exprs = Vec::new();
    for p in panels {
        let title = p["title"].as_str().unwrap();
        assert!(ids.insert(p["id"].as_u64().unwrap()), "{title}: duplicate id");
        let g = &p["gridPos"];
        let (x, y, w, h) =
            (g["x"].as_u64().unwrap(), g["y"].as_u64().unwrap(), g["w"].as_u64().unwrap(), g["h"].as_u64().unwrap());
        assert!(w > 0 && h > 0 && x + w <= 24, "{title}: outside the grid");
        for cx in x..x + w {
            for cy in y..y + h {
                assert!(cells.insert((cx, cy)), "{title} overlaps another panel at ({cx}, {cy})");
            }
        }
        if p["type"] == "row" {
            continue;
        }
        assert_eq!(p["datasource"], ds, "{title}");
        assert!(p["description"].as_str().is_some_and(|s| !s.is_empty()), "{title}: no description");
        let targets = p["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "{title}: no query");
        for t in targets {
            assert_eq!(t["datasource"], ds, "{title}");
            let expr = t["expr"].as_str().unwrap();
            for m in metrics_in(expr) {
                assert!(families.contains(&m), "{title} queries {m}, which azaudit does not write");
            }
            exprs.push(expr.replace("$command", ".*"));
        }
    }
    let used: BTreeSet<String> = exprs.iter().flat_map(|e| metrics_in(e)).collect();
    for m in [
        "azaudit_run_complete",
        "azaudit_last_run_timestamp_seconds",
        "azaudit_findings",
        "azaudit_monthly_waste_usd",
        "azaudit_quota_used_ratio",
        "azaudit_sp_credential_expiry_timestamp_seconds",
        "azaudit_requests_total",
        "azaudit_request_retries_total",
        "azaudit_throttled_responses_total",
    ] {
        assert!(used.contains(m), "the dashboard does not show {m}");
    }

    if !promtool() {
        skip(
            "the_grafana_dashboard_is_provisionable_and_uses_real_metrics (promtool part)",
            "promtool is not installed; the queries' syntax is not checked",
        );
        return;
    }
    // Each query as a recording rule: promtool parses every one.
    let dir = tempfile::tempdir().unwrap();
    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (i, e) in exprs.iter().enumerate() {
        rules.push_str(&format!(
            "      - record: dashboard_query_{i}\n        expr: {}\n",
            serde_json::to_string(e).unwrap()
        ));
    }
    std::fs::write(dir.path().join("queries.yaml"), rules).unwrap();
    run_promtool(&["check", "rules", "queries.yaml"], dir.path());
}
