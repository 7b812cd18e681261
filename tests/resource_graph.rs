//! `--source resource-graph`: the demo scenario read through the mock's
//! Azure Resource Graph (KQL subset, `$skipToken` paging, per-user quota),
//! every finding confirmed by an ARM read before it is reported, and a
//! lagging index that must not produce a single finding from stale data.

use crate::common::*;
use azure_mock::scenario::{Action, Fault};
use azure_mock::{MockServer, Scenario};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn orphans(mock: &MockServer, dir: &Path, extra: &[&str]) -> (Run, Value) {
    let mut args = vec!["orphans", "--subscription", DEMO_SUB, "-o", "json"];
    args.extend_from_slice(extra);
    let run = azaudit_cluster(mock, dir, &args);
    run.assert_no_panic();
    let report = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
    (run, report)
}

fn found(report: &Value) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].as_str().unwrap().to_string(), f["resource_id"].as_str().unwrap().to_ascii_lowercase()))
        .collect()
}

fn graph_requests(mock: &MockServer) -> Vec<azure_mock::LogEntry> {
    mock.requests().into_iter().filter(|r| r.path.ends_with("Microsoft.ResourceGraph/resources")).collect()
}

fn id_of(sc: &Scenario, name: &str) -> String {
    sc.resources.iter().find(|r| r["name"] == name).and_then(|r| r["id"].as_str()).unwrap().to_string()
}

