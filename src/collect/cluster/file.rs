//! Reading the cluster view from files, so users can audit without giving
//! azaudit cluster credentials. Accepts exactly what
//! `kubectl get services,nodes,persistentvolumes -A -o json` prints (a `v1
//! List` of mixed kinds), the same as YAML (`-o yaml`, several documents
//! allowed), typed lists (`ServiceList`, ...), single objects, several files,
//! and `-` for stdin.
//!
//! A kind that appears in no file is recorded as *not read*, never as
//! empty: a file without PersistentVolumes must not make every disk look
//! orphaned. An empty typed list (`"kind": "PersistentVolumeList"`) says
//! "there are none" explicitly.

use super::convert;
use super::wire::Object;
use crate::models::cluster::{Node, PersistentVolume, Service, VolumeSnapshotContent};
use crate::snapshot::{ClusterKind, ClusterList, ClusterSource, ClusterView};
use crate::text::one_line;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use tracing::debug;

/// Objects read so far, keyed so that the same object in two files counts
/// once; only what the cluster model keeps.
#[derive(Default)]
struct Collected {
    services: BTreeMap<(String, String), Service>,
    nodes: BTreeMap<String, Node>,
    pvs: BTreeMap<String, PersistentVolume>,
    snapshot_contents: BTreeMap<String, VolumeSnapshotContent>,
    /// Kinds seen as objects or as typed lists.
    seen: Vec<ClusterKind>,
    ignored: usize,
}

pub fn read(paths: &[PathBuf]) -> Result<ClusterView, String> {
    let mut c = Collected::default();
    for path in paths {
        read_one(&mut c, path)?;
    }
    if c.ignored > 0 {
        debug!("ignored {} objects of other kinds in the cluster file(s)", c.ignored);
    }
    let mut view = ClusterView {
        source: ClusterSource::Files { paths: paths.iter().map(|p| p.display().to_string()).collect() },
        ..Default::default()
    };
    view.services = c.services.into_values().collect();
    view.nodes = c.nodes.into_values().collect();
    view.persistent_volumes = c.pvs.into_values().collect();
    view.volume_snapshot_contents = c.snapshot_contents.into_values().collect();
    // Optional: a cluster without the snapshot CRDs has none to export.
    let n = view.volume_snapshot_contents.len();
    view.lists.push(if c.seen.contains(&ClusterKind::VolumeSnapshotContents) {
        ClusterList { kind: ClusterKind::VolumeSnapshotContents, complete: true, pages: 1, items: n, error: None }
    } else {
        ClusterList {
            kind: ClusterKind::VolumeSnapshotContents,
            complete: false,
            pages: 0,
            items: 0,
            error: Some("the cluster file has no VolumeSnapshotContents; add `kubectl get volumesnapshotcontents -o json` (or an empty VolumeSnapshotContentList when the cluster has none)".into()),
        }
    });
    for (kind, n, what) in [
        (ClusterKind::Services, view.services.len(), "Services"),
        (ClusterKind::Nodes, view.nodes.len(), "Nodes"),
        (ClusterKind::PersistentVolumes, view.persistent_volumes.len(), "PersistentVolumes"),
    ] {
        view.lists.push(if c.seen.contains(&kind) {
            ClusterList { kind, complete: true, pages: 1, items: n, error: None }
        } else {
            ClusterList {
                kind,
                complete: false,
                pages: 0,
                items: 0,
                error: Some(format!(
                    "the cluster file has no {what}; export with `kubectl get services,nodes,persistentvolumes -A -o json`, or add an empty {}List if there really are none",
                    &what[..what.len() - 1]
                )),
            }
        });
    }
    Ok(view)
}

