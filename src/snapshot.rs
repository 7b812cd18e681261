//! The `Snapshot`: everything the collectors read, as one plain, versioned
//! value that checks analyse and that `azaudit snapshot` writes to a file.
//!
//! Every list that was attempted is recorded with whether it completed. A
//! list that failed or was cut short is *incomplete*, never *empty*, and no
//! verdict may be drawn from it.

use crate::arm::StatsSummary;
use crate::models::ResourceId;
use crate::models::cluster::{Node, PersistentVolume, Service, VolumeSnapshotContent};
pub use crate::resources::{AzureInventory, ListKind, LocationUsages};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The schema identifier written into every snapshot. The major version
/// changes only when older readers would misread the file.
pub const SCHEMA: &str = "azaudit.snapshot/v1";

/// The cloud provider's default cluster name (`--cluster-name`), used when
/// a view carries none.
pub const DEFAULT_CLUSTER_NAME: &str = "kubernetes";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Snapshot {
    pub schema: String,
    pub generated_at: jiff::Timestamp,
    pub azaudit_version: String,
    pub scope: Scope,
    /// Every list attempted, complete or not.
    pub lists: Vec<ListRecord>,
    pub azure: AzureInventory,
    /// The Kubernetes side: what the cluster still uses.
    #[serde(default)]
    pub cluster: ClusterView,
    /// A fleet run's other cluster views (`--context` given more than once,
    /// or cluster files tagged with several names); each is judged against
    /// its own node resource group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fleet: Vec<ClusterView>,
    /// Microsoft Graph: the applications whose credentials were checked
    /// (`sp-expiry`, `check`, `snapshot --graph`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph: Option<GraphInventory>,
    /// The cloud provider settings (azure.json) the checks need; no secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_config: Option<ProviderConfig>,
    #[serde(default)]
    pub stats: StatsSummary,
    /// ARM's answer for each object read from Azure Resource Graph that a
    /// finding would name (`collect::confirm`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confirmations: Vec<Confirmation>,
}

/// What ARM said about an object Azure Resource Graph's index showed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Confirmation {
    /// The object's ID (for a sub-resource, its parent's: the object read).
    pub id: String,
    pub outcome: ConfirmOutcome,
    pub at: jiff::Timestamp,
    /// For a failed read, the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ConfirmOutcome {
    /// ARM has it exactly as indexed: the verdict stands.
    Confirmed,
    /// ARM has it, but not as indexed: no verdict from this run.
    Changed,
    /// ARM no longer has it.
    Gone,
    /// ARM could not be read: the run is incomplete.
    Failed,
}

impl Snapshot {
    /// The object a finding on `id` is about, as Resource Graph and ARM
    /// know it: the resource itself, or the parent of a sub-resource
    /// (`/subscriptions/s/resourceGroups/g/providers/NS/type/name`); with
    /// its list kind. `None` for IDs of no listed kind.
    pub fn listed_object(id: &str) -> Option<(ListKind, String)> {
        let rid = ResourceId::new(id);
        rid.resource_group()?;
        let at = id.to_ascii_lowercase().find("/providers/")?;
        let (head, rest) = (&id[..at], &id[at + "/providers/".len()..]);
        let mut parts = rest.split('/');
        let (ns, ty, name) = (parts.next()?, parts.next()?, parts.next()?);
        let kind = ListKind::scoped_of(ns, ty)?;
        Some((kind, format!("{head}/providers/{ns}/{ty}/{name}")))
    }
}

/// The (kind, subscription, resource group) scopes whose lists came from
/// Resource Graph, for lookups by object.
pub struct GraphLists {
    /// (kind, subscription, resource group) of every Resource Graph list.
    lists: std::collections::HashSet<(ListKind, String, Option<String>)>,
    /// The lower-cased IDs of the objects those lists gave.
    objects: std::collections::HashSet<String>,
}

