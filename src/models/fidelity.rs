//! Real recorded Azure responses, read field for field.
//!
//! `tests/fixtures/recorded/<kind>/*.json` are response bodies recorded by
//! Microsoft's own SDK and CLI test suites (provenance in PROVENANCE.md
//! there). Each is parsed with the model azaudit uses, written back out,
//! and compared with the raw JSON at every path the model reads (the paths
//! come from tracing the model against the spec, see `spec_check`):
//! - a value Azure sent at such a path must come through unchanged;
//! - a key that matches such a path only without case is a failure: that
//!   is exactly how `publicIPAddress` was once silently dropped.
//!
//! Set `AZAUDIT_RECORDINGS=DIR` to run the same comparison over more
//! recordings (`DIR/<kind>/*.json`, same kind names), for example bodies
//! captured from a real subscription.

use super::graph::GraphObject;
use super::spec_check::{trace_graph, trace_kind};
use super::*;
use crate::snapshot::ListKind;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The recorded kinds azaudit has a model for, and the list kind whose
/// traced paths apply. Graph kinds use the Graph trace.
fn model_of(kind: &str) -> Option<Model> {
    if let Some(k) = ListKind::ALL.iter().find(|k| k.name() == kind) {
        return Some(Model::Arm(*k));
    }
    Some(match kind {
        "graphApplications" => Model::Graph("application"),
        "graphServicePrincipals" => Model::Graph("servicePrincipal"),
        _ => return None,
    })
}

#[derive(Clone, Copy)]
enum Model {
    Arm(ListKind),
    Graph(&'static str),
}

/// The fields checks rely on: each must be compared in at least one real
/// recording (kind folder, traced path within one item).
const RELIED_ON: &[(&str, &str)] = &[
    ("loadBalancers", "properties.frontendIPConfigurations[].properties.publicIPAddress.id"),
    ("loadBalancers", "properties.frontendIPConfigurations[].name"),
    ("loadBalancers", "properties.backendAddressPools[].properties.backendIPConfigurations[].id"),
    ("loadBalancers", "properties.loadBalancingRules[].name"),
    ("loadBalancers", "properties.loadBalancingRules[].properties.frontendIPConfiguration.id"),
    ("loadBalancers", "properties.probes[].name"),
    ("loadBalancers", "sku.name"),
    ("publicIPAddresses", "properties.ipConfiguration.id"),
    ("publicIPAddresses", "properties.ipAddress"),
    ("publicIPAddresses", "tags{}"),
    ("networkInterfaces", "properties.ipConfigurations[].properties.publicIPAddress.id"),
    ("networkInterfaces", "properties.ipConfigurations[].properties.loadBalancerBackendAddressPools[].id"),
    ("networkSecurityGroups", "properties.securityRules[].name"),
    ("networkSecurityGroups", "properties.securityRules[].properties.priority"),
    ("networkSecurityGroups", "properties.securityRules[].properties.destinationAddressPrefix"),
    ("networkSecurityGroups", "properties.securityRules[].properties.destinationAddressPrefixes[]"),
    ("natGateways", "properties.publicIpAddresses[].id"),
    ("disks", "properties.diskState"),
    ("disks", "properties.diskSizeGB"),
    ("disks", "managedBy"),
    ("managedClusters", "properties.servicePrincipalProfile.clientId"),
    ("managedClusters", "properties.nodeResourceGroup"),
    ("managedClusters", "properties.networkProfile.podCidr"),
    ("storageAccounts", "name"),
    ("storageAccounts", "sku.name"),
    ("fileShares", "name"),
    ("fileShares", "properties.shareQuota"),
    ("blobContainers", "name"),
    ("snapshots", "properties.diskSizeGB"),
    ("snapshots", "sku.name"),
    ("routeTables", "properties.routes[].name"),
    ("routeTables", "properties.routes[].properties.addressPrefix"),
    ("locks", "properties.level"),
    ("privateLinkServices", "properties.loadBalancerFrontendIpConfigurations[].id"),
    ("privateLinkServices", "properties.privateEndpointConnections[].properties.privateEndpoint.id"),
    (
        "privateLinkServices",
        "properties.privateEndpointConnections[].properties.privateLinkServiceConnectionState.status",
    ),
    ("usages", "name.value"),
    ("usages", "currentValue"),
    ("usages", "limit"),
    ("storageUsages", "name.value"),
    ("storageUsages", "currentValue"),
    ("storageUsages", "limit"),
    ("disks", "properties.LastOwnershipUpdateTime"),
    ("graphApplications", "appId"),
    ("graphApplications", "passwordCredentials[].endDateTime"),
    ("graphApplications", "keyCredentials[].endDateTime"),
];

fn recorded_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/recorded")
}

