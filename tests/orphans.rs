//! `azaudit orphans` end to end: the real binary against the mock Azure and
//! the mock cluster (the bundled demo scenario), with live and file cluster
//! sources, fail-closed behaviour, `--from`, exit codes, and `azaudit demo`.

use crate::common::*;
use azure_mock::scenario::{Action, Fault};
use azure_mock::{MockServer, Scenario};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

const SUB: &str = "3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

fn with_faults(faults: Vec<Fault>) -> Scenario {
    let mut sc = demo_scenario();
    sc.faults = faults;
    sc
}

/// Every finding the demo scenario must produce, and no other.
fn expected() -> BTreeSet<(String, String)> {
    [
        ("public-ip-orphaned", "kubernetes-a0b1c2d3e4f5061728394a5b6c7d8e9f"),
        ("public-ip-orphaned", "kubernetes-a1b2c3d4e5f60718293a4b5c6d7e8f90"),
        ("public-ip-orphaned", "kubernetes-a7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2"),
        ("public-ip-unattached", "forgotten"),
        ("public-ip-unattached", "old-bastion-ip"),
        ("public-ip-failed", "kubernetes-a5d6e7f8091a2b3c4d5e6f708192a3b4"),
        ("lb-frontend-orphaned", "a0b1c2d3e4f5061728394a5b6c7d8e9f"),
        ("lb-rule-orphaned", "a0b1c2d3e4f5061728394a5b6c7d8e9f-TCP-80"),
        ("lb-probe-orphaned", "a0b1c2d3e4f5061728394a5b6c7d8e9f-TCP-80"),
        ("lb-idle", "retired-lb"),
        ("backend-pool-empty", "kubernetes"),
        ("nsg-rule-stale", "a0b1c2d3e4f5061728394a5b6c7d8e9f-TCP-80-Internet"),
        ("nsg-rule-stale", "k8s-azure-lb_allow_IPv4_9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49"),
        ("disk-orphaned", "pvc-0d3c6f1e-2b4a-4c8d-9e7f-6a5b4c3d2e1f"),
        ("pls-orphaned", "pls-a5d4c3b2a1f04e9d8c7b6a5f4e3d2c1b"),
        ("route-stale", "aks-nodepool1-12345678-vmss000003____102443024"),
        ("route-stale", "aks-gpupool-31415926-vmss000000____102448024"),
        ("snapshot-orphaned", "snapshot-8e9f0a1b-2c3d-4e5f-8a6b-7c8d9e0f1a2b"),
        ("file-share-orphaned", "pvc-9f8e7d6c-5b4a-4392-8171-6f5e4d3c2b1a"),
        ("blob-container-orphaned", "pvc-3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"),
        ("storage-account-empty", "f0e9d8c7b6a5f4e3d2c1b0a"),
    ]
    .iter()
    .map(|(k, n)| (k.to_string(), n.to_string()))
    .collect()
}

fn found(report: &Value) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].as_str().unwrap().to_string(), f["name"].as_str().unwrap().to_string()))
        .collect()
}

fn orphans_live(mock: &MockServer, dir: &Path, extra: &[&str]) -> (Run, Value) {
    let mut args = vec!["orphans", "--subscription", SUB, "-o", "json"];
    args.extend_from_slice(extra);
    let run = azaudit_cluster(mock, dir, &args);
    run.assert_no_panic();
    let report = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
    (run, report)
}

/// The demo cluster as `kubectl get services,nodes,persistentvolumes,volumesnapshotcontents -A -o json` prints it.
fn kubectl_file(sc: &Scenario, dir: &Path) -> std::path::PathBuf {
    let c = sc.cluster.as_ref().unwrap();
    let contents = c.volume_snapshot_contents.iter().flatten();
    let items: Vec<Value> =
        c.services.iter().chain(&c.nodes).chain(&c.persistent_volumes).chain(contents).cloned().collect();
    let list = json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items});
    let path = dir.join("cluster.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&list).unwrap()).unwrap();
    path
}

