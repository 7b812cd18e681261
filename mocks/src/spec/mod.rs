//! The published Azure REST API specs, as schemas that JSON is held to.
//!
//! The files are extracts of `Azure/azure-rest-api-specs` (and of Microsoft
//! Graph's CSDL metadata), vendored under `tests/fixtures/specs/` with their
//! provenance in `tests/fixtures/specs/PROVENANCE.md`. They are embedded
//! here so that the mock can refuse, at load, a scenario whose resources do
//! not look like Azure's, and so that azaudit's tests can hold its models to
//! the same schemas.
//!
//! Only what a property check needs is modelled: `$ref` (within a file and
//! across files, relative paths as upstream writes them), `allOf`,
//! `properties`, `additionalProperties`, `items` and `type`. Property names
//! are compared with exact case; a name that matches only without case is
//! reported as mis-cased, with the spec's spelling.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::OnceLock;

macro_rules! vendored {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../../../tests/fixtures/specs/", $path)))),*]
    };
}

/// Every vendored file, by its upstream path.
pub const FILES: &[(&str, &str)] = vendored![
    "specification/common-types/resource-management/v1/types.json",
    "specification/common-types/resource-management/v2/types.json",
    "specification/common-types/resource-management/v4/managedidentitywithdelegation.json",
    "specification/common-types/resource-management/v5/types.json",
    "specification/compute/resource-manager/Microsoft.Compute/DiskRP/stable/2024-03-02/disk.json",
    "specification/compute/resource-manager/Microsoft.Compute/DiskRP/stable/2024-03-02/diskRPCommon.json",
    "specification/compute/resource-manager/Microsoft.Compute/DiskRP/stable/2024-03-02/snapshot.json",
    "specification/compute/resource-manager/Microsoft.Compute/common-types/v1/common.json",
    "specification/containerservice/resource-manager/Microsoft.ContainerService/aks/stable/2024-09-01/managedClusters.json",
    "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/loadBalancer.json",
    "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/natGateway.json",
    "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/network.json",
    "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/networkInterface.json",
    "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/networkSecurityGroup.json",
    "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/privateEndpoint.json",
    "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/privateLinkService.json",
    "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/publicIpAddress.json",
    "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/routeTable.json",
    "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/usage.json",
    "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/virtualNetwork.json",
    "specification/managementgroups/resource-manager/Microsoft.Management/stable/2023-04-01/management.json",
    "specification/resourcegraph/resource-manager/Microsoft.ResourceGraph/stable/2024-04-01/resourcegraph.json",
    "specification/resources/resource-manager/Microsoft.Authorization/stable/2020-05-01/locks.json",
    "specification/resources/resource-manager/Microsoft.Resources/stable/2022-12-01/subscriptions.json",
    "specification/storage/resource-manager/Microsoft.Storage/stable/2023-05-01/blob.json",
    "specification/storage/resource-manager/Microsoft.Storage/stable/2023-05-01/common.json",
    "specification/storage/resource-manager/Microsoft.Storage/stable/2023-05-01/file.json",
    "specification/storage/resource-manager/Microsoft.Storage/stable/2023-05-01/storage.json",
];

/// Microsoft Graph's metadata extract (CSDL XML), turned into definitions
/// named after the entity and complex types.
pub const GRAPH_FILE: &str = "graph/v1.0-extract.xml";
const GRAPH_XML: &str = include_str!("../../../tests/fixtures/specs/graph/v1.0-extract.xml");

