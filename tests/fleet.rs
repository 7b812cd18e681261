//! A fleet run: several clusters' views in one run (cluster files tagged
//! `NAME=FILE`), each cluster's resources judged against its own view, an
//! AKS cluster without a view named with its verdicts withheld, and
//! resource groups of the same name in two subscriptions told apart.

use crate::common::*;
use azure_mock::Scenario;
use azure_mock::synth::{self, Params};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const STAGING_RG: &str = "MC_aks-staging_aks-staging_westeurope";
const STAGING_IP: &str = "kubernetes-ab12cd34ef56ab78cd90ef12ab34cd56";

fn write_list(dir: &Path, name: &str, items: Vec<Value>) -> PathBuf {
    let path = dir.join(name);
    let list = json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items});
    std::fs::write(&path, serde_json::to_vec_pretty(&list).unwrap()).unwrap();
    path
}

/// The demo's own cluster (aks-prod) as kubectl prints it.
fn prod_file(sc: &Scenario, dir: &Path) -> PathBuf {
    let c = sc.cluster.as_ref().unwrap();
    let items = c
        .services
        .iter()
        .chain(&c.nodes)
        .chain(&c.persistent_volumes)
        .chain(c.volume_snapshot_contents.iter().flatten())
        .cloned()
        .collect();
    write_list(dir, "prod.json", items)
}

/// A cluster of one node in `rg`, with no Services, volumes or snapshots:
/// the files kubectl would give for it, tagged `label`.
fn one_node_cluster(dir: &Path, label: &str, rg: &str) -> Vec<String> {
    let mut files = vec![write_list(dir, &format!("{label}-nodes.json"), vec![node(&format!("{label}-0"), rg)])];
    for kind in ["ServiceList", "PersistentVolumeList", "VolumeSnapshotContentList"] {
        let path = dir.join(format!("{label}-{kind}.json"));
        let empty = json!({"apiVersion": "v1", "kind": kind, "metadata": {"resourceVersion": ""}, "items": []});
        std::fs::write(&path, empty.to_string()).unwrap();
        files.push(path);
    }
    files.into_iter().map(|f| format!("{label}={}", f.display())).collect()
}

/// The demo, with its retired (idle) load balancer copied into aks-staging's
/// node resource group as `name`.
fn demo_with_staging_lb(name: &str) -> Scenario {
    let mut sc = demo_scenario();
    let idle = sc.resources.iter().find(|r| r["name"] == "retired-lb").unwrap().to_string();
    let copy = idle.replace("MC_aks-prod_aks-prod_westeurope", STAGING_RG).replace("retired-lb", name);
    sc.resources.push(serde_json::from_str(&copy).unwrap());
    sc
}

/// A view of each of the demo's three AKS clusters: aks-prod's own cluster
/// (`prod`), and one node each for aks-staging (`staging`) and aks-legacy
/// (`legacy`), with no Services, volumes or snapshots.
fn three_views(sc: &Scenario, dir: &Path) -> Vec<String> {
    let prod = prod_file(sc, dir);
    let mut files = vec![format!("prod={}", prod.display())];
    files.extend(one_node_cluster(dir, "staging", STAGING_RG));
    files.extend(one_node_cluster(dir, "legacy", "MC_aks-legacy_aks-legacy_westeurope"));
    files
}

/// Views of aks-prod (`prod`) and of a second, self-managed cluster
/// elsewhere (`edge`, one node in edge-rg): aks-staging has no view.
fn prod_and_edge(sc: &Scenario, dir: &Path) -> Vec<String> {
    let prod = prod_file(sc, dir);
    let mut files = vec![format!("prod={}", prod.display())];
    files.extend(one_node_cluster(dir, "edge", "edge-rg"));
    files
}

/// A node of a cluster whose node resource group is `rg`.
fn node(name: &str, rg: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.azure.com/cluster": rg}},
        "spec": {"providerID": format!("azure:///subscriptions/{DEMO_SUB}/resourceGroups/{}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-99999999-vmss/virtualMachines/0", rg.to_ascii_lowercase())},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
}

fn fleet(mock: &azure_mock::MockServer, files: &[String], extra: &[&str]) -> (Run, Value) {
    fleet_of("orphans", mock, files, extra)
}

