//! `Microsoft.Network/privateLinkServices` (api-version 2024-07-01): the
//! frontends a private link service fronts, and the private endpoints of
//! its consumers (often in other subscriptions and tenants).

use super::Resource;
use super::common::{Child, SubResource, null_default};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

pub type PrivateLinkService = Resource<PrivateLinkServiceProperties>;

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateLinkServiceProperties {
    /// The load-balancer frontends it is attached to (the spec spells it
    /// `...FrontendIpConfigurations`).
    #[serde(default, deserialize_with = "null_default")]
    pub load_balancer_frontend_ip_configurations: Vec<SubResource>,
    #[serde(default, deserialize_with = "null_default")]
    pub private_endpoint_connections: Vec<Child<PrivateEndpointConnectionProperties>>,
    pub provisioning_state: Option<String>,
    pub alias: Option<String>,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateEndpointConnectionProperties {
    pub private_endpoint: Option<SubResource>,
    pub private_link_service_connection_state: Option<ConnectionState>,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionState {
    /// `Approved`, `Pending`, `Rejected`, `Disconnected`.
    pub status: Option<String>,
}