/// Where each ARM resource type and each other body azaudit reads is
/// defined: `(type, file, definition)`. Types compare without case, as ARM
/// does.
pub const DEFINITIONS: &[(&str, &str, &str)] = &[
    ("Microsoft.Network/publicIPAddresses", NET_PIP, "PublicIPAddress"),
    ("Microsoft.Network/loadBalancers", NET_LB, "LoadBalancer"),
    ("Microsoft.Network/networkSecurityGroups", NET_NSG, "NetworkSecurityGroup"),
    ("Microsoft.Network/networkInterfaces", NET_NIC, "NetworkInterface"),
    ("Microsoft.Network/natGateways", NET_NAT, "NatGateway"),
    ("Microsoft.Network/privateLinkServices", NET_PLS, "PrivateLinkService"),
    ("Microsoft.Network/routeTables", NET_RT, "RouteTable"),
    ("Microsoft.Network/usages", NET_USAGE, "Usage"),
    ("Microsoft.Compute/disks", DISK, "Disk"),
    ("Microsoft.Compute/snapshots", SNAPSHOT, "Snapshot"),
    ("Microsoft.ContainerService/managedClusters", AKS, "ManagedCluster"),
    ("Microsoft.Authorization/locks", LOCKS, "ManagementLockObject"),
    ("Microsoft.Storage/storageAccounts", STORAGE, "StorageAccount"),
    ("Microsoft.Storage/usages", STORAGE, "Usage"),
    ("Microsoft.Storage/storageAccounts/fileServices/shares", FILE, "FileShareItem"),
    ("Microsoft.Storage/storageAccounts/blobServices/containers", BLOB, "ListContainerItem"),
    ("Microsoft.Graph/applications", GRAPH_FILE, "application"),
    ("Microsoft.Graph/servicePrincipals", GRAPH_FILE, "servicePrincipal"),
];

const DISK: &str = "specification/compute/resource-manager/Microsoft.Compute/DiskRP/stable/2024-03-02/disk.json";
const SNAPSHOT: &str =
    "specification/compute/resource-manager/Microsoft.Compute/DiskRP/stable/2024-03-02/snapshot.json";
const AKS: &str = "specification/containerservice/resource-manager/Microsoft.ContainerService/aks/stable/2024-09-01/managedClusters.json";
const LOCKS: &str = "specification/resources/resource-manager/Microsoft.Authorization/stable/2020-05-01/locks.json";
const STORAGE: &str = "specification/storage/resource-manager/Microsoft.Storage/stable/2023-05-01/storage.json";
const FILE: &str = "specification/storage/resource-manager/Microsoft.Storage/stable/2023-05-01/file.json";
const BLOB: &str = "specification/storage/resource-manager/Microsoft.Storage/stable/2023-05-01/blob.json";

const NET_PIP: &str = "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/publicIpAddress.json";
const NET_LB: &str = "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/loadBalancer.json";
const NET_NSG: &str =
    "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/networkSecurityGroup.json";
const NET_NIC: &str =
    "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/networkInterface.json";
const NET_NAT: &str = "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/natGateway.json";
const NET_PLS: &str =
    "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/privateLinkService.json";
const NET_RT: &str = "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/routeTable.json";
const NET_USAGE: &str = "specification/network/resource-manager/Microsoft.Network/stable/2024-07-01/usage.json";

/// A schema position: a JSON node inside one spec file (possibly a `$ref`).
#[derive(Clone, Copy, Debug)]
pub struct Node {
    pub file: &'static str,
    pub value: &'static Value,
}

/// The parsed specs.
pub struct Specs {
    docs: HashMap<String, (&'static str, &'static Value)>,
}

static SPECS: OnceLock<Result<Specs, String>> = OnceLock::new();

/// The embedded specs, parsed once. An error names the file that failed.
pub fn specs() -> Result<&'static Specs, String> {
    SPECS.get_or_init(Specs::load).as_ref().map_err(Clone::clone)
}

impl Specs {
    fn load() -> Result<Specs, String> {
        let mut docs = HashMap::new();
        for (path, text) in FILES {
            let v: Value = serde_json::from_str(text).map_err(|e| format!("spec {path}: {e}"))?;
            let v: &'static Value = Box::leak(Box::new(v));
            docs.insert(path.to_string(), (*path, v));
        }
        let graph = csdl_to_definitions(GRAPH_XML).map_err(|e| format!("spec {GRAPH_FILE}: {e}"))?;
        docs.insert(GRAPH_FILE.to_string(), (GRAPH_FILE, Box::leak(Box::new(graph))));
        Ok(Specs { docs })
    }

    /// The vendored files' paths.
    pub fn files(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.docs.values().map(|(p, _)| *p)
    }