#[test]
fn live_cluster_gives_exactly_the_expected_findings() {
    let mock = start(demo_scenario());
    let dir = tempfile::tempdir().unwrap();
    let (run, report) = orphans_live(&mock, dir.path(), &[]);
    assert_eq!(run.code, 1, "findings at or above warning exit 1: {}", run.stderr);
    assert_eq!(report["schema"], "azaudit.report/v1");
    assert_eq!(report["complete"], true, "{}", report["incomplete"]);
    assert_eq!(found(&report), expected());

    // The details that make a finding actionable.
    let by = |kind: &str, name: &str| {
        report["findings"].as_array().unwrap().iter().find(|f| f["kind"] == kind && f["name"] == name).unwrap().clone()
    };
    let pip = by("public-ip-orphaned", "kubernetes-a0b1c2d3e4f5061728394a5b6c7d8e9f");
    assert_eq!(pip["service"], "shop/old-api");
    assert_eq!(pip["cluster"], "kubernetes");
    assert_eq!(pip["cost"]["approximate"], true);
    assert!(pip["reason"].as_str().unwrap().contains("keeps DNS label 'old-api'"));
    assert_eq!(pip["evidence"]["service_tag"]["k8s-azure-service"], "shop/old-api");
    let fe = by("lb-frontend-orphaned", "a0b1c2d3e4f5061728394a5b6c7d8e9f");
    assert!(
        fe["resource_id"]
            .as_str()
            .unwrap()
            .ends_with("/loadBalancers/kubernetes/frontendIPConfigurations/a0b1c2d3e4f5061728394a5b6c7d8e9f")
    );
    let locked = by("public-ip-unattached", "forgotten");
    assert_eq!(locked["severity"], "info");
    assert_eq!(locked["locks"][0]["level"], "CanNotDelete");
    let pool = by("backend-pool-empty", "kubernetes");
    assert_eq!(pool["severity"], "critical");
    assert!(
        pool["reason"].as_str().unwrap().contains("registered by hostname without an Azure providerID: edge-worker-1")
    );
    assert!(
        pool["resource_id"]
            .as_str()
            .unwrap()
            .contains("/loadBalancers/kubernetes-internal/backendAddressPools/kubernetes")
    );
    let partial = by("nsg-rule-stale", "k8s-azure-lb_allow_IPv4_9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49");
    assert_eq!(partial["evidence"]["dead_destinations"], json!(["20.31.10.11"]));
    assert!(report["summary"]["monthly_waste_usd"].as_f64().unwrap() > 50.0);
    assert_eq!(report["summary"]["findings"], expected().len());
}

#[test]
fn cluster_file_gives_the_same_findings_as_the_live_cluster() {
    let sc = demo_scenario();
    let mock = start(sc.clone());
    let dir = tempfile::tempdir().unwrap();
    let file = kubectl_file(&sc, dir.path());
    let run = azaudit_raw(
        &mock,
        &[],
        &["orphans", "--subscription", SUB, "-o", "json", "--cluster-file", file.to_str().unwrap()],
    );
    run.assert_no_panic();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["complete"], true, "{}", report["incomplete"]);
    assert_eq!(found(&report), expected());
}

