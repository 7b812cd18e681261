//! The mock's Kubernetes API server: `/version`, discovery (`/api`,
//! `/apis`, `/api/v1`) and the three lists azaudit reads, with the real
//! server's `limit`/`continue` paging, `Status` error bodies, and the same
//! fault injection as the ARM side. Enough for kube-rs and for the real
//! `kubectl get services,nodes,persistentvolumes -A -o json`.

use crate::app::{App, json_response, raw_response};
use crate::scenario::{Action, Cluster};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};
use std::time::Duration;

/// The paths this module answers.
pub fn owns(path: &str) -> bool {
    path == "/version" || path == "/api" || path == "/apis" || path.starts_with("/api/") || path.starts_with("/apis/")
}

/// The store's resourceVersion; lists made from it say so.
const RESOURCE_VERSION: &str = "48213";

struct Kind {
    /// The group-version path (`/api/v1`, `/apis/snapshot.storage.k8s.io/v1`).
    prefix: &'static str,
    api_version: &'static str,
    /// Path segment (`services`).
    plural: &'static str,
    /// List kind (`ServiceList`).
    list_kind: &'static str,
    kind: &'static str,
    namespaced: bool,
    short: &'static str,
}

const CORE: &str = "/api/v1";
const SNAPSHOT: &str = "/apis/snapshot.storage.k8s.io/v1";

const KINDS: [Kind; 4] = [
    Kind {
        prefix: CORE,
        api_version: "v1",
        plural: "services",
        list_kind: "ServiceList",
        kind: "Service",
        namespaced: true,
        short: "svc",
    },
    Kind {
        prefix: CORE,
        api_version: "v1",
        plural: "nodes",
        list_kind: "NodeList",
        kind: "Node",
        namespaced: false,
        short: "no",
    },
    Kind {
        prefix: CORE,
        api_version: "v1",
        plural: "persistentvolumes",
        list_kind: "PersistentVolumeList",
        kind: "PersistentVolume",
        namespaced: false,
        short: "pv",
    },
    Kind {
        prefix: SNAPSHOT,
        api_version: "snapshot.storage.k8s.io/v1",
        plural: "volumesnapshotcontents",
        list_kind: "VolumeSnapshotContentList",
        kind: "VolumeSnapshotContent",
        namespaced: false,
        short: "vsc",
    },
];

/// The objects of a kind; `None` when its CRD is not installed.
fn objects<'a>(c: &'a Cluster, plural: &str) -> Option<&'a [Value]> {
    Some(match plural {
        "services" => &c.services,
        "nodes" => &c.nodes,
        "volumesnapshotcontents" => c.volume_snapshot_contents.as_deref()?,
        _ => &c.persistent_volumes,
    })
}

/// A Kubernetes `Status` failure body.
fn status(code: u16, reason: &str, message: &str, details: Option<Value>) -> Value {
    let mut s = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": "Failure", "message": message, "reason": reason, "code": code
    });
    if let Some(d) = details {
        s["details"] = d;
    }
    s
}

/// Continue tokens are opaque to clients; the mock's encode the next
/// offset and page number (hex), like the real server's encode a key.
fn continue_token(offset: usize, page: usize) -> String {
    let raw = format!("{{\"v\":\"meta.k8s.io/v1\",\"rv\":{RESOURCE_VERSION},\"start\":{offset},\"page\":{page}}}");
    raw.bytes().map(|b| format!("{b:02x}")).collect()
}

fn parse_continue(tok: &str) -> Option<(usize, usize)> {
    if !tok.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> =
        (0..tok.len()).step_by(2).map(|i| u8::from_str_radix(tok.get(i..i + 2)?, 16).ok()).collect();
    let v: Value = serde_json::from_slice(&bytes?).ok()?;
    Some((v["start"].as_u64()? as usize, v["page"].as_u64()? as usize))
}

