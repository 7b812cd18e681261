//! A finding's evidence: a few named values, kept small.
//!
//! A large subscription gives tens of thousands of findings, each with five
//! to ten pieces of evidence. Held as a `BTreeMap<String, Value>` (with tag
//! maps as nested B-trees) that cost about 3 KB a finding, most of it empty
//! B-tree slots. Here the keys are static, the entries a sorted vector of
//! exactly the right length, fixed texts are not copied, and a tag map is a
//! boxed slice of pairs. On the wire it is the same JSON object, keys in
//! sorted order, as before.

use crate::models::ResourceId;
use crate::models::common::{TagPairs, Tags, Text, shared};
use serde::de::{Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// One value of evidence.
#[derive(Clone, Debug)]
pub enum Ev {
    /// A fixed text (what was checked, which naming form).
    Static(&'static str),
    /// Texts of up to 24 bytes (SKUs, addresses, ports) are held inline.
    Text(compact_str::CompactString),
    /// An ARM ID: its head is the one interned copy the inventory's IDs
    /// share.
    Id(ResourceId),
    Int(i64),
    /// A string-to-string map, such as tags: a JSON object on the wire.
    /// An object's tags are its own shared copy, not a copy of it.
    Map(TagPairs),
    Json(Value),
}

impl Ev {
    /// The JSON form (what it serializes as).
    pub fn to_value(&self) -> Value {
        // Strings, integers, string maps and JSON values always serialize.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// A map of the given pairs, sorted by key.
    pub fn map<K: AsRef<str>, V: AsRef<str>>(pairs: impl IntoIterator<Item = (K, V)>) -> Ev {
        let mut v: Vec<(std::sync::Arc<str>, Text)> =
            pairs.into_iter().map(|(k, v)| (shared(k.as_ref()), v.as_ref().into())).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v.dedup_by(|a, b| a.0 == b.0);
        Ev::Map(v.into())
    }
}

impl PartialEq for Ev {
    fn eq(&self, other: &Ev) -> bool {
        self.to_value() == other.to_value()
    }
}

impl Serialize for Ev {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Ev::Static(t) => s.serialize_str(t),
            Ev::Text(t) => s.serialize_str(t),
            Ev::Id(id) => id.serialize(s),
            Ev::Int(i) => s.serialize_i64(*i),
            Ev::Map(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m.iter() {
                    map.serialize_entry(&**k, v.as_str())?;
                }
                map.end()
            }
            Ev::Json(v) => v.serialize(s),
        }
    }
}

impl From<&str> for Ev {
    fn from(s: &str) -> Ev {
        Ev::Text(s.into())
    }
}
impl From<String> for Ev {
    fn from(s: String) -> Ev {
        Ev::Text(s.into())
    }
}
/// An object's tags: its own shared pairs.
impl From<&Tags> for Ev {
    fn from(t: &Tags) -> Ev {
        t.shared_pairs().map_or_else(|| Ev::map(std::iter::empty::<(&str, &str)>()), Ev::Map)
    }
}
impl From<&ResourceId> for Ev {
    fn from(id: &ResourceId) -> Ev {
        Ev::Id(id.clone())
    }
}
impl From<ResourceId> for Ev {
    fn from(id: ResourceId) -> Ev {
        Ev::Id(id)
    }
}
impl From<&String> for Ev {
    fn from(s: &String) -> Ev {
        Ev::Text(s.as_str().into())
    }
}
macro_rules! ints {
    ($($t:ty),*) => {$(
        impl From<$t> for Ev {
            fn from(i: $t) -> Ev {
                i64::try_from(i).map(Ev::Int).unwrap_or_else(|_| Ev::Json(Value::from(i)))
            }
        }
    )*};
}
ints!(i32, i64, u32, u64, usize);
impl From<f64> for Ev {
    fn from(f: f64) -> Ev {
        Ev::Json(Value::from(f))
    }
}
impl From<bool> for Ev {
    fn from(b: bool) -> Ev {
        Ev::Json(Value::Bool(b))
    }
}
impl From<Value> for Ev {
    fn from(v: Value) -> Ev {
        match v {
            Value::String(s) => Ev::Text(s.into()),
            other => Ev::Json(other),
        }
    }
}
impl From<Vec<&str>> for Ev {
    fn from(v: Vec<&str>) -> Ev {
        Ev::Json(Value::from(v))
    }
}
impl From<Vec<Value>> for Ev {
    fn from(v: Vec<Value>) -> Ev {
        Ev::Json(Value::Array(v))
    }
}
/// Absent is JSON `null`, as serde_json gives for `None`.
impl<T: Into<Ev>> From<Option<T>> for Ev {
    fn from(o: Option<T>) -> Ev {
        o.map_or(Ev::Json(Value::Null), Into::into)
    }
}
impl From<Vec<String>> for Ev {
    fn from(v: Vec<String>) -> Ev {
        Ev::Json(Value::from(v))
    }
}

/// Named evidence, sorted by name, each name once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evidence(Vec<(Cow<'static, str>, Ev)>);

impl Evidence {
    /// Room for exactly `additional` more entries.
    pub fn reserve(&mut self, additional: usize) {
        self.0.reserve_exact(additional);
    }

    /// Set `key` (replacing an earlier value).
    pub fn insert(&mut self, key: &'static str, value: Ev) {
        match self.0.binary_search_by(|(k, _)| k.as_ref().cmp(key)) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (Cow::Borrowed(key), value)),
        }
    }

    fn find(&self, key: &str) -> Option<&Ev> {
        self.0.binary_search_by(|(k, _)| k.as_ref().cmp(key)).ok().map(|i| &self.0[i].1)
    }

    /// The value of `key` as JSON.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.find(key).map(Ev::to_value)
    }

    /// The value of `key` as JSON, `null` when absent (for tests and
    /// renderers that index).
    pub fn value(&self, key: &str) -> Value {
        self.get(key).unwrap_or(Value::Null)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_some()
    }

    /// Every ARM ID the evidence names (strings that start with
    /// `/subscriptions/`, at any depth): the other objects a verdict read.
    pub fn arm_ids(&self) -> Vec<Cow<'_, str>> {
        fn walk<'a>(v: &'a Value, out: &mut Vec<Cow<'a, str>>) {
            match v {
                Value::String(s) if s.starts_with("/subscriptions/") => out.push(Cow::Borrowed(s)),
                Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                Value::Object(o) => o.values().for_each(|x| walk(x, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        for (_, ev) in &self.0 {
            match ev {
                Ev::Text(t) if t.starts_with("/subscriptions/") => out.push(Cow::Borrowed(t.as_str())),
                Ev::Id(id) if id.starts_with_ci("/subscriptions/") => out.push(Cow::Owned(id.to_string())),
                Ev::Map(m) => out.extend(
                    m.iter().map(|(_, v)| v.as_str()).filter(|v| v.starts_with("/subscriptions/")).map(Cow::Borrowed),
                ),
                Ev::Json(v) => walk(v, &mut out),
                _ => {}
            }
        }
        out
    }

    /// Give back spare capacity once a finding is complete.
    pub fn shrink(&mut self) {
        self.0.shrink_to_fit();
    }
}

impl Serialize for Evidence {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k.as_ref(), v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Evidence {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Evidence, D::Error> {
        let m = BTreeMap::<String, Value>::deserialize(d)?;
        Ok(Evidence(m.into_iter().map(|(k, v)| (Cow::Owned(k), Ev::from(v))).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The same JSON object as a map of values gave: keys sorted, tag maps
    /// as objects, numbers as numbers; and it reads back equal.
    #[test]
    fn same_json_as_a_map_and_round_trips() {
        let mut e = Evidence::default();
        e.insert("sku", "Standard".into());
        e.insert("checked", Ev::Static("no frontend references it"));
        e.insert("tags", Ev::map([("k8s-azure-service", "shop/web"), ("a", "b")]));
        e.insert("rules", 3usize.into());
        e.insert("sku", "Basic".into());
        e.insert("dests", json!(["20.0.0.1"]).into());
        let text = serde_json::to_string(&e).unwrap();
        assert_eq!(
            text,
            r#"{"checked":"no frontend references it","dests":["20.0.0.1"],"rules":3,"sku":"Basic","tags":{"a":"b","k8s-azure-service":"shop/web"}}"#
        );
        let back: Evidence = serde_json::from_str(&text).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.value("tags")["a"], "b");
        assert_eq!(e.value("missing"), Value::Null);
        assert!(e.contains_key("rules") && !e.contains_key("rule"));
    }

    /// An ID in evidence (a load balancer's for all its parts' findings)
    /// shares the object's one interned head, and is written as the plain
    /// string; an object's tags are its own counted pairs, not a copy.
    #[test]
    fn ids_and_tags_in_evidence_are_shared_and_plain() {
        let text = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/kubernetes";
        let lb = ResourceId::new(text);
        let mut a = Evidence::default();
        a.insert("load_balancer", (&lb).into());
        let Some(Ev::Id(held)) = a.find("load_balancer") else { panic!("not an ID") };
        assert_eq!(held.parts()[0].as_ptr(), lb.parts()[0].as_ptr(), "one copy of the head");
        assert_eq!(serde_json::to_string(&a).unwrap(), format!("{{\"load_balancer\":\"{text}\"}}"));
        assert_eq!(a.arm_ids(), vec![text]);
        let back: Evidence = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(back, a);
        let tags = Tags::from_pairs([("k8s-azure-service", "shop/web")]);
        let mut t = Evidence::default();
        t.insert("tags", (&tags).into());
        let pairs = tags.shared_pairs().unwrap();
        assert_eq!(std::sync::Arc::strong_count(&pairs), 3, "the object, the evidence and this count");
        assert_eq!(serde_json::to_string(&t).unwrap(), r#"{"tags":{"k8s-azure-service":"shop/web"}}"#);
    }

    /// Small is the point: an entry is a key pointer and a value, not a
    /// B-tree node.
    #[test]
    fn an_entry_is_small() {
        assert!(
            std::mem::size_of::<(Cow<'static, str>, Ev)>() <= 64,
            "{}",
            std::mem::size_of::<(Cow<'static, str>, Ev)>()
        );
    }
}