impl GraphLists {
    pub fn of(snap: &Snapshot) -> GraphLists {
        let lists: std::collections::HashSet<_> = snap
            .lists
            .iter()
            .filter(|l| l.source == ListSource::ResourceGraph)
            .map(|l| {
                (l.kind, l.subscription.to_ascii_lowercase(), l.resource_group.as_ref().map(|g| g.to_ascii_lowercase()))
            })
            .collect();
        let mut objects = std::collections::HashSet::new();
        if !lists.is_empty() {
            snap.azure.each(|kind, r| {
                let id = r.id();
                let (Some(sub), Some(rg)) = (id.subscription(), id.resource_group()) else { return };
                let sub = sub.to_ascii_lowercase();
                if lists.contains(&(kind, sub.clone(), None))
                    || lists.contains(&(kind, sub, Some(rg.to_ascii_lowercase())))
                {
                    objects.insert(id.key());
                }
            });
        }
        GraphLists { lists, objects }
    }

    /// Whether `object` is one Resource Graph's index gave. An object no
    /// list of it holds (deleted, or never there) is not "from the index":
    /// nothing about it can be stale.
    pub fn holds(&self, object: &str) -> bool {
        !self.lists.is_empty() && self.objects.contains(&object.to_ascii_lowercase())
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Scope {
    pub subscriptions: Vec<String>,
    /// Empty means subscription scope.
    #[serde(default)]
    pub resource_groups: Vec<String>,
    pub arm_endpoint: String,
    /// How the subscriptions were found, when they were not given
    /// (`--all-subscriptions`, `--management-group`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub discovery: Vec<ScopeDiscovery>,
}

/// One discovery of subscriptions: every subscription the identity can
/// read, or one management group's. A failed or cut-short discovery leaves
/// the run incomplete: subscriptions it did not return were not audited.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ScopeDiscovery {
    /// `all subscriptions` or `management group NAME`.
    pub from: String,
    pub complete: bool,
    pub pages: usize,
    /// Subscriptions it returned, audited or not.
    pub found: usize,
    /// Subscriptions not audited, and why (`name (id): Disabled`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Whether `lists` (one kind's lists in one subscription) read a resource
/// group completely: at least one applies (subscription-wide, or that
/// group's), and every one that applies is complete.
fn covers<'l>(lists: impl Iterator<Item = &'l ListRecord>, resource_group: &str) -> bool {
    let mut any = false;
    for l in lists {
        if l.resource_group.as_deref().is_none_or(|rg| rg.eq_ignore_ascii_case(resource_group)) {
            if !l.complete {
                return false;
            }
            any = true;
        }
    }
    any
}

/// Whether a list read a resource's kind completely in its subscription
/// and resource group (false when no list covered it at all), through an
/// index by kind and subscription: a tenant's snapshot records 14,000
/// lists, and a fleet run asks for every object in every view (a linear
/// search was three quarters of the CPU of a 1,000-subscription,
/// 20-cluster run).
pub struct Coverage<'a> {
    /// Kind -> lower-cased subscription -> its lists.
    by_scope: foldhash::HashMap<ListKind, foldhash::HashMap<String, Vec<&'a ListRecord>>>,
}

impl<'a> Coverage<'a> {
    pub fn new(snap: &'a Snapshot) -> Coverage<'a> {
        let mut by_scope: foldhash::HashMap<ListKind, foldhash::HashMap<String, Vec<&'a ListRecord>>> =
            Default::default();
        for l in &snap.lists {
            by_scope.entry(l.kind).or_default().entry(l.subscription.to_ascii_lowercase()).or_default().push(l);
        }
        Coverage { by_scope }
    }

    /// Whether `kind` was read completely for a resource in `subscription`
    /// and `resource_group`.
    pub fn covered(&self, kind: ListKind, subscription: &str, resource_group: &str) -> bool {
        let sub = if subscription.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(subscription.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(subscription)
        };
        self.by_scope
            .get(&kind)
            .and_then(|subs| subs.get(sub.as_ref()))
            .is_some_and(|lists| covers(lists.iter().copied(), resource_group))
    }
}

/// One list attempt and how it ended.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ListRecord {
    pub kind: ListKind,
    pub subscription: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// For a list under a parent resource (a storage account's shares): the
    /// parent's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub complete: bool,
    pub pages: usize,
    pub items: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Where the items came from (snapshots older than this field: ARM).
    #[serde(default)]
    pub source: ListSource,
    /// When the list was read: its first request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<jiff::Timestamp>,
}

