//! `Microsoft.Network/natGateways` (api-version 2024-07-01). The spec and
//! real responses spell the fields `publicIpAddresses` and
//! `publicIpPrefixes` (not `publicIP...` as on other types).

use super::common::{Resource, SubResource, null_default};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

pub type NatGateway = Resource<NatGatewayProperties>;

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NatGatewayProperties {
    #[serde(default, deserialize_with = "null_default")]
    pub public_ip_addresses: Vec<SubResource>,
    #[serde(default, deserialize_with = "null_default")]
    pub public_ip_prefixes: Vec<SubResource>,
    #[serde(default, deserialize_with = "null_default")]
    pub subnets: Vec<SubResource>,
    pub provisioning_state: Option<String>,
}
