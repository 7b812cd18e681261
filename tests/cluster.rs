//! The cluster side end to end: the real binary reads the mock's Kubernetes
//! API through kube-rs (paging, faults, RBAC errors), reads kubectl output
//! files, and the real kubectl drives the same mock.

use crate::common::*;
use azure_mock::k8s_objects::{cluster_ip_service, disk_pv, lb_service, vmss_node};
use azure_mock::scenario::{Action, Cluster, Fault, Subscription};
use azure_mock::{MockServer, Scenario};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

const SUB: &str = "3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const NODE_RG: &str = "MC_rg-prod_aks-prod_westeurope";
const VMSS: &str = "aks-nodepool1-31415926-vmss";

fn disk_id(name: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{NODE_RG}/providers/Microsoft.Compute/disks/{name}")
}

/// 7 Services (5 LoadBalancer), 5 nodes (one NotReady), 3 PVs.
fn cluster() -> Cluster {
    let mut services = vec![cluster_ip_service("default", "kubernetes", "1d3c5b7a-0000-4000-8000-000000000001")];
    for i in 0..5 {
        let ip = format!("20.31.4.{}", 10 + i);
        let ann: Vec<(&str, &str)> =
            if i == 0 { vec![("azure-pip-name", "shop-web-ip"), ("azure-dns-label-name", "shop")] } else { vec![] };
        services.push(lb_service(
            "shop",
            &format!("web-{i}"),
            &format!("0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f{i}"),
            80 + i,
            (i != 4).then_some(ip.as_str()),
            &ann,
        ));
    }
    services.push(cluster_ip_service("shop", "db", "2b1c2d3e-0000-4000-8000-000000000002"));
    let mut nodes: Vec<Value> = (0..5).map(|i| vmss_node(SUB, NODE_RG, VMSS, i, i != 3)).collect();
    nodes[0]["status"]["capacity"]["nvidia.com/gpu"] = json!("1");
    nodes[0]["spec"]["taints"] = json!([{"key": "sku", "value": "gpu", "effect": "NoSchedule"}]);
    let persistent_volumes = (0..3)
        .map(|i| disk_pv(&format!("pvc-{i}"), "shop", &format!("data-{i}"), &disk_id(&format!("pvc-{i}"))))
        .collect();
    Cluster {
        services,
        nodes,
        persistent_volumes,
        token: Some(KUBE_TOKEN.into()),
        version: None,
        volume_snapshot_contents: None,
    }
}

fn scenario(faults: Vec<Fault>) -> Scenario {
    Scenario {
        subscriptions: vec![Subscription { id: SUB.into(), ..Default::default() }],
        cluster: Some(cluster()),
        faults,
        ..Default::default()
    }
}

fn fault(action: Action, route: &str, page: Option<usize>, times: Option<u32>) -> Fault {
    Fault { page, times, ..Fault::on(action, route) }
}

fn snapshot_with(mock: &MockServer, dir: &Path, args: &[&str]) -> (Run, Option<Value>) {
    let out = dir.join("snap.json");
    let mut all = vec!["snapshot", "--subscription", SUB, "-o", out.to_str().unwrap()];
    all.extend_from_slice(args);
    let run = azaudit_cluster(mock, dir, &all);
    run.assert_no_panic();
    (run, out.exists().then(|| read_json(&out)))
}

fn list<'a>(snap: &'a Value, kind: &str) -> &'a Value {
    snap["cluster"]["lists"].as_array().unwrap().iter().find(|l| l["kind"] == kind).expect("list recorded")
}

fn kube_requests(mock: &MockServer, path: &str) -> Vec<azure_mock::LogEntry> {
    mock.requests().into_iter().filter(|e| e.path == path).collect()
}

