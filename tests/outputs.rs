//! Outputs for scheduled use: Prometheus and JUnit that parse, atomic
//! writes, suppressions, finding age across runs, `--fail-on never`, shell
//! completions and the manual page, colour, and the Kubernetes manifests.

use crate::common::*;
use azure_mock::MockServer;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const SUB: &str = "3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

/// A snapshot of the demo with Graph data, for fast offline runs.
fn demo_snapshot(dir: &Path) -> PathBuf {
    edited_demo_snapshot(dir, |t| t)
}

fn offline(envs: &[(&str, &str)], args: &[&str]) -> Run {
    let mut e = vec![("AZAUDIT_NOW", "2026-11-28T12:00:00Z")];
    e.extend_from_slice(envs);
    let r = azaudit_env(&e, args);
    r.assert_no_panic();
    r
}

/// A strict check of one exposition line: name, optional labels, a float.
fn valid_sample_line(line: &str) -> bool {
    let (name_labels, value) = match line.rsplit_once(' ') {
        Some(p) => p,
        None => return false,
    };
    if value.parse::<f64>().is_err() {
        return false;
    }
    let (name, labels) = match name_labels.find('{') {
        Some(i) => (&name_labels[..i], Some(&name_labels[i..])),
        None => (name_labels, None),
    };
    let name_ok = !name.is_empty()
        && name
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit()));
    let labels_ok = labels.is_none_or(|l| {
        let Some(inner) = l.strip_prefix('{').and_then(|l| l.strip_suffix('}')) else { return false };
        // label="value" pairs; values may contain escaped quotes.
        let mut rest = inner;
        while !rest.is_empty() {
            let Some(eq) = rest.find("=\"") else { return false };
            let label = &rest[..eq];
            if label.is_empty() || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return false;
            }
            let mut chars = rest[eq + 2..].char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => {
                        end = Some(eq + 2 + i);
                        break;
                    }
                    '\n' => return false,
                    _ => {}
                }
            }
            let Some(end) = end else { return false };
            rest = &rest[end + 1..];
            rest = rest.strip_prefix(',').unwrap_or(rest);
        }
        true
    });
    name_ok && labels_ok
}

