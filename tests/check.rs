//! `azaudit check` and `azaudit quotas` end to end against the mock Azure,
//! Graph and cluster serving the bundled demo scenario, which triggers every
//! finding kind.

use crate::common::*;
use azure_mock::scenario::{Action, Fault};
use azure_mock::{MockServer, Scenario};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const SUB: &str = "3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const NOW: &str = "2026-11-28T12:00:00Z";

/// Every finding kind `check` reports, by its stable name: from the one
/// table in `findings.rs`, so a new kind cannot be forgotten here.
fn all_kinds() -> BTreeSet<String> {
    azaudit::findings::Kind::all()
        .filter(|k| *k != azaudit::findings::Kind::SuppressionExpired)
        .map(|k| k.as_str().to_string())
        .collect()
}

fn demo(faults: Vec<Fault>) -> Scenario {
    let mut sc = demo_scenario();
    sc.faults = faults;
    sc
}

fn run(mock: &MockServer, dir: &Path, args: &[&str]) -> (Run, Value) {
    let flags = demo_flags(mock, dir);
    let mut all: Vec<&str> = flags.iter().map(String::as_str).collect();
    all.extend_from_slice(args);
    let r = azaudit_raw(mock, &[("AZAUDIT_NOW", NOW)], &all);
    r.assert_no_panic();
    let report = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout, r.stderr));
    (r, report)
}

fn kinds(report: &Value) -> BTreeSet<String> {
    report["findings"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap().to_string()).collect()
}

fn finding<'a>(report: &'a Value, kind: &str) -> &'a Value {
    report["findings"].as_array().unwrap().iter().find(|f| f["kind"] == kind).unwrap_or_else(|| panic!("no {kind}"))
}