/// `command` over the demo subscription with these views.
fn fleet_of(command: &str, mock: &azure_mock::MockServer, files: &[String], extra: &[&str]) -> (Run, Value) {
    let mut args = vec![command, "--subscription", DEMO_SUB];
    for f in files {
        args.extend(["--cluster-file", f.as_str()]);
    }
    args.extend_from_slice(extra);
    let run = azaudit_raw(mock, &[], &args);
    run.assert_no_panic();
    let report = if extra.contains(&"prometheus") || extra.contains(&"table") {
        Value::Null
    } else {
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr))
    };
    (run, report)
}

#[test]
fn each_cluster_is_judged_against_its_own_view() {
    let sc = demo_scenario();
    let mock = start(sc.clone());
    let dir = tempfile::tempdir().unwrap();
    let prod = prod_file(&sc, dir.path());
    // aks-staging: one node, and no Service any more for web/old; the
    // demo's third cluster, aks-legacy, has its view too.
    let files = three_views(&sc, dir.path());

    // Alone, aks-prod's view cannot judge aks-staging's IP.
    let run = azaudit_raw(
        &mock,
        &[],
        &["orphans", "--subscription", DEMO_SUB, "-o", "json", "--cluster-file", prod.to_str().unwrap()],
    );
    let alone: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(!alone["findings"].to_string().contains(STAGING_IP));

    let (run, report) = fleet(&mock, &files, &["-o", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(report["complete"], true, "{} {}", report["incomplete"], report["withheld"]);
    let findings = report["findings"].as_array().unwrap();
    let staging_ip = findings.iter().find(|f| f["name"] == STAGING_IP).expect("judged against staging's view");
    assert_eq!(staging_ip["kind"], "public-ip-orphaned");
    assert_eq!(staging_ip["cluster"], "staging");
    // aks-prod's findings are the ones it has alone, labelled with its view.
    let prod_found: Vec<&Value> = findings.iter().filter(|f| f["cluster"] == "prod").collect();
    assert_eq!(prod_found.len(), alone["findings"].as_array().unwrap().len());
    assert_eq!(report["summary"]["by_cluster"]["staging"], 1);
    assert_eq!(report["fleet"][0]["label"], "staging");
    assert_eq!(report["fleet"][1]["label"], "legacy");
    assert_eq!(report["fleet"][0]["node_resource_group"], STAGING_RG);

    // -g naming both clusters' groups: each group is still judged by its
    // own view only (a flag names one cluster's at most).
    let (run, narrowed) =
        fleet(&mock, &files, &["-o", "json", "-g", "MC_aks-prod_aks-prod_westeurope", "-g", STAGING_RG]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // (-g narrows the lists to those two groups: compare what is in them.)
    let key = |r: &Value| -> std::collections::BTreeSet<String> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                let g = f["resource_group"].as_str().unwrap_or("");
                g.eq_ignore_ascii_case("MC_aks-prod_aks-prod_westeurope") || g.eq_ignore_ascii_case(STAGING_RG)
            })
            .map(|f| format!("{} {} {}", f["kind"], f["resource_id"], f["cluster"]))
            .collect()
    };
    // Nothing more, nothing labelled otherwise (less is fine: -g also
    // leaves out the AKS cluster's own group, whose pod CIDR route-stale needs).
    let (a, b) = (key(&narrowed), key(&report));
    assert!(a.is_subset(&b), "only with -g: {:?}", a.difference(&b).collect::<Vec<_>>());
    assert!(a.iter().any(|k| k.contains(STAGING_IP) && k.ends_with("\"staging\"")));

    // Prometheus carries the cluster; the table shows it.
    let (run, _) = fleet(&mock, &files, &["-o", "prometheus"]);
    assert!(run.stdout.contains(&format!("name=\"{STAGING_IP}\",cluster=\"staging\"")), "{}", run.stdout);
    let (run, _) = fleet(&mock, &files, &["-o", "table"]);
    assert!(run.stdout.contains("CLUSTER"), "{}", run.stdout);
}

