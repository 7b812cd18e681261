//! `azaudit snapshot` end to end: the real binary against the mock Azure over
//! loopback, covering pagination, throttling, retries, faults and
//! completeness.

use crate::common::*;
use azure_mock::scenario::{Action, Fault, Throttle};
use azure_mock::synth::{self, Params};
use azure_mock::{LogEntry, Scenario};
use serde_json::{Value, json};

fn small(page_size: usize) -> Scenario {
    synth::generate(&Params {
        public_ips: 23,
        load_balancers: 2,
        frontends: 10,
        nsgs: 3,
        disks: 11,
        nics: 5,
        page_size: Some(page_size),
        ..Default::default()
    })
}

fn sub0() -> String {
    synth::subscription_id(0)
}

fn snapshot(mock: &azure_mock::MockServer, extra: &[&str]) -> (Run, Option<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap.json");
    let sub = sub0();
    let mut args = vec!["snapshot", "-o", out.to_str().unwrap(), "--subscription", sub.as_str()];
    args.extend_from_slice(extra);
    let run = azaudit(mock, &args);
    run.assert_no_panic();
    let snap = out.exists().then(|| read_json(&out));
    (run, snap)
}

fn lists<'a>(snap: &'a Value, kind: &str) -> Vec<&'a Value> {
    snap["lists"].as_array().unwrap().iter().filter(|l| l["kind"] == kind).collect()
}

fn ceil_div(a: usize, b: usize) -> usize {
    a.div_ceil(b).max(1)
}

