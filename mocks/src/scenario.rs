//! The scenario file the mock serves: settings, subscriptions, resources (as
//! raw ARM JSON, exactly as the real API would return them), and faults.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Scenario {
    /// Items per page of every list (ARM's real pages vary by provider).
    pub page_size: Option<usize>,
    /// The emulated ARM read bucket.
    pub throttle: Throttle,
    /// Latency added to every ARM response.
    pub latency_ms: u64,
    /// Vary response shapes as real services do: ints as floats, extra
    /// fields, resource-group case in references.
    pub vary_shapes: bool,
    /// Seed for shape variation (and synthetic generation).
    pub seed: u64,
    pub identity: Identity,
    /// The `compute` object IMDS returns at `/metadata/instance`; absent
    /// means the endpoint answers 404 as off Azure.
    pub instance: Option<Value>,
    /// Delay before IMDS answers (to test the off-Azure timeout).
    pub imds_latency_ms: u64,
    pub subscriptions: Vec<Subscription>,
    /// The management group hierarchy (`subscriptions[].management_group`
    /// places a subscription in it).
    pub management_groups: Vec<ManagementGroup>,
    /// ARM resources (any type), each with its full `id`.
    pub resources: Vec<Value>,
    /// The Kubernetes cluster the mock's API server (`/api/v1/...`) serves;
    /// absent means those paths answer 404.
    pub cluster: Option<Cluster>,
    /// Microsoft Graph: applications and service principals.
    pub graph: Graph,
    /// Entra ID's token endpoint: the app registrations that may sign in
    /// with a client secret (served over https only, see `MockServer::start_tls`).
    pub entra: Vec<EntraApp>,
    pub faults: Vec<Fault>,
    /// Azure Resource Graph (`POST /providers/Microsoft.ResourceGraph/resources`).
    pub resource_graph: ResourceGraph,
}

/// The emulated Azure Resource Graph.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct ResourceGraph {
    /// Queries per window per caller (Resource Graph's default: 15 per 5 s);
    /// 0 for no quota. Beyond it, 429 `RateLimiting`.
    pub quota: u32,
    pub window_secs: u64,
    /// The index Resource Graph serves, when it lags: its own copy of the
    /// resources (as they were when indexed). Absent: the resources as they
    /// are now.
    pub index: Option<Vec<Value>>,
    /// Resource types (any case) it answers 422 for.
    pub unsupported_types: Vec<String>,
    /// The most subscriptions one query reaches; beyond it the first ones
    /// are answered with `x-ms-tenant-subscription-limit-hit: true`.
    pub subscription_limit: Option<usize>,
    /// Subscriptions the caller cannot read: Resource Graph answers them
    /// with no rows and no error, as the real service does.
    pub unreadable_subscriptions: Vec<String>,
}

impl Default for ResourceGraph {
    fn default() -> Self {
        ResourceGraph {
            quota: 15,
            window_secs: 5,
            index: None,
            unsupported_types: Vec::new(),
            subscription_limit: None,
            unreadable_subscriptions: Vec::new(),
        }
    }
}

impl Scenario {
    /// Hold every ARM resource and Graph object to the published specs
    /// (`crate::spec`): an unknown or mis-cased property, or a resource type
    /// with no vendored spec, is an error that lists each problem with its
    /// place (`resources[3] (/subscriptions/...).properties.publicIpAddress:
    /// mis-cased; the spec spells it `publicIPAddress``). The mock serves
    /// nothing it could not have got from Azure.
    pub fn validate(&self) -> Result<(), String> {
        let specs = crate::spec::specs()?;
        let mut problems = Vec::new();
        for (i, r) in self.resources.iter().enumerate() {
            let id = r.get("id").and_then(Value::as_str).unwrap_or("no id");
            let at = format!("resources[{i}] ({id})");
            match r.get("type").and_then(Value::as_str) {
                None => problems.push(format!("{at}: no `type`")),
                Some(t) => match specs.resource(t) {
                    None => problems.push(format!("{at}: type {t} has no vendored spec (tests/fixtures/specs)")),
                    Some(Err(e)) => problems.push(format!("{at}: {e}")),
                    Some(Ok(node)) => specs.validate(r, node, &at, &mut problems),
                },
            }
        }
        let graph = [
            ("graph.applications", "Microsoft.Graph/applications", &self.graph.applications),
            ("graph.service_principals", "Microsoft.Graph/servicePrincipals", &self.graph.service_principals),
        ];
        for (place, t, objects) in graph {
            let node = match specs.resource(t) {
                Some(Ok(n)) => n,
                Some(Err(e)) => return Err(e),
                None => return Err(format!("no vendored spec for {t}")),
            };
            for (i, o) in objects.iter().enumerate() {
                specs.validate(o, node, &format!("{place}[{i}]"), &mut problems);
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} place(s) do not match the Azure REST API specs:\n{}",
                problems.len(),
                crate::spec::report(&problems, 20).trim_end()
            ))
        }
    }
}

/// Microsoft Graph's directory, as raw Graph JSON objects.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Graph {
    pub applications: Vec<Value>,
    pub service_principals: Vec<Value>,
    /// Items per page (Graph's default is 100, `$top` up to 999).
    pub page_size: Option<usize>,
}