#[test]
fn from_snapshot_gives_the_same_findings_as_the_live_run() {
    let mock = start(demo_scenario());
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    let run = azaudit_cluster(&mock, dir.path(), &["snapshot", "--subscription", SUB, "-o", snap.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (_, live) = orphans_live(&mock, dir.path(), &[]);
    // Offline: no mock, no credentials, no kubeconfig.
    let run = azaudit_env(&[], &["orphans", "--from", snap.to_str().unwrap(), "-o", "json"]);
    run.assert_no_panic();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let offline: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(offline["findings"], live["findings"]);
    assert_eq!(found(&offline), expected());
}

#[test]
fn cluster_services_403_withholds_public_ip_orphans_and_exits_3() {
    let mock = start(with_faults(vec![Fault::on(Action::Forbidden, "/api/v1/services")]));
    let dir = tempfile::tempdir().unwrap();
    let (run, report) = orphans_live(&mock, dir.path(), &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(report["complete"], false);
    let kinds: BTreeSet<String> = found(&report).into_iter().map(|(k, _)| k).collect();
    for k in
        ["public-ip-orphaned", "public-ip-unattached", "lb-frontend-orphaned", "lb-rule-orphaned", "nsg-rule-stale"]
    {
        assert!(!kinds.contains(k), "{k} reported without the Services: {kinds:?}");
    }
    // Verdicts that do not need the Services are still made.
    assert!(
        kinds.contains("public-ip-failed") && kinds.contains("lb-idle") && kinds.contains("disk-orphaned"),
        "{kinds:?}"
    );
    let withheld = report["withheld"].as_array().unwrap();
    assert!(
        withheld.iter().any(|w| w["kinds"].as_array().unwrap().contains(&json!("public-ip-orphaned"))
            && w["reason"].as_str().unwrap().contains("services were not read completely")),
        "{withheld:?}"
    );
    assert!(
        report["incomplete"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l.as_str().unwrap().starts_with("cluster services: list failed: HTTP 403"))
    );
    assert!(run.stderr.contains("incomplete: cluster services"), "{}", run.stderr);
}

#[test]
fn cluster_nodes_403_gives_no_pool_verdict() {
    let mock = start(with_faults(vec![Fault::on(Action::Forbidden, "/api/v1/nodes")]));
    let dir = tempfile::tempdir().unwrap();
    let (run, report) = orphans_live(&mock, dir.path(), &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let kinds: BTreeSet<String> = found(&report).into_iter().map(|(k, _)| k).collect();
    assert!(!kinds.contains("backend-pool-empty"), "{kinds:?}");
    // Without the nodes, the node resource group (from their labels) is
    // unknown, and another AKS cluster shares the subscription: nothing that
    // depends on telling the clusters apart is judged.
    assert!(!kinds.contains("public-ip-orphaned"), "{kinds:?}");
    assert!(
        report["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("node resource group is unknown")),
        "{}",
        report["notes"]
    );

    // Naming the node resource group restores those verdicts, but still no pool verdict.
    let (run, report) = orphans_live(&mock, dir.path(), &["-g", "MC_aks-prod_aks-prod_westeurope"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let kinds: BTreeSet<String> = found(&report).into_iter().map(|(k, _)| k).collect();
    assert!(!kinds.contains("backend-pool-empty"), "{kinds:?}");
    assert!(kinds.contains("public-ip-orphaned") && kinds.contains("lb-frontend-orphaned"), "{kinds:?}");
    assert!(
        // NSG destinations need the nodes too: node IPs are wanted ones.
        report["withheld"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["kinds"] == json!(["backend-pool-empty", "nsg-rule-stale", "route-stale"])
                && w["reason"].as_str().unwrap().contains("nodes were not read completely")),
        "{}",
        report["withheld"]
    );
}

#[test]
fn public_ip_list_403_gives_no_public_ip_verdicts() {
    let mock = start(with_faults(vec![Fault::on(Action::Forbidden, "publicIPAddresses")]));
    let dir = tempfile::tempdir().unwrap();
    let (run, report) = orphans_live(&mock, dir.path(), &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let kinds: BTreeSet<String> = found(&report).into_iter().map(|(k, _)| k).collect();
    assert!(kinds.iter().all(|k| !k.starts_with("public-ip-")), "{kinds:?}");
    assert!(kinds.contains("lb-frontend-orphaned"), "{kinds:?}");
    assert!(
        report["incomplete"].as_array().unwrap().iter().any(|l| l.as_str().unwrap().contains("AuthorizationFailed")),
        "{}",
        report["incomplete"]
    );
}

#[test]
fn no_cluster_withholds_every_cross_reference_and_exits_3() {
    let mock = start(demo_scenario());
    let run = azaudit(&mock, &["orphans", "--subscription", SUB, "-o", "json"]);
    run.assert_no_panic();
    assert_eq!(run.code, 3, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let kinds: BTreeSet<String> = found(&report).into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["lb-idle", "public-ip-failed"].iter().map(|s| s.to_string()).collect());
    assert!(report["incomplete"].as_array().unwrap().iter().any(|l| l.as_str().unwrap().contains("--no-cluster")));
}

#[test]
fn fail_on_thresholds_and_table_output() {
    let mock = start(demo_scenario());
    let dir = tempfile::tempdir().unwrap();
    let (run, _) = orphans_live(&mock, dir.path(), &["--fail-on", "never"]);
    assert_eq!(run.code, 0);
    let (run, _) = orphans_live(&mock, dir.path(), &["--fail-on", "critical"]);
    assert_eq!(run.code, 1, "backend-pool-empty is critical");
    let run = azaudit_cluster(&mock, dir.path(), &["orphans", "--subscription", SUB, "-o", "table"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("Public IPs whose Services are gone (public-ip-orphaned, 3)"), "{}", run.stdout);
    assert!(run.stdout.contains("forgotten [lock: CanNotDelete]"), "{}", run.stdout);
    let summary = run.stdout.lines().find(|l| l.starts_with("Summary:")).expect("summary line");
    assert!(
        summary.contains("21 findings (1 critical, 17 warning, 3 info)") && summary.contains("estimated waste ~$"),
        "{summary}"
    );
    // Written atomically to a file on request.
    let out = dir.path().join("report.json");
    let run = azaudit_cluster(
        &mock,
        dir.path(),
        &["orphans", "--subscription", SUB, "-o", "json", "--output-file", out.to_str().unwrap()],
    );
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    assert_eq!(found(&read_json(&out)), expected());
}

#[test]
fn the_embedded_demo_shows_every_finding_kind() {
    setup();
    let run = azaudit_env(&[], &["demo", "orphans", "-o", "json", "-q"]);
    run.assert_no_panic();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(found(&report), expected());
    let kinds: BTreeSet<String> = found(&report).into_iter().map(|(k, _)| k).collect();
    // Every orphan kind (suppression-expired comes from `check`'s suppressions).
    let all = azaudit::checks::kinds(azaudit::findings::Audit::Orphans).len() - 1;
    assert_eq!(kinds.len(), all, "every finding kind: {kinds:?}");
}

/// The finding kinds whose verdicts depend on each ARM list (`orphans`):
/// when that list is incomplete, those verdicts may be withheld, and no
/// other verdict may change. Public IPs depend on load balancers too: a
/// leftover IP held by a frontend is only called orphaned once that
/// frontend is known to be a leftover itself.
fn dependent(list: &str) -> &'static [&'static str] {
    match list {
        "publicIPAddresses" => &["public-ip-orphaned", "public-ip-unattached", "public-ip-failed"],
        "loadBalancers" => &[
            "lb-frontend-orphaned",
            "lb-rule-orphaned",
            "lb-probe-orphaned",
            "lb-idle",
            "backend-pool-empty",
            "public-ip-orphaned",
            // Its frontend's load balancer is a reference.
            "pls-orphaned",
        ],
        // The cluster's pod CIDR comes from its AKS cluster.
        "managedClusters" => &["route-stale"],
        "privateLinkServices" => &["pls-orphaned"],
        "routeTables" => &["route-stale"],
        "snapshots" => &["snapshot-orphaned"],
        // Without the accounts there is nothing to list shares and
        // containers under.
        "storageAccounts" => &["storage-account-empty", "file-share-orphaned", "blob-container-orphaned"],
        "fileShares" => &["file-share-orphaned", "storage-account-empty"],
        "blobContainers" => &["blob-container-orphaned", "storage-account-empty"],
        "networkSecurityGroups" => &["nsg-rule-stale"],
        "disks" => &["disk-orphaned"],
        _ => &[],
    }
}

/// The fault matrix: every mock fault on every list kind. Each cell must
/// give exit 3, exactly that list marked incomplete, no verdict that
/// depends on it drawn from the partial data, and every other verdict
/// unchanged. (README: "Fault matrix".)
#[test]
fn every_fault_on_every_list_fails_closed_and_leaves_the_rest_alone() {
    let lists = [
        "publicIPAddresses",
        "loadBalancers",
        "networkSecurityGroups",
        "networkInterfaces",
        "natGateways",
        "disks",
        "managedClusters",
        "Microsoft.Authorization/locks",
        "privateLinkServices",
        "routeTables",
        "Microsoft.Compute/snapshots",
        // The accounts' own list (anchored at the path's end: the lists
        // under each account contain `storageAccounts` too), then the lists
        // under each tagged account.
        "Microsoft.Storage/storageAccounts$",
        "fileServices/default/shares",
        "blobServices/default/containers",
    ];
    let faults: Vec<(&str, Action, &[&str])> = vec![
        // A throttle that never lets up, with a Retry-After inside the
        // budget: the list gives up, the subscription's other lists wait it
        // out. (A Retry-After beyond the budget holds the whole subscription
        // and cuts every list: tests/snapshot.rs.)
        ("throttle", Action::Throttle { retry_after_secs: 1, as_date: false, retry_after_ms: None }, &[]),
        ("busy", Action::Busy { retry_after_secs: 1 }, &[]),
        ("server_error", Action::ServerError { status: 503 }, &[]),
        ("reset", Action::Reset, &[]),
        ("truncate", Action::Truncate, &[]),
        ("invalid_json", Action::InvalidJson, &[]),
        ("next_link_loop", Action::NextLinkLoop, &[]),
        ("forbidden", Action::Forbidden, &[]),
        ("latency", Action::Latency { ms: 4000 }, &["--deadline", "2s"]),
    ];
    let baseline = expected();
    let cells: Vec<(&str, &str, Action, &[&str])> =
        lists.iter().flat_map(|l| faults.iter().map(move |(n, a, extra)| (*l, *n, a.clone(), *extra))).collect();
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for chunk in cells.chunks(cells.len().div_ceil(4)) {
            let (baseline, failures) = (&baseline, &failures);
            scope.spawn(move || {
                for (list, name, action, extra) in chunk {
                    // A loop needs a second page; the others hit page 0.
                    let page = if *name == "next_link_loop" { None } else { Some(0) };
                    let fault = Fault { page, ..Fault::on(action.clone(), list) };
                    let mut sc = with_faults(vec![fault]);
                    // One fault per cell: no emulated read bucket beside it.
                    sc.throttle.enabled = false;
                    let mock = start(sc);
                    let dir = tempfile::tempdir().unwrap();
                    // The rate limit is not under test here: without it a cell
                    // takes as long as its requests at 10 per second.
                    let mut args = vec!["--max-retries", "1", "--retry-budget", "3", "--max-rps", "1000"];
                    args.extend_from_slice(extra);
                    let (run, report) = orphans_live(&mock, dir.path(), &args);
                    let short = match list.trim_end_matches('$').rsplit('/').next().unwrap() {
                        "shares" => "fileShares",
                        "containers" => "blobContainers",
                        s => s,
                    };
                    let mut why = Vec::new();
                    if run.code != 3 {
                        why.push(format!("exit {}", run.code));
                    }
                    let incomplete: Vec<&str> =
                        report["incomplete"].as_array().unwrap().iter().filter_map(|l| l.as_str()).collect();
                    if !incomplete.iter().any(|l| l.contains(short)) {
                        why.push(format!("{short} not named incomplete: {incomplete:?}"));
                    }
                    let others: Vec<&&str> = incomplete
                        .iter()
                        .filter(|l| !(l.contains(short) || *name == "latency" && l.contains("deadline")))
                        .collect();
                    if !others.is_empty() {
                        why.push(format!("other lists incomplete: {others:?}"));
                    }
                    let got = found(&report);
                    let extra_findings: Vec<_> = got.difference(baseline).collect();
                    if !extra_findings.is_empty() {
                        why.push(format!("verdicts from partial data: {extra_findings:?}"));
                    }
                    let deps = dependent(short);
                    let lost: Vec<_> = baseline.difference(&got).filter(|(k, _)| !deps.contains(&k.as_str())).collect();
                    if !lost.is_empty() {
                        why.push(format!("unrelated verdicts lost: {lost:?}"));
                    }
                    if !why.is_empty() {
                        failures.lock().unwrap().push(format!("{name} on {short}: {}", why.join("; ")));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{} of {} cells failed:\n{}", failures.len(), cells.len(), failures.join("\n"));
}