#[test]
fn check_lists_every_kind_on_the_demo_scenario() {
    let mock = start(demo(vec![]));
    let dir = tempfile::tempdir().unwrap();
    let (r, report) = run(&mock, dir.path(), &["check", "-o", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(report["complete"], true, "{} {}", report["incomplete"], report["withheld"]);
    let want = all_kinds();
    assert_eq!(kinds(&report), want);

    // The diagnoses carry the guide's explanation and the likely cause.
    let pending = finding(&report, "service-lb-pending");
    assert_eq!(pending["service"], "shop/reports");
    let why = pending["reason"].as_str().unwrap();
    assert!(why.contains("5 of 5") && why.contains("no room for another frontend"), "{why}");
    assert!(why.contains("virtual-node-aci-linux") && why.contains("instance not found"), "{why}");
    assert!(why.contains("exists for the Service but no load-balancer frontend uses it"), "{why}");
    assert!(finding(&report, "node-no-provider-id")["reason"].as_str().unwrap().contains("BackendPool 为空"));
    assert!(finding(&report, "gpu-node-no-gpu")["reason"].as_str().unwrap().contains("Standard_NC6s_v3"));
    let known: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "known-issue")
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(known.contains(&"pip-dns-label-lost") && known.contains(&"vmss-cache-inconsistent"), "{known:?}");
    assert!(finding(&report, "quota-frontend-ip")["evidence"]["limit_source"].as_str().unwrap().contains("usages API"));
    let expiring = finding(&report, "sp-credential-expiring");
    assert_eq!(expiring["cluster"], "aks-legacy");
    // The demo azure.json's secret never appears.
    assert!(!r.stdout.contains("demo-secret-never-printed") && !r.stderr.contains("demo-secret-never-printed"));
}

#[test]
fn the_embedded_demo_check_lists_them_all() {
    setup();
    let r = azaudit_env(&[], &["demo", "check", "-o", "json", "-q"]);
    r.assert_no_panic();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    let mut want = all_kinds();
    want.insert("suppression-expired".into());
    assert_eq!(kinds(&report), want, "the demo's suppressions add an expired one");
    assert_eq!(report["suppressed"].as_array().unwrap().len(), 1);
}

#[test]
fn quotas_measures_every_object_and_sorts_by_pressure() {
    let mock = start(demo(vec![]));
    let dir = tempfile::tempdir().unwrap();
    let (r, report) = run(&mock, dir.path(), &["quotas", "-o", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let m = report["measurements"].as_array().unwrap();
    assert!(m.len() >= 15, "{m:?}");
    let pct: Vec<f64> = m.iter().map(|x| x["percent"].as_f64().unwrap()).collect();
    assert!(pct.windows(2).all(|w| w[0] >= w[1]), "sorted by pressure: {pct:?}");
    assert_eq!(m[0]["percent"], 100.0);
    let quota_kinds: BTreeSet<String> = kinds(&report);
    // The quota kinds: quota-* and arm-read-budget.
    for k in all_kinds().iter().filter(|k| k.starts_with("quota-") || *k == "arm-read-budget") {
        assert!(quota_kinds.contains(k), "{k}: {quota_kinds:?}");
    }
    assert!(quota_kinds.iter().all(|k| k.starts_with("quota-") || k == "arm-read-budget"), "{quota_kinds:?}");
    // Thresholds move the verdicts.
    let (r, report) =
        run(&mock, dir.path(), &["quotas", "-o", "json", "--quota-warn", "99", "--quota-critical", "100"]);
    assert_eq!(r.code, 1);
    assert!(report["findings"].as_array().unwrap().iter().all(|f| f["severity"] == "critical"));
    // The table shows used/limit/percent per object.
    let r =
        azaudit_raw(&mock, &[], &["--subscription", SUB, "--no-cloud-config", "--no-cluster", "quotas", "-o", "table"]);
    assert!(r.stdout.contains("Headroom, by pressure") && r.stdout.contains("100.0%"), "{}", r.stdout);
    // No cluster configured at all: quotas still runs.
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let r = azaudit_raw(
        &mock,
        &[("HOME", home.to_str().unwrap())],
        &["--subscription", SUB, "--no-cloud-config", "quotas", "-o", "json"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn check_fails_closed_and_graph_can_be_skipped() {
    // Nodes forbidden: no node or pool verdicts, exit 3.
    let mock = start(demo(vec![Fault::on(Action::Forbidden, "/api/v1/nodes")]));
    let dir = tempfile::tempdir().unwrap();
    let (r, report) = run(&mock, dir.path(), &["check", "-o", "json"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let k = kinds(&report);
    for absent in ["node-no-provider-id", "virtual-node-not-excluded", "gpu-node-no-gpu", "backend-pool-empty"] {
        assert!(!k.contains(absent), "{absent}: {k:?}");
    }
    assert!(k.contains("lb-basic-sku") && k.contains("sp-credential-expired"), "{k:?}");

    // Graph forbidden: sp-expiry is incomplete, not clean.
    let mock = start(demo(vec![Fault::on(Action::Forbidden, "/v1.0/")]));
    let (r, report) = run(&mock, dir.path(), &["check", "-o", "json"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(kinds(&report).iter().all(|k| !k.starts_with("sp-")));
    assert!(
        report["incomplete"].as_array().unwrap().iter().any(|l| l.as_str().unwrap().contains("Application.Read.All"))
    );

    // --no-graph skips it on purpose: complete, with a note.
    let (r, report) = run(&mock, dir.path(), &["check", "--no-graph", "-o", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(report["complete"], true, "{}", report["incomplete"]);
    assert!(report["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("--no-graph")));
    assert!(
        mock.requests().iter().filter(|e| e.path.starts_with("/v1.0/")).count() >= 1,
        "the earlier run asked Graph"
    );

    // A snapshot taken without --graph: the note says what happened, and
    // does not blame a --no-graph flag that was never given.
    let snap = dir.path().join("no-graph.json");
    let flags = demo_flags(&mock, dir.path());
    let mut args: Vec<&str> = flags.iter().map(String::as_str).collect();
    args.extend(["snapshot", "-o", snap.to_str().unwrap()]);
    let r = azaudit_raw(&mock, &[("AZAUDIT_NOW", NOW)], &args);
    r.assert_no_panic();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (_, report) = run(&mock, dir.path(), &["check", "--from", snap.to_str().unwrap(), "-o", "json"]);
    let notes: Vec<&str> = report["notes"].as_array().unwrap().iter().filter_map(|n| n.as_str()).collect();
    let sp = notes.iter().find(|n| n.starts_with("sp-expiry: not run")).expect("a note on sp-expiry");
    assert!(sp.contains("has no Microsoft Graph data") && sp.contains("snapshot --graph"), "{sp}");
    assert!(!sp.contains("--no-graph"), "{sp}");
}