#[test]
fn a_cluster_without_a_view_is_named_and_its_verdicts_withheld() {
    // The retired load balancer, copied into aks-staging's node resource
    // group: idle there too, which needs no cluster to tell.
    let sc = demo_with_staging_lb("staging-idle-lb");
    let mock = start(sc.clone());
    let dir = tempfile::tempdir().unwrap();
    let files = prod_and_edge(&sc, dir.path());
    let (run, report) = fleet(&mock, &files, &["-o", "json"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let withheld = report["withheld"].to_string();
    assert!(withheld.contains("AKS cluster aks-staging") && withheld.contains(STAGING_RG), "{withheld}");
    assert!(!report["findings"].to_string().contains(STAGING_IP), "a cross-reference verdict: withheld");
    assert!(report["findings"].as_array().unwrap().iter().any(|f| f["cluster"] == "prod"));
    // An Azure-only verdict is still made in its node resource group.
    let idle = report["findings"].as_array().unwrap().iter().find(|f| f["name"] == "staging-idle-lb");
    let idle = idle.unwrap_or_else(|| panic!("{}", report["findings"]));
    assert_eq!(idle["kind"], "lb-idle");
    assert_eq!(idle["cluster"], "aks-staging");
    // The edge view's group holds nothing in scope: it judges nothing, and
    // says why.
    let notes = report["notes"].to_string();
    assert!(
        notes.contains(&format!(
            "cluster edge: judges no resource group in this run: nothing in scope is in its node resource group edge-rg in subscription {DEMO_SUB}"
        )),
        "{notes}"
    );
}

#[test]
fn the_same_resource_group_name_in_another_subscription_is_not_this_clusters() {
    // Two subscriptions generated alike: the same MC_ resource group name in
    // each, the cluster's nodes in the first.
    let sc = synth::generate(&Params {
        subscriptions: 2,
        public_ips: 6,
        disks: 4,
        services: 6,
        nodes: 2,
        orphan_every: 2,
        ..Default::default()
    });
    let mock = start(sc);
    let dir = tempfile::tempdir().unwrap();
    let (s0, s1) = (synth::subscription_id(0), synth::subscription_id(1));
    let subs = format!("{s0},{s1}");
    let run = azaudit_cluster(&mock, dir.path(), &["orphans", "--subscription", &subs, "-o", "json"]);
    run.assert_no_panic();
    let report: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stderr));
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["subscription"] == s0.as_str()), "the cluster's own subscription is judged");
    let other: Vec<&Value> = findings.iter().filter(|f| f["subscription"] == s1.as_str()).collect();
    assert!(
        other
            .iter()
            .all(|f| !["public-ip-orphaned", "disk-orphaned", "lb-frontend-orphaned"]
                .contains(&f["kind"].as_str().unwrap())),
        "no cluster verdict in another subscription: {other:?}"
    );
    assert!(report["notes"].to_string().contains(&format!("is in subscription {s1}")), "{}", report["notes"]);
}