/// An app registration that can get a token with a client secret.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EntraApp {
    pub client_id: String,
    pub secret: String,
    /// The secret has expired: sign-in fails with AADSTS7000222.
    pub expired: bool,
}

/// A Kubernetes cluster: objects as the API server stores them (the mock
/// strips `kind`/`apiVersion` from list items, as the real server does).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Cluster {
    /// What `/version` returns; a v1.30 server when absent.
    pub version: Option<Value>,
    pub services: Vec<Value>,
    pub nodes: Vec<Value>,
    pub persistent_volumes: Vec<Value>,
    /// `snapshot.storage.k8s.io/v1` VolumeSnapshotContents; absent means the
    /// snapshot CRDs are not installed (the list answers 404).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_snapshot_contents: Option<Vec<Value>>,
    /// When set, every request must carry `Authorization: Bearer <token>`.
    pub token: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Throttle {
    pub enabled: bool,
    /// Bucket size (ARM: 250 reads).
    pub burst: f64,
    /// Tokens per second (ARM: 25).
    pub refill_per_sec: f64,
    /// Tokens at start; defaults to `burst`.
    pub initial: Option<f64>,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle { enabled: true, burst: 250.0, refill_per_sec: 25.0, initial: None }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Identity {
    /// The secret App Service-style MSI expects in `X-IDENTITY-HEADER`.
    pub header: String,
    /// Lifetime of issued tokens.
    pub token_ttl_secs: u64,
}

impl Default for Identity {
    fn default() -> Self {
        Identity { header: "mock-identity-header".into(), token_ttl_secs: 3600 }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Subscription {
    pub id: String,
    /// Resource groups that exist even if empty.
    pub resource_groups: Vec<String>,
    /// Overrides of the network usages limits, by usage name.
    pub usage_limits: BTreeMap<String, i64>,
    /// `GET /subscriptions`: its display name (default `Subscription N`)
    /// and state (default `Enabled`).
    pub display_name: Option<String>,
    pub state: Option<String>,
    /// The management group it sits in directly.
    pub management_group: Option<String>,
}

/// A management group: its ID (name) and its parent's.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ManagementGroup {
    pub name: String,
    pub display_name: Option<String>,
    pub parent: Option<String>,
}

/// A fault injected into matching requests.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Fault {
    #[serde(flatten)]
    pub action: Action,
    /// Case-insensitive substring of the request path, e.g. `publicIPAddresses`;
    /// ending in `$`, the end of the path (`storageAccounts$` is the accounts'
    /// list, not the share lists under each account).
    #[serde(default)]
    pub route: Option<String>,
    #[serde(default)]
    pub subscription: Option<String>,
    /// Only requests at this resource group's scope.
    #[serde(default)]
    pub resource_group: Option<String>,
    /// Only this page (0-based) of a list.
    #[serde(default)]
    pub page: Option<usize>,
    /// How many times it fires; absent means always.
    #[serde(default)]
    pub times: Option<u32>,
}

impl Fault {
    /// A fault on every request whose path contains `route`; narrow it with
    /// struct-update syntax (`Fault { times: Some(1), ..Fault::on(..) }`).
    pub fn on(action: Action, route: &str) -> Fault {
        Fault { action, route: Some(route.into()), subscription: None, resource_group: None, page: None, times: None }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// 429 `SubscriptionRequestsThrottled` with Retry-After in seconds, or
    /// as an HTTP date that many seconds ahead.
    Throttle {
        retry_after_secs: u64,
        #[serde(default)]
        as_date: bool,
        #[serde(default)]
        retry_after_ms: Option<u64>,
    },
    /// 429 `RetryableErrorDueToAnotherOperation` (resource busy).
    Busy { retry_after_secs: u64 },
    /// An error status (500, 502, 503, 504) with an ARM error body.
    ServerError { status: u16 },
    /// Extra delay before answering.
    Latency { ms: u64 },
    /// The connection drops in the middle of the body.
    Reset,
    /// A 200 whose JSON body is cut in half.
    Truncate,
    /// A 200 whose body is not JSON at all.
    InvalidJson,
    /// The page's nextLink points back at itself.
    NextLinkLoop,
    /// The page's nextLink points at another host (`url`): a client must
    /// not follow it with its token.
    ForeignNextLink { url: String },
    /// 403 `AuthorizationFailed`.
    Forbidden,
    /// 401 `ExpiredAuthenticationToken`.
    ExpiredToken,
    /// Kubernetes only: 410 `Expired`, the list's continue token is too old.
    Expired,
}

impl Action {
    /// The action's name as scenario files spell it (`throttle`,
    /// `server_error`, ...), for the request log.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Throttle { .. } => "throttle",
            Action::Busy { .. } => "busy",
            Action::ServerError { .. } => "server_error",
            Action::Latency { .. } => "latency",
            Action::Reset => "reset",
            Action::Truncate => "truncate",
            Action::InvalidJson => "invalid_json",
            Action::NextLinkLoop => "next_link_loop",
            Action::ForeignNextLink { .. } => "foreign_next_link",
            Action::Forbidden => "forbidden",
            Action::ExpiredToken => "expired_token",
            Action::Expired => "expired",
        }
    }
}