/// `(kind, file)` for every `DIR/<kind>/*.json`.
fn bodies(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let Ok(kinds) = std::fs::read_dir(dir) else { return out };
    for k in kinds.flatten() {
        if !k.path().is_dir() {
            continue;
        }
        let kind = k.file_name().to_string_lossy().to_string();
        let Ok(files) = std::fs::read_dir(k.path()) else { continue };
        for f in files.flatten() {
            if f.path().extension().is_some_and(|e| e == "json") {
                out.push((kind.clone(), f.path()));
            }
        }
    }
    out.sort();
    out
}

/// Parse `raw` as the model (a page when it has `value`), and write it back.
fn round_trip<T: DeserializeOwned + Serialize>(raw: &Value) -> Result<(Value, bool), String> {
    if raw.get("value").is_some_and(Value::is_array) {
        let p: Page<T> = serde_json::from_value(raw.clone()).map_err(|e| e.to_string())?;
        let items = p.value.iter().map(serde_json::to_value).collect::<Result<Vec<_>, _>>();
        let mut page = serde_json::Map::new();
        page.insert("value".into(), Value::Array(items.map_err(|e| e.to_string())?));
        if let Some(n) = p.next_link {
            page.insert("nextLink".into(), Value::String(n));
        }
        Ok((Value::Object(page), true))
    } else {
        let t: T = serde_json::from_value(raw.clone()).map_err(|e| e.to_string())?;
        Ok((serde_json::to_value(t).map_err(|e| e.to_string())?, false))
    }
}

fn parse(model: Model, raw: &Value) -> Result<(Value, bool), String> {
    match model {
        Model::Graph(_) => round_trip::<GraphObject>(raw),
        Model::Arm(k) => {
            struct RoundTrip<'a>(&'a Value);
            impl crate::resources::ModelVisitor for RoundTrip<'_> {
                type Out = Result<(Value, bool), String>;
                fn visit<T: crate::resources::Model>(self, _: ListKind) -> Self::Out {
                    round_trip::<T>(self.0)
                }
            }
            k.visit(RoundTrip(raw))
        }
    }
}

/// What comparing one body found.
#[derive(Default)]
struct Compared {
    problems: Vec<String>,
    /// Traced paths (within one item) whose values were compared.
    seen: BTreeSet<String>,
}

/// Scalars equal as the model reads them: numbers by value (Azure sends
/// `4`, `4.0` or `"4"`), tag values stringified.
fn same_scalar(raw: &Value, got: &Value) -> bool {
    match (raw, got) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::String(a), Value::Number(b)) => a.trim().parse::<f64>().ok() == b.as_f64(),
        (Value::Number(a), Value::String(b)) => a.to_string() == *b,
        (Value::Bool(a), Value::String(b)) => a.to_string() == *b,
        (a, b) => a == b,
    }
}

/// Nothing there: absent, null, `[]` or `{}` (the models skip empties).
fn empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        _ => false,
    }
}