    /// The whole document of a vendored file.
    pub fn document(&self, file: &str) -> Option<&'static Value> {
        self.docs.get(file).map(|(_, v)| *v)
    }

    /// `#/definitions/{name}` of `file`.
    pub fn definition(&self, file: &str, name: &str) -> Result<Node, String> {
        let (path, doc) = self.docs.get(file).ok_or_else(|| format!("spec file {file} is not vendored"))?;
        let value = doc
            .get("definitions")
            .and_then(|d| d.get(name))
            .ok_or_else(|| format!("definition {name} is not vendored in {file}"))?;
        Ok(Node { file: path, value })
    }

    /// The definition an ARM resource type (or `Microsoft.Graph/...`) is
    /// described by, comparing the type without case.
    pub fn resource(&self, arm_type: &str) -> Option<Result<Node, String>> {
        DEFINITIONS
            .iter()
            .find(|(t, _, _)| t.eq_ignore_ascii_case(arm_type))
            .map(|(_, file, def)| self.definition(file, def))
    }

    /// The schema of a list operation's 200 response: `paths[path].get`.
    pub fn list_response(&self, file: &str, path: &str) -> Result<Node, String> {
        let (f, doc) = self.docs.get(file).ok_or_else(|| format!("spec file {file} is not vendored"))?;
        let value = doc
            .pointer(&format!("/paths/{}/get/responses/200/schema", path.replace('~', "~0").replace('/', "~1")))
            .ok_or_else(|| format!("no GET {path} in {file}"))?;
        Ok(Node { file: f, value })
    }

    /// Follow `$ref`s until a schema that is not a reference.
    pub fn resolve(&self, mut node: Node) -> Result<Node, String> {
        for _ in 0..64 {
            let Some(r) = node.value.get("$ref").and_then(Value::as_str) else {
                return Ok(node);
            };
            node = self.follow(node.file, r)?;
        }
        Err(format!("$ref chain too long in {}", node.file))
    }

    fn follow(&self, from: &str, reference: &str) -> Result<Node, String> {
        let (file_part, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let file = if file_part.is_empty() { from.to_string() } else { join(from, file_part) };
        let (path, doc) = self
            .docs
            .get(&file)
            .ok_or_else(|| format!("$ref {reference} (from {from}) leads to {file}, which is not vendored"))?;
        let value = doc
            .pointer(pointer)
            .ok_or_else(|| format!("$ref {reference} (from {from}): {pointer} is not vendored in {file}"))?;
        Ok(Node { file: path, value })
    }

    /// The properties of an object schema, its `allOf` parents' included,
    /// by exact name.
    pub fn properties(&self, node: Node) -> Result<BTreeMap<&'static str, Node>, String> {
        let mut out = BTreeMap::new();
        self.collect_properties(node, &mut out, 0)?;
        Ok(out)
    }

    fn collect_properties(
        &self,
        node: Node,
        out: &mut BTreeMap<&'static str, Node>,
        depth: usize,
    ) -> Result<(), String> {
        if depth > 32 {
            return Err(format!("allOf nesting too deep in {}", node.file));
        }
        let node = self.resolve(node)?;
        if let Some(Value::Object(props)) = node.value.get("properties") {
            for (k, v) in props {
                out.insert(k.as_str(), Node { file: node.file, value: v });
            }
        }
        if let Some(Value::Array(parents)) = node.value.get("allOf") {
            for p in parents {
                self.collect_properties(Node { file: node.file, value: p }, out, depth + 1)?;
            }
        }
        Ok(())
    }

    /// The schema of a map's values (`additionalProperties`), if it is one.
    pub fn additional(&self, node: Node) -> Result<Option<Node>, String> {
        let node = self.resolve(node)?;
        Ok(match node.value.get("additionalProperties") {
            Some(Value::Bool(true)) => Some(Node { file: node.file, value: &ANY }),
            Some(v @ Value::Object(_)) => Some(Node { file: node.file, value: v }),
            _ => None,
        })
    }

    /// The schema of an array's items, if it is an array.
    pub fn items(&self, node: Node) -> Result<Option<Node>, String> {
        let node = self.resolve(node)?;
        Ok(node.value.get("items").map(|v| Node { file: node.file, value: v }))
    }

    /// `object`, `array`, `string`, `integer`, `number`, `boolean`, or
    /// `any` when the schema leaves it open.
    pub fn kind(&self, node: Node) -> Result<&'static str, String> {
        let node = self.resolve(node)?;
        if let Some(t) = node.value.get("type").and_then(Value::as_str) {
            return Ok(match t {
                "object" => "object",
                "array" => "array",
                "string" => "string",
                "integer" => "integer",
                "number" => "number",
                "boolean" => "boolean",
                _ => "any",
            });
        }
        if node.value.get("properties").is_some() || node.value.get("additionalProperties").is_some() {
            return Ok("object");
        }
        if let Some(Value::Array(parents)) = node.value.get("allOf") {
            for p in parents {
                let k = self.kind(Node { file: node.file, value: p })?;
                if k != "any" {
                    return Ok(k);
                }
            }
        }
        Ok("any")
    }

    /// Check `value` against the schema at `node`. Each problem is one line
    /// starting with its JSON path (`path` is the prefix, e.g. a file and
    /// an index). Unknown or mis-cased properties, objects where the spec
    /// wants scalars and the reverse are problems; `null` is accepted
    /// anywhere, as Azure sends it for empty values.
    pub fn validate(&self, value: &Value, node: Node, path: &str, out: &mut Vec<String>) {
        if out.len() >= 50 {
            return;
        }
        // Follow the node's $refs once; everything below reads the result.
        let resolved = self.resolve(node).and_then(|n| Ok((n, self.kind(n)?)));
        let (node, kind) = match resolved {
            Ok(r) => r,
            Err(e) => {
                out.push(format!("{path}: {e}"));
                return;
            }
        };
        match value {
            Value::Null => {}
            Value::Object(map) => {
                if !matches!(kind, "object" | "any") {
                    out.push(format!("{path}: an object where the spec has {kind}"));
                    return;
                }
                self.validate_object(map, node, kind, path, out);
            }
            Value::Array(items) => {
                if !matches!(kind, "array" | "any") {
                    out.push(format!("{path}: an array where the spec has {kind}"));
                    return;
                }
                match self.items(node) {
                    Ok(Some(item)) => {
                        for (i, v) in items.iter().enumerate() {
                            self.validate(v, item, &format!("{path}[{i}]"), out);
                        }
                    }
                    Ok(None) => {}
                    Err(e) => out.push(format!("{path}: {e}")),
                }
            }
            _ => {
                if matches!(kind, "object" | "array") {
                    out.push(format!("{path}: a {} where the spec has {kind}", scalar_name(value)));
                }
            }
        }
    }

    /// `node` is resolved, and `kind` is its kind.
    fn validate_object(&self, map: &Map<String, Value>, node: Node, kind: &str, path: &str, out: &mut Vec<String>) {
        let props = match self.properties(node) {
            Ok(p) => p,
            Err(e) => {
                out.push(format!("{path}: {e}"));
                return;
            }
        };
        let additional = match self.additional(node) {
            Ok(a) => a,
            Err(e) => {
                out.push(format!("{path}: {e}"));
                return;
            }
        };
        let odata = node.value.get("x-odata-annotations").is_some();
        for (k, v) in map {
            let child = join_path(path, k);
            if odata && k.starts_with("@odata.") {
                // An OData annotation, not a property of the type.
            } else if let Some(n) = props.get(k.as_str()) {
                self.validate(v, *n, &child, out);
            } else if let Some(spelt) = props.keys().find(|p| p.eq_ignore_ascii_case(k)) {
                out.push(format!("{child}: mis-cased; the spec spells it `{spelt}`"));
            } else if let Some(a) = additional {
                self.validate(v, a, &child, out);
            } else if props.is_empty() && kind == "any" {
                // An open schema: anything goes.
            } else {
                out.push(format!("{child}: not in the spec at this position"));
            }
        }
    }
}