#[test]
fn each_objects_quota_is_measured_by_the_view_that_owns_it() {
    // A load balancer in aks-staging's group: the cloud provider there
    // caps its rules at its own maximum (250 by default), which only
    // staging's view knows applies.
    let mut sc = demo_with_staging_lb("staging-lb");
    // Azure's own limit looser than the provider's.
    sc.subscriptions[0].usage_limits.insert("InboundRulesPerLoadBalancer".into(), 1000);
    let mock = start(sc.clone());
    let dir = tempfile::tempdir().unwrap();
    let files = three_views(&sc, dir.path());
    // The cloud-config is the first view's (prod's): its lower maximum says
    // nothing of staging's provider.
    let cfg = dir.path().join("azure.json");
    std::fs::write(&cfg, r#"{"maximumLoadBalancerRuleCount": 100}"#).unwrap();
    let (_, report) = fleet_of("quotas", &mock, &files, &["-o", "json", "--cloud-config", cfg.to_str().unwrap()]);
    let rules = report["measurements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["object"].as_str().unwrap_or("").contains("staging-lb") && m["kind"] == "quota-lb-rules")
        .unwrap_or_else(|| panic!("{}", report["measurements"]));
    assert_eq!(rules["limit"], 250, "{rules}");
    // And prod's own load balancer is held to the cloud-config's maximum.
    let prod_rules = report["measurements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["object"] == "rules of load balancer kubernetes" && m["kind"] == "quota-lb-rules")
        .unwrap_or_else(|| panic!("{}", report["measurements"]));
    assert_eq!(prod_rules["limit"], 100, "{prod_rules}");
    assert_eq!(
        report["measurements"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["resource_id"] == rules["resource_id"] && m["kind"] == "quota-lb-rules")
            .count(),
        1
    );
}

/// The demo with a resource group no cluster owns (`shared-infra`): the
/// retired load balancer copied there as `infra-idle-lb`, and a NAT
/// gateway there that holds aks-staging's orphan-tagged IP.
fn demo_with_shared_infra() -> Scenario {
    let mut sc = demo_scenario();
    let copy = |name: &str, new: &str| {
        let r = sc.resources.iter().find(|r| r["name"] == name).unwrap().to_string();
        serde_json::from_str::<Value>(
            &r.replace("MC_aks-prod_aks-prod_westeurope/", "shared-infra/").replace(name, new),
        )
        .unwrap()
    };
    let (lb, mut nat) = (copy("retired-lb", "infra-idle-lb"), copy("egress", "infra-egress"));
    nat["properties"]["publicIpAddresses"] = json!([{"id": format!(
        "/subscriptions/{DEMO_SUB}/resourceGroups/{STAGING_RG}/providers/Microsoft.Network/publicIPAddresses/{STAGING_IP}"
    )}]);
    sc.resources.push(lb);
    sc.resources.push(nat);
    sc
}

/// The three views' fleet run over [`demo_with_shared_infra`]: its report.
fn shared_infra_report() -> Value {
    let sc = demo_with_shared_infra();
    let mock = start(sc.clone());
    let dir = tempfile::tempdir().unwrap();
    let (run, report) = fleet(&mock, &three_views(&sc, dir.path()), &["-o", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    report
}

#[test]
fn what_no_view_owns_is_judged_once_and_said_once() {
    let report = shared_infra_report();
    let findings = report["findings"].as_array().unwrap();
    // An Azure-only verdict in a group no cluster owns: made once, and no
    // cluster's (it was the first view's before each view walked only its own).
    let idle: Vec<&Value> = findings.iter().filter(|f| f["name"] == "infra-idle-lb").collect();
    assert_eq!(idle.len(), 1, "{idle:?}");
    assert_eq!(idle[0]["kind"], "lb-idle");
    assert!(idle[0]["cluster"].is_null(), "{}", idle[0]);
    // Said once, not once per view; no view notes another's objects.
    let notes: Vec<&str> = report["notes"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    let rest: Vec<&&str> = notes.iter().filter(|n| n.contains("no cluster's in this fleet run")).collect();
    assert_eq!(rest.len(), 1, "{notes:#?}");
    assert!(rest[0].starts_with("1 resource group in 1 subscription (shared-infra ("), "{}", rest[0]);
    assert!(!notes.iter().any(|n| n.starts_with("cluster ") && n.contains("shared-infra")), "{notes:#?}");
    assert!(!notes.iter().any(|n| n.starts_with("cluster prod:") && n.contains(STAGING_RG)), "{notes:#?}");
}

#[test]
fn a_reference_from_a_group_no_view_owns_keeps_an_object_in_use() {
    // aks-staging's IP is tagged for a Service that is gone, but a NAT
    // gateway in shared-infra, which staging's view does not walk, holds it.
    let report = shared_infra_report();
    assert!(!report["findings"].to_string().contains(STAGING_IP), "in use beats named: {}", report["findings"]);
    let notes = report["notes"].to_string();
    assert!(notes.contains(STAGING_IP) && notes.contains("infra-egress"), "{notes}");
}

#[test]
fn an_aks_cluster_without_a_view_still_has_its_objects_measured() {
    // aks-staging has no view; its node resource group's load balancer is
    // still measured against Azure's limits (a quota needs no cluster).
    let sc = demo_with_staging_lb("staging-lb");
    let mock = start(sc.clone());
    let dir = tempfile::tempdir().unwrap();
    let files = prod_and_edge(&sc, dir.path());
    let (_, report) = fleet_of("quotas", &mock, &files, &["-o", "json"]);
    let staging: Vec<&Value> = report["measurements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["object"].as_str().unwrap_or("").contains("staging-lb"))
        .collect();
    assert!(staging.iter().any(|m| m["kind"] == "quota-lb-rules"), "{}", report["measurements"]);
    assert!(staging.iter().any(|m| m["kind"] == "quota-frontend-ip"), "{}", report["measurements"]);
    // Measured once.
    let rules = staging.iter().filter(|m| m["kind"] == "quota-lb-rules").count();
    assert_eq!(rules, 1, "{staging:?}");
}