#[test]
fn prometheus_output_parses() {
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_snapshot(dir.path());
    let r = offline(&[], &["check", "--from", snap.to_str().unwrap(), "-o", "prometheus"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let text = &r.stdout;
    let samples: Vec<&str> = text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect();
    for l in &samples {
        assert!(valid_sample_line(l), "not a valid sample line: {l}");
    }
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
    assert_eq!(scrape.samples.len(), samples.len(), "every line parsed");
    let value = |name: &str, label: Option<(&str, &str)>| -> Vec<f64> {
        scrape
            .samples
            .iter()
            .filter(|s| s.metric == name && label.is_none_or(|(k, v)| s.labels.get(k) == Some(v)))
            .map(|s| match s.value {
                prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Untyped(v) => v,
                _ => f64::NAN,
            })
            .collect()
    };
    assert_eq!(value("azaudit_run_complete", None), vec![1.0]);
    assert_eq!(value("azaudit_last_run_timestamp_seconds", None), vec![1_795_867_200.0], "the fixed clock");
    let report: Value =
        serde_json::from_str(&offline(&[], &["check", "--from", snap.to_str().unwrap(), "-o", "json"]).stdout).unwrap();
    let total: f64 = value("azaudit_findings", None).iter().sum();
    assert_eq!(total as u64, report["summary"]["findings"].as_u64().unwrap());
    assert_eq!(value("azaudit_finding", None).len() as u64, report["summary"]["findings"].as_u64().unwrap());
    // Each finding's series names its subscription (the demo's one, for
    // every finding on an ARM object).
    let arm_findings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["resource_id"].as_str().unwrap().starts_with("/subscriptions/"))
        .count();
    assert!(arm_findings > 0);
    assert_eq!(value("azaudit_finding", Some(("subscription", DEMO_SUB))).len(), arm_findings);
    assert!(
        report["findings"].as_array().unwrap().iter().all(|f| f["resource_id"]
            .as_str()
            .unwrap()
            .starts_with("/subscriptions/")
            == (f["subscription"] == DEMO_SUB))
    );
    assert_eq!(value("azaudit_findings", Some(("kind", "known-issue"))).iter().sum::<f64>(), 5.0);
    // Every service-principal credential's days left, healthy ones too.
    // As Unix seconds (Prometheus' base unit): days left = (end - now) / 86400.
    let ends = value("azaudit_sp_credential_expiry_timestamp_seconds", None);
    assert_eq!(ends.len(), 5, "{ends:?}");
    let now = 1_795_867_200.0; // the fixed clock, 2026-11-28T12:00:00Z
    let days: Vec<f64> = ends.iter().map(|e| ((e - now) / 86_400.0).trunc()).collect();
    assert!(days.contains(&5.0) && days.contains(&-8.0), "2026-11-20T09:00 is 8.1 days ago: {days:?}");
    assert!(value("azaudit_requests_total", None)[0] > 0.0);
    // promtool, when installed, agrees.
    if Command::new("promtool").arg("--version").output().is_ok() {
        let mut child = Command::new("promtool")
            .args(["check", "metrics"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "promtool check metrics failed ({}): {err}", o.status);
        assert!(!err.contains("error"), "promtool: {err}");
    } else {
        skip(
            "prometheus_output_parses (promtool part)",
            "promtool is not installed; checked with prometheus-parse and a strict line check only",
        );
    }
}

#[test]
fn junit_parses_as_xml() {
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_snapshot(dir.path());
    let r = offline(&[], &["orphans", "--from", snap.to_str().unwrap(), "-o", "junit"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let mut reader = quick_xml::Reader::from_str(&r.stdout);
    let (mut suites, mut failures, mut cases, mut depth) = (0, 0, 0, 0i32);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) => {
                depth += 1;
                match e.name().into_inner() {
                    "testsuite" => suites += 1,
                    "testcase" => cases += 1,
                    "failure" => failures += 1,
                    _ => {}
                }
            }
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not XML at {}: {e}\n{}", reader.buffer_position(), r.stdout),
        }
    }
    assert_eq!(depth, 0, "balanced");
    let kinds = azaudit::checks::kinds(azaudit::findings::Audit::Orphans).len();
    assert_eq!(suites, kinds, "one suite per orphan kind, plus suppression-expired");
    assert_eq!(failures, 21, "a failure per finding");
    assert!(cases >= failures);
}

#[test]
fn output_files_are_replaced_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_snapshot(dir.path());
    let out = dir.path().join("report.json");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (out, stop) = (out.clone(), stop.clone());
        std::thread::spawn(move || {
            let (mut reads, mut partial) = (0u32, Vec::new());
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(bytes) = std::fs::read(&out) {
                    reads += 1;
                    if serde_json::from_slice::<Value>(&bytes).is_err() {
                        partial.push(bytes.len());
                    }
                }
            }
            (reads, partial)
        })
    };
    for _ in 0..8 {
        let r = offline(
            &[],
            &["check", "--from", snap.to_str().unwrap(), "-o", "json", "--output-file", out.to_str().unwrap()],
        );
        assert_eq!(r.code, 1, "{}", r.stderr);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (reads, partial) = reader.join().unwrap();
    assert!(reads > 0, "the reader saw the file");
    assert!(partial.is_empty(), "{} partial reads of {reads}: sizes {partial:?}", partial.len());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn suppressions_match_expire_and_report_their_errors() {
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_snapshot(dir.path());
    let file = dir.path().join("suppressions.yaml");
    std::fs::write(
        &file,
        "suppressions:\n  - resource: \"/subscriptions/*/resourcegroups/mc_aks-prod_aks-prod_westeurope/providers/microsoft.network/publicipaddresses/old-bastion-*\"\n    reason: bastion IP kept for the audit trail\n  - kind: known-issue\n    reason: upgrade scheduled for January\n    expires: 2027-01-15\n  - kind: lb-idle\n    reason: was kept for the migration\n    expires: 2026-10-01\n",
    )
    .unwrap();
    let r = offline(
        &[],
        &["check", "--from", snap.to_str().unwrap(), "-o", "json", "--suppressions", file.to_str().unwrap()],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    let suppressed = report["suppressed"].as_array().unwrap();
    assert_eq!(suppressed.len(), 6, "one IP and five known issues: {suppressed:?}");
    assert_eq!(report["summary"]["suppressed"], 6);
    assert!(
        suppressed.iter().any(|s| s["finding"]["name"] == "old-bastion-ip"
            && s["rule"].as_str().unwrap().ends_with("suppressions.yaml:2"))
    );
    let kinds: Vec<&str> = report["findings"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert!(!kinds.contains(&"known-issue"));
    assert!(kinds.contains(&"lb-idle"), "the expired suppression no longer hides it");
    let expired =
        report["findings"].as_array().unwrap().iter().find(|f| f["kind"] == "suppression-expired").expect("reported");
    assert!(expired["reason"].as_str().unwrap().contains("expired on 2026-10-01"));
    // Counted, not hidden, in the other outputs too.
    let prom = offline(
        &[],
        &["check", "--from", snap.to_str().unwrap(), "-o", "prometheus", "--suppressions", file.to_str().unwrap()],
    )
    .stdout;
    assert!(prom.contains("azaudit_suppressed_findings{command=\"check\",kind=\"known-issue\"} 5"), "{prom}");
    let table = offline(
        &[("COLUMNS", "200")],
        &["check", "--from", snap.to_str().unwrap(), "-o", "table", "--suppressions", file.to_str().unwrap()],
    )
    .stdout;
    assert!(table.contains("Suppressed (6)") && table.contains("6 suppressed"), "{table}");
    // A suppression only hides: with every finding suppressed, --fail-on still sees none.
    let all = dir.path().join("all.yaml");
    std::fs::write(&all, "suppressions:\n  - resource: \"*\"\n    reason: everything is known\n").unwrap();
    let r = offline(
        &[],
        &["orphans", "--from", snap.to_str().unwrap(), "-o", "json", "--suppressions", all.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A malformed entry is one line naming the file and the line.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "suppressions:\n  - kind: lb-idle\n    reason: fine\n  - resource: \"/subscriptions/*\"\n")
        .unwrap();
    let r = offline(&[], &["orphans", "--from", snap.to_str().unwrap(), "--suppressions", bad.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr.trim(),
        format!("azaudit: suppressions {}: line 4: every suppression needs a reason", bad.display())
    );
}

#[test]
fn the_state_file_ages_findings_across_runs_and_survives_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_snapshot(dir.path());
    let state = dir.path().join("state.json");
    let run = |now: &str, format: &str| {
        offline(
            &[("AZAUDIT_NOW", now), ("COLUMNS", "220")],
            &["orphans", "--from", snap.to_str().unwrap(), "-o", format, "--state-file", state.to_str().unwrap()],
        )
    };
    let first: Value = serde_json::from_str(&run("2026-11-16T09:00:00Z", "json").stdout).unwrap();
    assert!(first["findings"].as_array().unwrap().iter().all(|f| f["age_days"] == 0));
    let second: Value = serde_json::from_str(&run("2026-11-28T12:00:00Z", "json").stdout).unwrap();
    let f = &second["findings"][0];
    assert_eq!(f["age_days"], 12, "{f}");
    assert_eq!(f["first_seen"], "2026-11-16T09:00:00Z");
    let table = run("2026-11-28T12:00:00Z", "table").stdout;
    assert!(table.contains("12 d"), "{table}");
    // Corrupt: rebuilt, with a warning, and the run goes on.
    std::fs::write(&state, "{\"schema\": \"azaudit.state/v1\", \"findings\": {\"x\"").unwrap();
    let r = run("2026-11-29T12:00:00Z", "json");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("is corrupt") && r.stderr.contains("starting a new one"), "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["findings"][0]["age_days"], 0);
    let saved: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(saved["schema"], "azaudit.state/v1");
}

#[test]
fn fail_on_never_exits_0_whenever_the_run_completed() {
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_snapshot(dir.path());
    for cmd in ["orphans", "sp-expiry", "quotas", "check"] {
        let r = offline(&[], &[cmd, "--from", snap.to_str().unwrap(), "-o", "json", "--fail-on", "never"]);
        assert_eq!(r.code, 0, "{cmd}: {}", r.stderr);
        let with: Value = serde_json::from_str(&r.stdout).unwrap();
        assert!(with["summary"]["findings"].as_u64().unwrap() > 0, "{cmd} has findings");
        let r = offline(&[], &[cmd, "--from", snap.to_str().unwrap(), "-o", "json"]);
        assert_eq!(r.code, 1, "{cmd} without --fail-on never");
    }
    // An incomplete run is still 3.
    let mock = start(demo_scenario());
    let r =
        azaudit(&mock, &["--subscription", SUB, "--no-cloud-config", "orphans", "-o", "json", "--fail-on", "never"]);
    assert_eq!(r.code, 3, "--no-cluster withholds verdicts: {}", r.stderr);
}

#[test]
fn completions_and_manual_page() {
    setup();
    for shell in ["bash", "zsh", "fish"] {
        let r = azaudit_env(&[], &["completions", shell]);
        assert_eq!(r.code, 0);
        assert!(r.stdout.contains("sp-expiry") && r.stdout.contains("fail-on"), "{shell}");
    }
    let r = azaudit_env(&[], &["man"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains(".TH azaudit 1") && r.stdout.contains("orphans"), "{}", r.stdout);
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    setup();
    if Command::new("script").arg("--version").output().is_err() {
        return skip(
            "colour_only_on_a_terminal_and_never_with_no_color",
            "`script` (util-linux) is not installed to give azaudit a terminal",
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_snapshot(dir.path());
    let cmd = format!("{} orphans --from {} -o table", env!("CARGO_BIN_EXE_azaudit"), snap.display());
    let tty = |no_color: bool| {
        let mut c = Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"]).env("COLUMNS", "200").env("AZAUDIT_NOW", "2026-11-28T12:00:00Z");
        if no_color {
            c.env("NO_COLOR", "1");
        } else {
            c.env_remove("NO_COLOR");
        }
        String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned()
    };
    assert!(tty(false).contains("\u{1b}["), "a terminal gets colour");
    assert!(!tty(true).contains("\u{1b}["), "NO_COLOR turns it off");
    let piped = offline(&[], &["orphans", "--from", snap.to_str().unwrap(), "-o", "table"]).stdout;
    assert!(!piped.contains('\u{1b}'), "no colour into a pipe");
}

#[test]
fn kubernetes_manifests_pass_a_client_dry_run() {
    setup();
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/kubernetes");
    // Always: every document has the shape of its kind.
    let mut kinds = Vec::new();
    for entry in std::fs::read_dir(&deploy).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let docs: Vec<Value> = serde_saphyr::from_multiple(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for d in docs.into_iter().filter(|d| !d.is_null()) {
            let kind = d["kind"].as_str().unwrap().to_string();
            let ok = match kind.as_str() {
                "Namespace" => serde_json::from_value::<k8s_openapi::api::core::v1::Namespace>(d).map(|_| ()),
                "ServiceAccount" => serde_json::from_value::<k8s_openapi::api::core::v1::ServiceAccount>(d).map(|_| ()),
                "ConfigMap" => serde_json::from_value::<k8s_openapi::api::core::v1::ConfigMap>(d).map(|_| ()),
                "ClusterRole" => serde_json::from_value::<k8s_openapi::api::rbac::v1::ClusterRole>(d).map(|_| ()),
                "ClusterRoleBinding" => {
                    serde_json::from_value::<k8s_openapi::api::rbac::v1::ClusterRoleBinding>(d).map(|_| ())
                }
                "CronJob" => serde_json::from_value::<k8s_openapi::api::batch::v1::CronJob>(d).map(|_| ()),
                other => panic!("unexpected kind {other} in {}", path.display()),
            };
            ok.unwrap_or_else(|e| panic!("{}: {kind}: {e}", path.display()));
            kinds.push(kind);
        }
    }
    kinds.sort();
    assert_eq!(kinds, ["ClusterRole", "ClusterRoleBinding", "ConfigMap", "CronJob", "Namespace", "ServiceAccount"]);
    // The suppressions shipped in the ConfigMap are valid.
    let cm: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(deploy.join("suppressions.yaml")).unwrap()).unwrap();
    azaudit::suppressions::parse(cm["data"]["suppressions.yaml"].as_str().unwrap(), "configmap").unwrap();

    if Command::new("kubectl").args(["version", "--client"]).output().map(|o| !o.status.success()).unwrap_or(true) {
        return skip("kubernetes_manifests_pass_a_client_dry_run (kubectl part)", "kubectl is not installed");
    }
    // kubectl maps kinds through discovery, which the mock's API server answers.
    let mock = MockServer::start(demo_scenario()).unwrap();
    let home = tempfile::tempdir().unwrap();
    let o = Command::new("kubectl")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .args(["--server", &mock.base_url, "apply", "--dry-run=client", "--validate=false", "-f"])
        .arg(&deploy)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}\n{}", String::from_utf8_lossy(&o.stderr));
    for want in [
        "cronjob.batch/azaudit created (dry run)",
        "clusterrole.rbac.authorization.k8s.io/azaudit-reader created (dry run)",
        "configmap/azaudit-suppressions created (dry run)",
    ] {
        assert!(out.contains(want), "{want}: {out}");
    }
}

/// A closed stdout (`| head`) ends the run quietly, with the exit code the
/// run would have had (0 for completions and the manual page): no panic,
/// no backtrace.
#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    setup();
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_snapshot(dir.path());
    let snap = snap.to_str().unwrap();
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (vec!["check", "--from", snap, "-o", "table"], 1),
        (vec!["check", "--from", snap, "-o", "prometheus"], 1),
        (vec!["check", "--from", snap, "-o", "json"], 1),
        (vec!["completions", "bash"], 0),
        (vec!["man"], 0),
    ];
    for (args, want) in cases {
        let mut child = Command::new(env!("CARGO_BIN_EXE_azaudit"))
            .args(&args)
            .env_clear()
            .env("AZAUDIT_NOW", "2026-11-28T12:00:00Z")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before anything is written.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(want), "{args:?}: {stderr}");
    }
}

/// Report files honour the umask (0644 under 022) and keep an existing
/// file's mode; state files and snapshots are 0600; a symlink's target is
/// replaced and the link stays; a FIFO is written directly.
#[test]
fn output_files_keep_sensible_modes_and_follow_links() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    setup();
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_snapshot(dir.path());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&snap), 0o600, "snapshots are private");
    let bin = env!("CARGO_BIN_EXE_azaudit");
    let run = |args: &str| {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("umask 022; exec {bin} {args}"))
            .env_clear()
            .env("AZAUDIT_NOW", "2026-11-28T12:00:00Z")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!stderr.contains("panicked"), "{stderr}");
        (out.status.code().unwrap_or(-1), stderr)
    };
    let s = snap.to_str().unwrap();
    // A new report: 0666 less the umask.
    let report = dir.path().join("report.prom");
    let state = dir.path().join("state.json");
    let (code, err) = run(&format!(
        "check --from {s} -o prometheus --output-file {} --state-file {}",
        report.display(),
        state.display()
    ));
    assert_eq!(code, 1, "{err}");
    assert_eq!(mode(&report), 0o644);
    assert_eq!(mode(&state), 0o600, "state is private");
    // An existing report keeps its mode.
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o640)).unwrap();
    run(&format!("check --from {s} -o prometheus --output-file {}", report.display()));
    assert_eq!(mode(&report), 0o640);
    // Through a symlink: the target is replaced, the link stays a link.
    let target = dir.path().join("real.json");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    run(&format!("check --from {s} -o json --output-file {}", link.display()));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(v["schema"], "azaudit.report/v1");
    // A FIFO is written directly, and stays a FIFO.
    let fifo = dir.path().join("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let (code, err) = run(&format!("check --from {s} -o json --output-file {}", fifo.display()));
    assert_eq!(code, 1, "{err}");
    let got: Value = serde_json::from_str(&reader.join().unwrap()).unwrap();
    assert_eq!(got["schema"], "azaudit.report/v1");
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

/// `--state-file` never overwrites a file that is not azaudit's state: an
/// azure.json given by mistake is refused (exit 2) and left as it was. A
/// damaged state file is rebuilt with one plain warning line.
#[test]
fn the_state_file_refuses_to_clobber_other_files() {
    setup();
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_snapshot(dir.path());
    let azure_json = dir.path().join("azure.json");
    let content = r#"{"cloud": "AzurePublicCloud", "tenantId": "t"}"#;
    std::fs::write(&azure_json, content).unwrap();
    let r = offline(
        &[],
        &["check", "--from", snap.to_str().unwrap(), "-o", "json", "--state-file", azure_json.to_str().unwrap()],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("refusing to overwrite it"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&azure_json).unwrap(), content);
    // Damaged but ours: one warning line, no colour codes into a pipe.
    let state = dir.path().join("state.json");
    std::fs::write(&state, r#"{"schema": "azaudit.state/v1", "findings": {"#).unwrap();
    let r = offline(
        &[],
        &["check", "--from", snap.to_str().unwrap(), "-o", "json", "--state-file", state.to_str().unwrap()],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stderr.matches("is corrupt").count(), 1, "{}", r.stderr);
    assert!(!r.stderr.contains('\u{1b}'), "no colour codes: {:?}", r.stderr);
}

/// Input files have a size cap with a clear error: a 2 MiB azure.json or
/// suppressions file is refused (exit 2), naming the file and the limit.
#[test]
fn oversized_input_files_are_refused_with_one_line() {
    setup();
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    std::fs::write(&big, format!("{{\"cloud\": \"{}\"}}", "x".repeat(2 << 20))).unwrap();
    let r = offline(&[], &["--cloud-config", big.to_str().unwrap(), "--no-cluster", "--subscription", SUB, "orphans"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("cloud config") && r.stderr.contains("larger than 1024 KiB"), "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    let snap = demo_snapshot(dir.path());
    let r = offline(&[], &["check", "--from", snap.to_str().unwrap(), "--suppressions", big.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("suppressions") && r.stderr.contains("larger than 1024 KiB"), "{}", r.stderr);
}

/// What the README says the environment can set, it sets:
/// AZAUDIT_STATE_FILE and AZAUDIT_SUPPRESSIONS (and JUnit shows the
/// suppressed finding as a skipped case), AZAUDIT_CLOUD_CONFIG.
#[test]
fn environment_variables_stand_in_for_their_flags() {
    setup();
    let dir = tempfile::tempdir().unwrap();
    let snap = demo_snapshot(dir.path());
    let state = dir.path().join("env-state.json");
    let sup = dir.path().join("sup.yaml");
    std::fs::write(
        &sup,
        "suppressions:\n  - kind: lb-idle\n    reason: kept for the migration\n    expires: 2027-10-01\n",
    )
    .unwrap();
    let r = offline(
        &[("AZAUDIT_STATE_FILE", state.to_str().unwrap()), ("AZAUDIT_SUPPRESSIONS", sup.to_str().unwrap())],
        &["orphans", "--from", snap.to_str().unwrap(), "-o", "junit"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(state.exists(), "AZAUDIT_STATE_FILE wrote the state");
    assert!(
        r.stdout.contains("<skipped message=\"suppressed"),
        "a suppressed finding is a skipped case:\n{}",
        r.stdout
    );
    // AZAUDIT_CLOUD_CONFIG is read (an oversized one proves it).
    let big = dir.path().join("azure.json");
    std::fs::write(&big, "x".repeat(2 << 20)).unwrap();
    let r = offline(
        &[("AZAUDIT_CLOUD_CONFIG", big.to_str().unwrap())],
        &["--no-cluster", "--subscription", SUB, "orphans"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(&format!("cloud config {}", big.display())), "{}", r.stderr);
}
