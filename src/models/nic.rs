//! `Microsoft.Network/networkInterfaces` (api-version 2024-07-01).

use super::common::{Child, Resource, SubResource, Text, null_list};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

pub type Nic = Resource<NicProperties>;

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NicProperties {
    #[serde(default, deserialize_with = "null_list")]
    pub ip_configurations: Vec<Child<NicIpConfigProperties>>,
    pub virtual_machine: Option<SubResource>,
    pub network_security_group: Option<SubResource>,
    pub mac_address: Option<Text>,
    pub primary: Option<bool>,
    pub provisioning_state: Option<Text>,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NicIpConfigProperties {
    #[serde(rename = "privateIPAddress")]
    pub private_ip_address: Option<Text>,
    #[serde(rename = "publicIPAddress")]
    pub public_ip_address: Option<SubResource>,
    pub subnet: Option<SubResource>,
    #[serde(default, deserialize_with = "null_list", skip_serializing_if = "Vec::is_empty")]
    pub load_balancer_backend_address_pools: Vec<SubResource>,
    pub primary: Option<bool>,
}