static ANY: Value = Value::Null;

fn scalar_name(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        _ => "value",
    }
}

/// `a.b`, or `a["@odata.type"]` for names that are not identifiers.
pub fn join_path(path: &str, key: &str) -> String {
    let plain = key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match (path.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[\"{key}\"]"),
    }
}

/// Resolve `rel` against the directory of `from` (both `/`-separated).
fn join(from: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Turn Graph's CSDL (`EntityType`/`ComplexType` with `Property` elements
/// and `BaseType`) into Swagger-style definitions, plus the OData JSON
/// collection envelope (`value`, `@odata.nextLink`, `@odata.context`) as
/// `{type}CollectionResponse`.
fn csdl_to_definitions(xml: &str) -> Result<Value, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut defs = Map::new();
    let mut current: Option<(String, Map<String, Value>, Option<String>)> = None;
    loop {
        let ev = reader.read_event().map_err(|e| format!("at byte {}: {e}", reader.buffer_position()))?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let local = e.local_name();
                let name: &str = local.as_ref();
                let attrs = attributes(e)?;
                match name {
                    "EntityType" | "ComplexType" => {
                        let n = attrs.get("Name").cloned().ok_or("a type without Name")?;
                        let base = attrs.get("BaseType").map(|b| b.trim_start_matches("graph.").to_string());
                        let done = (n, Map::new(), base);
                        if matches!(ev, Event::Empty(_)) {
                            finish(&mut defs, done);
                        } else {
                            current = Some(done);
                        }
                    }
                    "Property" => {
                        if let Some((_, props, _)) = current.as_mut() {
                            let n = attrs.get("Name").cloned().ok_or("a Property without Name")?;
                            let t = attrs.get("Type").cloned().ok_or("a Property without Type")?;
                            props.insert(n, edm_schema(&t));
                        }
                    }
                    _ => {}
                }
            }
            Event::End(ref e) => {
                let local = e.local_name();
                let name: &str = local.as_ref();
                if matches!(name, "EntityType" | "ComplexType")
                    && let Some(done) = current.take()
                {
                    finish(&mut defs, done);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    for entity in ["application", "servicePrincipal"] {
        let mut props = Map::new();
        props.insert(
            "value".into(),
            serde_json::json!({"type": "array", "items": {"$ref": format!("#/definitions/{entity}")}}),
        );
        props.insert("@odata.nextLink".into(), serde_json::json!({"type": "string"}));
        props.insert("@odata.context".into(), serde_json::json!({"type": "string"}));
        defs.insert(format!("{entity}CollectionResponse"), serde_json::json!({"properties": props}));
    }
    if defs.is_empty() {
        return Err("no EntityType or ComplexType".into());
    }
    let mut doc = Map::new();
    doc.insert("definitions".into(), Value::Object(defs));
    Ok(Value::Object(doc))
}

fn finish(defs: &mut Map<String, Value>, (name, props, base): (String, Map<String, Value>, Option<String>)) {
    let mut def = Map::new();
    def.insert("type".into(), Value::String("object".into()));
    def.insert("properties".into(), Value::Object(props));
    if let Some(b) = base {
        def.insert("allOf".into(), serde_json::json!([{"$ref": format!("#/definitions/{b}")}]));
    }
    // OData objects carry annotations such as `@odata.type`; they are not
    // properties of the type.
    def.insert("x-odata-annotations".into(), Value::Bool(true));
    defs.insert(name, Value::Object(def));
}

fn attributes(e: &quick_xml::events::BytesStart<'_>) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    for a in e.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let k = AsRef::<str>::as_ref(&a.key).to_string();
        let v = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|e| e.to_string())?.to_string();
        out.insert(k, v);
    }
    Ok(out)
}

