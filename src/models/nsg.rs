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
///
/// The eight prefix and port fields (four single, four plural) are held as
/// one list of texts and the length of each field in it: a large
/// subscription has 80,000 rules, and eight separate fields cost 176
/// bytes a rule where this costs 64. On the wire (and in snapshots) it is
/// the same object as ARM's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecurityRuleProperties {
    pub priority: Option<Num>,
    texts: Texts,
    /// How many of `texts` each of [`FIELDS`] holds, in order (a single
    /// field 0 or 1).
    counts: [u32; 8],
}

/// The prefix and port fields, in the order `texts` holds them; `true`
/// for the plural (list) fields.
const FIELDS: [(&str, bool); 8] = [
    ("sourceAddressPrefix", false),
    ("sourceAddressPrefixes", true),
    ("sourcePortRange", false),
    ("sourcePortRanges", true),
    ("destinationAddressPrefix", false),
    ("destinationAddressPrefixes", true),
    ("destinationPortRange", false),
    ("destinationPortRanges", true),
];

/// The fields as ARM sends them.
#[skip_serializing_none]
#[derive(Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SecurityRuleWire {
    priority: Option<Num>,
    source_address_prefix: Option<Text>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    source_address_prefixes: Vec<Text>,
    source_port_range: Option<Text>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    source_port_ranges: Vec<Text>,
    destination_address_prefix: Option<Text>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    destination_address_prefixes: Vec<Text>,
    destination_port_range: Option<Text>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    destination_port_ranges: Vec<Text>,
}

impl SecurityRuleProperties {
    /// The texts of field `i` of [`FIELDS`].
    fn field(&self, i: usize) -> &[Text] {
        let start: usize = self.counts[..i].iter().map(|&n| n as usize).sum();
        self.texts.get(start..start + self.counts[i] as usize).unwrap_or(&[])
    }

    pub fn destinations(&self) -> impl Iterator<Item = &str> {
        self.field(4).iter().chain(self.field(5)).map(Text::as_str)
    }

    pub fn addresses_and_ports(&self) -> usize {
        self.texts.len()
    }
}

impl From<SecurityRuleWire> for SecurityRuleProperties {
    fn from(w: SecurityRuleWire) -> Self {
        let fields: [Vec<Text>; 8] = [
            w.source_address_prefix.into_iter().collect(),
            w.source_address_prefixes,
            w.source_port_range.into_iter().collect(),
            w.source_port_ranges,
            w.destination_address_prefix.into_iter().collect(),
            w.destination_address_prefixes,
            w.destination_port_range.into_iter().collect(),
            w.destination_port_ranges,
        ];
        // A list longer than u32 cannot arrive in a page serde_json can
        // hold; saturating keeps the count honest about "very many".
        let counts = fields.each_ref().map(|f| u32::try_from(f.len()).unwrap_or(u32::MAX));
        SecurityRuleProperties { priority: w.priority, texts: fields.into_iter().flatten().collect(), counts }
    }
}

impl<'de> Deserialize<'de> for SecurityRuleProperties {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        SecurityRuleWire::deserialize(d).map(Into::into)
    }
}

impl Serialize for SecurityRuleProperties {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        if let Some(p) = &self.priority {
            m.serialize_entry("priority", p)?;
        }
        for (i, (name, plural)) in FIELDS.iter().enumerate() {
            match (self.field(i), plural) {
                ([], _) => {}
                (texts, true) => m.serialize_entry(name, texts)?,
                ([one], false) => m.serialize_entry(name, one)?,
                // A single field holds at most one text.
                (texts, false) => m.serialize_entry(name, &texts[0])?,
            }
        }
        m.end()
    }
}