/// Where a list's items came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListSource {
    /// The resource provider's own list, through ARM.
    #[default]
    Arm,
    /// Azure Resource Graph's index, which can lag: findings on its objects
    /// are confirmed by ARM before they are reported.
    ResourceGraph,
}

impl ListRecord {
    /// "publicIPAddresses in resource group rg2 of subscription s"
    pub fn describe(&self) -> String {
        let mut s = self.kind.name().to_string();
        if let Some(p) = &self.parent {
            s.push_str(&format!(" of {p}"));
        }
        if let Some(loc) = &self.location {
            s.push_str(&format!(" in location {loc}"));
        }
        match &self.resource_group {
            Some(rg) => s.push_str(&format!(" in resource group {rg} of subscription {}", self.subscription)),
            None => s.push_str(&format!(" in subscription {}", self.subscription)),
        }
        s
    }
}

/// What was read from Microsoft Graph, and why.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GraphInventory {
    pub endpoint: String,
    /// `--all`: every application in the tenant was listed.
    pub all: bool,
    /// The application IDs asked about, each with where it came from.
    pub requested: Vec<AppRequest>,
    /// The objects found: applications, and service principals for apps
    /// whose application object is not visible.
    pub objects: Vec<GraphFound>,
    /// Every Graph list attempted, complete or not.
    pub lists: Vec<GraphList>,
    /// azaudit's own client-secret sign-in failed because that secret
    /// expired (AADSTS7000222): the app, from the error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_in_failure: Option<SignInFailure>,
    /// AKS clusters that use a managed identity: no secret to expire.
    pub msi_clusters: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AppRequest {
    pub app_id: String,
    /// `--app-id`, `cloud-config /etc/kubernetes/azure.json`, `AKS cluster aks-prod`, ...
    pub sources: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GraphFound {
    /// `application` or `servicePrincipal`.
    pub object_type: String,
    #[serde(flatten)]
    pub object: crate::models::graph::GraphObject,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GraphList {
    /// What was asked, e.g. `applications with appId in (3 IDs)`.
    pub what: String,
    pub complete: bool,
    pub pages: usize,
    pub items: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SignInFailure {
    pub app_id: String,
    pub message: String,
}

/// The cloud-config (azure.json) fields the checks read, without secrets:
/// a client secret is recorded only as being present.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProviderConfig {
    pub path: String,
    pub cloud: Option<String>,
    pub aad_client_id: Option<String>,
    pub has_client_secret: bool,
    pub use_managed_identity_extension: Option<bool>,
    pub use_instance_metadata: Option<bool>,
    pub resource_group: Option<String>,
    /// `networkResourceSubscriptionID`: the subscription of the cluster's
    /// network resources, when not its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_resource_subscription_id: Option<String>,
    pub vnet_resource_group: Option<String>,
    pub security_group_name: Option<String>,
    pub vm_type: Option<String>,
    pub load_balancer_sku: Option<String>,
    pub load_balancer_name: Option<String>,
    /// kubenet: the route table (`routeTableName`) and its resource group
    /// (`routeTableResourceGroup`, default `resourceGroup`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_table_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_table_resource_group: Option<String>,
    /// The names of `multipleStandardLoadBalancerConfigurations`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub multiple_standard_load_balancers: Vec<String>,
    pub maximum_load_balancer_rule_count: Option<i64>,
    pub exclude_master_from_standard_lb: Option<bool>,
    pub cloud_provider_rate_limit: Option<bool>,
}

impl From<&crate::cloud_config::CloudConfig> for ProviderConfig {
    fn from(c: &crate::cloud_config::CloudConfig) -> ProviderConfig {
        ProviderConfig {
            path: c.path.display().to_string(),
            cloud: c.cloud.clone(),
            aad_client_id: c.aad_client_id.clone(),
            has_client_secret: c.aad_client_secret.is_some(),
            use_managed_identity_extension: c.use_managed_identity_extension,
            use_instance_metadata: c.use_instance_metadata,
            resource_group: c.resource_group.clone(),
            network_resource_subscription_id: c.network_resource_subscription_id.clone(),
            vnet_resource_group: c.vnet_resource_group.clone(),
            security_group_name: c.security_group_name.clone(),
            vm_type: c.vm_type.clone(),
            load_balancer_sku: c.load_balancer_sku.clone(),
            load_balancer_name: c.load_balancer_name.clone(),
            route_table_name: c.route_table_name.clone(),
            route_table_resource_group: c.route_table_resource_group.clone(),
            multiple_standard_load_balancers: c.multiple_standard_load_balancers.clone(),
            maximum_load_balancer_rule_count: c.maximum_load_balancer_rule_count,
            exclude_master_from_standard_lb: c.exclude_master_from_standard_lb,
            cloud_provider_rate_limit: c.cloud_provider_rate_limit,
        }
    }
}

/// The cluster the Azure side is judged against.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ClusterView {
    /// The cloud provider's cluster name (`--cluster-name`), matched against
    /// the `k8s-azure-cluster-name` and legacy `kubernetes-cluster-name` tags.
    pub name: String,
    /// In a fleet run, what this view is called: its kubeconfig context or
    /// the name its cluster files were tagged with. Findings judged
    /// against it carry this as their `cluster`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The subscription its node resource group is in, when known other
    /// than from its nodes (an AKS cluster of a fleet run that has no view).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<String>,
    pub source: ClusterSource,
    /// The node resource group, and where it came from. Together with the
    /// cluster-name tag it tells clusters in one resource group apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_resource_group: Option<Sourced>,
    /// The cluster's pod CIDRs as given with `--cluster-cidr` (self-managed
    /// kubenet clusters; AKS clusters' come from the managed cluster).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_cidrs: Vec<String>,
    /// The API server's `gitVersion`, e.g. `v1.30.3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// Every cluster list attempted (or read from files), complete or not.
    #[serde(default)]
    pub lists: Vec<ClusterList>,
    #[serde(default)]
    pub services: Vec<Service>,
    #[serde(default)]
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub persistent_volumes: Vec<PersistentVolume>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volume_snapshot_contents: Vec<VolumeSnapshotContent>,
}

/// A value and where it came from (`flag`, `cloud-config`, `node labels`,
/// `instance metadata`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sourced {
    pub value: String,
    pub source: String,
}

