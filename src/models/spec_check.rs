//! Every model held to the published Azure REST API specs.
//!
//! The specs are extracts of `Azure/azure-rest-api-specs` for the exact
//! api-versions azaudit calls, and of Microsoft Graph's v1.0 metadata,
//! vendored under `tests/fixtures/specs/` (provenance in PROVENANCE.md
//! there). For each list azaudit reads, the list operation is looked up in
//! the spec by its path under that api-version, and the model is traced
//! against the operation's response schema: every JSON name the model
//! deserializes (aliases included) must exist at that position with exact
//! case. See `azure_mock::spec::trace` for how the names are enumerated.

use super::graph::GraphObject;
use super::*;
use crate::snapshot::ListKind;
use azure_mock::spec::trace::{Trace, trace};
use azure_mock::spec::{self, Specs};

/// The spec file each list's operations are in: the mock's spec table,
/// looked up by the kind's declared ARM type.
pub(crate) fn spec_file(kind: ListKind) -> String {
    let t = kind.arm_type();
    spec::DEFINITIONS
        .iter()
        .find(|(ty, _, _)| ty.eq_ignore_ascii_case(&t))
        .map(|(_, file, _)| file.to_string())
        .unwrap_or_else(|| panic!("{t} has no spec in the mock's spec table (mocks/src/spec/mod.rs DEFINITIONS)"))
}

/// The subscription-scope list path, as the spec writes it (the spec names
/// the location parameter `{location}` too).
pub(crate) fn list_path(kind: ListKind) -> String {
    if ListKind::PER_PARENT.contains(&kind) {
        // Listed under each storage account: the spec's resource-group path.
        return format!(
            "/subscriptions/{{subscriptionId}}/resourceGroups/{{resourceGroupName}}/providers/{}/{{accountName}}/{}",
            ListKind::StorageAccounts.provider_path(),
            kind.provider_path()
        );
    }
    format!("/subscriptions/{{subscriptionId}}/providers/{}", kind.provider_path())
}

pub(crate) fn all_kinds() -> Vec<ListKind> {
    ListKind::ALL.to_vec()
}

/// The api-version a kind is declared with is the version of the spec it
/// is held to (the spec's folder is named for it).
#[test]
fn each_kind_is_held_to_the_spec_of_its_api_version() {
    for kind in all_kinds() {
        let file = spec_file(kind);
        assert!(
            file.contains(&format!("/{}/", kind.api_version())),
            "{kind:?} is read at {} but held to {file}",
            kind.api_version()
        );
    }
}

/// `Resource<P>` and `Sku` are shared by every type; `sku`, its `tier`,
/// `zones` and `managedBy` exist on some types only (each must exist,
/// exactly spelt, on at least one: see the test).
const SHARED_ENVELOPE: [&str; 4] = ["value[].sku", "value[].sku.tier", "value[].zones", "value[].managedBy"];
/// `Page<T>` serves ARM and Graph, whose next-page names differ.
const ARM_PAGE_ALLOW: [&str; 5] =
    ["[\"@odata.nextLink\"]", "value[].sku", "value[].sku.tier", "value[].zones", "value[].managedBy"];
const GRAPH_PAGE_ALLOW: [&str; 1] = ["nextLink"];

/// Trace the model azaudit reads `kind` into, as a page.
pub(crate) fn trace_kind(specs: &Specs, kind: ListKind, node: spec::Node) -> Trace {
    struct Tracer<'a>(&'a Specs, spec::Node, &'a [&'a str]);
    impl crate::resources::ModelVisitor for Tracer<'_> {
        type Out = Trace;
        fn visit<T: crate::resources::Model>(self, _: ListKind) -> Trace {
            trace::<Page<T>>(self.0, self.1, self.2)
        }
    }
    kind.visit(Tracer(
        specs,
        node,
        if kind == ListKind::StorageUsages { &STORAGE_USAGES_ALLOW } else { &ARM_PAGE_ALLOW },
    ))
}

/// Storage's usages share the network usages' model, which reads an `id`
/// that only network usages have; and Storage's list is not pageable.
const STORAGE_USAGES_ALLOW: [&str; 7] = [
    "[\"@odata.nextLink\"]",
    "nextLink",
    "value[].id",
    "value[].sku",
    "value[].sku.tier",
    "value[].zones",
    "value[].managedBy",
];

/// Graph's applications and service principals, as pages.
pub(crate) fn trace_graph(specs: &Specs) -> Vec<(&'static str, Result<Trace, String>)> {
    ["application", "servicePrincipal"]
        .into_iter()
        .map(|t| {
            let r = specs
                .definition(spec::GRAPH_FILE, &format!("{t}CollectionResponse"))
                .map(|node| trace::<Page<GraphObject>>(specs, node, &GRAPH_PAGE_ALLOW));
            (t, r)
        })
        .collect()
}

