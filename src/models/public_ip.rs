//! `Microsoft.Network/publicIPAddresses` (api-version 2024-07-01).

use super::common::{Num, Resource, SubResource, Text};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

pub type PublicIp = Resource<PublicIpProperties>;

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicIpProperties {
    pub ip_address: Option<Text>,
    #[serde(rename = "publicIPAllocationMethod")]
    pub allocation_method: Option<Text>,
    #[serde(rename = "publicIPAddressVersion")]
    pub ip_version: Option<Text>,
    /// The LB frontend or NIC ipConfiguration this IP is attached to.
    pub ip_configuration: Option<SubResource>,
    /// Set when the IP serves a NAT gateway (then `ip_configuration` is absent).
    pub nat_gateway: Option<SubResource>,
    #[serde(rename = "publicIPPrefix")]
    pub public_ip_prefix: Option<SubResource>,
    pub dns_settings: Option<DnsSettings>,
    pub provisioning_state: Option<Text>,
    pub idle_timeout_in_minutes: Option<Num>,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DnsSettings {
    pub domain_name_label: Option<String>,
    pub fqdn: Option<String>,
}