/// Where the cluster view came from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClusterSource {
    /// A live API server, through a kubeconfig or the in-cluster config.
    Live {
        server: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        context: Option<String>,
        /// `kubeconfig` or `in-cluster`.
        via: String,
    },
    /// `kubectl get ... -o json|yaml` output files.
    Files { paths: Vec<String> },
    /// Not read (`--no-cluster`, or an old snapshot): cross-reference
    /// verdicts are withheld.
    #[default]
    Skipped,
}

/// The cluster lists azaudit reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterKind {
    Services,
    Nodes,
    PersistentVolumes,
    Version,
    VolumeSnapshotContents,
}

impl ClusterKind {
    pub const LISTS: [ClusterKind; 4] = [
        ClusterKind::Services,
        ClusterKind::Nodes,
        ClusterKind::PersistentVolumes,
        ClusterKind::VolumeSnapshotContents,
    ];

    /// A list of a CRD the cluster may not have (the snapshot CRDs): its
    /// absence or failure does not make a run incomplete by itself; the
    /// verdicts that need it are withheld when there is something to judge.
    pub fn optional(self) -> bool {
        self == ClusterKind::VolumeSnapshotContents
    }

    pub fn name(self) -> &'static str {
        match self {
            ClusterKind::Services => "services",
            ClusterKind::Nodes => "nodes",
            ClusterKind::PersistentVolumes => "persistentvolumes",
            ClusterKind::Version => "version",
            ClusterKind::VolumeSnapshotContents => "volumesnapshotcontents",
        }
    }
}