/// An EDM type as a Swagger schema.
fn edm_schema(t: &str) -> Value {
    if let Some(inner) = t.strip_prefix("Collection(").and_then(|s| s.strip_suffix(')')) {
        return serde_json::json!({"type": "array", "items": edm_schema(inner)});
    }
    match t {
        "Edm.String" | "Edm.Guid" | "Edm.DateTimeOffset" | "Edm.Binary" | "Edm.Date" | "Edm.Duration" => {
            serde_json::json!({"type": "string"})
        }
        "Edm.Boolean" => serde_json::json!({"type": "boolean"}),
        "Edm.Int32" | "Edm.Int64" | "Edm.Int16" | "Edm.Byte" => serde_json::json!({"type": "integer"}),
        "Edm.Double" | "Edm.Single" | "Edm.Decimal" => serde_json::json!({"type": "number"}),
        other => match other.strip_prefix("graph.") {
            Some(name) => serde_json::json!({"$ref": format!("#/definitions/{name}")}),
            None => serde_json::json!({}),
        },
    }
}

/// A readable list of problems, at most `max` lines.
pub fn report(problems: &[String], max: usize) -> String {
    let mut s = String::new();
    for p in problems.iter().take(max) {
        let _ = writeln!(s, "  {p}");
    }
    if problems.len() > max {
        let _ = writeln!(s, "  ... and {} more", problems.len() - max);
    }
    s
}

pub mod trace;

#[cfg(test)]
mod tests;
