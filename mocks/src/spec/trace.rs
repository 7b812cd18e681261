//! Hold a serde model to a spec schema without any sample data.
//!
//! [`trace`] drives a type's own `Deserialize` implementation with a
//! deserializer that walks the spec alongside. serde tells a deserializer
//! every field name a struct accepts (`deserialize_struct`'s `fields`,
//! aliases included), so each name the model would read is looked up in the
//! spec at that position, with exact case. Every field the spec has is then
//! fed to the model, so nested structs are traced too. What comes out is the
//! list of problems (a JSON path and what is wrong) and the set of paths the
//! model reads (`value[].properties.frontendIPConfigurations[].name`).

use super::{Node, Specs, join_path};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;

/// What tracing a model found.
#[derive(Debug, Default)]
pub struct Trace {
    /// One line per problem: `path: what is wrong`.
    pub problems: Vec<String>,
    /// Every JSON path the model reads (arrays as `[]`, map values as
    /// `{}`), whether the spec has it or not.
    pub fields: BTreeSet<String>,
    /// The paths of `fields` that the spec has.
    pub in_spec: BTreeSet<String>,
    /// Fields the caller allowed to be absent from this schema, that were.
    pub allowed_absent: BTreeSet<String>,
}

/// Trace `T` against the schema at `root`. `allow_absent` lists paths (as
/// in [`Trace::fields`]) that may be missing from this schema, because the
/// model is shared between types and the field exists in another one.
pub fn trace<T: DeserializeOwned>(specs: &Specs, root: Node, allow_absent: &[&str]) -> Trace {
    let state = RefCell::new(Trace::default());
    let tracer = Tracer { specs, node: Some(root), path: String::new(), state: &state, allow: allow_absent, depth: 0 };
    if let Err(e) = T::deserialize(tracer) {
        state.borrow_mut().problems.push(format!("the model could not be built from the spec's shape: {e}"));
    }
    state.into_inner()
}

#[derive(Debug)]
struct TraceError(String);

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for TraceError {}
impl de::Error for TraceError {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        TraceError(msg.to_string())
    }
}

struct Tracer<'a> {
    specs: &'a Specs,
    /// `None` past a field the spec does not have: nothing to check there.
    node: Option<Node>,
    path: String,
    state: &'a RefCell<Trace>,
    allow: &'a [&'a str],
    depth: u32,
}

impl<'a> Tracer<'a> {
    fn problem(&self, msg: String) {
        self.state.borrow_mut().problems.push(msg);
    }

    fn kind(&self) -> &'static str {
        match self.node {
            None => "any",
            Some(n) => match self.specs.kind(n) {
                Ok(k) => k,
                Err(e) => {
                    self.problem(format!("{}: {e}", self.at()));
                    "any"
                }
            },
        }
    }

    fn at(&self) -> &str {
        if self.path.is_empty() { "(top level)" } else { &self.path }
    }

    fn child(&self, node: Option<Node>, path: String) -> Tracer<'a> {
        Tracer { specs: self.specs, node, path, state: self.state, allow: self.allow, depth: self.depth + 1 }
    }

    /// A scalar read where the spec has an object or array is a problem.
    fn scalar(&self, what: &str) {
        let k = self.kind();
        if matches!(k, "object" | "array") {
            self.problem(format!("{}: the model reads a {what} where the spec has {k}", self.at()));
        }
    }
}

