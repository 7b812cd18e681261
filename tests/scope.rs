//! Subscriptions found instead of given: `--all-subscriptions` and
//! `--management-group`, through the mock's `GET /subscriptions` and
//! management-group descendants. A discovery that fails or is cut short
//! leaves the run incomplete (exit 3), never a smaller scope in silence.

use crate::common::*;
use azure_mock::Scenario;
use azure_mock::scenario::{Action, Fault, ManagementGroup};
use azure_mock::synth::{self, Params};
use serde_json::Value;

fn three_subscriptions() -> Scenario {
    let mut sc = synth::generate(&Params { subscriptions: 3, public_ips: 4, disks: 2, ..Default::default() });
    sc.subscriptions[2].state = Some("Disabled".into());
    sc.subscriptions[2].display_name = Some("Old sandbox".into());
    let group = |name: &str, parent: Option<&str>| ManagementGroup {
        name: name.into(),
        parent: parent.map(str::to_string),
        ..Default::default()
    };
    sc.management_groups = vec![group("root", None), group("platform", Some("root")), group("prod", Some("platform"))];
    sc.subscriptions[0].management_group = Some("prod".into());
    sc.subscriptions[1].management_group = Some("root".into());
    sc.subscriptions[2].management_group = Some("platform".into());
    sc
}

fn snapshot(mock: &azure_mock::MockServer, scope: &[&str]) -> (Run, Option<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap.json");
    let mut args = vec!["snapshot", "-q", "-o", out.to_str().unwrap()];
    args.extend_from_slice(scope);
    let run = azaudit(mock, &args);
    run.assert_no_panic();
    let snap = out.exists().then(|| read_json(&out));
    (run, snap)
}

fn listed_subscriptions(snap: &Value) -> Vec<String> {
    let mut subs: Vec<String> =
        snap["lists"].as_array().unwrap().iter().map(|l| l["subscription"].as_str().unwrap().to_string()).collect();
    subs.sort();
    subs.dedup();
    subs
}

#[test]
fn all_subscriptions_audits_every_active_subscription() {
    let mock = start(three_subscriptions());
    let (run, snap) = snapshot(&mock, &["--all-subscriptions"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let snap = snap.unwrap();
    let (s0, s1, s2) = (synth::subscription_id(0), synth::subscription_id(1), synth::subscription_id(2));
    assert_eq!(snap["scope"]["subscriptions"], serde_json::json!([s0, s1]), "the disabled one is not audited");
    assert_eq!(listed_subscriptions(&snap), vec![s0.clone(), s1.clone()]);
    let d = &snap["scope"]["discovery"][0];
    assert_eq!(d["from"], "all subscriptions");
    assert_eq!(d["complete"], true);
    assert_eq!(d["found"], 3);
    assert_eq!(d["skipped"][0], format!("Old sandbox ({s2}): Disabled"));
    // Both subscriptions' public IPs were read, each under its own scope.
    assert_eq!(snap["azure"]["public_ips"].as_array().unwrap().len(), 8);
    // The skipped subscription is a note in the report.
    let q = azaudit(&mock, &["quotas", "-o", "json", "--all-subscriptions"]);
    let report: Value = serde_json::from_str(&q.stdout).expect(&q.stderr);
    let notes = report["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n.as_str().unwrap().contains(&format!("subscription Old sandbox ({s2}): Disabled"))),
        "{notes:?}"
    );
}

#[test]
fn a_management_group_scope_reaches_every_depth_and_nothing_beside_it() {
    let mock = start(three_subscriptions());
    let (run, snap) = snapshot(&mock, &["--management-group", "platform"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let snap = snap.unwrap();
    // prod (under platform) holds subscription 0, platform itself holds 2;
    // subscription 1 sits in root, above the group.
    let (s0, s2) = (synth::subscription_id(0), synth::subscription_id(2));
    assert_eq!(snap["scope"]["subscriptions"], serde_json::json!([s0, s2]));
    assert_eq!(snap["scope"]["discovery"][0]["from"], "management group platform");
    assert_eq!(listed_subscriptions(&snap), {
        let mut v = vec![s0, s2];
        v.sort();
        v
    });
}

#[test]
fn a_failed_discovery_is_incomplete_not_a_smaller_scope() {
    // Refused outright: nothing audited, and the run says so.
    let mut sc = three_subscriptions();
    sc.faults.push(Fault::on(Action::Forbidden, "/subscriptions$"));
    let mock = start(sc);
    let (run, snap) = snapshot(&mock, &["--all-subscriptions"]);
    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    let snap = snap.unwrap();
    assert_eq!(snap["scope"]["discovery"][0]["complete"], false);
    let q = azaudit(&mock, &["quotas", "-o", "json", "--all-subscriptions"]);
    assert_eq!(q.code, 3, "{}", q.stderr);
    let report: Value = serde_json::from_str(&q.stdout).unwrap();
    let incomplete = report["incomplete"].to_string();
    assert!(
        incomplete.contains("subscriptions of all subscriptions") && incomplete.contains("AuthorizationFailed"),
        "{incomplete}"
    );

    // Cut short on its second page: the first page's subscription is
    // audited, and the run is still incomplete.
    let mut sc = three_subscriptions();
    sc.page_size = Some(1);
    let mut f = Fault::on(Action::ServerError { status: 500 }, "/subscriptions$");
    f.page = Some(1);
    sc.faults.push(f);
    let mock = start(sc);
    let (run, snap) = snapshot(&mock, &["--all-subscriptions", "--max-retries", "0"]);
    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    let snap = snap.unwrap();
    assert_eq!(snap["scope"]["subscriptions"], serde_json::json!([synth::subscription_id(0)]));
    assert_eq!(snap["scope"]["discovery"][0]["pages"], 1);
}

#[test]
fn discovery_flags_are_checked_before_any_request() {
    let mock = start(three_subscriptions());
    for args in [
        &["snapshot", "-o", "-", "--all-subscriptions", "--subscription", "11111111-0000-4000-8000-000000000001"][..],
        &["snapshot", "-o", "-", "--management-group", "a/b"][..],
        &["snapshot", "-o", "-", "--all-subscriptions", "-g", "rg1"][..],
    ] {
        let run = azaudit(&mock, args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        run.assert_no_panic();
    }
    assert!(mock.requests().is_empty(), "no request before the flags are valid");
}