/// One cluster list and how it ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterList {
    pub kind: ClusterKind,
    pub complete: bool,
    pub pages: usize,
    pub items: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ClusterView {
    /// The cluster was not read at all: cross-reference verdicts must be
    /// withheld (and the report must say so).
    pub fn skipped(&self) -> bool {
        self.source == ClusterSource::Skipped
    }

    /// Whether `kind` was read completely. False when skipped, when never
    /// listed, or when the list failed or was cut short.
    pub fn complete(&self, kind: ClusterKind) -> bool {
        let mut lists = self.lists.iter().filter(|l| l.kind == kind).peekable();
        lists.peek().is_some() && lists.all(|l| l.complete)
    }

    /// One line per incomplete cluster list.
    pub fn missing(&self) -> Vec<String> {
        if self.skipped() {
            return Vec::new();
        }
        let mut out: Vec<String> = self
            .lists
            .iter()
            .filter(|l| !l.complete && !l.kind.optional())
            .map(|l| format!("cluster {}: {}", l.kind.name(), l.error.as_deref().unwrap_or("incomplete")))
            .collect();
        for k in ClusterKind::LISTS.into_iter().filter(|k| !k.optional()) {
            if !self.lists.iter().any(|l| l.kind == k) {
                out.push(format!("cluster {}: not read", k.name()));
            }
        }
        out
    }

    /// What the source was, in a few words.
    pub fn describe_source(&self) -> String {
        match &self.source {
            ClusterSource::Live { server, context, via } => match context {
                Some(c) => format!("{server} (context {c}, {via})"),
                None => format!("{server} ({via})"),
            },
            ClusterSource::Files { paths } => format!("file {}", paths.join(", ")),
            ClusterSource::Skipped => "not read (--no-cluster)".into(),
        }
    }
}

impl Snapshot {
    /// An empty snapshot of `scope`, stamped now with this version.
    pub fn new(scope: Scope) -> Snapshot {
        Snapshot {
            schema: SCHEMA.to_string(),
            generated_at: jiff::Timestamp::now(),
            azaudit_version: env!("CARGO_PKG_VERSION").to_string(),
            scope,
            lists: Vec::new(),
            azure: AzureInventory::default(),
            cluster: ClusterView::default(),
            fleet: Vec::new(),
            graph: None,
            cloud_config: None,
            stats: StatsSummary::default(),
            confirmations: Vec::new(),
        }
    }

    pub fn is_complete(&self) -> bool {
        self.missing().is_empty()
    }

    /// One line per incomplete list, Azure and cluster: what is missing
    /// and why.
    pub fn missing(&self) -> Vec<String> {
        let discovery = self.scope.discovery.iter().filter(|d| !d.complete).map(|d| {
            format!(
                "subscriptions of {}: {} (subscriptions it did not return were not audited)",
                d.from,
                d.error.as_deref().unwrap_or("incomplete")
            )
        });
        let mut out: Vec<String> = discovery.collect();
        out.extend(self.confirmations.iter().filter(|c| c.outcome == ConfirmOutcome::Failed).map(|c| {
            format!(
                "confirming {} with ARM: {} (Resource Graph's index had it; no verdict on it)",
                c.id,
                c.error.as_deref().unwrap_or("failed")
            )
        }));
        out.extend(
            self.lists
                .iter()
                .filter(|l| !l.complete)
                .map(|l| format!("{}: {}", l.describe(), l.error.as_deref().unwrap_or("incomplete"))),
        );
        out.extend(self.cluster.missing());
        for view in &self.fleet {
            let label = view.label.as_deref().unwrap_or(&view.name);
            out.extend(view.missing().into_iter().map(|m| format!("{label}: {m}")));
        }
        if let Some(g) = &self.graph {
            for l in g.lists.iter().filter(|l| !l.complete) {
                out.push(format!("Microsoft Graph {}: {}", l.what, l.error.as_deref().unwrap_or("incomplete")));
            }
            if let Some(f) = &g.sign_in_failure {
                out.push(format!(
                    "Azure and Microsoft Graph: not read, azaudit's own credential cannot sign in (the client secret of application {} has expired)",
                    f.app_id
                ));
            }
        }
        out
    }

    /// Whether per-parent list `kind` was read completely under `parent`
    /// (a storage account's shares): listed at all, and every list complete.
    pub fn covered_under(&self, kind: ListKind, parent: &crate::models::ResourceId) -> bool {
        let rg = parent.resource_group().unwrap_or("");
        let mut lists = self
            .lists
            .iter()
            .filter(|l| {
                l.kind == kind
                    && l.parent.as_deref().is_some_and(|p| p.eq_ignore_ascii_case(parent.name()))
                    && l.resource_group.as_deref().is_some_and(|g| g.eq_ignore_ascii_case(rg))
                    && parent.subscription().is_some_and(|s| s.eq_ignore_ascii_case(&l.subscription))
            })
            .peekable();
        lists.peek().is_some() && lists.all(|l| l.complete)
    }

