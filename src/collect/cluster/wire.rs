//! Kubernetes objects as they arrive, cut down to the fields azaudit reads.
//!
//! A Node carries its image list, conditions, capacity and a page of
//! annotations; a Service or PersistentVolume often a
//! `last-applied-configuration` copy of itself. k8s-openapi's types hold all
//! of it. These hold only what `convert` turns into the snapshot's cluster
//! model; serde skips everything else as it reads, so a list is never held
//! in full beside what is kept. One `Object` shape serves every kind (their
//! fields do not clash), because in a kubectl list an item's `kind` may only
//! be known from the list's own `kind`, which comes after its items.
//!
//! Types are as strict as the API's: a Service port that is not a number is
//! an error, with its position in the file.

use crate::models::cluster::labels;
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;

/// A list (`items`) or a single object.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Object {
    pub kind: Option<String>,
    pub metadata: Meta,
    pub spec: Spec,
    pub status: Status,
    /// A list's items.
    pub items: Option<Vec<Object>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Meta {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub uid: Option<String>,
    /// Only the labels checks read (`labels::read`); no model keeps another.
    #[serde(deserialize_with = "read_labels")]
    pub labels: BTreeMap<String, String>,
    #[serde(deserialize_with = "annotations")]
    pub annotations: BTreeMap<String, String>,
    pub deletion_timestamp: Option<IgnoredAny>,
    /// A list's `continue` token.
    #[serde(rename = "continue")]
    pub continue_: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Spec {
    // Service
    #[serde(rename = "type")]
    pub type_: Option<String>,
    #[serde(rename = "loadBalancerIP")]
    pub load_balancer_ip: Option<String>,
    pub load_balancer_class: Option<String>,
    pub ports: Option<Vec<Port>>,
    pub external_traffic_policy: Option<String>,
    pub ip_families: Option<Vec<String>>,
    // Node
    pub taints: Option<Vec<Taint>>,
    #[serde(rename = "providerID")]
    pub provider_id: Option<String>,
    pub unschedulable: Option<bool>,
    #[serde(rename = "podCIDR")]
    pub pod_cidr: Option<String>,
    #[serde(rename = "podCIDRs")]
    pub pod_cidrs: Option<Vec<String>>,
    // PersistentVolume
    pub claim_ref: Option<Ref>,
    pub storage_class_name: Option<String>,
    pub persistent_volume_reclaim_policy: Option<String>,
    pub csi: Option<Csi>,
    pub azure_disk: Option<AzureDisk>,
    pub azure_file: Option<AzureFile>,
    // VolumeSnapshotContent
    pub driver: Option<String>,
    pub deletion_policy: Option<String>,
    pub source: Option<SnapshotSource>,
    pub volume_snapshot_ref: Option<Ref>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Port {
    pub name: Option<String>,
    pub protocol: Option<String>,
    pub port: i32,
    pub node_port: Option<i32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Taint {
    pub key: String,
    pub value: Option<String>,
    pub effect: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Ref {
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl Ref {
    /// `namespace/name`, or the bare name of a cluster-scoped reference.
    pub fn key(self) -> Option<String> {
        match (self.namespace, self.name) {
            (Some(ns), Some(n)) => Some(format!("{ns}/{n}")),
            (None, Some(n)) => Some(n),
            _ => None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Csi {
    pub driver: String,
    pub volume_handle: String,
    /// Only the attributes that name an Azure share or container.
    #[serde(deserialize_with = "storage_attributes")]
    pub volume_attributes: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AzureDisk {
    #[serde(rename = "diskURI")]
    pub disk_uri: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AzureFile {
    pub share_name: String,
    pub secret_name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SnapshotSource {
    pub snapshot_handle: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Status {
    // Service
    pub load_balancer: Option<LoadBalancerStatus>,
    // Node
    pub conditions: Option<Vec<Condition>>,
    /// Only the entries checks read (`labels::CAPACITY`).
    #[serde(deserialize_with = "read_capacity")]
    pub capacity: BTreeMap<String, String>,
    pub addresses: Option<Vec<Address>>,
    // PersistentVolume
    pub phase: Option<String>,
    // VolumeSnapshotContent
    pub snapshot_handle: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoadBalancerStatus {
    pub ingress: Option<Vec<Ingress>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Ingress {
    pub ip: Option<String>,
    pub hostname: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Address {
    #[serde(rename = "type")]
    pub type_: String,
    pub address: String,
}

/// The labels checks read, as text (a number or boolean value as kubectl
/// would print it; `null` is none). The rest are skipped as they are read.
fn read_labels<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    d.deserialize_option(MapOf { keep: labels::read })
}

/// The capacity entries checks read, as text (a number as kubectl prints it).
fn read_capacity<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    d.deserialize_option(MapOf { keep: |k| labels::CAPACITY.contains(&k) })
}

/// Annotations, without `kubectl.kubernetes.io/last-applied-configuration`:
/// a full copy of the object that nothing here reads.
fn annotations<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    d.deserialize_option(MapOf { keep: |k| k != "kubectl.kubernetes.io/last-applied-configuration" })
}

/// `volumeAttributes` that name an Azure share or container, keys
/// lower-cased (StorageClass parameters are otherwise nobody's concern here).
fn storage_attributes<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let all = d.deserialize_option(MapOf {
        keep: |k| {
            crate::models::cluster::PersistentVolume::STORAGE_ATTRIBUTES.iter().any(|w| w.eq_ignore_ascii_case(k))
        },
    })?;
    Ok(all.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect())
}

struct MapOf {
    keep: fn(&str) -> bool,
}

impl<'de> Visitor<'de> for MapOf {
    type Value = BTreeMap<String, String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map of strings")
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(BTreeMap::new())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(BTreeMap::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(k) = m.next_key::<String>()? {
            if (self.keep)(&k) {
                let v = m.next_value::<Scalar>()?;
                out.insert(k, v.0);
            } else {
                m.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

/// A string, or a number or boolean as its text; `null` as empty.
struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E>(self, s: &str) -> Result<Scalar, E> {
                Ok(Scalar(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Scalar, E> {
                Ok(Scalar(s))
            }
            fn visit_i64<E>(self, i: i64) -> Result<Scalar, E> {
                Ok(Scalar(i.to_string()))
            }
            fn visit_u64<E>(self, i: u64) -> Result<Scalar, E> {
                Ok(Scalar(i.to_string()))
            }
            fn visit_f64<E>(self, f: f64) -> Result<Scalar, E> {
                Ok(Scalar(f.to_string()))
            }
            fn visit_bool<E>(self, b: bool) -> Result<Scalar, E> {
                Ok(Scalar(b.to_string()))
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar(String::new()))
            }
            fn visit_none<E>(self) -> Result<Scalar, E> {
                Ok(Scalar(String::new()))
            }
        }
        d.deserialize_any(V)
    }
}
