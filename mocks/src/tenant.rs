//! Tenant-level reads: `GET /subscriptions` (Microsoft.Resources
//! 2022-12-01: `value` of `{id, subscriptionId, tenantId, displayName,
//! state, subscriptionPolicies, authorizationSource}`, `nextLink`) and a
//! management group's descendants (Microsoft.Management 2023-04-01:
//! `value` of `{id, type, name, properties: {displayName, parent: {id}}}`,
//! `nextLink`), both paged at the scenario's page size.

use crate::app::{Answer, App, json_response};
use crate::scenario::Action;
use axum::response::Response;
use serde_json::{Value, json};

pub const TENANT_ID: &str = "72f988bf-0000-4000-8000-000000000000";
const GROUPS: &str = "/providers/microsoft.management/managementgroups/";

pub fn owns(method: &str, path: &str) -> bool {
    let p = path.trim_end_matches('/').to_ascii_lowercase();
    method == "GET" && (p == "/subscriptions" || (p.starts_with(GROUPS) && p.ends_with("/descendants")))
}

pub async fn handle(app: &App, method: &str, path: &str, query: &str) -> Response {
    let offset = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "$skiptoken")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    if app.scenario.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(app.scenario.latency_ms)).await;
    }
    let page_index = offset / app.scenario.page_size.unwrap_or(1000).max(1);
    let fault = app.fault_for(path, None, None, page_index);
    let fault_name = fault.as_ref().map(|f| f.action.name().to_string());
    let answer = match fault.as_ref().map(|f| &f.action) {
        Some(Action::Forbidden) => Answer::error(
            403,
            "AuthorizationFailed",
            format!(
                "The client '11111111-2222-3333-4444-555555555555' does not have authorization to perform action 'read' over scope '{}' or the scope is invalid.",
                path.trim_end_matches("/descendants")
            ),
        ),
        Some(Action::ServerError { status }) => Answer::error(*status, "InternalServerError", "An error has occurred."),
        _ => {
            let items = if path.trim_end_matches('/').eq_ignore_ascii_case("/subscriptions") {
                Ok(subscriptions(app))
            } else {
                descendants(app, path)
            };
            match items {
                Ok(items) => page(app, path, query, offset, items),
                Err(a) => a,
            }
        }
    };
    let status = answer.status.as_u16();
    app.record(method, path, query, None, status, fault_name);
    json_response(status, &answer.body, &answer.headers)
}

fn page(app: &App, path: &str, query: &str, offset: usize, items: Vec<Value>) -> Answer {
    let size = app.scenario.page_size.unwrap_or(1000).max(1);
    let end = (offset + size).min(items.len());
    let value: Vec<Value> = items.get(offset..end).map(<[Value]>::to_vec).unwrap_or_default();
    let mut body = json!({ "value": value });
    if end < items.len() {
        let keep: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .filter(|(k, _)| k != "$skiptoken")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &keep {
            q.append_pair(k, v);
        }
        q.append_pair("$skiptoken", &end.to_string());
        body["nextLink"] = Value::String(format!("{}{path}?{}", app.base_url, q.finish()));
    }
    Answer::ok(body)
}

fn subscriptions(app: &App) -> Vec<Value> {
    app.scenario
        .subscriptions
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "id": format!("/subscriptions/{}", s.id),
                "authorizationSource": "RoleBased",
                "managedByTenants": [],
                "subscriptionId": s.id,
                "tenantId": TENANT_ID,
                "displayName": s.display_name.clone().unwrap_or_else(|| format!("Subscription {}", i + 1)),
                "state": s.state.clone().unwrap_or_else(|| "Enabled".into()),
                "subscriptionPolicies": {
                    "locationPlacementId": "Public_2014-09-01",
                    "quotaId": "PayAsYouGo_2014-09-01",
                    "spendingLimit": "Off"
                }
            })
        })
        .collect()
}

