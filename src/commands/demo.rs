//! `azaudit demo`: the bundled demo environment, in-process. Starts the
//! mock Azure and the mock cluster (`mocks/scenarios/demo.json`, compiled
//! in) on loopback, then runs the real `azaudit check` (or another audit)
//! against them: the managed-identity credential, the rate-limited ARM and
//! Graph client, kube-rs. The demo's azure.json is deliberately flawed and
//! its clock is fixed, so every finding kind appears, every time.

use super::{Fatal, Outcome};
#[cfg(feature = "demo")]
use crate::cli::DemoAudit;
use crate::cli::{DemoArgs, GlobalArgs};

/// The demo scenario, the same file the tests and `scripts/` use.
pub const SCENARIO: &str = include_str!("../../mocks/scenarios/demo.json");
/// The demo's subscription.
pub const SUBSCRIPTION: &str = "3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
/// The demo's fixed "now": its service-principal secrets expire relative to it.
pub const NOW: &str = "2026-11-28T12:00:00Z";
/// The demo cluster's azure.json: every lint the `check` command has.
pub const AZURE_JSON: &str = r#"{
  "cloud": "AzurePublicCloude",
  "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
  "subscriptionId": "3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
  "aadClientId": "e5f6a7b8-c9d0-4e1f-8a2b-3c4d5e6f7a8b",
  "aadClientSecret": "demo-secret-never-printed",
  "useManagedIdentityExtension": true,
  "useInstanceMetadata": false,
  "cloudProviderRateLimit": false,
  "loadBalancerSku": "standard",
  "vmType": "vmss",
  "maximumLoadBalancerRuleCount": 250
}
"#;
/// The demo's suppressions (for `check`): one in force, one expired.
pub const SUPPRESSIONS: &str = "suppressions:
  - kind: known-issue
    resource: \"*/version/vmss-upgrade-standard-lb-backend-lost\"
    reason: nodes are never upgraded by hand; upgrade to 1.18 scheduled
    expires: 2027-01-31
  - kind: lb-idle
    reason: kept for the migration that finished in September
    expires: 2026-10-01
";

/// Built without the `demo` feature (the container image): say so.
#[cfg(not(feature = "demo"))]
pub async fn run(_g: &GlobalArgs, _args: &DemoArgs) -> Result<Outcome, Fatal> {
    Err(Fatal(
        "this azaudit was built without the demo (cargo feature `demo`, on by default); build it with default features to run `azaudit demo`".into(),
    ))
}

#[cfg(feature = "demo")]
pub async fn run(g: &GlobalArgs, args: &DemoArgs) -> Result<Outcome, Fatal> {
    let scenario: azure_mock::Scenario =
        serde_json::from_str(SCENARIO).map_err(|e| format!("the bundled demo scenario is invalid: {e}"))?;
    let header = scenario.identity.header.clone();
    let (_app, url, serve) = azure_mock::bind(scenario, "127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot start the demo's mock Azure on 127.0.0.1: {e}"))?;
    let server = tokio::spawn(serve);

    let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let kubeconfig = dir.path().join("kubeconfig");
    let kc = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: demo\nclusters: [{{name: demo, cluster: {{server: \"{url}\"}}}}]\ncontexts: [{{name: demo, context: {{cluster: demo, user: demo}}}}]\nusers: [{{name: demo, user: {{token: demo-token}}}}]\n"
    );
    std::fs::write(&kubeconfig, kc).map_err(|e| format!("cannot write the demo kubeconfig: {e}"))?;
    let azure_json = dir.path().join("azure.json");
    std::fs::write(&azure_json, AZURE_JSON).map_err(|e| format!("cannot write the demo azure.json: {e}"))?;

    // The audit itself runs as a child `azaudit orphans` whose environment
    // points managed identity at the mock (azure_identity reads the process
    // environment, which a running program must not change). Nothing of the
    // user's environment (credentials, azure.json, kubeconfig) is used.
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the azaudit executable: {e}"))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.env_clear();
    for keep in ["PATH", "TERM", "COLUMNS", "NO_COLOR", "LANG", "LC_ALL"] {
        if let Some(v) = std::env::var_os(keep) {
            cmd.env(keep, v);
        }
    }
    cmd.env("IDENTITY_ENDPOINT", format!("{url}/msi/token")).env("IDENTITY_HEADER", header).env("AZAUDIT_NOW", NOW);
    cmd.args(["--subscription", SUBSCRIPTION, "--arm-endpoint", &url, "--graph-endpoint", &url, "--auth", "msi"])
        .arg("--cloud-config")
        .arg(&azure_json)
        .arg("--kubeconfig")
        .arg(&kubeconfig);
    let audit = match args.audit {
        DemoAudit::Check => "check",
        DemoAudit::Orphans => "orphans",
        DemoAudit::SpExpiry => "sp-expiry",
        DemoAudit::Quotas => "quotas",
    };
    cmd.args([audit, "--fail-on", "never", "-o", args.output.name()]);
    if args.audit == DemoAudit::Check {
        let file = dir.path().join("suppressions.yaml");
        std::fs::write(&file, SUPPRESSIONS).map_err(|e| format!("cannot write the demo suppressions: {e}"))?;
        cmd.arg("--suppressions").arg(file);
    }
    if g.quiet {
        cmd.arg("-q");
    }
    for _ in 0..g.verbose {
        cmd.arg("-v");
    }
    if !g.quiet {
        crate::warn_line!(
            "azaudit demo: mock Azure, Microsoft Graph and Kubernetes API on {url} (scenario mocks/scenarios/demo.json, clock fixed at {NOW}); running `azaudit {audit}`"
        );
    }
    let status = tokio::task::spawn_blocking(move || cmd.status())
        .await
        .map_err(|e| format!("the demo audit did not finish: {e}"))?
        .map_err(|e| format!("cannot run the demo audit: {e}"))?;
    server.abort();
    drop(dir);
    // The demo succeeds when the audit ran completely; its findings are the point.
    Ok(match status.code() {
        Some(0) | Some(1) => Outcome::Clean,
        Some(3) => Outcome::Incomplete,
        _ => Outcome::CouldNotRun,
    })
}