/// Read one file (or stdin). JSON, one or several concatenated documents,
/// is parsed as it streams in: the file is never held whole, only what the
/// cluster model keeps of each object. YAML is read whole first (the YAML
/// parser needs the text), then parsed the same way.
fn read_one(c: &mut Collected, path: &Path) -> Result<(), String> {
    let stdin = path.as_os_str() == "-";
    let name = if stdin { "<stdin>".to_string() } else { path.display().to_string() };
    let cannot = |e: std::io::Error| {
        if stdin {
            format!("cannot read the cluster file from stdin: {e}")
        } else {
            format!("cannot read cluster file {name}: {e}")
        }
    };
    let input: Box<dyn Read> =
        if stdin { Box::new(std::io::stdin().lock()) } else { Box::new(std::fs::File::open(path).map_err(cannot)?) };
    let mut r = BufReader::with_capacity(256 * 1024, input);
    // Skip a byte-order mark and leading blank space, counting lines so
    // positions stay the file's own.
    let mut skipped_lines = 0;
    loop {
        let buf = r.fill_buf().map_err(cannot)?;
        if buf.is_empty() {
            return Err(format!("cluster file {name} is empty"));
        }
        let bom = if buf.starts_with(&[0xef, 0xbb, 0xbf]) { 3 } else { 0 };
        let blank = buf[bom..].iter().take_while(|b| b.is_ascii_whitespace()).count();
        skipped_lines += buf[bom..bom + blank].iter().filter(|b| **b == b'\n').count();
        let all = bom + blank == buf.len();
        r.consume(bom + blank);
        if !all {
            break;
        }
    }
    let first = r.fill_buf().map_err(cannot)?.first().copied();
    if matches!(first, Some(b'{') | Some(b'[')) {
        let mut de = serde_json::Deserializer::from_reader(r);
        let json_error = |e: serde_json::Error| {
            if e.is_io() {
                format!("cannot read cluster file {name}: {e}")
            } else {
                format!(
                    "cluster file {name}: line {}, column {}: {}",
                    e.line() + skipped_lines,
                    e.column(),
                    one_line(&strip_position(&e.to_string()))
                )
            }
        };
        // One document after another: each streams its items into `c` as
        // they are read.
        loop {
            let mut failed = None;
            let read = serde::de::DeserializeSeed::deserialize(Doc { c, name: &name, failed: &mut failed }, &mut de);
            if let Some(e) = failed {
                return Err(e);
            }
            read.map_err(json_error)?;
            match de.end() {
                Ok(()) => return Ok(()),
                // More text: the next document.
                Err(e) if e.is_syntax() && e.to_string().starts_with("trailing characters") => continue,
                Err(e) => return Err(json_error(e)),
            }
        }
    }
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes).map_err(cannot)?;
    let text = String::from_utf8(bytes).map_err(|_| format!("cluster file {name}: not UTF-8 text"))?;
    let docs: Vec<Option<Object>> = serde_saphyr::from_multiple(&text).map_err(|e| {
        let msg = yaml_message(&e);
        match e.location() {
            Some(l) => {
                format!("cluster file {name}: line {}, column {}: {msg}", l.line() + skipped_lines as u64, l.column())
            }
            None => format!("cluster file {name}: {msg}"),
        }
    })?;
    drop(text);
    for doc in docs.into_iter().flatten() {
        add_document(c, &name, doc)?;
    }
    Ok(())
}

/// serde_json's message without its own " at line L column C" (the caller
/// gives the position in azaudit's form).
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// The YAML error's first line, without the source snippet and without the
/// position, which the caller adds in azaudit's own form.
fn yaml_message(e: &serde_saphyr::Error) -> String {
    let full = e.to_string();
    let first = full.lines().find(|l| !l.trim().is_empty()).unwrap_or(&full).trim();
    let mut msg = first.strip_prefix("error:").unwrap_or(first).trim();
    if let Some(rest) = msg.strip_prefix("line ") {
        // "line 5 column 13: unclosed bracket" -> "unclosed bracket"
        if let Some((pos, tail)) = rest.split_once(": ")
            && pos.chars().all(|c| c.is_ascii_digit() || c == ' ' || c.is_ascii_alphabetic())
        {
            msg = tail;
        }
    }
    one_line(msg)
}

fn add_document(c: &mut Collected, name: &str, mut doc: Object) -> Result<(), String> {
    let kind = doc.kind.clone().unwrap_or_default();
    match kind.strip_suffix("List") {
        Some(element) => add_list(c, name, element, doc.items.take().unwrap_or_default().into_iter().enumerate()),
        None => add_object(c, name, doc),
    }
}

/// A list's items, once its kind (`{element}List`) is known: items that do
/// not name their kind, as the API server sends a typed list's, are the
/// list's element kind.
fn add_list(
    c: &mut Collected,
    name: &str,
    element: &str,
    items: impl IntoIterator<Item = (usize, Object)>,
) -> Result<(), String> {
    if let Some(k) = kind_of(element) {
        c.seen.push(k);
    }
    for (i, mut item) in items {
        if item.kind.is_none() && !element.is_empty() {
            item.kind = Some(element.to_string());
        }
        add_object(c, &format!("{name}: items[{i}]"), item)?;
    }
    Ok(())
}