/// The subscriptions (lower-cased IDs) in `groups` or below them.
pub fn subscriptions_under(app: &App, groups: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for g in groups {
        let path = format!("/providers/Microsoft.Management/managementGroups/{g}/descendants");
        for d in descendants(app, &path).unwrap_or_default() {
            let is_sub = d["type"].as_str().is_some_and(|t| t.ends_with("/subscriptions"));
            if let (true, Some(n)) = (is_sub, d["name"].as_str()) {
                let n = n.to_ascii_lowercase();
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
    }
    out
}

/// Every group under `path`'s group, at any depth, then every subscription
/// in it or in them.
fn descendants(app: &App, path: &str) -> Result<Vec<Value>, Answer> {
    let lower = path.to_ascii_lowercase();
    let name = lower.trim_start_matches(GROUPS).trim_end_matches('/').trim_end_matches("/descendants");
    let groups = &app.scenario.management_groups;
    let Some(root) = groups.iter().find(|g| g.name.eq_ignore_ascii_case(name)) else {
        return Err(Answer::error(
            403,
            "AuthorizationFailed",
            format!(
                "The client '11111111-2222-3333-4444-555555555555' does not have authorization to perform action 'Microsoft.Management/managementGroups/descendants/read' over scope '/providers/Microsoft.Management/managementGroups/{name}' or the scope is invalid."
            ),
        ));
    };
    let group_id = |n: &str| format!("/providers/Microsoft.Management/managementGroups/{n}");
    let mut under: Vec<&str> = vec![root.name.as_str()];
    let mut out = Vec::new();
    let mut i = 0;
    while i < under.len() {
        let parent = under[i];
        for g in groups.iter().filter(|g| g.parent.as_deref().is_some_and(|p| p.eq_ignore_ascii_case(parent))) {
            if under.iter().any(|u| u.eq_ignore_ascii_case(&g.name)) {
                continue;
            }
            out.push(json!({
                "id": group_id(&g.name),
                "type": "Microsoft.Management/managementGroups",
                "name": g.name,
                "properties": {
                    "displayName": g.display_name.clone().unwrap_or_else(|| g.name.clone()),
                    "parent": { "id": group_id(parent) }
                }
            }));
            under.push(&g.name);
        }
        i += 1;
    }
    for (i, s) in app.scenario.subscriptions.iter().enumerate() {
        let Some(mg) = s.management_group.as_deref() else { continue };
        if under.iter().any(|u| u.eq_ignore_ascii_case(mg)) {
            out.push(json!({
                "id": format!("/subscriptions/{}", s.id),
                "type": "Microsoft.Management/managementGroups/subscriptions",
                "name": s.id,
                "properties": {
                    "displayName": s.display_name.clone().unwrap_or_else(|| format!("Subscription {}", i + 1)),
                    "parent": { "id": group_id(mg) }
                }
            }));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{ManagementGroup, Scenario, Subscription};

    fn app() -> App {
        let sub = |id: &str, mg: Option<&str>, state: Option<&str>| Subscription {
            id: id.into(),
            management_group: mg.map(str::to_string),
            state: state.map(str::to_string),
            ..Default::default()
        };
        let group = |name: &str, parent: Option<&str>| ManagementGroup {
            name: name.into(),
            parent: parent.map(str::to_string),
            ..Default::default()
        };
        let scenario = Scenario {
            subscriptions: vec![
                sub("11111111-0000-4000-8000-000000000001", Some("platform"), None),
                sub("11111111-0000-4000-8000-000000000002", Some("prod-eu"), Some("Disabled")),
                sub("11111111-0000-4000-8000-000000000003", Some("sandbox"), None),
            ],
            management_groups: vec![
                group("root", None),
                group("platform", Some("root")),
                group("prod-eu", Some("platform")),
                group("sandbox", Some("root")),
            ],
            ..Default::default()
        };
        App::new(scenario, "http://127.0.0.1:1".into())
    }

    #[test]
    fn descendants_reach_every_depth_and_only_under_the_group() {
        let a = app();
        let d = descendants(&a, "/providers/Microsoft.Management/managementGroups/platform/descendants").unwrap();
        let names: Vec<&str> = d.iter().map(|v| v["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["prod-eu", "11111111-0000-4000-8000-000000000001", "11111111-0000-4000-8000-000000000002"]);
        assert!(descendants(&a, "/providers/Microsoft.Management/managementGroups/nope/descendants").is_err());
    }

    /// What the mock serves is what the specs define.
    #[test]
    fn tenant_responses_follow_the_specs() {
        let a = app();
        let specs = crate::spec::specs().unwrap();
        let subs = specs
            .definition(
                "specification/resources/resource-manager/Microsoft.Resources/stable/2022-12-01/subscriptions.json",
                "Subscription",
            )
            .unwrap();
        let desc = specs
            .definition(
                "specification/managementgroups/resource-manager/Microsoft.Management/stable/2023-04-01/management.json",
                "DescendantInfo",
            )
            .unwrap();
        let mut problems = Vec::new();
        for (i, s) in subscriptions(&a).iter().enumerate() {
            specs.validate(s, subs, &format!("subscriptions[{i}]"), &mut problems);
        }
        let d = descendants(&a, "/providers/Microsoft.Management/managementGroups/root/descendants").unwrap();
        assert_eq!(d.len(), 6);
        for (i, v) in d.iter().enumerate() {
            specs.validate(v, desc, &format!("descendants[{i}]"), &mut problems);
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