fn param(query: &str, key: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

fn version(c: &Cluster) -> Value {
    c.version.clone().unwrap_or_else(|| {
        json!({
            "major": "1", "minor": "30", "gitVersion": "v1.30.3",
            "gitCommit": "6fc0a69044f1ac4c13841ec4391224a2df241460", "gitTreeState": "clean",
            "buildDate": "2024-07-16T23:48:12Z", "goVersion": "go1.22.5", "compiler": "gc",
            "platform": "linux/amd64"
        })
    })
}

/// Discovery: the core kinds azaudit reads, plus the kinds azaudit's own
/// manifests use (namespaces, service accounts, config maps, CronJobs, RBAC),
/// so `kubectl apply --dry-run=client` can map them.
fn discovery(path: &str) -> Option<Value> {
    let verbs = json!(["create", "delete", "get", "list", "patch", "update", "watch"]);
    let res = |name: &str, kind: &str, namespaced: bool, short: &[&str]| {
        json!({"name": name, "singularName": kind.to_ascii_lowercase(), "namespaced": namespaced,
               "kind": kind, "verbs": verbs, "shortNames": short})
    };
    let group = |name: &str| {
        json!({"name": name, "versions": [{"groupVersion": format!("{name}/v1"), "version": "v1"}],
               "preferredVersion": {"groupVersion": format!("{name}/v1"), "version": "v1"}})
    };
    Some(match path {
        "/api" => json!({
            "kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "10.0.0.1:443"}]
        }),
        "/apis" => json!({"kind": "APIGroupList", "apiVersion": "v1",
                          "groups": [group("batch"), group("rbac.authorization.k8s.io"), group("snapshot.storage.k8s.io")]}),
        SNAPSHOT => json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "snapshot.storage.k8s.io/v1",
            "resources": [res("volumesnapshotcontents", "VolumeSnapshotContent", false, &["vsc"])]}),
        "/api/v1" => {
            let mut resources: Vec<Value> = KINDS
                .iter()
                .filter(|k| k.prefix == CORE)
                .map(|k| res(k.plural, k.kind, k.namespaced, &[k.short]))
                .collect();
            resources.push(res("namespaces", "Namespace", false, &["ns"]));
            resources.push(res("serviceaccounts", "ServiceAccount", true, &["sa"]));
            resources.push(res("configmaps", "ConfigMap", true, &["cm"]));
            json!({"kind": "APIResourceList", "groupVersion": "v1", "resources": resources})
        }
        "/apis/batch/v1" => json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "batch/v1",
            "resources": [res("cronjobs", "CronJob", true, &["cj"]), res("jobs", "Job", true, &[])]}),
        "/apis/rbac.authorization.k8s.io/v1" => json!({"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": "rbac.authorization.k8s.io/v1",
            "resources": [res("clusterroles", "ClusterRole", false, &[]), res("clusterrolebindings", "ClusterRoleBinding", false, &[]),
                          res("roles", "Role", true, &[]), res("rolebindings", "RoleBinding", true, &[])]}),
        _ => return None,
    })
}

/// Which list a path asks for: (kind, namespace filter).
fn list_target(path: &str) -> Option<(&'static Kind, Option<String>)> {
    KINDS.iter().find_map(|k| {
        let rest = path.strip_prefix(k.prefix)?.strip_prefix('/')?;
        let segs: Vec<&str> = rest.split('/').collect();
        match segs.as_slice() {
            [plural] if *plural == k.plural => Some((k, None)),
            ["namespaces", ns, plural] if *plural == k.plural && k.namespaced => Some((k, Some(ns.to_string()))),
            _ => None,
        }
    })
}

