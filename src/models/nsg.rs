//! `Microsoft.Network/networkSecurityGroups` (api-version 2024-07-01) and
//! their security rules.

use super::common::{Child, Num, Resource, SubResource, null_list};
use serde::de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use std::fmt;

pub type Nsg = Resource<NsgProperties>;

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NsgProperties {
    #[serde(default, deserialize_with = "null_list")]
    pub security_rules: Vec<Child<SecurityRuleProperties>>,
    #[serde(default, deserialize_with = "null_list", skip_serializing_if = "Vec::is_empty")]
    pub network_interfaces: Vec<SubResource>,
    #[serde(default, deserialize_with = "null_list", skip_serializing_if = "Vec::is_empty")]
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
#[derive(Clone, Debug, Default)]
pub struct SecurityRuleProperties {
    pub priority: Option<Num>,
    /// In the order the JSON had them; every reader goes field by field.
    packed: Box<[u8]>,
}

/// Equal when each field holds the same texts in the same order, whatever
/// order the JSON's keys came in.
impl PartialEq for SecurityRuleProperties {
    fn eq(&self, other: &Self) -> bool {
        self.priority == other.priority && (0..FIELDS.len()).all(|i| self.field(i).eq(other.field(i)))
    }
}

impl Eq for SecurityRuleProperties {}

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

impl SecurityRuleProperties {
    /// Each text's bytes with the index of its field in [`FIELDS`], in
    /// the order they were read.
    fn entries(&self) -> impl Iterator<Item = (usize, &[u8])> {
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
            Some((usize::from(field), text))
        })
    }

    /// The texts of field `i` of [`FIELDS`]. Only these are checked as
    /// UTF-8 (they were written from whole `str`s, so always are).
    fn field(&self, i: usize) -> impl Iterator<Item = &str> {
        self.entries().filter(move |(f, _)| *f == i).filter_map(|(_, t)| std::str::from_utf8(t).ok())
    }

    /// `destinationAddressPrefix`, then `destinationAddressPrefixes`.
    pub fn destinations(&self) -> impl Iterator<Item = &str> {
        self.field(4).chain(self.field(5))
    }

    pub fn addresses_and_ports(&self) -> usize {
        self.entries().count()
    }
}

/// Append one text of field `field`: its index, its length (LEB128) and
/// its bytes.
fn pack(out: &mut Vec<u8>, field: usize, text: &str) {
    out.push(field as u8);
    let mut len = text.len();
    loop {
        let low = (len & 0x7f) as u8;
        len >>= 7;
        out.push(if len == 0 { low } else { low | 0x80 });
        if len == 0 {
            break;
        }
    }
    out.extend_from_slice(text.as_bytes());
}

/// A rule's properties are read straight into their packed form: each text
/// is appended as the parser hands it over, with no vector per list field
/// and no copy of each text. The large benchmark has 80,000 rules, and
/// reading them is a ninth of `orphans --from`; serde's derived reader,
/// which built the eight fields first and packed them after, cost 2.5% of
/// the run more. It reads what the derived reader did (a property test
/// holds the two to each other): from an object, fields by their exact
/// names, `null` as absent, a duplicate field as an error, anything else
/// ignored; from an array, the fields in order.
impl<'de> Deserialize<'de> for SecurityRuleProperties {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // As a struct with its field names, as the derived reader did: the
        // spec check and the recorded-response check trace the names.
        d.deserialize_struct("SecurityRuleProperties", &STRUCT_FIELDS, RuleVisitor)
    }
}

/// Every key the reader takes: `priority`, then [`FIELDS`]' names.
const STRUCT_FIELDS: [&str; 9] = [
    "priority",
    FIELDS[0].0,
    FIELDS[1].0,
    FIELDS[2].0,
    FIELDS[3].0,
    FIELDS[4].0,
    FIELDS[5].0,
    FIELDS[6].0,
    FIELDS[7].0,
];

struct RuleVisitor;

