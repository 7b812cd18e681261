//! `Microsoft.Network/loadBalancers` (api-version 2024-07-01): frontends,
//! backend pools (NIC-based and IP-based), rules, probes, inbound NAT rules
//! and pools, and outbound rules.
//!
//! Only the forward references are kept (rule -> frontend, pool, probe).
//! The back-references ARM derives from them (a frontend's, pool's or
//! probe's `loadBalancingRules`...) say nothing more and cost a 200-byte ID
//! each; checks count forward references instead.

use super::common::{Child, Num, Resource, SubResource, Text, null_default, null_list};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

pub type LoadBalancer = Resource<LoadBalancerProperties>;

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerProperties {
    #[serde(rename = "frontendIPConfigurations", default, deserialize_with = "null_list")]
    pub frontends: Vec<Child<FrontendProperties>>,
    #[serde(default, deserialize_with = "null_list")]
    pub backend_address_pools: Vec<Child<BackendPoolProperties>>,
    #[serde(default, deserialize_with = "null_list")]
    pub load_balancing_rules: Vec<Child<RuleProperties>>,
    #[serde(default, deserialize_with = "null_list")]
    pub probes: Vec<Child<ProbeProperties>>,
    #[serde(default, deserialize_with = "null_list")]
    pub inbound_nat_rules: Vec<Child<InboundNatRuleProperties>>,
    #[serde(default, deserialize_with = "null_list")]
    pub inbound_nat_pools: Vec<Child<InboundNatPoolProperties>>,
    #[serde(default, deserialize_with = "null_list")]
    pub outbound_rules: Vec<Child<OutboundRuleProperties>>,
    pub provisioning_state: Option<String>,
}

impl LoadBalancerProperties {
    /// Every kind of rule counts as use: LB rules, inbound NAT rules and
    /// pools, and outbound rules (facts, section 7).
    pub fn rule_count(&self) -> usize {
        self.load_balancing_rules.len()
            + self.inbound_nat_rules.len()
            + self.inbound_nat_pools.len()
            + self.outbound_rules.len()
    }
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrontendProperties {
    /// Azure spells it `publicIPAddress` (camelCase would give `publicIpAddress`).
    #[serde(rename = "publicIPAddress")]
    pub public_ip_address: Option<SubResource>,
    #[serde(rename = "publicIPPrefix")]
    pub public_ip_prefix: Option<SubResource>,
    pub subnet: Option<SubResource>,
    #[serde(rename = "privateIPAddress")]
    pub private_ip_address: Option<Text>,
    #[serde(rename = "privateIPAddressVersion")]
    pub private_ip_version: Option<Text>,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackendPoolProperties {
    /// NIC or VMSS NIC ipConfigurations (NIC-based pools).
    #[serde(rename = "backendIPConfigurations", default, deserialize_with = "null_list")]
    pub backend_ip_configurations: Vec<SubResource>,
    /// IP-based pools list addresses instead (facts, section 7).
    #[serde(default, deserialize_with = "null_list")]
    pub load_balancer_backend_addresses: Vec<BackendAddress>,
}

impl BackendPoolProperties {
    /// Members of either kind.
    pub fn member_count(&self) -> usize {
        self.backend_ip_configurations.len() + self.load_balancer_backend_addresses.len()
    }
}

/// A member of an IP-based pool: a name and properties, no ID of its own.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BackendAddress {
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "null_default")]
    pub properties: BackendAddressProperties,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackendAddressProperties {
    pub ip_address: Option<String>,
    pub virtual_network: Option<SubResource>,
    pub subnet: Option<SubResource>,
    #[serde(rename = "networkInterfaceIPConfiguration")]
    pub network_interface_ip_configuration: Option<SubResource>,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleProperties {
    #[serde(rename = "frontendIPConfiguration")]
    pub frontend_ip_configuration: Option<SubResource>,
    pub backend_address_pool: Option<SubResource>,
    #[serde(default, deserialize_with = "null_list", skip_serializing_if = "Vec::is_empty")]
    pub backend_address_pools: Vec<SubResource>,
    pub probe: Option<SubResource>,
    pub protocol: Option<Text>,
    pub frontend_port: Option<Num>,
    pub backend_port: Option<Num>,
    #[serde(rename = "enableFloatingIP")]
    pub enable_floating_ip: Option<bool>,
    pub idle_timeout_in_minutes: Option<Num>,
    pub disable_outbound_snat: Option<bool>,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeProperties {
    pub protocol: Option<Text>,
    pub port: Option<Num>,
    pub request_path: Option<String>,
    pub interval_in_seconds: Option<Num>,
    pub number_of_probes: Option<Num>,
    pub probe_threshold: Option<Num>,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboundNatRuleProperties {
    #[serde(rename = "frontendIPConfiguration")]
    pub frontend_ip_configuration: Option<SubResource>,
    #[serde(rename = "backendIPConfiguration")]
    pub backend_ip_configuration: Option<SubResource>,
    pub backend_address_pool: Option<SubResource>,
    pub protocol: Option<String>,
    pub frontend_port: Option<Num>,
    pub backend_port: Option<Num>,
    pub frontend_port_range_start: Option<Num>,
    pub frontend_port_range_end: Option<Num>,
    pub provisioning_state: Option<String>,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboundNatPoolProperties {
    #[serde(rename = "frontendIPConfiguration")]
    pub frontend_ip_configuration: Option<SubResource>,
    pub protocol: Option<String>,
    pub frontend_port_range_start: Option<Num>,
    pub frontend_port_range_end: Option<Num>,
    pub backend_port: Option<Num>,
    pub provisioning_state: Option<String>,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboundRuleProperties {
    #[serde(
        rename = "frontendIPConfigurations",
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub frontend_ip_configurations: Vec<SubResource>,
    pub backend_address_pool: Option<SubResource>,
    pub protocol: Option<String>,
    pub allocated_outbound_ports: Option<Num>,
    pub provisioning_state: Option<String>,
}