fn compare(raw: &Value, got: Option<&Value>, at: &str, traced: &str, fields: &BTreeSet<String>, out: &mut Compared) {
    let strip = |p: &str| p.strip_prefix("value[].").unwrap_or(p).to_string();
    match raw {
        Value::Object(map) => {
            let map_path = format!("{traced}{{}}");
            let is_map = fields.contains(&map_path);
            for (k, v) in map {
                let (child_traced, read) = if is_map {
                    (map_path.clone(), true)
                } else {
                    let p = azure_mock::spec::join_path(traced, k);
                    let read = fields.contains(&p);
                    (p, read)
                };
                let child_at = azure_mock::spec::join_path(at, k);
                if !read {
                    if let Some(f) = fields.iter().find(|f| f.eq_ignore_ascii_case(&child_traced)) {
                        out.problems.push(format!(
                            "{child_at}: Azure sends `{k}`, but the model reads `{}`: the value is silently lost",
                            f.rsplit(['.', ']']).next().unwrap_or(f)
                        ));
                    }
                    continue;
                }
                let got_child = got.and_then(|g| g.get(k));
                if empty(Some(v)) {
                    if !empty(got_child) {
                        out.problems
                            .push(format!("{child_at}: Azure sent nothing, the model has {}", got_child.unwrap()));
                    }
                    continue;
                }
                if got_child.is_none() {
                    out.problems.push(format!("{child_at}: Azure sent {v}, the model dropped it"));
                    continue;
                }
                compare(v, got_child, &child_at, &child_traced, fields, out);
            }
        }
        Value::Array(items) => {
            let got_items = got.and_then(Value::as_array);
            let item_traced = format!("{traced}[]");
            for (i, v) in items.iter().enumerate() {
                let g = got_items.and_then(|g| g.get(i));
                if g.is_none() && !empty(Some(v)) {
                    out.problems.push(format!("{at}[{i}]: Azure sent {v}, the model dropped it"));
                    continue;
                }
                compare(v, g, &format!("{at}[{i}]"), &item_traced, fields, out);
            }
        }
        scalar => {
            match got {
                Some(g) if same_scalar(scalar, g) => {}
                Some(g) => out.problems.push(format!("{at}: Azure sent {scalar}, the model has {g}")),
                None => out.problems.push(format!("{at}: Azure sent {scalar}, the model dropped it")),
            }
            out.seen.insert(strip(traced));
        }
    }
}

/// Compare every recording under `dir`; returns per-kind seen paths.
fn check_dir(dir: &Path, problems: &mut Vec<String>) -> (usize, BTreeMap<String, BTreeSet<String>>) {
    let specs = azure_mock::spec::specs().expect("the vendored specs parse");
    let mut traces: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for kind in super::spec_check::all_kinds() {
        let node = specs
            .list_response(&super::spec_check::spec_file(kind), &super::spec_check::list_path(kind))
            .expect("list operation in the spec");
        traces.insert(format!("arm:{}", kind.name()), trace_kind(specs, kind, node).fields);
    }
    for (t, r) in trace_graph(specs) {
        traces.insert(format!("graph:{t}"), r.expect("Graph trace").fields);
    }
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut read = 0;
    for (kind, file) in bodies(dir) {
        let Some(model) = model_of(&kind) else { continue };
        let name = file.strip_prefix(dir).unwrap_or(&file).display().to_string();
        let raw: Value = match std::fs::read(&file)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{name}: cannot read: {e}"));
                continue;
            }
        };
        let fields = match model {
            Model::Arm(k) => &traces[&format!("arm:{}", k.name())],
            Model::Graph(t) => &traces[&format!("graph:{t}")],
        };
        let (got, page) = match parse(model, &raw) {
            Ok(x) => x,
            Err(e) => {
                problems.push(format!("{name}: the model cannot parse it: {e}"));
                continue;
            }
        };
        // Traced paths are for a page; a single resource is one item of it.
        let mut c = Compared::default();
        if page {
            compare(&raw, Some(&got), "", "", fields, &mut c);
        } else {
            compare(&raw, Some(&got), "", "value[]", fields, &mut c);
        }
        if c.seen.is_empty() {
            problems.push(format!("{name}: not one field azaudit reads was compared"));
        }
        problems.extend(c.problems.iter().map(|p| format!("{name}: {p}")));
        seen.entry(kind).or_default().extend(c.seen);
        read += 1;
    }
    (read, seen)
}

