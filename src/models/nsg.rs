//! `Microsoft.Network/networkSecurityGroups` (api-version 2024-07-01) and
//! their security rules.

use super::common::{Child, Num, Resource, SubResource, Text, null_default};
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
/// The eight prefix and port fields (four single, four plural) are packed
/// into one byte string: per text, its field's index in [`FIELDS`], its
/// length (LEB128) and its bytes. A large subscription has 80,000 rules;
/// eight separate fields cost 176 bytes a rule and a list of inline texts
/// 136, where this is 32 and one small allocation. On the wire (and in
/// snapshots) it is the same object as ARM's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecurityRuleProperties {
    pub priority: Option<Num>,
    packed: Box<[u8]>,
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
    /// Each text with the index of its field in [`FIELDS`], in order.
    fn entries(&self) -> impl Iterator<Item = (usize, &str)> {
        let mut rest: &[u8] = &self.packed;
        std::iter::from_fn(move || {
            let (&field, after) = rest.split_first()?;
            let (mut len, mut shift, mut i) = (0usize, 0u32, 0usize);
            loop {
                let b = *after.get(i)?;
                len |= usize::from(b & 0x7f).checked_shl(shift)?;
                i += 1;
                shift += 7;
                if b & 0x80 == 0 {
                    break;
                }
            }
            let text = after.get(i..i.checked_add(len)?)?;
            rest = &after[i + len..];
            // Written from whole `str`s, so always UTF-8.
            Some((usize::from(field), std::str::from_utf8(text).ok()?))
        })
    }

    /// The texts of field `i` of [`FIELDS`].
    fn field(&self, i: usize) -> impl Iterator<Item = &str> {
        self.entries().filter(move |(f, _)| *f == i).map(|(_, t)| t)
    }

    pub fn destinations(&self) -> impl Iterator<Item = &str> {
        self.entries().filter(|(f, _)| *f == 4 || *f == 5).map(|(_, t)| t)
    }

    pub fn addresses_and_ports(&self) -> usize {
        self.entries().count()
    }
}

impl From<SecurityRuleWire> for SecurityRuleProperties {
    fn from(w: SecurityRuleWire) -> Self {
        // Borrowed in place (no vector per field), and packed into a
        // buffer of the exact size (80,000 rules grew theirs a push at a
        // time, then shrank them).
        let fields: [&[Text]; 8] = [
            w.source_address_prefix.as_slice(),
            &w.source_address_prefixes,
            w.source_port_range.as_slice(),
            &w.source_port_ranges,
            w.destination_address_prefix.as_slice(),
            &w.destination_address_prefixes,
            w.destination_port_range.as_slice(),
            &w.destination_port_ranges,
        ];
        let varint_len = |mut len: usize| {
            let mut n = 1;
            while len >= 0x80 {
                len >>= 7;
                n += 1;
            }
            n
        };
        let size = fields.iter().flat_map(|f| f.iter()).map(|t| 1 + varint_len(t.len()) + t.len()).sum();
        let mut packed = Vec::with_capacity(size);
        for (i, texts) in fields.iter().enumerate() {
            for t in texts.iter() {
                packed.push(i as u8);
                let mut len = t.len();
                loop {
                    let low = (len & 0x7f) as u8;
                    len >>= 7;
                    packed.push(if len == 0 { low } else { low | 0x80 });
                    if len == 0 {
                        break;
                    }
                }
                packed.extend_from_slice(t.as_bytes());
            }
        }
        SecurityRuleProperties { priority: w.priority, packed: packed.into_boxed_slice() }
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
            let mut texts = self.field(i).peekable();
            match (texts.peek().copied(), plural) {
                (None, _) => {}
                (Some(_), true) => m.serialize_entry(name, &texts.collect::<Vec<_>>())?,
                // A single field holds at most one text.
                (Some(one), false) => m.serialize_entry(name, one)?,
            }
        }
        m.end()
    }
}
