//! Shared harness for the integration tests: start the mock Azure on
//! loopback and run the real azaudit binary against it.
#![allow(dead_code)]

use azure_mock::{MockServer, Scenario};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Failure output must be plain sentences: no panic, no backtrace.
    pub fn assert_no_panic(&self) {
        for s in [&self.stdout, &self.stderr] {
            assert!(!s.contains("panicked"), "panic in output:\n{s}");
            assert!(!s.contains("RUST_BACKTRACE"), "backtrace hint in output:\n{s}");
        }
    }
}

/// Call first in every test: installs the rustls ring provider for this
/// test binary.
pub fn setup() {
    azaudit::install_crypto_provider();
}

pub fn start(scenario: Scenario) -> MockServer {
    setup();
    MockServer::start(scenario).expect("mock starts")
}

/// Run azaudit with a clean environment whose managed identity points at
/// the mock, and `--arm-endpoint` set to it. Azure only: `--no-cluster`
/// (use [`azaudit_cluster`] for the cluster side).
pub fn azaudit(mock: &MockServer, args: &[&str]) -> Run {
    let mut all = vec!["--no-cluster"];
    all.extend_from_slice(args);
    azaudit_raw(mock, &[], &all)
}

/// Like [`azaudit`], with a kubeconfig that points at the mock's
/// Kubernetes API instead of `--no-cluster`.
pub fn azaudit_cluster(mock: &MockServer, dir: &Path, args: &[&str]) -> Run {
    let kc = write_kubeconfig(mock, dir);
    let mut all = vec!["--kubeconfig", kc.to_str().expect("utf-8 path")];
    all.extend_from_slice(args);
    azaudit_raw(mock, &[], &all)
}

/// azaudit against the mock with extra environment and exactly `args`.
pub fn azaudit_raw(mock: &MockServer, envs: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_azaudit"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("IDENTITY_ENDPOINT", mock.identity_endpoint())
        .env("IDENTITY_HEADER", mock.identity_header())
        .arg("--arm-endpoint")
        .arg(&mock.base_url);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.args(args);
    run(cmd)
}

/// A kubeconfig whose cluster is the mock's Kubernetes API (plain http on
/// loopback) and whose user has a static token.
pub fn write_kubeconfig(mock: &MockServer, dir: &Path) -> std::path::PathBuf {
    let path = dir.join("kubeconfig");
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: mock\nclusters:\n- name: mock\n  cluster:\n    server: {}\ncontexts:\n- name: mock\n  context:\n    cluster: mock\n    user: auditor\nusers:\n- name: auditor\n  user:\n    token: {}\n",
        mock.base_url, KUBE_TOKEN
    );
    std::fs::write(&path, text).expect("kubeconfig written");
    path
}

/// The bearer token the test kubeconfig carries.
pub const KUBE_TOKEN: &str = "mock-kube-token-5d41402abc4b2a76";

/// Run azaudit with exactly the given environment.
pub fn azaudit_env(envs: &[(&str, &str)], args: &[&str]) -> Run {
    setup();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_azaudit"));
    cmd.env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.args(args);
    run(cmd)
}

fn run(mut cmd: Command) -> Run {
    let out = cmd.output().expect("azaudit runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("file written")).expect("valid JSON")
}

/// The number of `kind` resources in the scenario for `sub` (and `rg`).
pub fn count(sc: &Scenario, provider_type: &str, rg: Option<&str>) -> usize {
    sc.resources
        .iter()
        .filter(|r| {
            let id = r["id"].as_str().unwrap_or("").to_ascii_lowercase();
            id.contains(&format!("/providers/{}/", provider_type.to_ascii_lowercase()))
                && rg.is_none_or(|g| id.contains(&format!("/resourcegroups/{}/", g.to_ascii_lowercase())))
        })
        .count()
}

/// Say why a test is skipped. Written straight to the process's stderr so
/// that libtest's capture does not swallow it: a skip is never silent.
pub fn skip(test: &str, reason: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {reason}");
}

/// The bundled demo scenario's subscription.
pub const DEMO_SUB: &str = "3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

/// The bundled demo scenario (`mocks/scenarios/demo.json`).
pub fn demo_scenario() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("mocks/scenarios/demo.json");
    serde_json::from_slice(&std::fs::read(path).expect("demo scenario")).expect("demo scenario parses")
}

/// Global flags that point azaudit at the mock the way `azaudit demo` does:
/// managed identity, Graph on the mock, the demo's azure.json and a
/// kubeconfig for the mock's API server (written into `dir`).
pub fn demo_flags(mock: &MockServer, dir: &Path) -> Vec<String> {
    let cfg = dir.join("azure.json");
    std::fs::write(&cfg, azaudit::commands::demo::AZURE_JSON).expect("azure.json written");
    let kc = write_kubeconfig(mock, dir);
    [
        "--subscription",
        DEMO_SUB,
        "--auth",
        "msi",
        "--graph-endpoint",
        &mock.base_url,
        "--cloud-config",
        cfg.to_str().expect("utf-8"),
        "--kubeconfig",
        kc.to_str().expect("utf-8"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// `azaudit check --from SNAP -o FORMAT` with the demo's suppressions and
/// fixed clock: the report's text (the run must exit 0).
pub fn demo_check_from(dir: &Path, snap: &Path, format: &str) -> String {
    let sup = dir.join("suppressions.yaml");
    std::fs::write(&sup, azaudit::commands::demo::SUPPRESSIONS).expect("suppressions written");
    let (snap, sup) = (snap.to_str().expect("utf-8"), sup.to_str().expect("utf-8"));
    let r = azaudit_env(
        &[("AZAUDIT_NOW", azaudit::commands::demo::NOW)],
        &["check", "--from", snap, "--suppressions", sup, "--fail-on", "never", "-o", format],
    );
    r.assert_no_panic();
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

/// A snapshot (with Graph data) of the demo scenario after `edit` changed
/// its JSON text, written into `dir`.
pub fn edited_demo_snapshot(dir: &Path, edit: impl Fn(String) -> String) -> std::path::PathBuf {
    let text = serde_json::to_string(&demo_scenario()).expect("scenario serializes");
    let scenario = serde_json::from_str(&edit(text)).expect("edited scenario parses");
    let mock = start(scenario);
    let out = dir.join("snap.json");
    let mut args = demo_flags(&mock, dir);
    args.extend(["snapshot", "--graph", "-o", out.to_str().expect("utf-8")].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = azaudit_raw(&mock, &[], &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    out
}
