//! `Microsoft.ContainerService/managedClusters` (api-version 2024-09-01).

use super::common::{Num, Resource, null_default};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

pub type ManagedCluster = Resource<ManagedClusterProperties>;

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClusterProperties {
    pub kubernetes_version: Option<String>,
    pub current_kubernetes_version: Option<String>,
    pub node_resource_group: Option<String>,
    pub dns_prefix: Option<String>,
    pub fqdn: Option<String>,
    pub provisioning_state: Option<String>,
    pub service_principal_profile: Option<ServicePrincipalProfile>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub agent_pool_profiles: Vec<AgentPoolProfile>,
    pub network_profile: Option<NetworkProfile>,
}

/// `clientId` is `msi` when the cluster uses a managed identity.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipalProfile {
    pub client_id: Option<String>,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentPoolProfile {
    #[serde(default)]
    pub name: String,
    pub count: Option<Num>,
    pub vm_size: Option<String>,
    pub os_type: Option<String>,
    pub mode: Option<String>,
    #[serde(rename = "type")]
    pub pool_type: Option<String>,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkProfile {
    pub load_balancer_sku: Option<String>,
    pub outbound_type: Option<String>,
    pub network_plugin: Option<String>,
    /// The pod CIDR (kubenet and overlay): the cluster CIDR the route
    /// controller owns routes in.
    pub pod_cidr: Option<String>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub pod_cidrs: Vec<String>,
}
