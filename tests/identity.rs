//! Identity and discovery end to end: instance metadata, the cloud-config
//! file, sovereign clouds, token refresh, and secrets kept out of output.

use crate::common::*;
use azure_mock::scenario::{Action, Fault, Subscription};
use azure_mock::{MockServer, Scenario};
use serde_json::json;

const SUB: &str = "3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

fn scenario() -> Scenario {
    let mut resources = Vec::new();
    for rg in ["MC_rg1", "other"] {
        resources.push(json!({
            "id": format!("/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/publicIPAddresses/ip"),
            "name": "ip", "location": "westeurope", "type": "Microsoft.Network/publicIPAddresses",
            "properties": {"ipAddress": "20.0.0.1"}
        }));
    }
    Scenario {
        subscriptions: vec![Subscription { id: SUB.into(), ..Default::default() }],
        resources,
        instance: Some(json!({
            "subscriptionId": SUB, "resourceGroupName": "MC_rg1", "location": "westeurope",
            "azEnvironment": "AZUREPUBLICCLOUD", "name": "aks-nodepool1-12345678-vmss_0",
            "vmScaleSetName": "aks-nodepool1-12345678-vmss", "vmSize": "Standard_D4s_v5"
        })),
        ..Default::default()
    }
}

/// azaudit with the mock as managed identity, ARM and IMDS.
fn run_with(mock: &MockServer, extra_env: &[(&str, &str)], args: &[&str]) -> Run {
    let id = mock.identity_endpoint();
    let mut env = vec![
        ("IDENTITY_ENDPOINT", id.as_str()),
        ("IDENTITY_HEADER", mock.identity_header()),
        ("AZAUDIT_IMDS_ENDPOINT", mock.base_url.as_str()),
    ];
    env.extend_from_slice(extra_env);
    let r = azaudit_env(&env, args);
    r.assert_no_panic();
    r
}