#[test]
fn real_recorded_responses_are_read_field_for_field() {
    let mut problems = Vec::new();
    let (read, seen) = check_dir(&recorded_dir(), &mut problems);
    for (kind, paths) in &seen {
        println!("{kind}: {} fields compared against real recordings", paths.len());
    }
    assert!(read >= 25, "only {read} recorded bodies with a model");
    assert!(problems.is_empty(), "recorded responses not read faithfully:\n{}", problems.join("\n"));
    let mut missing = Vec::new();
    for (kind, path) in RELIED_ON {
        if !seen.get(*kind).is_some_and(|s| s.contains(*path)) {
            missing.push(format!("{kind}: {path}"));
        }
    }
    assert!(missing.is_empty(), "fields checks rely on that no real recording exercises:\n{}", missing.join("\n"));
}

/// The same comparison over recordings that are not in this repository.
#[test]
fn recordings_named_by_azaudit_recordings_are_read_field_for_field() {
    let Some(dir) = std::env::var_os("AZAUDIT_RECORDINGS") else {
        println!("SKIPPED: set AZAUDIT_RECORDINGS=DIR (DIR/<kind>/*.json) to check more recordings");
        return;
    };
    let mut problems = Vec::new();
    let (read, _) = check_dir(Path::new(&dir), &mut problems);
    assert!(read > 0, "no recordings with a model under {}", Path::new(&dir).display());
    assert!(problems.is_empty(), "recordings not read faithfully:\n{}", problems.join("\n"));
}

/// The comparison can fail: the old mis-cased model loses a value Azure sent.
#[test]
fn a_mis_cased_model_field_is_caught_against_a_recording() {
    let fields: BTreeSet<String> =
        ["value[].properties", "value[].properties.publicIpAddress", "value[].properties.publicIpAddress.id"]
            .into_iter()
            .map(String::from)
            .collect();
    let raw = serde_json::json!({"properties": {"publicIPAddress": {"id": "/x"}}});
    let got = serde_json::json!({"properties": {}});
    let mut c = Compared::default();
    compare(&raw, Some(&got), "", "value[]", &fields, &mut c);
    assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
    assert!(
        c.problems[0].contains("Azure sends `publicIPAddress`, but the model reads `publicIpAddress`"),
        "{:?}",
        c.problems
    );
}

/// Where each recorded kind without a resource type is defined in the
/// vendored specs: `(file, definition)`.
fn spec_of(kind: &str) -> Option<(String, &'static str)> {
    let net = "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01";
    let storage = "specification/storage/resource-manager/Microsoft.Storage/stable/2023-05-01";
    Some(match kind {
        "fileShares" => (format!("{storage}/file.json"), "FileShareItem"),
        "blobContainers" => (format!("{storage}/blob.json"), "ListContainerItem"),
        "subscriptions" => (
            "specification/resources/resource-manager/Microsoft.Resources/stable/2022-12-01/subscriptions.json".into(),
            "Subscription",
        ),
        "resourceGraph" => (
            "specification/resourcegraph/resource-manager/Microsoft.ResourceGraph/stable/2024-04-01/resourcegraph.json"
                .into(),
            "QueryResponse",
        ),
        "managementGroupDescendants" => (
            "specification/managementgroups/resource-manager/Microsoft.Management/stable/2023-04-01/management.json"
                .into(),
            "DescendantInfo",
        ),
        "usages" => (format!("{net}/usage.json"), "Usage"),
        "storageUsages" => (format!("{storage}/storage.json"), "Usage"),
        "backendAddressPools" => (format!("{net}/loadBalancer.json"), "BackendAddressPool"),
        _ => return None,
    })
}