#[test]
fn every_model_matches_the_published_spec_with_exact_case() {
    let specs = spec::specs().expect("the vendored specs parse");
    let mut problems = Vec::new();
    let mut present: std::collections::BTreeSet<String> = Default::default();
    for kind in all_kinds() {
        let file = spec_file(kind);
        assert!(
            file.contains(&format!("/stable/{}/", kind.api_version())),
            "{}: azaudit calls api-version {}, but its spec is {file}",
            kind.name(),
            kind.api_version()
        );
        let node = match specs.list_response(&file, &list_path(kind)) {
            Ok(n) => n,
            Err(e) => {
                problems.push(format!("{}: {e}", kind.name()));
                continue;
            }
        };
        let t = trace_kind(specs, kind, node);
        if t.fields.len() <= 3 {
            problems.push(format!("{}: the trace read almost nothing: {:?}", kind.name(), t.fields));
        }
        problems.extend(t.problems.iter().map(|p| format!("{}: {p}", kind.name())));
        present.extend(t.in_spec);
    }
    for (t, r) in trace_graph(specs) {
        match r {
            Ok(tr) => {
                assert!(tr.fields.contains("value[].passwordCredentials[].endDateTime"), "{t}: {:?}", tr.fields);
                problems.extend(tr.problems.iter().map(|p| format!("Graph {t}: {p}")));
            }
            Err(e) => problems.push(format!("Graph {t}: {e}")),
        }
    }
    // Each shared envelope field exists, spelt exactly so, in some type.
    for f in SHARED_ENVELOPE {
        if !present.contains(f) {
            problems.push(format!("{f} is in no type's spec: misspelt?"));
        }
    }
    assert!(problems.is_empty(), "models that do not match the spec:\n{}", problems.join("\n"));
}

/// The check can fail: a model with Azure's spelling wrong, or a field in
/// the wrong place, is caught and named with the spec's spelling.
#[test]
fn the_spec_check_catches_a_mis_cased_or_misplaced_field() {
    #[derive(serde::Deserialize, Default)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Frontend {
        public_ip_address: Option<SubResource>,
    }
    #[derive(serde::Deserialize, Default)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Props {
        #[serde(rename = "frontendIPConfigurations", default)]
        frontends: Vec<common::Child<Frontend>>,
        /// Misplaced: this belongs to a frontend, not to the load balancer.
        #[serde(rename = "privateIPAddress")]
        private_ip: Option<String>,
    }
    let specs = spec::specs().unwrap();
    let node = specs.definition(&spec_file(ListKind::LoadBalancers), "LoadBalancer").unwrap();
    let t = trace::<Resource<Props>>(specs, node, &["sku", "zones", "managedBy"]);
    let all = t.problems.join("\n");
    assert!(
        all.contains("properties.frontendIPConfigurations[].properties.publicIpAddress: the model reads `publicIpAddress`, the spec spells it `publicIPAddress`"),
        "{all}"
    );
    assert!(
        all.contains("properties.privateIPAddress: the model reads `privateIPAddress`, which the spec does not have"),
        "{all}"
    );
    assert_eq!(t.problems.len(), 2, "{all}");
}

/// Every vendored spec file says where it came from.
#[test]
fn every_vendored_spec_has_its_provenance() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/specs");
    let provenance = std::fs::read_to_string(dir.join("PROVENANCE.md")).expect("PROVENANCE.md");
    for (path, _) in spec::FILES {
        let short = path.strip_prefix("specification/").unwrap_or(path);
        let row = provenance.lines().find(|l| l.starts_with(&format!("| `{short}`")));
        let row = row.unwrap_or_else(|| panic!("{path} has no row in PROVENANCE.md"));
        assert!(row.contains("Azure/azure-rest-api-specs"), "{row}");
        assert!(row.split('`').any(|c| c.len() == 40 && c.chars().all(|x| x.is_ascii_hexdigit())), "no commit: {row}");
    }
    assert!(provenance.contains("`graph/v1.0-extract.xml`") && provenance.contains("microsoftgraph/msgraph-metadata"));
    // ... and nothing is vendored that the mock does not embed.
    let mut on_disk = Vec::new();
    let mut stack = vec![dir.join("specification")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                on_disk.push(e.path().strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    for f in on_disk {
        assert!(spec::FILES.iter().any(|(p, _)| *p == f), "{f} is vendored but not in azure_mock::spec::FILES");
    }
}