impl<'de, 'a> de::Deserializer<'de> for Tracer<'a> {
    type Error = TraceError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        // Open values (serde_json::Value, lenient numbers): answer in the
        // spec's own type.
        match self.kind() {
            "object" => v.visit_map(Entries { tracer: &self, entries: Vec::new(), next: 0 }),
            "array" => v.visit_seq(OneItem { tracer: None }),
            "string" => v.visit_str("0"),
            "integer" => v.visit_i64(1),
            "number" => v.visit_f64(1.0),
            "boolean" => v.visit_bool(true),
            _ => v.visit_unit(),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, TraceError> {
        if self.depth > 40 {
            self.problem(format!("{}: nesting too deep to trace", self.at()));
            return v.visit_map(Entries { tracer: &self, entries: Vec::new(), next: 0 });
        }
        let kind = self.kind();
        if !matches!(kind, "object" | "any") {
            self.problem(format!("{}: the model reads an object where the spec has {kind}", self.at()));
        }
        let props = match self.node.map(|n| self.specs.properties(n)) {
            Some(Ok(p)) => Some(p),
            Some(Err(e)) => {
                self.problem(format!("{}: {e}", self.at()));
                None
            }
            None => None,
        };
        let mut entries = Vec::new();
        let empty = std::collections::BTreeMap::new();
        for f in fields {
            let path = join_path(&self.path, f);
            let props = match &props {
                Some(p) => p,
                None if self.node.is_none() => {
                    // Below a field the spec lacks: record what the model
                    // reads, nothing to check it against.
                    self.state.borrow_mut().fields.insert(path.clone());
                    entries.push((*f, None, path));
                    continue;
                }
                None => &empty,
            };
            self.state.borrow_mut().fields.insert(path.clone());
            let node = props.get(f).copied();
            if node.is_some() {
                self.state.borrow_mut().in_spec.insert(path.clone());
            } else if self.allow.contains(&path.as_str()) {
                self.state.borrow_mut().allowed_absent.insert(path.clone());
            } else if let Some(spelt) = props.keys().find(|p| p.eq_ignore_ascii_case(f)) {
                self.problem(format!("{path}: the model reads `{f}`, the spec spells it `{spelt}`"));
            } else {
                self.problem(format!("{path}: the model reads `{f}`, which the spec does not have at this position"));
            }
            // Fields the spec lacks are traced on without a schema, so the
            // set of paths the model reads is complete. Allowed-absent ones
            // are not fed: they are aliases or fields of other types, and an
            // alias fed beside its main name is a duplicate to serde.
            if node.is_some() || !self.allow.contains(&path.as_str()) {
                entries.push((*f, node, path));
            }
        }
        v.visit_map(Entries { tracer: &self, entries, next: 0 })
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        let additional = match self.node.map(|n| self.specs.additional(n)) {
            Some(Ok(a)) => a,
            Some(Err(e)) => {
                self.problem(format!("{}: {e}", self.at()));
                None
            }
            None => None,
        };
        if self.node.is_some() && additional.is_none() && self.kind() != "any" {
            self.problem(format!("{}: the model reads a map where the spec has fixed properties", self.at()));
        }
        let path = format!("{}{{}}", self.path);
        self.state.borrow_mut().fields.insert(path.clone());
        let entries = match additional {
            Some(a) => vec![("key", Some(a), path)],
            None => Vec::new(),
        };
        v.visit_map(Entries { tracer: &self, entries, next: 0 })
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        let kind = self.kind();
        if !matches!(kind, "array" | "any") {
            self.problem(format!("{}: the model reads an array where the spec has {kind}", self.at()));
            return v.visit_seq(OneItem { tracer: None });
        }
        let item = match self.node.map(|n| self.specs.items(n)) {
            Some(Ok(i)) => i,
            Some(Err(e)) => {
                self.problem(format!("{}: {e}", self.at()));
                None
            }
            None => None,
        };
        let path = format!("{}[]", self.path);
        let t = self.child(item, path);
        v.visit_seq(OneItem { tracer: Some(t) })
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, v: V) -> Result<V::Value, TraceError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.scalar("string");
        v.visit_str("0")
    }
    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.deserialize_str(v)
    }
    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.scalar("character");
        v.visit_char('0')
    }
    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.scalar("boolean");
        v.visit_bool(true)
    }
    fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.scalar("number");
        v.visit_i64(1)
    }
    fn deserialize_i8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.deserialize_i64(v)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.deserialize_i64(v)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.deserialize_i64(v)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.scalar("number");
        v.visit_u64(1)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.deserialize_u64(v)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.deserialize_u64(v)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.deserialize_u64(v)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.scalar("number");
        v.visit_f64(1.0)
    }
    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.deserialize_f64(v)
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_bytes(b"0")
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_bytes(b"0")
    }
    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_unit()
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, v: V) -> Result<V::Value, TraceError> {
        v.visit_unit()
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, TraceError> {
        v.visit_seq(OneItem { tracer: None })
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        v: V,
    ) -> Result<V::Value, TraceError> {
        v.visit_seq(OneItem { tracer: None })
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        _v: V,
    ) -> Result<V::Value, TraceError> {
        Err(TraceError(format!("{}: enum {name} cannot be traced", self.at())))
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_str("")
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        v.visit_unit()
    }
}

/// A struct's or map's entries: `(key, schema, path)`.
struct Entries<'t, 'a> {
    tracer: &'t Tracer<'a>,
    entries: Vec<(&'static str, Option<Node>, String)>,
    next: usize,
}

impl<'de> MapAccess<'de> for Entries<'_, '_> {
    type Error = TraceError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, TraceError> {
        match self.entries.get(self.next) {
            Some((k, _, _)) => seed.deserialize((*k).into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, TraceError> {
        let (_, node, path) = self.entries.get(self.next).cloned().ok_or_else(|| TraceError("no value".into()))?;
        self.next += 1;
        seed.deserialize(self.tracer.child(node, path))
    }
}

/// An array with one traced item (or none).
struct OneItem<'a> {
    tracer: Option<Tracer<'a>>,
}

impl<'de> SeqAccess<'de> for OneItem<'_> {
    type Error = TraceError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, TraceError> {
        match self.tracer.take() {
            Some(t) => seed.deserialize(t).map(Some),
            None => Ok(None),
        }
    }
}