#[test]
fn both_sources_give_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    let mock = start(demo_scenario());
    let (run, arm) = orphans(&mock, dir.path(), &["--source", "arm"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(graph_requests(&mock).is_empty(), "--source arm asks ARM only");

    let mock = start(demo_scenario());
    let (run, graph) = orphans(&mock, dir.path(), &["--source", "resource-graph"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(graph["complete"], true, "{}", graph["incomplete"]);
    assert!(!found(&arm).is_empty());
    assert_eq!(found(&graph), found(&arm));
    // The same evidence, from the same (confirmed) data; the demo's ARM
    // lists vary resource-group case in references as real ARM does, so
    // case is not compared.
    assert_eq!(
        graph["findings"].to_string().to_ascii_lowercase(),
        arm["findings"].to_string().to_ascii_lowercase(),
        "the same evidence"
    );
    // Which subscriptions it can read, then one query per indexed type (the
    // demo fits one page each), and one confirmation per object the
    // findings name (a sub-resource's parent).
    let queries = graph_requests(&mock);
    assert_eq!(queries.len(), 1 + 11, "{queries:?}");
    assert!(queries.iter().all(|q| q.status == 200 && q.method == "POST"));
    let objects: BTreeSet<String> = graph["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| {
            let id = f["resource_id"].as_str().unwrap().to_ascii_lowercase();
            let parts: Vec<&str> = id.split('/').collect();
            (parts.len() >= 9).then(|| parts[..9].join("/"))
        })
        .collect();
    assert_eq!(graph["stats"]["confirmations"], objects.len() as u64);
    let gets = mock.requests().into_iter().filter(|r| r.method == "GET" && r.path.split('/').count() == 9).count();
    assert_eq!(gets, objects.len(), "one ARM read per object, no more");
}

#[test]
fn a_lagging_index_reports_nothing_from_stale_data() {
    let mut sc = demo_scenario();
    // The index as it was; then, in ARM, the orphaned disk is deleted and
    // the unattached IP `forgotten` is attached to a NIC.
    sc.resource_graph.index = Some(sc.resources.clone());
    let disk = id_of(&sc, "pvc-0d3c6f1e-2b4a-4c8d-9e7f-6a5b4c3d2e1f");
    let ip = id_of(&sc, "forgotten");
    let nic_ipconfig = format!(
        "{}/providers/Microsoft.Network/networkInterfaces/jumpbox-nic/ipConfigurations/ipconfig1",
        ip.split("/providers/").next().unwrap()
    );
    sc.resources.retain(|r| r["id"] != disk.as_str());
    for r in sc.resources.iter_mut().filter(|r| r["id"] == ip.as_str()) {
        r["properties"]["ipConfiguration"] = serde_json::json!({ "id": nic_ipconfig });
    }
    // And the internal load balancer behind the orphaned private link
    // service is retagged: the PLS itself is as indexed, but its verdict
    // read that load balancer.
    let internal = id_of(&sc, "kubernetes-internal");
    for r in sc.resources.iter_mut().filter(|r| r["id"] == internal.as_str()) {
        r["tags"] = serde_json::json!({ "team": "platform" });
    }
    let pls = id_of(&sc, "pls-a5d4c3b2a1f04e9d8c7b6a5f4e3d2c1b");
    let mock = start(sc);
    let dir = tempfile::tempdir().unwrap();
    let (run, report) = orphans(&mock, dir.path(), &["--source", "resource-graph"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(report["complete"], true, "{}", report["incomplete"]);
    let names: BTreeSet<String> =
        report["findings"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().to_string()).collect();
    assert!(!names.contains("pvc-0d3c6f1e-2b4a-4c8d-9e7f-6a5b4c3d2e1f"), "deleted after indexing: {names:?}");
    assert!(!names.contains("forgotten"), "attached after indexing: {names:?}");
    assert!(!names.contains("pls-a5d4c3b2a1f04e9d8c7b6a5f4e3d2c1b"), "its load balancer changed: {names:?}");
    assert!(names.contains("old-bastion-ip"), "an unchanged orphan is still reported: {names:?}");
    // (Notes with one reason are grouped: "2 objects not judged (A, B): ...".)
    let notes: Vec<&str> = report["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    let noted = |id: &str, why: &str| notes.iter().any(|n| n.contains(id) && n.contains(why));
    assert!(noted(&disk, "not judged: it is no longer in ARM"), "{notes:?}");
    assert!(noted(&ip, "it changed after Resource Graph indexed it"), "{notes:?}");
    assert!(noted(&pls, &format!("not judged: {internal}, which its verdict reads, changed")), "{notes:?}");
}

#[test]
fn the_quota_is_honoured_and_a_refused_type_is_read_from_arm() {
    let mut sc = demo_scenario();
    sc.resource_graph.quota = 3;
    sc.resource_graph.window_secs = 1;
    sc.resource_graph.unsupported_types = vec!["microsoft.compute/disks".into()];
    let mock = start(sc);
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    let run = azaudit_cluster(
        &mock,
        dir.path(),
        &["snapshot", "--subscription", DEMO_SUB, "--source", "resource-graph", "-o", snap.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let queries = graph_requests(&mock);
    assert!(queries.len() > 3, "more queries than one window allows: {}", queries.len());
    assert!(queries.iter().all(|q| q.status != 429), "no query beyond the quota: {queries:?}");
    let snap = read_json(&snap);
    let source = |kind: &str| -> Vec<String> {
        snap["lists"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["kind"] == kind)
            .map(|l| l["source"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(source("disks"), ["arm"], "422: read from ARM");
    assert_eq!(source("publicIPAddresses"), ["resource-graph"]);
    assert_eq!(source("locks"), ["arm"], "not in Resource Graph's resources table");
    assert_eq!(source("fileShares").iter().collect::<BTreeSet<_>>(), [&"arm".to_string()].into_iter().collect());
    assert!(snap["lists"].as_array().unwrap().iter().all(|l| l["read_at"].is_string()));
    // Offline, the snapshot's confirmations stand in for ARM.
    let snap_file = dir.path().join("snap.json");
    let run = azaudit_env(&[], &["orphans", "--from", snap_file.to_str().unwrap(), "-o", "json"]);
    run.assert_no_panic();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let offline: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(!offline["findings"].as_array().unwrap().is_empty());
    assert!(!offline["notes"].to_string().contains("not confirmed"), "{}", offline["notes"]);
}

#[test]
fn a_cut_scope_or_a_failed_confirmation_is_incomplete() {
    // Resource Graph says it answered for fewer subscriptions than asked.
    let mut sc = demo_scenario();
    sc.resource_graph.subscription_limit = Some(0);
    let mock = start(sc);
    let dir = tempfile::tempdir().unwrap();
    let (run, report) = orphans(&mock, dir.path(), &["--source", "resource-graph"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(report["incomplete"].to_string().contains("subscription limit"), "{}", report["incomplete"]);
    assert!(
        report["findings"].as_array().unwrap().iter().all(|f| !f["kind"].as_str().unwrap().starts_with("public-ip"))
    );

    // A subscription Resource Graph does not show the caller answers with no
    // rows and no error: its lists are incomplete, not empty.
    let mut sc = demo_scenario();
    sc.resource_graph.unreadable_subscriptions = vec![DEMO_SUB.into()];
    let mock = start(sc);
    let (run, report) = orphans(&mock, dir.path(), &["--source", "resource-graph"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(report["incomplete"].to_string().contains("does not show subscription"), "{}", report["incomplete"]);
    assert!(
        report["findings"].as_array().unwrap().iter().all(|f| !f["kind"].as_str().unwrap().starts_with("public-ip"))
    );

    // ARM cannot be read for one object: no verdict on it, and the run says so.
    let sc = demo_scenario();
    let disk = id_of(&sc, "pvc-0d3c6f1e-2b4a-4c8d-9e7f-6a5b4c3d2e1f");
    let mut sc = sc;
    sc.faults.push(Fault::on(Action::ServerError { status: 500 }, "pvc-0d3c6f1e-2b4a-4c8d-9e7f-6a5b4c3d2e1f$"));
    let mock = start(sc);
    let (run, report) = orphans(&mock, dir.path(), &["--source", "resource-graph", "--max-retries", "0"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let incomplete = report["incomplete"].to_string();
    assert!(incomplete.contains(&format!("confirming {disk} with ARM")), "{incomplete}");
    assert!(!report["findings"].to_string().contains("pvc-0d3c6f1e"), "no verdict on it");
}
