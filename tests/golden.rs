//! The demo's reports and snapshot, pinned. Refactors of the collect, check
//! and render layers must not change what azaudit reports: each audit's JSON
//! report from `azaudit demo` and the demo's snapshot are compared, value for
//! value, with the files in `tests/fixtures/golden/`, apart from what differs
//! between any two runs (times, the mock's port, temporary paths, timings).
//!
//! When a change is meant to alter the output, regenerate the files with
//! `AZAUDIT_BLESS=1 cargo test --test tests golden` and review the diff.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden").join(name)
}

/// Replace what changes from run to run with fixed placeholders.
fn normalize(v: &mut Value) {
    match v {
        Value::String(s) => {
            *s = scrub(s);
        }
        Value::Array(a) => a.iter_mut().for_each(normalize),
        Value::Object(o) => {
            // The read-budget measurement sorts by a pressure that depends on
            // timing: its place among the measurements varies, so it is left out.
            if let Some(Value::Array(m)) = o.get_mut("measurements") {
                m.retain(|x| x.get("kind").and_then(Value::as_str) != Some("arm-read-budget"));
            }
            for key in ["data_from", "elapsed_ms", "reserve_pauses", "min_remaining_reads", "read_at"] {
                if o.contains_key(key) {
                    o.insert(key.into(), Value::String("(varies)".into()));
                }
            }
            // How much of the ARM read bucket the run used (and how often it paused)
            // depends on timing.
            if matches!(o.get("kind").and_then(Value::as_str), Some("arm-read-budget" | "arm-throttling-risk")) {
                for key in ["percent", "used", "reason", "object", "severity", "evidence"] {
                    if o.contains_key(key) {
                        o.insert(key.into(), Value::String("(varies)".into()));
                    }
                }
            }
            // A snapshot's own time; a report's `generated_at` is the demo's fixed clock.
            if o.get("schema").and_then(Value::as_str) == Some("azaudit.snapshot/v1") {
                o.insert("generated_at".into(), Value::String("(varies)".into()));
            }
            o.values_mut().for_each(normalize);
        }
        _ => {}
    }
}

fn scrub(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    loop {
        let a = rest.find("http://127.0.0.1:");
        let b = rest.find("/tmp/.tmp");
        let Some(at) = [a, b].into_iter().flatten().min() else { break };
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if rest.starts_with("http://127.0.0.1:") {
            out.push_str("http://MOCK");
            rest = rest["http://127.0.0.1:".len()..].trim_start_matches(|c: char| c.is_ascii_digit());
        } else {
            out.push_str("/TMP");
            rest = rest["/tmp/.tmp".len()..].trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
        }
    }
    out.push_str(rest);
    out
}

/// Compare with the pinned file (or write it under `AZAUDIT_BLESS=1`),
/// naming the first differing path.
fn compare(name: &str, mut got: Value) {
    normalize(&mut got);
    let path = golden(name);
    if std::env::var_os("AZAUDIT_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
        return;
    }
    let want: Value = serde_json::from_slice(&std::fs::read(&path).expect("golden file")).expect("golden JSON");
    if let Some(d) = first_difference("$", &want, &got) {
        panic!("{name} differs from the pinned output at {d}");
    }
}

fn first_difference(at: &str, a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let p = format!("{at}.{k}");
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => {
                        if let Some(d) = first_difference(&p, u, v) {
                            return Some(d);
                        }
                    }
                    (u, v) => return Some(format!("{p}: pinned {u:?}, now {v:?}")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                if let Some(d) = first_difference(&format!("{at}[{i}]"), u, v) {
                    return Some(d);
                }
            }
            (x.len() != y.len()).then(|| format!("{at}: pinned {} items, now {}", x.len(), y.len()))
        }
        _ => (a != b).then(|| format!("{at}: pinned {a}, now {b}")),
    }
}

#[test]
fn the_scrubber_replaces_only_what_varies() {
    assert_eq!(
        scrub("http://127.0.0.1:4242 (context demo) and file:///tmp/.tmpAb3_x/azure.json#cloud"),
        "http://MOCK (context demo) and file:///TMP/azure.json#cloud"
    );
    let a = serde_json::json!({"x": [1, {"y": "z"}]});
    let b = serde_json::json!({"x": [1, {"y": "w"}]});
    assert_eq!(first_difference("$", &a, &b).unwrap(), "$.x[1].y: pinned \"z\", now \"w\"");
}

#[test]
fn the_demo_reports_are_unchanged() {
    for audit in ["check", "orphans", "sp-expiry", "quotas"] {
        let r = azaudit_env(&[], &["demo", audit, "-o", "json", "-q"]);
        r.assert_no_panic();
        assert_eq!(r.code, 0, "{audit}: {}", r.stderr);
        let report: Value = serde_json::from_str(&r.stdout).expect("JSON report");
        compare(&format!("demo-{audit}.json"), report);
    }
}

#[test]
fn the_demo_snapshot_is_unchanged_and_round_trips() {
    let mut sc = demo_scenario();
    // Time-dependent holds would only slow this test down.
    sc.throttle.enabled = false;
    let mock = start(sc);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snapshot.json");
    let mut args: Vec<String> = demo_flags(&mock, dir.path());
    args.extend(["snapshot", "--graph", "-o"].map(String::from));
    args.push(out.to_str().unwrap().into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = azaudit_raw(&mock, &[("AZAUDIT_NOW", azaudit::commands::demo::NOW)], &args);
    r.assert_no_panic();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read(&out).unwrap();
    // Through the library's own type and back: the values survive.
    let parsed = azaudit::snapshot::Snapshot::from_json(&text).expect("snapshot loads");
    let again = serde_json::to_value(&parsed).unwrap();
    let raw: Value = serde_json::from_slice(&text).unwrap();
    assert_eq!(first_difference("$", &raw, &again), None, "the snapshot round-trips through Snapshot");
    compare("demo-snapshot.json", raw);
}