#[test]
fn multi_page_inventory_is_read_completely() {
    let sc = small(4);
    let mock = start(sc.clone());
    let (run, snap) = snapshot(&mock, &[]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let snap = snap.unwrap();
    assert_eq!(snap["schema"], "azaudit.snapshot/v1");
    assert_eq!(snap["azure"]["public_ips"].as_array().unwrap().len(), 23);
    assert_eq!(snap["azure"]["load_balancers"].as_array().unwrap().len(), 2);
    assert_eq!(snap["azure"]["network_security_groups"].as_array().unwrap().len(), 3);
    assert_eq!(snap["azure"]["disks"].as_array().unwrap().len(), 11);
    assert_eq!(snap["azure"]["network_interfaces"].as_array().unwrap().len(), 5);
    let pip = &lists(&snap, "publicIPAddresses")[0];
    assert_eq!(pip["complete"], true);
    assert_eq!(pip["pages"], 6, "23 items at 4 per page");
    // Every ID is distinct: no page was read twice.
    let ids: std::collections::HashSet<&str> =
        snap["azure"]["public_ips"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 23);
    assert!(snap["lists"].as_array().unwrap().iter().all(|l| l["complete"] == true));
    assert_eq!(snap["stats"]["throttled"], 0);
}

#[test]
fn request_count_equals_page_count_with_no_extra_gets() {
    let sc = small(4);
    let mock = start(sc.clone());
    let (run, snap) = snapshot(&mock, &[]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let snap = snap.unwrap();
    let arm = mock.arm_requests();
    // The minimum: one page chain per type, ceil(n / page size) pages each,
    // plus the usages list for the one location.
    let expected: usize = azaudit::resources::ListKind::SCOPED
        .iter()
        .map(|k| ceil_div(count(&sc, k.provider_path(), None), 4))
        .sum::<usize>()
        + ceil_div(11, 4); // 11 usage entries in one location
    assert_eq!(arm.len(), expected, "requests: {:#?}", arm.iter().map(|e| &e.path).collect::<Vec<_>>());
    let pages: u64 = snap["lists"].as_array().unwrap().iter().map(|l| l["pages"].as_u64().unwrap()).sum();
    assert_eq!(pages as usize, arm.len());
    assert_eq!(snap["stats"]["requests"].as_u64().unwrap() as usize, arm.len());
    // No per-resource GETs: every request is a list.
    for e in &arm {
        let segs = e.path.trim_matches('/').split('/').count();
        assert!(segs <= 7, "not a list call: {}", e.path);
    }
}

fn gap_after_429(log: &[LogEntry], sub: &str) -> (f64, f64) {
    let first = log.iter().find(|e| e.status == 429).expect("a 429 was served");
    let next = log
        .iter()
        .filter(|e| e.seq > first.seq && e.subscription.as_deref() == Some(sub))
        .filter(|e| e.at_ms > first.at_ms + 50.0) // requests already in flight when the 429 left
        .map(|e| e.at_ms)
        .fold(f64::INFINITY, f64::min);
    (first.at_ms, next)
}

#[test]
fn retry_after_two_seconds_holds_the_subscription_and_completes() {
    let mut sc = small(4);
    sc.faults.push(Fault {
        page: Some(1),
        times: Some(1),
        ..Fault::on(Action::Throttle { retry_after_secs: 2, as_date: false, retry_after_ms: None }, "publicIPAddresses")
    });
    let mock = start(sc);
    let (run, snap) = snapshot(&mock, &[]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let snap = snap.unwrap();
    assert_eq!(snap["azure"]["public_ips"].as_array().unwrap().len(), 23);
    assert_eq!(snap["stats"]["throttled"], 1);
    let log = mock.arm_requests();
    let (t429, next) = gap_after_429(&log, &sub0());
    assert!(next.is_finite(), "requests followed the 429");
    assert!(next - t429 >= 2000.0, "next request to the subscription came {:.0} ms after the 429", next - t429);
    // The throttled page itself was asked again.
    let throttled = log.iter().find(|e| e.status == 429).unwrap();
    assert!(
        log.iter().any(|e| e.seq > throttled.seq
            && e.path == throttled.path
            && e.query == throttled.query
            && e.status == 200)
    );
}

#[test]
fn retry_after_as_http_date_and_ms_header_are_honoured() {
    let mut sc = small(50);
    sc.faults.push(Fault {
        times: Some(1),
        ..Fault::on(Action::Throttle { retry_after_secs: 2, as_date: true, retry_after_ms: None }, "loadBalancers")
    });
    sc.faults.push(Fault {
        times: Some(1),
        ..Fault::on(Action::Throttle { retry_after_secs: 9, as_date: false, retry_after_ms: Some(1200) }, "disks")
    });
    let mock = start(sc);
    let (run, snap) = snapshot(&mock, &[]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(snap.unwrap()["stats"]["throttled"], 2);
    let log = mock.arm_requests();
    let at = |route: &str, status: u16| {
        log.iter().find(|e| e.path.ends_with(route) && e.status == status).map(|e| e.at_ms).unwrap()
    };
    // HTTP-date Retry-After: second resolution, so at least ~1 s after.
    assert!(at("loadBalancers", 200) - at("loadBalancers", 429) >= 1000.0);
    // x-ms-retry-after-ms (1.2 s) wins over Retry-After (9 s).
    let d = at("disks", 200) - at("disks", 429);
    assert!(d >= 1200.0, "disks retried after {d} ms");
}

#[test]
fn persistent_5xx_gives_up_within_the_retry_budget_with_one_clear_line() {
    let mut sc = small(50);
    sc.faults.push(Fault::on(Action::ServerError { status: 503 }, "loadBalancers"));
    let mock = start(sc);
    let (run, snap) = snapshot(&mock, &["--max-retries", "3"]);
    assert_eq!(run.code, 3, "ran but incomplete; stderr: {}", run.stderr);
    let attempts = mock.arm_requests().iter().filter(|e| e.path.ends_with("/loadBalancers")).count();
    assert_eq!(attempts, 4, "one try and three retries, then stop");
    let lines: Vec<&str> = run.stderr.lines().filter(|l| l.contains("loadBalancers")).collect();
    assert_eq!(lines.len(), 1, "one line about the failure: {}", run.stderr);
    assert!(lines[0].contains("ServiceUnavailable on /subscriptions/"), "{}", lines[0]);
    assert!(lines[0].contains("gave up after 4 attempts"), "{}", lines[0]);
    let snap = snap.unwrap();
    let lb = lists(&snap, "loadBalancers")[0];
    assert_eq!(lb["complete"], false);
    assert_eq!(lb["error_code"], "ServiceUnavailable");
    // Everything else still completed.
    assert!(lists(&snap, "publicIPAddresses")[0]["complete"] == true);
}

#[test]
fn persistent_5xx_stops_at_the_time_budget() {
    let mut sc = small(50);
    sc.faults.push(Fault::on(Action::ServerError { status: 500 }, "natGateways"));
    let mock = start(sc);
    let (run, _) = snapshot(&mock, &["--max-retries", "50", "--retry-budget", "3s"]);
    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    let tries: Vec<f64> =
        mock.arm_requests().iter().filter(|e| e.path.ends_with("/natGateways")).map(|e| e.at_ms).collect();
    assert!(tries.len() >= 2 && tries.len() < 50, "{} attempts", tries.len());
    let span = tries.last().unwrap() - tries[0];
    assert!(span <= 3000.0 + 500.0, "retries spanned {span} ms, beyond the 3 s budget");
    assert!(run.stderr.contains("InternalServerError on /subscriptions/"), "{}", run.stderr);
}

#[test]
fn next_link_loop_is_detected() {
    let mut sc = small(4);
    sc.faults.push(Fault { page: Some(1), ..Fault::on(Action::NextLinkLoop, "/disks") });
    let mock = start(sc);
    let (run, snap) = snapshot(&mock, &[]);
    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    assert!(run.stderr.contains("nextLink loop on /subscriptions/"), "{}", run.stderr);
    let disks = mock.arm_requests().iter().filter(|e| e.path.ends_with("/disks")).count();
    assert!(disks <= 3, "the loop was followed {disks} times");
    let snap = snap.unwrap();
    let rec = lists(&snap, "disks")[0];
    assert_eq!(rec["complete"], false);
    // What was read is kept, but the list is marked incomplete, not empty.
    assert!(rec["items"].as_u64().unwrap() > 0);
}

fn two_groups() -> Scenario {
    let sub = sub0();
    let mut resources = Vec::new();
    for rg in ["rg1", "rg2"] {
        for i in 0..3 {
            resources.push(json!({
                "id": format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/publicIPAddresses/ip{i}"),
                "name": format!("ip{i}"), "location": "westeurope", "type": "Microsoft.Network/publicIPAddresses",
                "properties": {"ipAddress": format!("20.0.0.{i}"), "publicIPAllocationMethod": "Static"}
            }));
        }
        resources.push(json!({
            "id": format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/disks/d1"),
            "name": "d1", "location": "westeurope", "type": "Microsoft.Compute/disks", "properties": {"diskSizeGB": 8, "diskState": "Unattached"}
        }));
    }
    Scenario {
        subscriptions: vec![azure_mock::scenario::Subscription { id: sub, ..Default::default() }],
        resources,
        ..Default::default()
    }
}

#[test]
fn forbidden_resource_group_marks_only_that_part_incomplete() {
    let mut sc = two_groups();
    sc.faults.push(Fault { resource_group: Some("rg2".into()), ..Fault::on(Action::Forbidden, "/") });
    let mock = start(sc);
    let (run, snap) = snapshot(&mock, &["-g", "rg1", "-g", "rg2"]);
    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    let snap = snap.unwrap();
    for l in snap["lists"].as_array().unwrap() {
        match l["resource_group"].as_str() {
            Some("rg1") => assert_eq!(l["complete"], true, "{l}"),
            Some("rg2") => {
                assert_eq!(l["complete"], false, "{l}");
                assert_eq!(l["error_code"], "AuthorizationFailed");
            }
            _ => assert_eq!(l["kind"], "usages", "{l}"),
        }
    }
    let pips = snap["azure"]["public_ips"].as_array().unwrap();
    assert_eq!(pips.len(), 3);
    assert!(pips.iter().all(|p| p["id"].as_str().unwrap().contains("/resourceGroups/rg1/")));
    assert!(
        run.stderr.lines().any(|l| l.starts_with("incomplete: publicIPAddresses in resource group rg2")
            && l.contains("AuthorizationFailed on /subscriptions/")
            && l.contains("does not have authorization")),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.lines().any(|l| l.contains("resource group rg1")), "{}", run.stderr);
}

#[test]
fn missing_resource_group_is_incomplete_not_empty() {
    let mock = start(two_groups());
    let (run, snap) = snapshot(&mock, &["-g", "nope"]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("ResourceGroupNotFound"), "{}", run.stderr);
    assert!(snap.unwrap()["lists"].as_array().unwrap().iter().all(|l| l["complete"] == false));
}

fn five_thousand(page_size: usize) -> Scenario {
    let p = Params {
        public_ips: 2000,
        load_balancers: 100,
        frontends: 1000,
        nsgs: 100,
        rules_per_nsg: 5,
        disks: 1500,
        nics: 1300,
        page_size: Some(page_size),
        ..Default::default()
    };
    assert_eq!(p.resources_per_subscription(), 5000);
    synth::generate(&p)
}

#[test]
fn five_thousand_resources_with_the_emulated_bucket_and_defaults_see_no_429() {
    // 15 per page: ~340 requests, more than the bucket's 250 burst, so only
    // the client's own rate limit keeps it from being throttled.
    let mock = start(five_thousand(15));
    let (run, snap) = snapshot(&mock, &[]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let snap = snap.unwrap();
    assert_eq!(snap["azure"]["public_ips"].as_array().unwrap().len(), 2000);
    assert_eq!(snap["azure"]["disks"].as_array().unwrap().len(), 1500);
    let log = mock.arm_requests();
    assert!(log.len() > 250, "{} requests", log.len());
    assert_eq!(log.iter().filter(|e| e.status == 429).count(), 0);
    assert_eq!(snap["stats"]["throttled"], 0);
}

#[test]
fn without_the_client_limit_the_same_inventory_is_throttled_yet_completes() {
    // The control for the test above: the emulated bucket really bites. It
    // starts nearly drained (as when the cloud controller has been busy), so
    // that the result does not depend on how fast this machine serves.
    let mut sc = five_thousand(15);
    sc.throttle = Throttle { initial: Some(20.0), ..Default::default() };
    let mock = start(sc);
    let (run, snap) = snapshot(&mock, &["--max-rps", "1000", "--reserve-reads", "0"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let throttled = mock.arm_requests().iter().filter(|e| e.status == 429).count();
    assert!(throttled > 0, "expected 429s without the client-side limit");
    assert_eq!(snap.unwrap()["azure"]["public_ips"].as_array().unwrap().len(), 2000);
}

#[test]
fn low_remaining_reads_make_the_client_pause() {
    let mut sc = small(4);
    sc.throttle = Throttle { initial: Some(60.0), ..Default::default() };
    let mock = start(sc);
    let (run, snap) = snapshot(&mock, &["-v"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let snap = snap.unwrap();
    assert!(snap["stats"]["reserve_pauses"].as_u64().unwrap() > 0);
    let min = snap["stats"]["min_remaining_reads"][sub0().to_ascii_lowercase()].as_u64().unwrap();
    assert!(min < 100, "min remaining {min}");
    assert!(run.stderr.contains("below the reserve"), "{}", run.stderr);
}

#[test]
fn transient_faults_are_retried_and_the_snapshot_completes() {
    let mut sc = small(4);
    sc.vary_shapes = true;
    for (action, route) in [
        (Action::Reset, "publicIPAddresses"),
        (Action::Truncate, "loadBalancers"),
        (Action::InvalidJson, "networkSecurityGroups"),
        (Action::ServerError { status: 502 }, "networkInterfaces"),
        (Action::Busy { retry_after_secs: 1 }, "disks"),
    ] {
        sc.faults.push(Fault { times: Some(1), ..Fault::on(action, route) });
    }
    let mock = start(sc.clone());
    let (run, snap) = snapshot(&mock, &[]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let snap = snap.unwrap();
    assert_eq!(snap["azure"]["public_ips"].as_array().unwrap().len(), 23);
    assert_eq!(snap["azure"]["load_balancers"].as_array().unwrap().len(), 2);
    assert_eq!(snap["azure"]["network_security_groups"].as_array().unwrap().len(), 3);
    assert_eq!(snap["azure"]["disks"].as_array().unwrap().len(), 11);
    assert_eq!(snap["stats"]["retries"].as_u64().unwrap(), 5, "{}", snap["stats"]);
    let faults = mock.arm_requests().iter().filter(|e| e.fault.is_some()).count();
    assert_eq!(faults, 5);
}

#[test]
fn persistent_invalid_json_names_the_list() {
    let mut sc = small(50);
    sc.faults.push(Fault::on(Action::InvalidJson, "publicIPAddresses"));
    let mock = start(sc);
    let (run, _) = snapshot(&mock, &["--max-retries", "1"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("incomplete: publicIPAddresses") && l.contains("not the expected JSON")),
        "{}",
        run.stderr
    );
}

#[test]
fn tokens_never_appear_in_output_or_snapshot() {
    let mock = start(small(4));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.json");
    let sub = sub0();
    let run = azaudit(&mock, &["snapshot", "-vvv", "-o", out.to_str().unwrap(), "--subscription", &sub]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(run.stderr.contains("GET"), "-vvv logs requests: {}", run.stderr);
    let snap = std::fs::read_to_string(&out).unwrap();
    for text in [&run.stdout, &run.stderr, &snap] {
        assert!(!text.contains("mock-token-"), "a token leaked");
        assert!(!text.contains(mock.identity_header()), "the identity header leaked");
    }
}

#[test]
fn snapshot_to_stdout() {
    let mock = start(small(50));
    let sub = sub0();
    let run = azaudit(&mock, &["snapshot", "-q", "-o", "-", "--subscription", &sub]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["schema"], "azaudit.snapshot/v1");
    assert_eq!(run.stdout.lines().count(), 1, "a snapshot is written compact, on one line");
    assert!(run.stderr.is_empty(), "-q keeps stderr quiet: {}", run.stderr);
}

#[test]
fn could_not_run_cases_exit_2_with_one_line() {
    let mock = start(small(50));
    let sub = sub0();
    // Plain http to a non-loopback address.
    let r = azaudit_env(
        &[],
        &["snapshot", "-o", "-", "--subscription", &sub, "--arm-endpoint", "http://management.example.com"],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--arm-endpoint") && r.stderr.contains("plain http"), "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    r.assert_no_panic();
    // No subscription.
    let r = azaudit(&mock, &["snapshot", "-o", "-"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no subscription"), "{}", r.stderr);
    r.assert_no_panic();
    // The managed identity refuses.
    let r = azaudit_env(
        &[("IDENTITY_ENDPOINT", &mock.identity_endpoint()), ("IDENTITY_HEADER", "wrong")],
        &["snapshot", "-o", "-", "--subscription", &sub, "--arm-endpoint", &mock.base_url],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.starts_with("azaudit: could not sign in"), "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    r.assert_no_panic();
    // Bad flag.
    let r = azaudit(&mock, &["snapshot", "-o", "-", "--subscription", &sub, "--max-rps", "0"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--max-rps"), "{}", r.stderr);
    r.assert_no_panic();
}

#[test]
fn bundled_demo_scenario_snapshots_completely_with_varied_shapes() {
    let text = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/mocks/scenarios/demo.json")).unwrap();
    let sc: Scenario = serde_json::from_slice(&text).unwrap();
    assert!(sc.vary_shapes, "the demo shows the tolerant parsing");
    let sub = sc.subscriptions[0].id.clone();
    // By the resource's own type: a lock's ID also contains its parent's.
    let of = |t: &str| {
        let t = format!("{t}/");
        sc.resources
            .iter()
            .filter(|r| r["id"].as_str().unwrap().rsplit("/providers/").next().unwrap().starts_with(&t))
            .count()
    };
    let (pips, locks, clusters) = (
        of("Microsoft.Network/publicIPAddresses"),
        of("Microsoft.Authorization/locks"),
        of("Microsoft.ContainerService/managedClusters"),
    );
    let total = sc.resources.len();
    let mock = start(sc);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.json");
    let run = azaudit(&mock, &["snapshot", "-o", out.to_str().unwrap(), "--subscription", &sub]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let snap = read_json(&out);
    assert_eq!(snap["azure"]["public_ips"].as_array().unwrap().len(), pips);
    assert_eq!(snap["azure"]["locks"].as_array().unwrap().len(), locks);
    assert_eq!(snap["azure"]["managed_clusters"].as_array().unwrap().len(), clusters);
    let lbs = snap["azure"]["load_balancers"].as_array().unwrap();
    let lb = &lbs.iter().find(|l| l["name"] == "kubernetes").unwrap()["properties"];
    assert_eq!(lb["frontendIPConfigurations"].as_array().unwrap().len(), 5);
    assert_eq!(lb["outboundRules"].as_array().unwrap().len(), 1);
    assert!(run.stderr.contains(&format!("snapshot: {total} resources")), "{}", run.stderr);
}

/// A Retry-After of an hour with a 5 s retry budget: the throttled request
/// ends at once, the subscription's other requests are not held past their
/// own budget, and the run ends with a report (incomplete, exit 3). Before,
/// it held the subscription for the full hour.
#[test]
fn retry_after_beyond_the_budget_ends_the_request_at_once() {
    let mut sc = small(4);
    sc.faults.push(Fault {
        times: Some(1),
        ..Fault::on(
            Action::Throttle { retry_after_secs: 3600, as_date: false, retry_after_ms: None },
            "publicIPAddresses",
        )
    });
    let mock = start(sc);
    let (run, snap) = snapshot(&mock, &["--retry-budget", "5"]);
    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    let snap = snap.expect("the snapshot is still written");
    let pips = lists(&snap, "publicIPAddresses");
    assert!(pips.iter().all(|l| l["complete"] == false), "{pips:?}");
    // The throttled request was not tried again within the hour (and the
    // run did not wait for it: this test would hang otherwise).
    let log = mock.arm_requests();
    let throttled = log.iter().find(|e| e.status == 429).expect("the throttle fired");
    assert!(!log.iter().any(|e| e.seq > throttled.seq && e.path == throttled.path), "{log:?}");
    assert!(run.stderr.contains("retry budget") || run.stderr.contains("not sent"), "{}", run.stderr);
}

/// `--deadline`: a list still being read when it passes is cut short, and
/// the report is written anyway (exit 3).
#[test]
fn the_deadline_cuts_unfinished_lists_and_still_reports() {
    let mut sc = small(4);
    sc.faults.push(Fault { page: Some(1), ..Fault::on(Action::Latency { ms: 4000 }, "disks") });
    let mock = start(sc);
    let (run, snap) = snapshot(&mock, &["--deadline", "2s"]);
    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    let snap = snap.expect("the snapshot is still written");
    let disks = lists(&snap, "disks");
    assert!(disks.iter().all(|l| l["complete"] == false), "{disks:?}");
    assert!(lists(&snap, "publicIPAddresses").iter().all(|l| l["complete"] == true));
}

/// `--deadline` also ends the wait for the client-side rate limit: at 0.5
/// requests a second the small audit's 70 pages would take over two
/// minutes; the requests whose token comes after the deadline are not
/// sent, and the run reports what it could not read. (When they are
/// refused, on the paused clock: the limiter's unit tests.)
#[test]
fn the_deadline_ends_the_wait_for_the_rate_limit() {
    let mock = start(small(50));
    let (run, snap) = snapshot(&mock, &["--deadline", "3s", "--max-rps", "0.5"]);
    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    let snap = snap.expect("the snapshot is still written");
    let all = snap["lists"].as_array().expect("lists");
    assert!(all.iter().any(|l| l["complete"] == false), "{all:?}");
    let text = format!("{}{snap}", run.stderr);
    assert!(text.contains("client-side rate limit"), "names why: {}", run.stderr);
    // One token at once, one more every two seconds: the deadline at 3 s
    // leaves room for two ARM requests, whatever waited.
    let sent = mock.arm_requests().iter().filter(|e| e.path.starts_with("/subscriptions/")).count();
    assert!(sent <= 2, "{sent} requests sent");
}

/// Every numeric flag is bounded, and the subscription and resource groups
/// are checked, before sign-in or any request: exit 2 with one line.
#[test]
fn out_of_bounds_flags_exit_2_before_any_request() {
    let mock = start(small(50));
    let sub = sub0();
    for (flag, value) in [
        ("--max-rps", "1e-9"),
        ("--max-rps", "1001"),
        ("--request-timeout", "0"),
        ("--request-timeout", "1e300"),
        ("--retry-budget", "1e300"),
        ("--retry-budget", "2d"),
        ("--max-retries", "101"),
        ("--deadline", "0s"),
        ("--subscription", "not-a-guid"),
        ("-g", "bad/group"),
    ] {
        let mut args = vec!["snapshot", "-o", "-"];
        if flag != "--subscription" {
            args.extend(["--subscription", sub.as_str()]);
        }
        args.extend([flag, value]);
        let run = azaudit(&mock, &args);
        run.assert_no_panic();
        assert_eq!(run.code, 2, "{flag} {value}: {}", run.stderr);
        assert!(run.stderr.contains(value), "{flag} {value}: names the value: {}", run.stderr);
    }
    assert!(mock.requests().is_empty(), "no request for a bad flag: {:?}", mock.requests());
}

/// Proxies: a loopback endpoint never goes through one (with HTTP_PROXY and
/// HTTPS_PROXY pointing at a dead port the run still works), and a remote
/// https endpoint does (the proxy sees a CONNECT, never a token: the request
/// inside the tunnel is TLS).
#[test]
fn proxies_are_used_for_remote_endpoints_and_never_for_loopback() {
    let mock = start(small(50));
    let sub = sub0();
    // A port nothing listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let proxy = format!("http://{dead}");
    let run = azaudit_raw(
        &mock,
        &[("HTTP_PROXY", &proxy), ("HTTPS_PROXY", &proxy), ("ALL_PROXY", &proxy)],
        &["--no-cluster", "snapshot", "-o", "-", "-q", "--subscription", &sub],
    );
    run.assert_no_panic();
    assert_eq!(run.code, 0, "loopback went through the proxy: {}", run.stderr);

    // A listening "proxy" that records the first request line and hangs up.
    // (It gives up after a while, so a broken azaudit cannot hang the test.)
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let seen = std::thread::spawn(move || {
        use std::io::{BufRead, BufReader};
        let mut conn = None;
        for _ in 0..600 {
            match listener.accept() {
                Ok((c, _)) => {
                    conn = Some(c);
                    break;
                }
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
            }
        }
        let conn = conn?;
        conn.set_nonblocking(false).ok()?;
        let mut r = BufReader::new(conn);
        let mut line = String::new();
        r.read_line(&mut line).ok()?;
        // Headers up to the blank line: no Authorization may be among them.
        let mut rest = String::new();
        loop {
            let mut h = String::new();
            if r.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                break;
            }
            rest.push_str(&h);
        }
        Some((line, rest))
    });
    let identity = mock.identity_endpoint();
    let run = azaudit_env(
        &[
            ("IDENTITY_ENDPOINT", identity.as_str()),
            ("IDENTITY_HEADER", mock.identity_header()),
            ("HTTPS_PROXY", &format!("http://{addr}")),
        ],
        &[
            "--no-cluster",
            "--arm-endpoint",
            "https://management.example.invalid",
            "--retry-budget",
            "1",
            "--max-retries",
            "0",
            "snapshot",
            "-o",
            "-",
            "--subscription",
            &sub,
        ],
    );
    run.assert_no_panic();
    let (line, headers) = seen.join().unwrap().expect("azaudit reached the proxy");
    assert!(line.starts_with("CONNECT management.example.invalid:443"), "{line}");
    assert!(!headers.to_ascii_lowercase().contains("authorization"), "{headers}");
}

/// A nextLink to another host (here another port) is not followed: the
/// list is incomplete, and the token never reaches that host: not even a
/// connection is made to it.
#[test]
fn a_next_link_to_another_host_is_refused_and_gets_no_token() {
    let elsewhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/steal?$skiptoken=1", elsewhere.local_addr().unwrap());
    let mut sc = small(4);
    sc.faults.push(Fault { page: Some(0), ..Fault::on(Action::ForeignNextLink { url }, "disks") });
    let mock = start(sc);
    let (run, snap) = snapshot(&mock, &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let snap = snap.unwrap();
    let disks = lists(&snap, "disks");
    assert!(disks.iter().all(|l| l["complete"] == false), "{disks:?}");
    assert!(disks[0]["error"].as_str().unwrap().contains("outside the configured endpoint"), "{disks:?}");
    // A connection, had one been made, would wait in the backlog.
    elsewhere.set_nonblocking(true).unwrap();
    match elsewhere.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("something connected to the foreign host: {other:?}"),
    }
}