    /// Read a snapshot file. Errors name the file and, for malformed JSON,
    /// the line and column.
    pub fn load(path: &Path) -> Result<Snapshot, String> {
        // Parsing from memory is several times faster than serde_json's
        // reader (a profile of a 130 MB snapshot: 60% of the CPU went to
        // byte-by-byte reads); the text is dropped as soon as it is parsed.
        let text = std::fs::read(path).map_err(|e| format!("cannot read snapshot {}: {e}", path.display()))?;
        Self::from_json(&text).map_err(|e| format!("snapshot {}: {e}", path.display()))
    }

    pub fn from_json(bytes: &[u8]) -> Result<Snapshot, String> {
        #[derive(Deserialize)]
        struct Head {
            schema: Option<String>,
        }
        // UTF-8 is checked once, for the whole text: parsed from bytes,
        // serde_json checks every string again (a twentieth of the CPU of
        // loading a large snapshot).
        let text = crate::models::common::utf8(bytes)
            .map_err(|(line, column)| format!("not valid JSON at line {line}, column {column}: not UTF-8 text"))?;
        // Parse once; only when that fails look at the schema, for the
        // clearer message.
        match serde_json::from_str::<Snapshot>(text) {
            Ok(mut s) if s.schema == SCHEMA => {
                s.azure.compact();
                return Ok(s);
            }
            Ok(_) => {}
            Err(e) => {
                let head: Head = serde_json::from_str(text)
                    .map_err(|e| format!("not valid JSON at line {}, column {}: {e}", e.line(), e.column()))?;
                if head.schema.as_deref() == Some(SCHEMA) {
                    return Err(format!("line {}, column {}: {e}", e.line(), e.column()));
                }
            }
        }
        let head: Head = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        match head.schema.as_deref() {
            Some(other) if other.starts_with("azaudit.snapshot/") => {
                Err(format!("schema '{other}' is not supported by this azaudit (it reads '{SCHEMA}')"))
            }
            _ => Err(format!("not an azaudit snapshot (no \"schema\": \"{SCHEMA}\")")),
        }
    }

