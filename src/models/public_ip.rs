//! `Microsoft.Network/publicIPAddresses` (api-version 2024-07-01).

use super::common::{Num, Resource, SubResource, Text, shared_text_opt};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use std::sync::Arc;

pub type PublicIp = Resource<PublicIpProperties>;

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicIpProperties {
    pub ip_address: Option<Text>,
    #[serde(rename = "publicIPAllocationMethod", default, deserialize_with = "shared_text_opt")]
    pub allocation_method: Option<Arc<str>>,
    #[serde(rename = "publicIPAddressVersion", default, deserialize_with = "shared_text_opt")]
    pub ip_version: Option<Arc<str>>,
    /// The LB frontend or NIC ipConfiguration this IP is attached to.
    pub ip_configuration: Option<SubResource>,
    /// Set when the IP serves a NAT gateway (then `ip_configuration` is absent).
    pub nat_gateway: Option<Box<SubResource>>,
    #[serde(rename = "publicIPPrefix")]
    pub public_ip_prefix: Option<Box<SubResource>>,
    pub dns_settings: Option<DnsSettings>,
    #[serde(default, deserialize_with = "shared_text_opt")]
    pub provisioning_state: Option<Arc<str>>,
    pub idle_timeout_in_minutes: Option<Num>,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DnsSettings {
    pub domain_name_label: Option<String>,
    pub fqdn: Option<String>,
}