/// The recordings and the specs agree on spelling: no recorded key matches
/// a spec property only without case. (Keys the spec does not know at all
/// are listed, not failed: older api-versions send retired fields.)
#[test]
fn real_recordings_and_the_specs_agree_on_every_spelling() {
    let specs = azure_mock::spec::specs().unwrap();
    let types: BTreeMap<&str, &str> = [
        ("publicIPAddresses", "Microsoft.Network/publicIPAddresses"),
        ("loadBalancers", "Microsoft.Network/loadBalancers"),
        ("networkSecurityGroups", "Microsoft.Network/networkSecurityGroups"),
        ("networkInterfaces", "Microsoft.Network/networkInterfaces"),
        ("natGateways", "Microsoft.Network/natGateways"),
        ("privateLinkServices", "Microsoft.Network/privateLinkServices"),
        ("routeTables", "Microsoft.Network/routeTables"),
        ("disks", "Microsoft.Compute/disks"),
        ("snapshots", "Microsoft.Compute/snapshots"),
        ("managedClusters", "Microsoft.ContainerService/managedClusters"),
        ("locks", "Microsoft.Authorization/locks"),
        ("storageAccounts", "Microsoft.Storage/storageAccounts"),
        ("graphApplications", "Microsoft.Graph/applications"),
        ("graphServicePrincipals", "Microsoft.Graph/servicePrincipals"),
    ]
    .into_iter()
    .collect();
    let (mut miscased, mut other, mut unknown, mut checked) = (Vec::new(), Vec::new(), 0usize, 0usize);
    for (kind, file) in bodies(&recorded_dir()) {
        let node = match (types.get(kind.as_str()), spec_of(&kind)) {
            (Some(t), _) => specs.resource(t).expect("a vendored type").expect("its definition"),
            (None, Some((f, d))) => specs.definition(&f, d).expect("its definition"),
            (None, None) => panic!("recorded kind {kind} has no spec to hold it to"),
        };
        let raw: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let items: Vec<&Value> = match raw.get("value").and_then(Value::as_array) {
            Some(v) if kind != "resourceGraph" => v.iter().collect(),
            _ => vec![&raw],
        };
        let name = file.strip_prefix(recorded_dir()).unwrap().display().to_string();
        for (i, item) in items.iter().enumerate() {
            let mut problems = Vec::new();
            specs.validate(item, node, &format!("{name}[{i}]"), &mut problems);
            for p in problems {
                if p.contains("mis-cased") {
                    miscased.push(p);
                } else if p.contains("not in the spec") {
                    unknown += 1;
                    if std::env::var_os("AZAUDIT_SHOW_UNKNOWN").is_some() {
                        println!("  {p}");
                    }
                } else {
                    other.push(p);
                }
            }
            checked += 1;
        }
    }
    println!("{checked} recorded objects checked against the specs; {unknown} keys the specs do not know");
    for p in &other {
        println!("  not checked further: {p}");
    }
    assert!(checked >= 40, "{checked}");
    assert!(miscased.is_empty(), "recordings and specs disagree on spelling:\n{}", miscased.join("\n"));
}

/// Every recording says where it came from.
#[test]
fn every_recording_has_its_provenance() {
    let provenance = std::fs::read_to_string(recorded_dir().join("PROVENANCE.md")).expect("PROVENANCE.md");
    let files = bodies(&recorded_dir());
    assert!(files.len() >= 25, "{}", files.len());
    for (_, file) in files {
        let name = file.strip_prefix(recorded_dir()).unwrap().to_string_lossy().replace('\\', "/");
        let row = provenance.lines().find(|l| l.starts_with(&format!("| `{name}`")));
        let row = row.unwrap_or_else(|| panic!("{name} has no row in PROVENANCE.md"));
        assert!(row.contains("Azure/"), "{row}");
        assert!(row.split('`').any(|c| c.len() == 40 && c.chars().all(|x| x.is_ascii_hexdigit())), "no commit: {row}");
    }
}
