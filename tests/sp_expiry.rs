//! `azaudit sp-expiry` end to end against the mock's Microsoft Graph (and
//! Entra ID token endpoint over https), with a fixed clock (`AZAUDIT_NOW`).

use crate::common::*;
use azure_mock::scenario::{Action, EntraApp, Fault, Graph, Subscription};
use azure_mock::{MockServer, Scenario};
use serde_json::{Value, json};

const SUB: &str = "3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const NOW: &str = "2026-11-28T12:00:00Z";
const APP: &str = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";

fn secret(key: &str, end: &str) -> Value {
    json!({"customKeyIdentifier": null, "displayName": key, "endDateTime": end, "hint": "Q~7",
           "keyId": key, "secretText": null, "startDateTime": "2025-11-28T12:00:00Z"})
}

fn app(app_id: &str, name: &str, secrets: Vec<Value>) -> Value {
    json!({"id": format!("obj-{app_id}"), "appId": app_id, "displayName": name,
           "passwordCredentials": secrets, "keyCredentials": [], "signInAudience": "AzureADMyOrg"})
}

fn scenario(applications: Vec<Value>, page_size: Option<usize>, faults: Vec<Fault>) -> Scenario {
    Scenario {
        subscriptions: vec![Subscription { id: SUB.into(), ..Default::default() }],
        graph: Graph { applications, service_principals: Vec::new(), page_size },
        faults,
        ..Default::default()
    }
}

fn fault(action: Action, route: &str, times: Option<u32>) -> Fault {
    Fault { times, ..Fault::on(action, route) }
}

fn sp_expiry(mock: &MockServer, args: &[&str]) -> (Run, Value) {
    let mut all =
        vec!["--no-cluster", "--no-cloud-config", "--graph-endpoint", &mock.base_url, "sp-expiry", "-o", "json"];
    all.extend_from_slice(args);
    let run = azaudit_raw(mock, &[("AZAUDIT_NOW", NOW)], &all);
    run.assert_no_panic();
    let report = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
    (run, report)
}