/// One JSON document, read as it streams in: a list's items are turned
/// into the cluster model one at a time, never held as a whole list. Items
/// that do not name their kind (a typed list's, as the API server sends
/// them) wait for the list's `kind`, which kubectl prints after them.
struct Doc<'a> {
    c: &'a mut Collected,
    name: &'a str,
    /// An error of azaudit's own (not the parser's), already worded.
    failed: &'a mut Option<String>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Doc<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Doc<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a Kubernetes object or list")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        use serde::de::Error;
        let mut single = Object::default();
        let mut pending = Vec::new();
        while let Some(key) = m.next_key::<String>()? {
            match key.as_str() {
                "kind" => single.kind = m.next_value()?,
                "metadata" => single.metadata = m.next_value()?,
                "spec" => single.spec = m.next_value()?,
                "status" => single.status = m.next_value()?,
                "items" => {
                    let items =
                        Items { c: &mut *self.c, name: self.name, failed: &mut *self.failed, pending: &mut pending };
                    m.next_value_seed(items)?;
                }
                _ => {
                    m.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        // As `add_document` does with a whole document; the items that
        // named their kind are already in.
        let kind = single.kind.clone().unwrap_or_default();
        let added = match kind.strip_suffix("List") {
            Some(element) => add_list(self.c, self.name, element, pending),
            None => add_object(self.c, self.name, single),
        };
        added.map_err(|e| {
            *self.failed = Some(e);
            A::Error::custom("stopped")
        })
    }
}

/// A list's items: each one whose kind it names goes into the model at once.
struct Items<'a> {
    c: &'a mut Collected,
    name: &'a str,
    failed: &'a mut Option<String>,
    pending: &'a mut Vec<(usize, Object)>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Items<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Items<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of objects")
    }

    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<(), A::Error> {
        use serde::de::Error;
        let mut i = 0;
        while let Some(item) = s.next_element::<Object>()? {
            if item.kind.is_some() {
                if let Err(e) = add_object(self.c, &format!("{}: items[{i}]", self.name), item) {
                    *self.failed = Some(e);
                    return Err(A::Error::custom("stopped"));
                }
            } else {
                self.pending.push((i, item));
            }
            i += 1;
        }
        Ok(())
    }
}

fn kind_of(kind: &str) -> Option<ClusterKind> {
    match kind {
        "Service" => Some(ClusterKind::Services),
        "Node" => Some(ClusterKind::Nodes),
        "PersistentVolume" => Some(ClusterKind::PersistentVolumes),
        "VolumeSnapshotContent" => Some(ClusterKind::VolumeSnapshotContents),
        _ => None,
    }
}