    /// Write the snapshot as compact JSON, atomically (a temporary file in
    /// the same directory, then a rename), or to stdout for `-`. Compact:
    /// indentation was 37% of a large snapshot's bytes (98 MB against 61),
    /// and every byte is read back by `--from`; `jq .` shows it indented.
    pub fn write(&self, path: &Path) -> Result<(), String> {
        crate::fsutil::write_with(path, crate::fsutil::Access::Private, |w| {
            serde_json::to_writer(&mut *w, self).map_err(std::io::Error::other)?;
            std::io::Write::write_all(w, b"\n")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(kind: ListKind, rg: Option<&str>, complete: bool) -> ListRecord {
        ListRecord {
            kind,
            subscription: "S1".into(),
            resource_group: rg.map(str::to_string),
            location: None,
            parent: None,
            complete,
            pages: 1,
            items: 0,
            error_code: None,
            error: (!complete).then(|| "AuthorizationFailed on x: denied".to_string()),
            source: ListSource::Arm,
            read_at: None,
        }
    }

    fn snap(lists: Vec<ListRecord>) -> Snapshot {
        Snapshot {
            schema: SCHEMA.into(),
            generated_at: jiff::Timestamp::UNIX_EPOCH,
            azaudit_version: "test".into(),
            scope: Scope::default(),
            lists,
            azure: AzureInventory::default(),
            cluster: ClusterView::default(),
            fleet: Vec::new(),
            cloud_config: None,
            graph: None,
            stats: StatsSummary::default(),
            confirmations: Vec::new(),
        }
    }

    /// The index gives the answer a search of every list gives, for
    /// every kind, subscription spelling and resource group, including a
    /// subscription-wide list beside a resource group's.
    #[test]
    fn the_coverage_index_answers_as_a_search_of_every_list_does() {
        let mut other = rec(ListKind::Disks, None, false);
        other.subscription = "s2".into();
        let mut wide = rec(ListKind::Nsgs, None, true);
        wide.subscription = "S3".into();
        let mut narrow_failed = rec(ListKind::Nsgs, Some("rg1"), false);
        narrow_failed.subscription = "s3".into();
        let s = snap(vec![
            rec(ListKind::PublicIps, Some("rg1"), true),
            rec(ListKind::PublicIps, Some("rg2"), false),
            rec(ListKind::Disks, None, true),
            other,
            wide,
            narrow_failed,
        ]);
        let index = Coverage::new(&s);
        let mut answers = 0;
        for kind in [ListKind::PublicIps, ListKind::Disks, ListKind::Nsgs, ListKind::LoadBalancers] {
            for sub in ["s1", "S1", "s2", "S3", "s3", "s4"] {
                for rg in ["rg1", "RG1", "rg2", "rg3"] {
                    let lists = s.lists.iter().filter(|l| l.kind == kind && l.subscription.eq_ignore_ascii_case(sub));
                    let want = covers(lists, rg);
                    assert_eq!(index.covered(kind, sub, rg), want, "{kind:?} {sub} {rg}");
                    answers += usize::from(want);
                }
            }
        }
        // Both answers occur: the comparison can fail either way.
        assert!(answers > 0 && answers < 4 * 6 * 4, "{answers}");
        assert!(!index.covered(ListKind::Nsgs, "S3", "rg1"), "a failed group list beside a whole one");
        assert!(index.covered(ListKind::Nsgs, "s3", "rg2"));
    }

    #[test]
    fn coverage_is_per_kind_and_resource_group() {
        let s = snap(vec![
            rec(ListKind::PublicIps, Some("rg1"), true),
            rec(ListKind::PublicIps, Some("rg2"), false),
            rec(ListKind::Disks, None, true),
        ]);
        let c = Coverage::new(&s);
        assert!(c.covered(ListKind::PublicIps, "s1", "RG1"));
        assert!(!c.covered(ListKind::PublicIps, "s1", "rg2"));
        assert!(!c.covered(ListKind::PublicIps, "s1", "rg3"), "never listed is not covered");
        assert!(c.covered(ListKind::Disks, "s1", "anything"));
        assert!(!c.covered(ListKind::Disks, "other-sub", "rg1"));
        assert!(!s.is_complete());
        let missing = s.missing();
        assert_eq!(missing.len(), 1);
        assert!(missing[0].starts_with("publicIPAddresses in resource group rg2 of subscription S1"), "{}", missing[0]);
    }

    #[test]
    fn coverage_under_a_parent_is_per_parent_and_resource_group() {
        let acct = crate::models::ResourceId::new(
            "/subscriptions/S1/resourceGroups/RG1/providers/Microsoft.Storage/storageAccounts/f1",
        );
        let mut shares = rec(ListKind::FileShares, Some("rg1"), true);
        shares.parent = Some("F1".into());
        let mut elsewhere = rec(ListKind::FileShares, Some("rg2"), false);
        elsewhere.parent = Some("f1".into());
        let s = snap(vec![shares, elsewhere]);
        assert!(s.covered_under(ListKind::FileShares, &acct), "another group's failed list is another account's");
        assert!(!s.covered_under(ListKind::BlobContainers, &acct), "never listed is not covered");
        let mut failed = s.clone();
        failed.lists[0].complete = false;
        assert!(!failed.covered_under(ListKind::FileShares, &acct));
    }

    #[test]
    fn load_names_position_and_schema_problems() {
        let e = Snapshot::from_json(b"{\n  \"schema\": ").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        let e = Snapshot::from_json(br#"{"schema":"azaudit.snapshot/v9"}"#).unwrap_err();
        assert!(e.contains("v9"), "{e}");
        let e = Snapshot::from_json(br#"{"value":[]}"#).unwrap_err();
        assert!(e.contains("not an azaudit snapshot"), "{e}");
        let s = snap(vec![rec(ListKind::Locks, None, true)]);
        let again = Snapshot::from_json(&serde_json::to_vec(&s).unwrap()).unwrap();
        assert_eq!(again.lists, s.lists);
    }
}