impl<'de> Visitor<'de> for RuleVisitor {
    type Value = SecurityRuleProperties;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a security rule's properties")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut priority = None;
        let mut seen_priority = false;
        let mut seen = 0u8; // a bit per field of FIELDS
        let mut packed = Vec::with_capacity(96);
        while let Some(key) = map.next_key::<RuleKey>()? {
            match key {
                RuleKey::Priority if seen_priority => return Err(A::Error::duplicate_field("priority")),
                RuleKey::Priority => {
                    seen_priority = true;
                    priority = map.next_value::<Option<Num>>()?;
                }
                RuleKey::Field(i) if seen & (1 << i) != 0 => return Err(A::Error::duplicate_field(FIELDS[i].0)),
                RuleKey::Field(i) => {
                    seen |= 1 << i;
                    map.next_value_seed(Texts::of_field(i, &mut packed))?;
                }
                RuleKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(SecurityRuleProperties { priority, packed: packed.as_slice().into() })
    }

    /// The fields in [`STRUCT_FIELDS`] order, as serde reads a struct from
    /// an array: a missing list is empty, any other missing field an error.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let short = |i| A::Error::invalid_length(i, &"struct SecurityRuleProperties with 9 elements");
        let priority = seq.next_element::<Option<Num>>()?.ok_or_else(|| short(0))?;
        let mut packed = Vec::with_capacity(96);
        for (i, (_, plural)) in FIELDS.iter().enumerate() {
            if seq.next_element_seed(Texts::of_field(i, &mut packed))?.is_none() && !plural {
                return Err(short(i + 1));
            }
        }
        Ok(SecurityRuleProperties { priority, packed: packed.as_slice().into() })
    }
}

/// A key of a rule's properties.
enum RuleKey {
    Priority,
    /// Its index in [`FIELDS`].
    Field(usize),
    Other,
}

impl<'de> Deserialize<'de> for RuleKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RuleKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RuleKey, E> {
                Ok(match v {
                    "priority" => RuleKey::Priority,
                    _ => FIELDS.iter().position(|(name, _)| *name == v).map_or(RuleKey::Other, RuleKey::Field),
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// A single field's text or a list field's texts (either `null`: none),
/// appended to the packed buffer as they are read.
struct Texts<'b> {
    field: usize,
    shape: Shape,
    out: &'b mut Vec<u8>,
}

impl<'b> Texts<'b> {
    /// The texts of field `i` of [`FIELDS`], single or list as it is.
    fn of_field(i: usize, out: &'b mut Vec<u8>) -> Texts<'b> {
        let shape = if FIELDS[i].1 { Shape::List } else { Shape::Single };
        Texts { field: i, shape, out }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Single,
    List,
    /// One text of a list: a string, never `null` (as the derived reader
    /// held it).
    Element,
}

impl<'de> DeserializeSeed<'de> for Texts<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self.shape {
            Shape::Element => d.deserialize_str(self),
            Shape::Single | Shape::List => d.deserialize_option(self),
        }
    }
}

impl<'de> Visitor<'de> for Texts<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.shape {
            Shape::Single => "a string or null",
            Shape::List => "a list of strings or null",
            Shape::Element => "a string",
        })
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        match self.shape {
            Shape::Element => Err(E::invalid_type(serde::de::Unexpected::Unit, &self)),
            Shape::Single | Shape::List => Ok(()),
        }
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.visit_none()
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self.shape {
            Shape::List => d.deserialize_seq(self),
            Shape::Single | Shape::Element => d.deserialize_str(self),
        }
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        if self.shape == Shape::List {
            return Err(E::invalid_type(serde::de::Unexpected::Str(v), &self));
        }
        pack(self.out, self.field, v);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.shape != Shape::List {
            return Err(A::Error::invalid_type(serde::de::Unexpected::Seq, &self));
        }
        let field = self.field;
        while seq.next_element_seed(Texts { field, shape: Shape::Element, out: &mut *self.out })?.is_some() {}
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::common::{Text, null_default};
    use proptest::prelude::*;