#[test]
fn instance_metadata_fills_subscription_and_resource_group() {
    let mock = start(scenario());
    let r = run_with(&mock, &[], &["whoami", "--use-instance-metadata", "--arm-endpoint", &mock.base_url]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(&format!("subscription:    {SUB} (instance metadata)")), "{}", r.stdout);
    assert!(r.stdout.contains("resource group:  MC_rg1 (instance metadata)"), "{}", r.stdout);
    assert!(r.stdout.contains("cloud:           AzurePublicCloud (instance metadata)"), "{}", r.stdout);
    assert!(r.stdout.contains("credential:      managed-identity from IDENTITY_ENDPOINT"), "{}", r.stdout);
    assert!(r.stdout.contains("sign-in:         ok"), "{}", r.stdout);
    let imds = mock.requests().into_iter().find(|e| e.path == "/metadata/instance").expect("IMDS asked");
    assert!(imds.query.contains("api-version=2021-02-01"));
    assert_eq!(imds.status, 200);

    // The snapshot is then scoped to the node's resource group.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.json");
    let r = run_with(
        &mock,
        &[],
        &[
            "snapshot",
            "--no-cluster",
            "--use-instance-metadata",
            "--arm-endpoint",
            &mock.base_url,
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let snap = read_json(&out);
    assert_eq!(snap["scope"]["subscriptions"][0], SUB);
    assert_eq!(snap["scope"]["resource_groups"][0], "MC_rg1");
    assert_eq!(snap["azure"]["public_ips"].as_array().unwrap().len(), 1);
}

#[test]
fn off_azure_instance_metadata_fails_fast_with_one_line() {
    let mut sc = scenario();
    // An hour: a client that did not give up on its own short timeout would
    // hang this test (and CI) instead of reporting "timed out".
    sc.imds_latency_ms = 3_600_000;
    let mock = start(sc);
    let r = run_with(&mock, &[], &["whoami", "--use-instance-metadata"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("did not answer") && r.stderr.contains("timed out"), "{}", r.stderr);
    assert!(r.stderr.contains("--subscription"), "says what to do instead: {}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    // And with nothing listening at all.
    let r = azaudit_env(&[("AZAUDIT_IMDS_ENDPOINT", "http://127.0.0.1:9")], &["whoami", "--use-instance-metadata"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("instance metadata service at http://127.0.0.1:9 did not answer"), "{}", r.stderr);
}

#[test]
fn cloud_config_supplies_scope_and_use_instance_metadata() {
    let mock = start(scenario());
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("azure.json");
    std::fs::write(&cfg, json!({"cloud": "AzurePublicCloud", "subscriptionId": SUB, "resourceGroup": "other", "useInstanceMetadata": false}).to_string()).unwrap();
    let r = run_with(&mock, &[], &["whoami", "--cloud-config", cfg.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("resource group:  other (cloud-config)"), "{}", r.stdout);
    assert!(!mock.requests().iter().any(|e| e.path == "/metadata/instance"), "IMDS not asked");
    // useInstanceMetadata: true turns discovery on.
    std::fs::write(&cfg, json!({"useInstanceMetadata": true}).to_string()).unwrap();
    let r = run_with(&mock, &[], &["whoami", "--cloud-config", cfg.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("resource group:  MC_rg1 (instance metadata)"), "{}", r.stdout);
}

#[test]
fn sovereign_clouds_select_arm_graph_and_token_audience_together() {
    let mock = start(scenario());
    let r = run_with(&mock, &[], &["whoami", "--cloud", "AzureChinaCloud", "--subscription", SUB]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("arm endpoint:    https://management.chinacloudapi.cn"), "{}", r.stdout);
    assert!(r.stdout.contains("graph endpoint:  https://microsoftgraph.chinacloudapi.cn"), "{}", r.stdout);
    let token = mock.requests().into_iter().rfind(|e| e.path == "/msi/token").unwrap();
    assert!(token.query.contains("resource=https%3A%2F%2Fmanagement.chinacloudapi.cn"), "{}", token.query);

    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("azure.json");
    std::fs::write(&cfg, json!({"cloud": "azureUSGovernmentCloud", "subscriptionId": SUB}).to_string()).unwrap();
    let r = run_with(
        &mock,
        &[],
        &["whoami", "--cloud-config", cfg.to_str().unwrap(), "--graph-endpoint", "http://127.0.0.1:1"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("cloud:           AzureUSGovernmentCloud (cloud-config)"), "{}", r.stdout);
    assert!(r.stdout.contains("arm endpoint:    https://management.usgovcloudapi.net"), "{}", r.stdout);
    assert!(r.stdout.contains("graph endpoint:  http://127.0.0.1:1"), "{}", r.stdout);

    let r = run_with(&mock, &[], &["whoami", "--graph-endpoint", "http://graph.example.com"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--graph-endpoint"), "{}", r.stderr);

    std::fs::write(&cfg, json!({"cloud": "AzureStackCloud"}).to_string()).unwrap();
    let r = run_with(&mock, &[], &["whoami", "--cloud-config", cfg.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("AzureStackCloud") && r.stderr.contains("--arm-endpoint"), "{}", r.stderr);
}

#[test]
fn malformed_cloud_config_names_the_file_and_position() {
    let mock = start(scenario());
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("azure.json");
    std::fs::write(
        &cfg,
        "{\n  \"cloud\": \"AzurePublicCloud\",\n  \"aadClientSecret\": \"hunter2-secret\"\n  \"tenantId\": \"t\"\n}",
    )
    .unwrap();
    let r = run_with(&mock, &[], &["whoami", "--cloud-config", cfg.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(cfg.to_str().unwrap()) && r.stderr.contains("line 4, column"), "{}", r.stderr);
    assert!(!r.stderr.contains("hunter2"));
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
}

#[test]
fn expired_token_mid_run_is_refreshed_once() {
    let mut sc = scenario();
    sc.faults.push(Fault { times: Some(1), ..Fault::on(Action::ExpiredToken, "publicIPAddresses") });
    let mock = start(sc);
    let r = azaudit(&mock, &["snapshot", "-o", "-", "-q", "--subscription", SUB, "--no-cloud-config"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let tokens = mock.requests().iter().filter(|e| e.path == "/msi/token").count();
    assert_eq!(tokens, 2, "one token at start, one after ARM said it expired");

    // A token rejected again after the refresh is a clear error.
    let mut sc = scenario();
    sc.faults.push(Fault::on(Action::ExpiredToken, "publicIPAddresses"));
    let mock = start(sc);
    let r = azaudit(&mock, &["snapshot", "-o", "-", "-q", "--subscription", SUB]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("ExpiredAuthenticationToken on /subscriptions/")
            && r.stderr.contains("again after refreshing the token"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_client_secret_in_the_cloud_config_never_appears_in_any_output() {
    let mock = start(scenario());
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("azure.json");
    let secret = "Zq8~verysecretvalue.do-not-print";
    std::fs::write(
        &cfg,
        json!({"tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47", "aadClientId": "11111111-2222-3333-4444-555555555555",
               "aadClientSecret": secret, "useManagedIdentityExtension": true, "subscriptionId": SUB}).to_string(),
    )
    .unwrap();
    let c = cfg.to_str().unwrap();
    let out = dir.path().join("snap.json");
    let mut texts = Vec::new();
    for args in [
        vec!["whoami", "-vv", "--cloud-config", c],
        vec![
            "snapshot",
            "--no-cluster",
            "-vvv",
            "--cloud-config",
            c,
            "--arm-endpoint",
            &mock.base_url,
            "-o",
            out.to_str().unwrap(),
        ],
    ] {
        let r = run_with(&mock, &[], &args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        texts.push(r.stdout);
        texts.push(r.stderr);
    }
    texts.push(std::fs::read_to_string(&out).unwrap());
    // Forcing the secret into use against an authority that refuses: the
    // error still does not carry it.
    let r = run_with(
        &mock,
        &[("AZURE_AUTHORITY_HOST", "https://127.0.0.1:9/")],
        &["whoami", "-vv", "--auth", "client-secret", "--cloud-config", c],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("client-secret"), "{}", r.stderr);
    texts.push(r.stdout);
    texts.push(r.stderr);
    for t in &texts {
        assert!(!t.contains(secret), "the secret leaked:\n{t}");
        assert!(!t.contains("mock-token-"), "a token leaked:\n{t}");
    }
    assert!(texts[0].contains("credential:      managed-identity from useManagedIdentityExtension"), "{}", texts[0]);
}
