//! `Microsoft.Network/networkSecurityGroups` (api-version 2024-07-01) and
//! their security rules.

use super::common::{Child, Num, Resource, SubResource, Text, Texts, null_default};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

pub type Nsg = Resource<NsgProperties>;

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NsgProperties {
    #[serde(default, deserialize_with = "null_default")]
    pub security_rules: Vec<Child<SecurityRuleProperties>>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub network_interfaces: Vec<SubResource>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub subnets: Vec<SubResource>,
    pub provisioning_state: Option<String>,
}

/// What the checks read of a rule: its priority, and its address prefixes
/// and ports (the destinations for `nsg-rule-stale`, all of them counted
/// against the rules-per-NSG limit). Protocol, access, direction and
/// description are not read, and not kept.
#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityRuleProperties {
    pub priority: Option<Num>,
    pub source_address_prefix: Option<Text>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "<[Text]>::is_empty")]
    pub source_address_prefixes: Texts,
    pub source_port_range: Option<Text>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "<[Text]>::is_empty")]
    pub source_port_ranges: Texts,
    pub destination_address_prefix: Option<Text>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "<[Text]>::is_empty")]
    pub destination_address_prefixes: Texts,
    pub destination_port_range: Option<Text>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "<[Text]>::is_empty")]
    pub destination_port_ranges: Texts,
}

impl SecurityRuleProperties {
    /// Destination prefixes from both the single and the plural field.
    pub fn destinations(&self) -> impl Iterator<Item = &str> {
        self.destination_address_prefix
            .as_deref()
            .into_iter()
            .chain(self.destination_address_prefixes.iter().map(Text::as_str))
    }

    /// The number of address prefixes and ports this rule contributes to the
    /// `SecurityRuleAddressesOrPortsPerNetworkSecurityGroup` limit.
    pub fn addresses_and_ports(&self) -> usize {
        let one = |o: &Option<Text>| usize::from(o.is_some());
        one(&self.source_address_prefix)
            + self.source_address_prefixes.len()
            + one(&self.destination_address_prefix)
            + self.destination_address_prefixes.len()
            + one(&self.source_port_range)
            + self.source_port_ranges.len()
            + one(&self.destination_port_range)
            + self.destination_port_ranges.len()
    }
}