pub async fn handle(app: &App, method: &str, path: &str, query: &str, headers: &HeaderMap) -> Response {
    let finish = |status: u16, fault: Option<String>| app.record(method, path, query, None, status, fault);
    let Some(cluster) = &app.scenario.cluster else {
        finish(404, None);
        return json_response(
            404,
            &status(404, "NotFound", "the server could not find the requested resource", None),
            &[],
        );
    };
    if let Some(tok) = &cluster.token {
        let got = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        if got != Some(tok.as_str()) {
            finish(401, None);
            return json_response(401, &status(401, "Unauthorized", "Unauthorized", None), &[]);
        }
    }
    if path == "/version" {
        finish(200, None);
        return json_response(200, &version(cluster), &[]);
    }
    if let Some(body) = discovery(path) {
        finish(200, None);
        return json_response(200, &body, &[]);
    }
    let Some((kind, namespace)) = list_target(path) else {
        finish(404, None);
        return json_response(
            404,
            &status(404, "NotFound", "the server could not find the requested resource", None),
            &[],
        );
    };

    let (offset, page) = match param(query, "continue").filter(|c| !c.is_empty()) {
        None => (0, 0),
        Some(tok) => match parse_continue(&tok) {
            Some(p) => p,
            None => {
                finish(400, None);
                let msg = "continue key is not valid: illegal base64 data at input byte 0";
                return json_response(400, &status(400, "BadRequest", msg, None), &[]);
            }
        },
    };
    if app.scenario.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(app.scenario.latency_ms)).await;
    }
    let fault = app.fault_for(path, None, None, page);
    let fault_name = fault.as_ref().map(|f| f.action.name().to_string());
    if let Some(f) = &fault {
        let fail = |code: u16, reason: &str, msg: String, details: Option<Value>| {
            finish(code, fault_name.clone());
            json_response(code, &status(code, reason, &msg, details), &[])
        };
        match &f.action {
            Action::Latency { ms } => tokio::time::sleep(Duration::from_millis(*ms)).await,
            Action::Forbidden => {
                let scope = match &namespace {
                    Some(ns) => format!("in the namespace \"{ns}\""),
                    None => "at the cluster scope".into(),
                };
                return fail(
                    403,
                    "Forbidden",
                    format!(
                        "{} is forbidden: User \"system:serviceaccount:azaudit:azaudit\" cannot list resource \"{}\" in API group \"\" {scope}",
                        kind.plural, kind.plural
                    ),
                    Some(json!({"kind": kind.plural})),
                );
            }
            Action::Expired => {
                return fail(
                    410,
                    "Expired",
                    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.".into(),
                    None,
                );
            }
            Action::Throttle { retry_after_secs, .. } | Action::Busy { retry_after_secs } => {
                finish(429, fault_name.clone());
                let body = status(
                    429,
                    "TooManyRequests",
                    "Too many requests, please try again later.",
                    Some(json!({"retryAfterSeconds": retry_after_secs})),
                );
                return json_response(429, &body, &[("retry-after", retry_after_secs.to_string())]);
            }
            Action::ServerError { status: code } => {
                let (reason, msg) = match code {
                    503 => ("ServiceUnavailable", "the server is currently unable to handle the request"),
                    504 => ("Timeout", "the server was unable to return a response in the time allotted"),
                    _ => ("InternalError", "an error on the server (\"\") has prevented the request from succeeding"),
                };
                return fail(*code, reason, msg.into(), None);
            }
            Action::ExpiredToken => return fail(401, "Unauthorized", "Unauthorized".into(), None),
            Action::Reset
            | Action::Truncate
            | Action::InvalidJson
            | Action::NextLinkLoop
            | Action::ForeignNextLink { .. } => {}
        }
    }

    let Some(objs) = objects(cluster, kind.plural) else {
        // The CRD is not installed: the real server's 404.
        finish(404, fault_name);
        return json_response(
            404,
            &status(404, "NotFound", "the server could not find the requested resource", None),
            &[],
        );
    };
    let all: Vec<&Value> = objs
        .iter()
        .filter(|o| namespace.as_ref().is_none_or(|ns| o["metadata"]["namespace"].as_str() == Some(ns.as_str())))
        .collect();
    let limit = param(query, "limit").and_then(|l| l.parse::<usize>().ok()).filter(|l| *l > 0);
    let end = limit.map_or(all.len(), |l| (offset + l).min(all.len()));
    let start = offset.min(all.len());
    let items: Vec<Value> = all[start..end]
        .iter()
        .map(|o| {
            let mut o = (*o).clone();
            if let Some(m) = o.as_object_mut() {
                m.remove("kind");
                m.remove("apiVersion");
            }
            o
        })
        .collect();
    let mut meta = json!({"resourceVersion": RESOURCE_VERSION});
    if end < all.len() {
        meta["continue"] = json!(continue_token(end, page + 1));
        meta["remainingItemCount"] = json!(all.len() - end);
    }
    let body = json!({"kind": kind.list_kind, "apiVersion": kind.api_version, "metadata": meta, "items": items});
    finish(200, fault_name);
    match fault.map(|f| f.action) {
        Some(Action::Truncate) | Some(Action::Reset) => {
            let text = body.to_string();
            raw_response(200, text[..text.len() / 2].to_string(), &[])
        }
        Some(Action::InvalidJson) => raw_response(502, "<html><body>502 Bad Gateway</body></html>".into(), &[]),
        _ => json_response(200, &body, &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip_and_reject_garbage() {
        assert_eq!(parse_continue(&continue_token(500, 1)), Some((500, 1)));
        assert_eq!(parse_continue("not-a-token"), None);
        assert_eq!(parse_continue(""), None);
    }

    #[test]
    fn paths_map_to_lists() {
        assert_eq!(list_target("/api/v1/services").map(|(k, n)| (k.kind, n)), Some(("Service", None)));
        assert_eq!(
            list_target("/api/v1/namespaces/shop/services").map(|(k, n)| (k.kind, n)),
            Some(("Service", Some("shop".into())))
        );
        assert!(list_target("/api/v1/namespaces/shop/nodes").is_none());
        assert!(list_target("/api/v1/secrets").is_none());
        assert_eq!(
            list_target("/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents").map(|(k, n)| (k.kind, n)),
            Some(("VolumeSnapshotContent", None))
        );
        assert!(list_target("/api/v1/volumesnapshotcontents").is_none());
    }
}
