//! `Microsoft.Network/routeTables` (api-version 2024-07-01): the routes the
//! cloud provider's route controller writes for each node's pod CIDR
//! (kubenet), beside any the user adds.

use super::Resource;
use super::common::{Child, SubResource, null_list};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

pub type RouteTable = Resource<RouteTableProperties>;

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteTableProperties {
    #[serde(default, deserialize_with = "null_list")]
    pub routes: Vec<Child<RouteProperties>>,
    #[serde(default, deserialize_with = "null_list")]
    pub subnets: Vec<SubResource>,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteProperties {
    /// The destination CIDR, e.g. `10.244.1.0/24`.
    pub address_prefix: Option<String>,
    /// `VirtualAppliance` for the provider's routes (the node's IP).
    pub next_hop_type: Option<String>,
    pub next_hop_ip_address: Option<String>,
}
