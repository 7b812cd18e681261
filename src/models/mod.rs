//! Tolerant serde models of the ARM resources azaudit reads, built from the
//! shapes in the Azure REST API specs' examples. Unknown fields are ignored,
//! optional fields are optional, numbers may be ints, floats or strings, and
//! resource IDs compare case-insensitively.

pub mod cluster;
pub mod common;
pub mod disk;
pub mod disk_snapshot;
pub mod graph;
pub mod load_balancer;
pub mod lock;
pub mod managed_cluster;
pub mod nat_gateway;
pub mod nic;
pub mod nsg;
pub mod private_link_service;
pub mod public_ip;
pub mod route_table;
pub mod storage;
pub mod subscription;
pub mod usage;

pub use common::{Child, Num, Resource, ResourceId, Sku, SubResource, Tags};
pub use disk::Disk;
pub use disk_snapshot::DiskSnapshot;
pub use load_balancer::LoadBalancer;
pub use lock::Lock;
pub use managed_cluster::ManagedCluster;
pub use nat_gateway::NatGateway;
pub use nic::Nic;
pub use nsg::Nsg;
pub use private_link_service::PrivateLinkService;
pub use public_ip::PublicIp;
pub use route_table::RouteTable;
pub use storage::{BlobContainer, FileShare, StorageAccount};
pub use usage::Usage;

use serde::Deserialize;

/// One page of an ARM list: `{"value": [...], "nextLink": "..."}`.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    #[serde(default = "Vec::new", deserialize_with = "common::null_list")]
    pub value: Vec<T>,
    #[serde(default, rename = "nextLink", alias = "@odata.nextLink")]
    pub next_link: Option<String>,
}

#[cfg(test)]
mod fidelity;
#[cfg(test)]
mod spec_check;
#[cfg(test)]
mod tests;