fn add_object(c: &mut Collected, at: &str, obj: Object) -> Result<(), String> {
    let kind = obj.kind.clone().unwrap_or_default();
    let Some(k) = kind_of(&kind) else {
        if kind.is_empty() {
            return Err(format!("cluster file {at}: an object without \"kind\""));
        }
        c.ignored += 1;
        return Ok(());
    };
    let Some(name) = obj.metadata.name.clone().filter(|n| !n.is_empty()) else {
        return Err(format!("cluster file {at} ({kind}): no metadata.name"));
    };
    if !c.seen.contains(&k) {
        c.seen.push(k);
    }
    match k {
        ClusterKind::Services => {
            let s = convert::service(obj);
            c.services.insert((s.namespace.clone(), name), s);
        }
        ClusterKind::Nodes => {
            c.nodes.insert(name, convert::node(obj));
        }
        ClusterKind::PersistentVolumes => {
            c.pvs.insert(name, convert::persistent_volume(obj));
        }
        ClusterKind::VolumeSnapshotContents => {
            c.snapshot_contents.insert(name, convert::volume_snapshot_content(obj));
        }
        ClusterKind::Version => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(text: &str) -> Result<ClusterView, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let p = dir.path().join("c");
        std::fs::write(&p, text).map_err(|e| e.to_string())?;
        read(&[p])
    }

    const LIST: &str = r#"{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[
      {"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"shop","uid":"u-1"},
       "spec":{"type":"LoadBalancer","ports":[{"port":80,"protocol":"TCP","targetPort":"http"}]},
       "status":{"loadBalancer":{"ingress":[{"ip":"20.1.2.3","ipMode":"VIP"}]}}},
      {"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","labels":{"kubernetes.azure.com/cluster":"MC_x"}},
       "spec":{"providerID":"azure:///subscriptions/s/resourceGroups/mc_x/providers/Microsoft.Compute/virtualMachines/vm0"},
       "status":{"conditions":[{"type":"Ready","status":"True"}],"capacity":{"cpu":"4","nvidia.com/gpu":"1"}}},
      {"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"pv1"},
       "spec":{"csi":{"driver":"disk.csi.azure.com","volumeHandle":"/subscriptions/s/resourceGroups/mc_x/providers/Microsoft.Compute/disks/d1"},
               "claimRef":{"namespace":"shop","name":"data"}},"status":{"phase":"Bound"}},
      {"apiVersion":"v1","kind":"Pod","metadata":{"name":"ignored","namespace":"x"}}
    ]}"#;

    #[test]
    fn kubectl_json_list_of_mixed_kinds() {
        let v = view(LIST).unwrap();
        assert_eq!(v.services.len(), 1);
        assert_eq!(v.services[0].ingress_ips().collect::<Vec<_>>(), vec!["20.1.2.3"]);
        assert_eq!(v.nodes[0].capacity.get("nvidia.com/gpu").map(String::as_str), Some("1"));
        assert_eq!(v.nodes[0].ready, Some(true));
        assert!(v.persistent_volumes[0].azure_disk_id().is_some_and(|d| d.ends_with("/disks/d1")));
        assert_eq!(v.persistent_volumes[0].claim.as_deref(), Some("shop/data"));
        assert!(v.missing().is_empty(), "{:?}", v.missing());
    }

    #[test]
    fn yaml_documents_and_typed_empty_lists() {
        let yaml = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  type: LoadBalancer\n  loadBalancerIP: 20.1.2.3\n---\napiVersion: v1\nkind: NodeList\nitems:\n- metadata:\n    name: n1\n---\napiVersion: v1\nkind: PersistentVolumeList\nitems: []\n";
        let v = view(yaml).unwrap();
        assert_eq!(v.services[0].load_balancer_ip.as_deref(), Some("20.1.2.3"));
        assert_eq!(v.nodes[0].name, "n1");
        assert!(v.missing().is_empty(), "{:?}", v.missing());
    }

    /// The slim shapes read the same from YAML as from JSON: labels (only
    /// those checks read), a numeric capacity as text, annotations without
    /// kubectl's last-applied copy, and a typed list's kindless items.
    #[test]
    fn yaml_and_json_keep_the_same_fields() {
        let yaml = "apiVersion: v1\nkind: NodeList\nitems:\n- metadata:\n    name: n1\n    labels:\n      kubernetes.azure.com/managed: \"false\"\n      kubernetes.io/os: linux\n  status:\n    capacity:\n      nvidia.com/gpu: 2\n      cpu: \"4\"\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: \"{}\"\n    service.beta.kubernetes.io/azure-pip-name: web-ip\n";
        let json = r#"{"apiVersion":"v1","kind":"NodeList","items":[{"metadata":{"name":"n1","labels":{"kubernetes.azure.com/managed":"false","kubernetes.io/os":"linux"}},"status":{"capacity":{"nvidia.com/gpu":2,"cpu":"4"}}}]}
{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"shop","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}","service.beta.kubernetes.io/azure-pip-name":"web-ip"}}}"#;
        for text in [yaml, json] {
            let v = view(text).unwrap();
            let n = &v.nodes[0];
            assert_eq!(n.label("kubernetes.azure.com/managed"), Some("false"));
            assert_eq!(n.label("kubernetes.io/os"), None, "a label no check reads is not kept");
            assert_eq!(n.capacity.get("nvidia.com/gpu").map(String::as_str), Some("2"));
            assert!(!n.capacity.contains_key("cpu"));
            let s = &v.services[0];
            assert_eq!(s.azure_annotation("azure-pip-name"), Some("web-ip"));
            assert!(!s.annotations.contains_key("kubectl.kubernetes.io/last-applied-configuration"));
        }
    }

    #[test]
    fn a_kind_absent_from_the_files_is_not_read_rather_than_empty() {
        let only_services = r#"{"kind":"List","apiVersion":"v1","items":[{"kind":"Service","apiVersion":"v1","metadata":{"name":"a","namespace":"b"}}]}"#;
        let v = view(only_services).unwrap();
        assert!(v.complete(ClusterKind::Services));
        assert!(!v.complete(ClusterKind::Nodes));
        assert!(!v.complete(ClusterKind::PersistentVolumes));
        assert_eq!(v.missing().len(), 2, "{:?}", v.missing());
    }

    #[test]
    fn malformed_files_name_the_file_and_position() {
        let e = view("{\"kind\": \"List\",\n \"items\": [}").unwrap_err();
        assert!(e.contains("line 2, column"), "{e}");
        let e = view("kind: List\nitems:\n  - metadata: {name: [\n").unwrap_err();
        assert!(e.starts_with("cluster file ") && e.contains("line "), "{e}");
        let e = view(
            r#"{"kind":"Service","apiVersion":"v1","metadata":{"name":"w","namespace":"n"},"spec":{"ports":"eighty"}}"#,
        )
        .unwrap_err();
        // The position of the bad value, read as the file streams in.
        assert!(e.contains("line 1, column 100") && e.contains("\"eighty\""), "{e}");
        assert!(!e.contains('\n'));
    }
}