fn kinds(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().into(),
                f["severity"].as_str().unwrap().into(),
                f["name"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[test]
fn one_expired_one_expiring_one_healthy_credential() {
    let mock = start(scenario(
        vec![app(
            APP,
            "aks-prod-sp",
            vec![
                secret("rotated-2025", "2026-11-20T00:00:00Z"),
                secret("current", "2026-12-02T12:00:00Z"),
                secret("next", "2027-11-28T12:00:00Z"),
            ],
        )],
        None,
        vec![],
    ));
    let (run, report) = sp_expiry(&mock, &["--app-id", APP]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(report["complete"], true, "{}", report["incomplete"]);
    assert_eq!(
        kinds(&report),
        vec![
            ("sp-credential-expired".into(), "critical".into(), "rotated-2025".into()),
            ("sp-credential-expiring".into(), "critical".into(), "current".into()),
        ]
    );
    // No subscription, no cluster: the report names none (not an empty one).
    assert!(report.get("cluster").is_none(), "{}", report["cluster"]);
    // The expired one's days_left and its reason use one rounding.
    let expired = &report["findings"][0];
    let days = expired["evidence"]["days_left"].as_i64().unwrap();
    assert!(days < 0, "{expired}");
    let reason = expired["reason"].as_str().unwrap();
    assert!(reason.contains(&format!("({} days ago)", -days)), "days_left {days}: {reason}");
    let expiring = &report["findings"][1];
    assert_eq!(expiring["evidence"]["days_left"], 4);
    assert_eq!(expiring["evidence"]["sources"], json!(["--app-id"]));
    assert!(expiring["reason"].as_str().unwrap().ends_with("(checked because of: --app-id)"), "{}", expiring["reason"]);
    assert_eq!(expiring["evidence"]["key_id"], "current");
    assert_eq!(expiring["evidence"]["hint"], "Q~7");
    // --warn-days/--critical-days move the thresholds.
    let (_, report) = sp_expiry(&mock, &["--app-id", APP, "--critical-days", "2", "--warn-days", "400"]);
    let sev: Vec<(String, String, String)> = kinds(&report);
    assert!(sev.contains(&("sp-credential-expiring".into(), "warning".into(), "current".into())), "{sev:?}");
    assert!(sev.contains(&("sp-credential-expiring".into(), "warning".into(), "next".into())), "{sev:?}");
    // One request for one app: no per-app GET storm, no ARM.
    let graph: Vec<_> = mock.requests().into_iter().filter(|e| e.path.starts_with("/v1.0/")).collect();
    assert_eq!(graph.len(), 2, "{graph:?}");
    assert!(
        graph[0].query.contains("%24filter=appId+eq+") || graph[0].query.contains("$filter=appId"),
        "{:?}",
        graph[0]
    );
    assert!(mock.arm_requests().is_empty());
}

#[test]
fn all_pages_through_the_tenant_and_batches_app_ids() {
    let apps: Vec<Value> = (0..5)
        .map(|i| {
            app(
                &format!("00000000-0000-4000-8000-00000000000{i}"),
                &format!("app-{i}"),
                vec![secret("s", "2026-12-01T00:00:00Z")],
            )
        })
        .collect();
    let mock = start(scenario(apps, Some(2), vec![]));
    let (run, report) = sp_expiry(&mock, &["--all"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(report["complete"], true);
    assert_eq!(kinds(&report).len(), 5, "{:?}", kinds(&report));
    let pages: Vec<_> = mock.requests().into_iter().filter(|e| e.path == "/v1.0/applications").collect();
    assert_eq!(pages.len(), 3, "5 apps at 2 per page: {pages:?}");
    assert!(pages[1].query.contains("skiptoken"), "{:?}", pages[1]);
    assert_eq!(report["findings"][0]["evidence"]["sources"], json!(["--all"]));

    // Many app IDs are asked for 15 at a time with `appId in (...)`.
    let ids: Vec<String> = (0..20).map(|i| format!("10000000-0000-4000-8000-{i:012}")).collect();
    let apps: Vec<Value> = ids.iter().map(|id| app(id, id, vec![secret("s", "2027-06-01T00:00:00Z")])).collect();
    let mock = start(scenario(apps, None, vec![]));
    let (run, report) = sp_expiry(&mock, &["--app-id", &ids.join(",")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(report["complete"], true);
    let asks: Vec<_> = mock.requests().into_iter().filter(|e| e.path == "/v1.0/applications").collect();
    assert_eq!(asks.len(), 2, "20 IDs in two batches: {asks:?}");
    assert!(asks[0].query.contains("appId+in+%28"), "{:?}", asks[0]);
}

#[test]
fn graph_429_is_retried_after_retry_after() {
    let mock = start(scenario(
        vec![app(APP, "aks-prod-sp", vec![secret("current", "2027-11-28T12:00:00Z")])],
        None,
        vec![fault(
            Action::Throttle { retry_after_secs: 2, as_date: false, retry_after_ms: None },
            "/v1.0/applications",
            Some(1),
        )],
    ));
    let (run, report) = sp_expiry(&mock, &["--app-id", APP]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(report["complete"], true);
    let log: Vec<_> = mock.requests().into_iter().filter(|e| e.path == "/v1.0/applications").collect();
    assert_eq!(log.iter().map(|e| e.status).collect::<Vec<_>>(), vec![429, 200]);
    assert!(log[1].at_ms - log[0].at_ms >= 1900.0, "waited for Retry-After: {log:?}");
    assert_eq!(report["stats"]["throttled"], 1);
}

#[test]
fn graph_403_names_the_permission_and_is_incomplete() {
    let mock = start(scenario(vec![app(APP, "x", vec![])], None, vec![fault(Action::Forbidden, "/v1.0/", None)]));
    let (run, report) = sp_expiry(&mock, &["--app-id", APP]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(report["complete"], false);
    assert!(report["findings"].as_array().unwrap().is_empty());
    let line = report["incomplete"][0].as_str().unwrap();
    assert!(line.contains("Authorization_RequestDenied") && line.contains("Application.Read.All"), "{line}");
    assert!(run.stderr.contains("Application.Read.All"), "{}", run.stderr);
}

#[test]
fn app_ids_come_from_azure_json_and_aks_clusters_and_msi_clusters_are_noted() {
    let cfg_app = "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f";
    let aks_app = "8d9e0f1a-2b3c-4d4e-8f5a-6b7c8d9e0f1a";
    let mut sc = scenario(
        vec![
            app(cfg_app, "self-managed-sp", vec![secret("s", "2026-12-10T00:00:00Z")]),
            app(aks_app, "aks-legacy-sp", vec![secret("s", "2026-12-01T00:00:00Z")]),
        ],
        None,
        vec![],
    );
    let aks = |name: &str, client: &str| {
        json!({"id": format!("/subscriptions/{SUB}/resourceGroups/rg-{name}/providers/Microsoft.ContainerService/managedClusters/{name}"),
               "name": name, "location": "westeurope", "type": "Microsoft.ContainerService/managedClusters",
               "properties": {"nodeResourceGroup": format!("MC_{name}"), "servicePrincipalProfile": {"clientId": client}}})
    };
    sc.resources = vec![aks("aks-msi", "msi"), aks("aks-legacy", aks_app)];
    let mock = start(sc);
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("azure.json");
    std::fs::write(&cfg, format!(r#"{{"cloud": "AzurePublicCloud", "tenantId": "t", "subscriptionId": "{SUB}", "aadClientId": "{cfg_app}", "aadClientSecret": "not-used-here", "resourceGroup": "MC_x"}}"#)).unwrap();
    let run = azaudit_raw(
        &mock,
        &[("AZAUDIT_NOW", NOW), ("AZAUDIT_SUBSCRIPTION", SUB)],
        &[
            "--auth",
            "msi",
            "--cloud-config",
            cfg.to_str().unwrap(),
            "--graph-endpoint",
            &mock.base_url,
            "--resource-group",
            "rg-aks-msi,rg-aks-legacy",
            "sp-expiry",
            "-o",
            "json",
        ],
    );
    run.assert_no_panic();
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let sources: Vec<Value> =
        report["findings"].as_array().unwrap().iter().map(|f| f["evidence"]["sources"].clone()).collect();
    assert!(sources.contains(&json!([format!("cloud-config {}", cfg.display())])), "{sources:?}");
    assert!(sources.contains(&json!(["AKS cluster aks-legacy"])), "{sources:?}");
    let aks_finding =
        report["findings"].as_array().unwrap().iter().find(|f| f["evidence"]["app_id"] == aks_app).unwrap();
    assert_eq!(aks_finding["cluster"], "aks-legacy");
    let notes: Vec<&str> = report["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert!(notes.iter().any(|n| n.contains("AKS cluster aks-msi uses a managed identity")), "{notes:?}");
}

#[test]
fn an_expired_secret_of_azaudits_own_credential_is_a_finding_without_graph() {
    setup();
    let mut sc = scenario(vec![], None, vec![]);
    sc.entra = vec![
        EntraApp { client_id: APP.into(), secret: "s3cr3t-value".into(), expired: true },
        EntraApp {
            client_id: "9e0f1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b".into(),
            secret: "fresh-value".into(),
            expired: false,
        },
    ];
    let mock = MockServer::start_tls(sc).expect("TLS mock starts");
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, mock.ca_pem.as_deref().unwrap()).unwrap();
    let env = |client: &'static str, secret: &'static str| {
        vec![
            ("AZURE_CLIENT_ID", client.to_string()),
            ("AZURE_TENANT_ID", "72f988bf-86f1-41af-91ab-2d7cd011db47".to_string()),
            ("AZURE_CLIENT_SECRET", secret.to_string()),
            ("AZURE_AUTHORITY_HOST", mock.base_url.clone()),
            ("AZAUDIT_CA_FILE", ca.to_str().unwrap().to_string()),
            ("AZAUDIT_NOW", NOW.to_string()),
        ]
    };
    let run_with = |e: &[(&str, String)], args: &[&str]| {
        let e: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = azaudit_env(&e, args);
        r.assert_no_panic();
        r
    };
    let common = [
        "--auth",
        "client-secret",
        "--no-cloud-config",
        "--arm-endpoint",
        &mock.base_url,
        "--graph-endpoint",
        &mock.base_url,
        "--no-cluster",
    ];

    // sp-expiry reports the expired secret, taken from the error.
    let mut args = common.to_vec();
    args.extend(["sp-expiry", "--app-id", APP, "-o", "json"]);
    let r = run_with(&env(APP, "s3cr3t-value"), &args);
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(kinds(&report), vec![("sp-credential-expired".into(), "critical".into(), APP.into())]);
    assert!(report["findings"][0]["reason"].as_str().unwrap().contains("AADSTS7000222"));
    assert!(report["incomplete"][0].as_str().unwrap().contains("cannot sign in"), "{}", report["incomplete"]);
    assert!(!r.stdout.contains("s3cr3t-value") && !r.stderr.contains("s3cr3t-value"));

    // Any other command stops with one line naming the app.
    let mut args = common.to_vec();
    args.extend(["whoami"]);
    let r = run_with(&env(APP, "s3cr3t-value"), &args);
    assert_eq!(r.code, 2);
    let last = r.stderr.trim().lines().last().unwrap();
    assert!(
        last.contains(&format!("the client secret of application {APP} has expired"))
            && last.contains("azaudit sp-expiry"),
        "{}",
        r.stderr
    );

    // A valid client secret signs in at the https authority and reads ARM and Graph.
    let mut args = common.to_vec();
    args.extend(["--subscription", SUB, "snapshot", "-o", "-", "-q"]);
    let r = run_with(&env("9e0f1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b", "fresh-value"), &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains("fresh-value"));
    let token_posts: Vec<_> =
        mock.requests().into_iter().filter(|e| e.method == "POST" && e.path.ends_with("/oauth2/v2.0/token")).collect();
    assert!(
        token_posts.iter().any(|e| e.status == 401) && token_posts.iter().any(|e| e.status == 200),
        "{token_posts:?}"
    );
}

#[test]
fn from_a_graph_snapshot_gives_the_same_findings() {
    let mock = start(scenario(
        vec![app(
            APP,
            "aks-prod-sp",
            vec![secret("old", "2026-11-01T00:00:00Z"), secret("current", "2026-12-20T00:00:00Z")],
        )],
        None,
        vec![],
    ));
    let (_, live) = sp_expiry(&mock, &["--app-id", APP]);
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    let run = azaudit(
        &mock,
        &[
            "--no-cloud-config",
            "--graph-endpoint",
            &mock.base_url,
            "--subscription",
            SUB,
            "snapshot",
            "--app-id",
            APP,
            "-o",
            snap.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = azaudit_env(&[("AZAUDIT_NOW", NOW)], &["sp-expiry", "--from", snap.to_str().unwrap(), "-o", "json"]);
    run.assert_no_panic();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let offline: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(offline["findings"], live["findings"]);
    assert_eq!(kinds(&offline).len(), 2);
    // A snapshot without Graph data says how to take one.
    let plain = dir.path().join("plain.json");
    let run = azaudit(&mock, &["--no-cloud-config", "--subscription", SUB, "snapshot", "-o", plain.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = azaudit_env(&[], &["sp-expiry", "--from", plain.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("azaudit snapshot --graph"), "{}", run.stderr);
}

/// An application whose application object is not visible (another
/// tenant's, or no rights on it) is read through its service principal:
/// Graph's `servicePrincipals` fallback.
#[test]
fn the_service_principal_fallback_reads_credentials_of_invisible_applications() {
    let mut sc = scenario(vec![], None, vec![]);
    sc.graph.service_principals.push(json!({
        "id": "sp-obj-1", "appId": APP, "displayName": "from-the-sp",
        "passwordCredentials": [secret("old", "2026-11-20T00:00:00Z")], "keyCredentials": []
    }));
    let mock = start(sc);
    let (run, report) = sp_expiry(&mock, &["--app-id", APP]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "sp-credential-expired")
        .expect("the expired secret, read from the service principal");
    assert_eq!(f["evidence"]["object"], "servicePrincipal");
    assert!(f["resource_id"].as_str().unwrap().starts_with("/servicePrincipals/sp-obj-1/"), "{f}");
    let graph: Vec<String> =
        mock.requests().into_iter().filter(|e| e.path.starts_with("/v1.0/")).map(|e| e.path).collect();
    assert!(
        graph.iter().any(|p| p.ends_with("/applications")) && graph.iter().any(|p| p.ends_with("/servicePrincipals")),
        "{graph:?}"
    );
}
