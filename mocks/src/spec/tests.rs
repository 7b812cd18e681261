//! The mock's own data held to the specs: the demo scenario, what `synth`
//! generates, and the usages the mock makes up; and a scenario with a
//! property Azure would never send is refused.

use crate::{Scenario, synth};
use serde_json::json;

fn demo() -> Scenario {
    serde_json::from_str(include_str!("../../scenarios/demo.json")).expect("demo.json parses")
}

#[test]
fn the_demo_scenario_matches_the_specs() {
    if let Err(e) = demo().validate() {
        panic!("{e}");
    }
}

#[test]
fn synthetic_scenarios_match_the_specs() {
    let p = synth::Params {
        orphan_every: 3,
        empty_pool_every: 2,
        nodes: 4,
        storage_accounts: 4,
        shares_per_account: 2,
        snapshots: 3,
        private_link_services: 3,
        route_table: true,
        ..Default::default()
    };
    let sc = synth::generate(&p);
    assert!(sc.resources.len() > 10);
    if let Err(e) = sc.validate() {
        panic!("{e}");
    }
}

#[test]
fn a_mis_cased_or_unknown_property_is_refused_with_its_place() {
    let mut sc = demo();
    let lb = sc
        .resources
        .iter_mut()
        .find(|r| {
            r["type"] == "Microsoft.Network/loadBalancers" && r["properties"]["frontendIPConfigurations"][0].is_object()
        })
        .expect("a load balancer with a frontend");
    lb["properties"]["frontendIPConfigurations"][0]["properties"]["publicIpAddress"] = json!({"id": "/x"});
    lb["properties"]["notAzure"] = json!(1);
    let err = sc.validate().unwrap_err();
    assert!(
        err.contains(".properties.frontendIPConfigurations[0].properties.publicIpAddress: mis-cased; the spec spells it `publicIPAddress`"),
        "{err}"
    );
    assert!(err.contains(".properties.notAzure: not in the spec at this position"), "{err}");
    assert!(err.starts_with("2 place(s) do not match"), "{err}");
}

#[test]
fn a_resource_type_without_a_vendored_spec_is_refused() {
    let mut sc = Scenario::default();
    sc.resources.push(json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/a", "type": "Microsoft.Web/sites"}));
    let err = sc.validate().unwrap_err();
    assert!(err.contains("type Microsoft.Web/sites has no vendored spec"), "{err}");
}

#[test]
fn graph_objects_are_held_to_graphs_metadata() {
    let mut sc = demo();
    sc.graph.applications[0]["passwordCredentials"][0]["endDate"] = json!("2026-01-01");
    let err = sc.validate().unwrap_err();
    assert!(err.contains("graph.applications[0].passwordCredentials[0].endDate: not in the spec"), "{err}");
}