#[test]
fn live_cluster_is_read_through_kube_with_paging() {
    let mock = start(scenario(vec![]));
    let dir = tempfile::tempdir().unwrap();
    let (run, snap) = snapshot_with(&mock, dir.path(), &["--cluster-page-size", "2"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let snap = snap.unwrap();
    let c = &snap["cluster"];
    assert_eq!(c["source"]["type"], "live");
    assert_eq!(c["source"]["context"], "mock");
    assert_eq!(c["server_version"], "v1.30.3");
    assert_eq!(c["name"], "kubernetes");
    assert_eq!(c["node_resource_group"], json!({"value": NODE_RG, "source": "node labels"}));

    // Every page read, with limit and continue.
    for (kind, path, n) in [
        ("services", "/api/v1/services", 7),
        ("nodes", "/api/v1/nodes", 5),
        ("persistentvolumes", "/api/v1/persistentvolumes", 3),
    ] {
        let l = list(&snap, kind);
        assert_eq!(l["complete"], true, "{l}");
        assert_eq!(l["items"], n, "{l}");
        assert_eq!(l["pages"], (n as u64).div_ceil(2), "{l}");
        let reqs = kube_requests(&mock, path);
        assert_eq!(reqs.len() as u64, (n as u64).div_ceil(2), "{reqs:?}");
        assert!(reqs.iter().all(|r| r.query.contains("limit=2") && r.status == 200), "{reqs:?}");
        assert_eq!(reqs.iter().filter(|r| r.query.contains("continue=")).count(), reqs.len() - 1);
    }

    // The fields the audits need survived.
    let services = c["services"].as_array().unwrap();
    assert_eq!(services.len(), 7);
    let web0 = services.iter().find(|s| s["name"] == "web-0").unwrap();
    assert_eq!(web0["type"], "LoadBalancer");
    assert_eq!(web0["uid"], "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0");
    assert_eq!(web0["annotations"]["service.beta.kubernetes.io/azure-pip-name"], "shop-web-ip");
    assert_eq!(web0["ingress"], json!([{"ip": "20.31.4.10"}]));
    assert_eq!(web0["ports"][0], json!({"name": "http", "protocol": "TCP", "port": 80, "node_port": 30080}));
    assert_eq!(web0["external_traffic_policy"], "Cluster");
    assert_eq!(web0["ip_families"], json!(["IPv4"]));
    let pending = services.iter().find(|s| s["name"] == "web-4").unwrap();
    assert_eq!(pending["ingress"], json!([]));
    let nodes = c["nodes"].as_array().unwrap();
    let n0 = &nodes[0];
    assert!(n0["provider_id"].as_str().unwrap().starts_with("azure:///subscriptions/"));
    assert_eq!(n0["capacity"]["nvidia.com/gpu"], "1");
    assert_eq!(n0["taints"][0]["key"], "sku");
    assert_eq!(n0["labels"]["kubernetes.azure.com/cluster"], NODE_RG);
    assert!(n0["addresses"].as_array().unwrap().iter().any(|a| a["type"] == "InternalIP"));
    assert_eq!(nodes.iter().filter(|n| n["ready"] == false).count(), 1);
    let pv = &c["persistent_volumes"][0];
    assert_eq!(pv["csi_driver"], "disk.csi.azure.com");
    assert_eq!(pv["volume_handle"], disk_id("pvc-0"));
    assert_eq!(pv["claim"], "shop/data-0");
    assert!(run.stderr.contains("7 services, 5 nodes, 3 persistent volumes"), "{}", run.stderr);
}

#[test]
fn forbidden_nodes_mark_the_view_incomplete_and_name_the_permission() {
    let mock = start(scenario(vec![fault(Action::Forbidden, "/api/v1/nodes", None, None)]));
    let dir = tempfile::tempdir().unwrap();
    let (run, snap) = snapshot_with(&mock, dir.path(), &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let snap = snap.unwrap();
    let l = list(&snap, "nodes");
    assert_eq!(l["complete"], false);
    let err = l["error"].as_str().unwrap();
    assert!(err.contains("HTTP 403 Forbidden") && err.contains("cannot list resource \"nodes\""), "{err}");
    assert!(err.contains("get/list on nodes"), "{err}");
    assert_eq!(list(&snap, "services")["complete"], true);
    let line = run.stderr.lines().find(|l| l.starts_with("incomplete: cluster nodes:")).expect("said on stderr");
    assert!(line.contains("403"), "{line}");
    // Not retried: a 403 is not transient.
    assert_eq!(kube_requests(&mock, "/api/v1/nodes").len(), 1);
}

#[test]
fn an_expired_continue_token_restarts_once_then_marks_the_list_incomplete() {
    // Once: the list starts over and completes.
    let mock = start(scenario(vec![fault(Action::Expired, "/api/v1/services", Some(1), Some(1))]));
    let dir = tempfile::tempdir().unwrap();
    let (run, snap) = snapshot_with(&mock, dir.path(), &["--cluster-page-size", "3"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let snap = snap.unwrap();
    assert_eq!(list(&snap, "services")["items"], 7);
    assert_eq!(snap["cluster"]["services"].as_array().unwrap().len(), 7, "no duplicates after the restart");
    let statuses: Vec<u16> = kube_requests(&mock, "/api/v1/services").iter().map(|e| e.status).collect();
    assert_eq!(statuses, vec![200, 410, 200, 200, 200]);

    // Every time: incomplete, and says why.
    let mock = start(scenario(vec![fault(Action::Expired, "/api/v1/services", Some(1), None)]));
    let (run, snap) = snapshot_with(&mock, dir.path(), &["--cluster-page-size", "3"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let l = list(snap.as_ref().unwrap(), "services");
    assert_eq!(l["complete"], false);
    assert!(l["error"].as_str().unwrap().contains("continue token expired"), "{l}");
}

#[test]
fn transient_kubernetes_errors_are_retried() {
    let mock = start(scenario(vec![
        fault(Action::ServerError { status: 503 }, "/api/v1/persistentvolumes", None, Some(1)),
        fault(
            Action::Throttle { retry_after_secs: 1, as_date: false, retry_after_ms: None },
            "/api/v1/nodes",
            None,
            Some(1),
        ),
    ]));
    let dir = tempfile::tempdir().unwrap();
    let (run, snap) = snapshot_with(&mock, dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let snap = snap.unwrap();
    assert_eq!(list(&snap, "persistentvolumes")["complete"], true);
    assert_eq!(list(&snap, "nodes")["complete"], true);
    assert_eq!(kube_requests(&mock, "/api/v1/persistentvolumes").len(), 2);
    assert_eq!(kube_requests(&mock, "/api/v1/nodes").len(), 2);
}

#[test]
fn cluster_file_in_kubectl_format_json_and_yaml() {
    let mock = start(scenario(vec![]));
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for file in ["kubectl-get-services-nodes-pv.json", "kubectl-get-services-nodes-pv.yaml"] {
        let path = fixtures.join(file);
        let out = dir.path().join("snap.json");
        let run = azaudit_raw(
            &mock,
            &[],
            &["snapshot", "--subscription", SUB, "--cluster-file", path.to_str().unwrap(), "-o", out.to_str().unwrap()],
        );
        run.assert_no_panic();
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        let snap = read_json(&out);
        let c = &snap["cluster"];
        assert_eq!(c["source"], json!({"type": "files", "paths": [path.to_str().unwrap()]}), "{file}");
        assert_eq!(c["services"].as_array().unwrap().len(), 3, "{file}");
        assert_eq!(c["nodes"].as_array().unwrap().len(), 2, "{file}");
        assert_eq!(c["persistent_volumes"].as_array().unwrap().len(), 1, "{file}");
        let web = c["services"].as_array().unwrap().iter().find(|s| s["name"] == "web").unwrap();
        assert_eq!(web["ingress"][0]["ip"], "20.31.4.10", "{file}");
        assert_eq!(c["node_resource_group"]["source"], "node labels", "{file}");
        // Every list complete but the optional VolumeSnapshotContents, which
        // these exports leave out: recorded as not read, and not a gap by itself.
        for l in c["lists"].as_array().unwrap() {
            let optional = l["kind"] == "volumesnapshotcontents";
            assert_eq!(l["complete"], !optional, "{file}: {l}");
        }
    }
}

#[test]
fn a_malformed_cluster_file_is_one_clear_error_naming_the_file() {
    let mock = start(scenario(vec![]));
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("cluster.json");
    std::fs::write(&bad, "{\"apiVersion\": \"v1\", \"kind\": \"List\",\n  \"items\": [ {\"kind\": \"Service\" ]\n}")
        .unwrap();
    let yaml = dir.path().join("cluster.yaml");
    std::fs::write(&yaml, "apiVersion: v1\nkind: List\nitems:\n- kind: Node\n  metadata: {name: n1\n").unwrap();
    let missing = dir.path().join("nope.json");
    for (path, needle) in [(&bad, "line 2, column"), (&yaml, "line "), (&missing, "cannot read cluster file")] {
        let run = azaudit_raw(
            &mock,
            &[],
            &["snapshot", "--subscription", SUB, "--cluster-file", path.to_str().unwrap(), "-o", "-"],
        );
        run.assert_no_panic();
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.contains(path.to_str().unwrap()), "{}", run.stderr);
        assert!(run.stderr.contains(needle), "{}", run.stderr);
    }
}

#[test]
fn no_cluster_is_explicit_and_no_kubeconfig_is_a_clear_error() {
    let mock = start(scenario(vec![]));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.json");
    let run = azaudit(&mock, &["snapshot", "--subscription", SUB, "-o", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(read_json(&out)["cluster"]["source"], json!({"type": "skipped"}));
    assert!(run.stderr.contains("cluster not read (--no-cluster)"), "{}", run.stderr);

    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let run = azaudit_raw(&mock, &[("HOME", home.to_str().unwrap())], &["snapshot", "--subscription", SUB, "-o", "-"]);
    run.assert_no_panic();
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no cluster to audit") && run.stderr.contains("--no-cluster"), "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
}

/// The real kubectl against the mock's Kubernetes API; its output, fed back
/// through `--cluster-file`, gives the same view as the live read.
#[test]
fn kubectl_drives_the_mock_and_its_output_reads_back_identically() {
    setup();
    if Command::new("kubectl").arg("version").arg("--client").output().map(|o| !o.status.success()).unwrap_or(true) {
        return skip("kubectl_drives_the_mock_and_its_output_reads_back_identically", "kubectl is not installed");
    }
    // kubectl (client-go) does not send a bearer token over plain http, so
    // this API server takes anonymous requests.
    let mut sc = scenario(vec![]);
    if let Some(c) = sc.cluster.as_mut() {
        c.token = None;
    }
    let mock = start(sc);
    let dir = tempfile::tempdir().unwrap();
    let kubectl = |args: &[&str]| {
        Command::new("kubectl")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .args(["--server", &mock.base_url, "--cache-dir", dir.path().join("cache").to_str().unwrap()])
            .args(args)
            .output()
            .expect("kubectl runs")
    };
    let o = kubectl(&["get", "services", "-A", "-o", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let listed: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(listed["kind"], "List");
    assert_eq!(listed["items"].as_array().unwrap().len(), 7);

    let o = kubectl(&["get", "services,nodes,persistentvolumes", "-A", "-o", "json", "--chunk-size", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let file = dir.path().join("cluster.json");
    std::fs::write(&file, &o.stdout).unwrap();
    // kubectl paged with continue tokens too.
    assert!(kube_requests(&mock, "/api/v1/nodes").iter().any(|e| e.query.contains("continue=")));

    let from_file = dir.path().join("file.json");
    let run = azaudit_raw(
        &mock,
        &[],
        &[
            "snapshot",
            "--subscription",
            SUB,
            "--cluster-file",
            file.to_str().unwrap(),
            "-o",
            from_file.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (run, live) = snapshot_with(&mock, dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (file_view, live_view) = (&read_json(&from_file)["cluster"], &live.unwrap()["cluster"]);
    for part in ["services", "nodes", "persistent_volumes", "node_resource_group"] {
        assert_eq!(file_view[part], live_view[part], "{part} differs between kubectl's file and the live read");
    }
}

#[test]
fn whoami_shows_the_cluster_and_checks_each_lists_rbac() {
    let mock = start(scenario(vec![]));
    let dir = tempfile::tempdir().unwrap();
    let run = azaudit_cluster(&mock, dir.path(), &["whoami", "--subscription", SUB]);
    run.assert_no_panic();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(&format!("cluster:         {} (context mock, kubeconfig)", mock.base_url)),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("kubernetes:      v1.30.3"), "{}", run.stdout);
    assert!(run.stdout.contains("list nodes:      ok"), "{}", run.stdout);
    assert!(!run.stdout.contains(KUBE_TOKEN), "the kubeconfig token leaked");

    let mock = start(scenario(vec![fault(Action::Forbidden, "/api/v1/persistentvolumes", None, None)]));
    let run = azaudit_cluster(&mock, dir.path(), &["whoami", "--subscription", SUB]);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let line = run.stdout.lines().find(|l| l.starts_with("list persistentvolumes:")).unwrap();
    assert!(line.contains("FAILED: HTTP 403") && line.contains("get/list on persistentvolumes"), "{line}");
}

/// A kubeconfig whose API server is plain http off loopback is refused
/// before anything is sent: the cluster token never travels in cleartext.
#[test]
fn a_plain_http_api_server_off_loopback_is_refused() {
    let mock = start(azure_mock::Scenario::default());
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(
        &kc,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster:\n    server: http://cluster.example.invalid:8080\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user:\n    token: {KUBE_TOKEN}\n"
        ),
    )
    .unwrap();
    let run = azaudit_raw(
        &mock,
        &[],
        &[
            "--kubeconfig",
            kc.to_str().unwrap(),
            "--subscription",
            "3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
            "orphans",
            "-o",
            "json",
        ],
    );
    run.assert_no_panic();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("refusing the Kubernetes API server http://cluster.example.invalid:8080"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(KUBE_TOKEN), "the token is never printed");
}

/// `--cluster-file -` reads the kubectl output from stdin.
#[test]
fn the_cluster_file_can_come_from_stdin() {
    let mock = start(azure_mock::Scenario {
        subscriptions: vec![azure_mock::scenario::Subscription {
            id: "3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f".into(),
            ..Default::default()
        }],
        ..Default::default()
    });
    let fixture =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/kubectl-get-services-nodes-pv.json"))
            .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_azaudit"))
        .env_clear()
        .env("IDENTITY_ENDPOINT", mock.identity_endpoint())
        .env("IDENTITY_HEADER", mock.identity_header())
        .args(["--arm-endpoint", &mock.base_url, "--subscription", "3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"])
        .args(["--cluster-file", "-", "snapshot", "-o", "-", "-q"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&fixture).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let snap: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!snap["cluster"]["services"].as_array().unwrap().is_empty());
    assert_eq!(snap["cluster"]["source"]["type"], "files", "{}", snap["cluster"]["source"]);
}

/// `--context` picks a context other than the kubeconfig's current one.
#[test]
fn the_context_flag_picks_the_cluster() {
    let mock = start(azure_mock::Scenario {
        subscriptions: vec![azure_mock::scenario::Subscription {
            id: "3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f".into(),
            ..Default::default()
        }],
        cluster: Some(azure_mock::scenario::Cluster { token: Some(KUBE_TOKEN.into()), ..Default::default() }),
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(
        &kc,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: elsewhere\nclusters:\n- name: dead\n  cluster:\n    server: http://127.0.0.1:9\n- name: mock\n  cluster:\n    server: {}\ncontexts:\n- name: elsewhere\n  context:\n    cluster: dead\n    user: u\n- name: mock\n  context:\n    cluster: mock\n    user: u\nusers:\n- name: u\n  user:\n    token: {KUBE_TOKEN}\n",
            mock.base_url
        ),
    )
    .unwrap();
    let args = ["--kubeconfig", kc.to_str().unwrap(), "--subscription", "3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"];
    let mut with_context = args.to_vec();
    with_context.extend(["--context", "mock", "snapshot", "-o", "-", "-q"]);
    let run = azaudit_raw(&mock, &[], &with_context);
    run.assert_no_panic();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let snap: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(snap["cluster"]["source"]["context"], "mock", "{}", snap["cluster"]["source"]);
    assert!(mock.requests().iter().any(|e| e.path.starts_with("/api/v1/")), "the mock's API was read");
}