    /// The reader this file had before: serde's derived reader for the
    /// eight fields, packed after. The streaming reader must read exactly
    /// what it read, and fail where it failed.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Derived {
        priority: Option<Num>,
        source_address_prefix: Option<Text>,
        #[serde(default, deserialize_with = "null_default")]
        source_address_prefixes: Vec<Text>,
        source_port_range: Option<Text>,
        #[serde(default, deserialize_with = "null_default")]
        source_port_ranges: Vec<Text>,
        destination_address_prefix: Option<Text>,
        #[serde(default, deserialize_with = "null_default")]
        destination_address_prefixes: Vec<Text>,
        destination_port_range: Option<Text>,
        #[serde(default, deserialize_with = "null_default")]
        destination_port_ranges: Vec<Text>,
    }

    impl From<Derived> for SecurityRuleProperties {
        fn from(w: Derived) -> Self {
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
            let mut packed = Vec::new();
            for (i, texts) in fields.iter().enumerate() {
                texts.iter().for_each(|t| pack(&mut packed, i, t));
            }
            SecurityRuleProperties { priority: w.priority, packed: packed.into_boxed_slice() }
        }
    }

    /// A JSON text: a string with quotes, backslashes, control characters
    /// and any script, or a value of another type.
    fn value(list: bool) -> impl Strategy<Value = String> {
        let text = prop_oneof![
            "[0-9./*:-]{0,18}",
            any::<String>(),
            "[a-zA-Z]{300,320}", // longer than a one-byte length
        ]
        .prop_map(|s| serde_json::to_string(&s).unwrap_or_default());
        let other = prop_oneof![Just("null".to_string()), Just("7".to_string()), Just("{}".to_string())];
        if list {
            prop_oneof![
                6 => prop::collection::vec(prop_oneof![9 => text.clone(), 1 => other.clone()], 0..4)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                1 => text,
                1 => other,
            ]
            .boxed()
        } else {
            prop_oneof![6 => text, 1 => Just("[\"1\"]".to_string()), 1 => other].boxed()
        }
    }

    /// A rule's properties as ARM could spell them: any subset of the
    /// fields (and some it does not read), in any order, sometimes twice.
    fn rule() -> impl Strategy<Value = String> {
        let names: Vec<(String, bool)> = FIELDS.iter().map(|(n, p)| (n.to_string(), *p)).collect();
        let entry = (0..names.len() + 4).prop_flat_map(move |k| {
            let key = match k {
                k if k < names.len() => names[k].clone(),
                k if k == names.len() => ("priority".to_string(), false),
                k if k == names.len() + 1 => ("protocol".to_string(), false),
                k if k == names.len() + 2 => ("SourceAddressPrefix".to_string(), false), // not the field: case counts
                _ => ("access".to_string(), false),
            };
            let v = if key.0 == "priority" {
                prop_oneof![
                    Just("100".to_string()),
                    Just("4096.0".to_string()),
                    Just("\"65000\"".to_string()),
                    Just("null".into())
                ]
                .boxed()
            } else {
                value(key.1).boxed()
            };
            v.prop_map(move |v| format!("{}:{v}", serde_json::to_string(&key.0).unwrap_or_default()))
        });
        let object = prop::collection::vec(entry, 0..10).prop_map(|e| format!("{{{}}}", e.join(",")));
        // serde also reads a struct from an array of its fields in order.
        let element = prop_oneof![value(false), value(true), Just("500".to_string())];
        let array = prop::collection::vec(element, 0..11).prop_map(|e| format!("[{}]", e.join(",")));
        prop_oneof![4 => object, 1 => array]
    }

    /// A rule's properties as an array of its fields in order read as the
    /// derived reader read them: a missing trailing list is empty, any
    /// other missing field an error, one too many an error.
    #[test]
    fn an_array_of_the_fields_reads_as_the_derived_reader_read_it() {
        for text in [
            r#"[500,"Internet",null,"*",null,null,["20.0.0.1"],null,["80","443"]]"#,
            r#"[500,null,null,null,null,null,null,null]"#,
            r#"[500,"a"]"#,
            r#"[]"#,
            r#"[500,null,null,null,null,null,null,null,null,null]"#,
        ] {
            let new = serde_json::from_str::<SecurityRuleProperties>(text).ok();
            let old = serde_json::from_str::<Derived>(text).ok().map(SecurityRuleProperties::from);
            assert_eq!(new, old, "{text}");
        }
        let r: SecurityRuleProperties =
            serde_json::from_str(r#"[500,"Internet",null,"*",null,null,["20.0.0.1"],null,["80","443"]]"#).unwrap();
        assert_eq!(r.destinations().collect::<Vec<_>>(), ["20.0.0.1"]);
        assert_eq!(r.addresses_and_ports(), 5);
    }

    /// The keys the reader matches are FIELDS' names at FIELDS' places.
    #[test]
    fn each_field_is_read_by_its_own_name() {
        for (i, (name, plural)) in FIELDS.iter().enumerate() {
            let value = if *plural { "[\"x\"]" } else { "\"x\"" };
            let r: SecurityRuleProperties = serde_json::from_str(&format!("{{\"{name}\":{value}}}")).unwrap();
            assert_eq!(r.field(i).collect::<Vec<_>>(), ["x"], "{name}");
            assert_eq!(r.addresses_and_ports(), 1, "{name}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, max_shrink_iters: 200, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn the_streaming_reader_reads_what_the_derived_reader_read(text in rule()) {
            let new = serde_json::from_str::<SecurityRuleProperties>(&text);
            let old = serde_json::from_str::<Derived>(&text).map(SecurityRuleProperties::from);
            match (new, old) {
                (Ok(n), Ok(o)) => {
                    prop_assert_eq!(&n, &o, "{}", text);
                    prop_assert!(n.destinations().eq(o.destinations()), "{}", text);
                    prop_assert_eq!(n.addresses_and_ports(), o.addresses_and_ports());
                    prop_assert_eq!(serde_json::to_string(&n).ok(), serde_json::to_string(&o).ok());
                }
                (Err(_), Err(_)) => {}
                (n, o) => prop_assert!(false, "{text}: streaming {n:?}, derived {o:?}"),
            }
            // From a parsed value (how recorded responses are checked) too.
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
                let new = serde_json::from_value::<SecurityRuleProperties>(v.clone()).ok();
                let old = serde_json::from_value::<Derived>(v).ok().map(SecurityRuleProperties::from);
                prop_assert_eq!(new, old, "{}", text);
            }
        }
    }

    /// Keys in any order make one value, each list in its own order; a
    /// field twice is an error; escapes are read as the text they spell.
    #[test]
    fn one_rule_however_its_keys_are_ordered() {
        let a: SecurityRuleProperties = serde_json::from_str(
            r#"{"destinationPortRanges":["80","443"],"priority":500,"sourceAddressPrefix":"Internet","destinationAddressPrefixes":["20.0.0.2","20.0.0.1"]}"#,
        )
        .unwrap();
        let b: SecurityRuleProperties = serde_json::from_str(
            r#"{"sourceAddressPrefix":"Internet","priority":500,"destinationAddressPrefixes":["20.0.0.2","20.0.0.1"],"destinationPortRanges":["80","443"]}"#,
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
        assert_eq!(a.destinations().collect::<Vec<_>>(), ["20.0.0.2", "20.0.0.1"]);
        // The single field's address comes first, as it always did.
        let r: SecurityRuleProperties =
            serde_json::from_str(r#"{"destinationAddressPrefixes":["b","c"],"destinationAddressPrefix":"a"}"#).unwrap();
        assert_eq!(r.destinations().collect::<Vec<_>>(), ["a", "b", "c"]);
        // The same texts in other fields are another rule.
        let c: SecurityRuleProperties =
            serde_json::from_str(r#"{"sourceAddressPrefix":"a","destinationAddressPrefixes":["b","c"]}"#).unwrap();
        assert_ne!(r, c);
        let e = serde_json::from_str::<SecurityRuleProperties>(r#"{"sourcePortRange":null,"sourcePortRange":"*"}"#);
        assert!(e.unwrap_err().to_string().contains("duplicate field `sourcePortRange`"));
        let r: SecurityRuleProperties =
            serde_json::from_str(r#"{"destinationAddressPrefix":"a\"b\\c\u00e9"}"#).unwrap();
        assert_eq!(r.destinations().collect::<Vec<_>>(), ["a\"b\\cé"]);
        let e = serde_json::from_str::<SecurityRuleProperties>(r#"{"destinationAddressPrefixes":["1.1.1.1",null]}"#);
        assert!(e.unwrap_err().to_string().contains("expected a string"));
    }
}
