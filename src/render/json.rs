//! The report as pretty JSON (`azaudit.report/v1`), streamed: a report
//! with tens of thousands of findings is never held as one string beside
//! the findings themselves.
//!
//! The text is exactly serde_json's `to_writer_pretty` (two-space indent,
//! `": "` between key and value, floats as serde_json spells them); the
//! tests hold the two byte for byte. It is written here because serde_json
//! escapes a string a byte at a time through a table, and a report's
//! strings (IDs, reasons, evidence) are most of its bytes: that loop alone
//! was an eighth of the CPU of `orphans --from` a large snapshot. Here a
//! string is searched sixteen bytes at a time for the three things JSON
//! escapes (`"`, `\` and control characters) and copied between them.

use crate::report::Report;
use serde::ser::{self, Serialize};
use std::io::{self, Write};

pub fn render(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    // Written a token at a time: into a buffer of a concrete type those
    // writes are inlined copies, where through `dyn Write` each was a call.
    // Twice the size of the caller's own buffer: each block this one hands
    // on is then larger than that buffer, which passes it straight through
    // instead of copying 55 MB of a large report once more.
    let mut buf = std::io::BufWriter::with_capacity(2 * crate::fsutil::WRITE_BUFFER, w);
    to_writer_pretty(&mut buf, report)?;
    buf.flush()
}

/// `value` as pretty JSON into `w`, as serde_json's `to_writer_pretty`.
pub fn to_writer_pretty<W: Write, T: Serialize + ?Sized>(w: W, value: &T) -> io::Result<()> {
    let mut ser = Pretty { w, depth: 0, scratch: String::new() };
    value.serialize(&mut ser).map_err(|e| e.0)
}

/// A serialization error: the writer's, or a value's own message.
#[derive(Debug)]
pub struct Error(io::Error);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error(io::Error::other(msg.to_string()))
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error(e)
    }
}

type Result<T = ()> = std::result::Result<T, Error>;

pub struct Pretty<W> {
    w: W,
    /// How many arrays and objects are open.
    depth: usize,
    /// `collect_str`'s text, reused.
    scratch: String,
}

const SPACES: &[u8; 64] = b"                                                                ";

impl<W: Write> Pretty<W> {
    fn indent(&mut self) -> io::Result<()> {
        let mut n = self.depth.saturating_mul(2);
        while n > 0 {
            let k = n.min(SPACES.len());
            self.w.write_all(&SPACES[..k])?;
            n -= k;
        }
        Ok(())
    }

    /// `[` or `{`, and the compound that writes its members.
    fn open(&mut self, bracket: u8, len: Option<usize>) -> Result<Compound<'_, W>> {
        self.w.write_all(&[bracket])?;
        if len == Some(0) {
            self.w.write_all(&[bracket + 2])?;
            return Ok(Compound { ser: self, state: State::Empty });
        }
        self.depth += 1;
        Ok(Compound { ser: self, state: State::First })
    }

    /// The `{` and key of an enum variant written as `{"Variant": ...}`.
    fn open_variant(&mut self, variant: &str) -> Result {
        self.w.write_all(b"{")?;
        self.depth += 1;
        self.w.write_all(b"\n")?;
        self.indent()?;
        write_str(&mut self.w, variant)?;
        self.w.write_all(b": ")?;
        Ok(())
    }

    /// The `}` of an enum variant written as `{"Variant": ...}`.
    fn close_variant(&mut self) -> Result {
        self.depth -= 1;
        self.w.write_all(b"\n")?;
        self.indent()?;
        self.w.write_all(b"}")?;
        Ok(())
    }

    fn integer(&mut self, v: impl itoa::Integer) -> Result {
        self.w.write_all(itoa::Buffer::new().format(v).as_bytes())?;
        Ok(())
    }

    fn float<F: zmij::Float>(&mut self, v: F, finite: bool) -> Result {
        if finite {
            self.w.write_all(zmij::Buffer::new().format_finite(v).as_bytes())?;
        } else {
            self.w.write_all(b"null")?;
        }
        Ok(())
    }
}

/// The next byte of `b` that JSON escapes, sixteen bytes at a time (a
/// branch-free test of a fixed-size block, which the compiler turns into
/// vector compares).
fn next_escape(b: &[u8]) -> Option<usize> {
    let escaped = |c: u8| c < 0x20 || c == b'"' || c == b'\\';
    let any = |block: &[u8; 16]| block.iter().fold(false, |hit, &c| hit | (c < 0x20) | (c == b'"') | (c == b'\\'));
    let mut chunks = b.chunks_exact(16);
    let mut at = 0;
    for chunk in &mut chunks {
        if chunk.try_into().is_ok_and(any) {
            return chunk.iter().position(|&c| escaped(c)).map(|i| at + i);
        }
        at += 16;
    }
    let rest = chunks.remainder();
    // The last few bytes, read as whole blocks that may overlap what was
    // searched already (which has nothing to escape): in a text of sixteen
    // bytes or more, its last sixteen; in a shorter one, its first and last
    // eight (or four) as words. Copying them into a padded block was a call
    // for every string of a report, and most strings are short.
    let clean = match b.len() {
        _ if rest.is_empty() => true,
        16.. => b.last_chunk::<16>().is_some_and(|block| !any(block)),
        8.. => match (b.first_chunk::<8>(), b.last_chunk::<8>()) {
            (Some(x), Some(y)) => !word_escapes(u64::from_le_bytes(*x)) && !word_escapes(u64::from_le_bytes(*y)),
            _ => false,
        },
        4.. => match (b.first_chunk::<4>(), b.last_chunk::<4>()) {
            (Some(x), Some(y)) => {
                !word_escapes(u64::from(u32::from_le_bytes(*x)) | u64::from(u32::from_le_bytes(*y)) << 32)
            }
            _ => false,
        },
        _ => false,
    };
    if clean {
        return None;
    }
    rest.iter().position(|&c| escaped(c)).map(|i| at + i)
}

/// Whether any of a word's eight bytes is one JSON escapes (a control
/// character, `"` or `\\`): the classic test for a byte below a bound, and
/// for a zero byte after an exclusive or, which is exact for "any".
fn word_escapes(w: u64) -> bool {
    const ONES: u64 = u64::MAX / 255;
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    (below(w, 0x20) | zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\')))) & (ONES << 7) != 0
}

/// `s` as a JSON string, escaped as serde_json escapes it.
fn write_str<W: Write>(w: &mut W, s: &str) -> io::Result<()> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut rest = s.as_bytes();
    w.write_all(b"\"")?;
    while let Some(i) = next_escape(rest) {
        let (run, tail) = rest.split_at(i);
        w.write_all(run)?;
        let Some((&c, tail)) = tail.split_first() else { break };
        match c {
            b'"' => w.write_all(b"\\\"")?,
            b'\\' => w.write_all(b"\\\\")?,
            b'\n' => w.write_all(b"\\n")?,
            b'\r' => w.write_all(b"\\r")?,
            b'\t' => w.write_all(b"\\t")?,
            0x08 => w.write_all(b"\\b")?,
            0x0c => w.write_all(b"\\f")?,
            _ => w.write_all(&[b'\\', b'u', b'0', b'0', HEX[usize::from(c >> 4)], HEX[usize::from(c & 0xf)]])?,
        }
        rest = tail;
    }
    w.write_all(rest)?;
    w.write_all(b"\"")
}

#[derive(PartialEq)]
enum State {
    /// Written whole already (`[]`, `{}`).
    Empty,
    First,
    Rest,
}

pub struct Compound<'a, W> {
    ser: &'a mut Pretty<W>,
    state: State,
}

impl<W: Write> Compound<'_, W> {
    /// Before a member: a new line, and a comma after an earlier one.
    fn member(&mut self) -> Result {
        let lead: &[u8] = if self.state == State::First { b"\n" } else { b",\n" };
        self.state = State::Rest;
        self.ser.w.write_all(lead)?;
        self.ser.indent()?;
        Ok(())
    }

    fn close(self, bracket: u8) -> Result {
        if self.state == State::Empty {
            return Ok(());
        }
        self.ser.depth -= 1;
        if self.state == State::Rest {
            self.ser.w.write_all(b"\n")?;
            self.ser.indent()?;
        }
        self.ser.w.write_all(&[bracket])?;
        Ok(())
    }

    /// The end of a variant's members, then of the variant's `{"Variant": ...}`.
    fn close_in_variant(self, bracket: u8) -> Result {
        let Compound { ser, state } = self;
        Compound { ser: &mut *ser, state }.close(bracket)?;
        ser.close_variant()
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.member()?;
        value.serialize(&mut *self.ser)
    }

    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result {
        self.member()?;
        write_str(&mut self.ser.w, key)?;
        self.ser.w.write_all(b": ")?;
        value.serialize(&mut *self.ser)
    }
}

/// The integer methods of a serializer, each through its `integer`.
macro_rules! integers {
    () => {
        integers!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
            serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
            serialize_u64: u64, serialize_u128: u128);
    };
    ($($method:ident: $t:ty),*) => {
        $(fn $method(self, v: $t) -> Result {
            self.integer(v)
        })*
    };
}

impl<'a, W: Write> ser::Serializer for &'a mut Pretty<W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, W>;
    type SerializeTuple = Compound<'a, W>;
    type SerializeTupleStruct = Compound<'a, W>;
    type SerializeTupleVariant = Compound<'a, W>;
    type SerializeMap = Compound<'a, W>;
    type SerializeStruct = Compound<'a, W>;
    type SerializeStructVariant = Compound<'a, W>;

    fn serialize_bool(self, v: bool) -> Result {
        self.w.write_all(if v { b"true" } else { b"false" })?;
        Ok(())
    }
    integers!();
    fn serialize_f32(self, v: f32) -> Result {
        self.float(v, v.is_finite())
    }
    fn serialize_f64(self, v: f64) -> Result {
        self.float(v, v.is_finite())
    }
    fn serialize_char(self, v: char) -> Result {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result {
        write_str(&mut self.w, v)?;
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        self.w.write_all(b"null")?;
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        self.open_variant(variant)?;
        value.serialize(&mut *self)?;
        self.close_variant()
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'a, W>> {
        self.open(b'[', len)
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, W>> {
        self.open(b'[', Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a, W>> {
        self.open(b'[', Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a, W>> {
        self.open_variant(variant)?;
        self.open(b'[', Some(len))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'a, W>> {
        self.open(b'{', len)
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a, W>> {
        self.open(b'{', Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a, W>> {
        self.open_variant(variant)?;
        self.open(b'{', Some(len))
    }
    fn collect_str<T: std::fmt::Display + ?Sized>(self, value: &T) -> Result {
        use std::fmt::Write as _;
        let mut text = std::mem::take(&mut self.scratch);
        text.clear();
        let written = write!(text, "{value}");
        let result = match written {
            Ok(()) => write_str(&mut self.w, &text).map_err(Error),
            Err(_) => Err(ser::Error::custom("a value failed to format itself")),
        };
        self.scratch = text;
        result
    }
}

/// The compounds written as arrays, the method each adds a member by, and
/// how each closes (an enum variant's also closes the object around it).
macro_rules! arrays {
    ($($compound:ident: $method:ident, $close:ident);*) => {
        $(impl<W: Write> ser::$compound for Compound<'_, W> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
                self.element(value)
            }
            fn end(self) -> Result {
                self.$close(b']')
            }
        })*
    };
}

arrays!(
    SerializeSeq: serialize_element, close;
    SerializeTuple: serialize_element, close;
    SerializeTupleStruct: serialize_field, close;
    SerializeTupleVariant: serialize_field, close_in_variant
);

impl<W: Write> ser::SerializeMap for Compound<'_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.member()?;
        key.serialize(MapKey(&mut *self.ser))?;
        self.ser.w.write_all(b": ")?;
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result {
        self.close(b'}')
    }
}

/// The compounds written as objects with named fields, and how each closes.
macro_rules! structs {
    ($($compound:ident: $close:ident);*) => {
        $(impl<W: Write> ser::$compound for Compound<'_, W> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
                self.entry(key, value)
            }
            fn end(self) -> Result {
                self.$close(b'}')
            }
        })*
    };
}

structs!(SerializeStruct: close; SerializeStructVariant: close_in_variant);

/// A map's key: JSON keys are strings, so numbers and booleans are
/// quoted and an `Option`'s value stands for it, as serde_json writes
/// them; anything else is an error.
struct MapKey<'a, W>(&'a mut Pretty<W>);

fn key_must_be_a_string() -> Error {
    ser::Error::custom("key must be a string")
}

impl<W: Write> MapKey<'_, W> {
    fn quoted(self, text: &str) -> Result {
        self.0.w.write_all(b"\"")?;
        self.0.w.write_all(text.as_bytes())?;
        self.0.w.write_all(b"\"")?;
        Ok(())
    }
    fn integer(self, v: impl itoa::Integer) -> Result {
        self.quoted(itoa::Buffer::new().format(v))
    }
    /// A float key, quoted; one that is not finite has no spelling.
    fn float<F: zmij::Float>(self, v: F, finite: bool) -> Result {
        if !finite {
            return Err(ser::Error::custom("float key must be finite (got NaN or +/-inf)"));
        }
        self.quoted(zmij::Buffer::new().format_finite(v))
    }
}

impl<W: Write> ser::Serializer for MapKey<'_, W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result {
        write_str(&mut self.0.w, v)?;
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_bool(self, v: bool) -> Result {
        self.quoted(if v { "true" } else { "false" })
    }
    integers!();
    fn serialize_f32(self, v: f32) -> Result {
        self.float(v, v.is_finite())
    }
    fn serialize_f64(self, v: f64) -> Result {
        self.float(v, v.is_finite())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_none(self) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(key_must_be_a_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    fn ours<T: Serialize + ?Sized>(v: &T) -> String {
        let mut out = Vec::new();
        to_writer_pretty(&mut out, v).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Every shape serde produces, written as serde_json writes it.
    #[test]
    fn writes_what_serde_json_writes() {
        #[derive(Serialize)]
        enum E {
            Unit,
            New(u8),
            Tuple(u8, &'static str),
            Struct { a: Vec<u8>, b: Option<f64> },
            Empty {},
        }
        #[derive(Serialize)]
        struct S<'a> {
            text: &'a str,
            n: i64,
            big: u128,
            f: f64,
            inf: f64,
            c: char,
            unit: (),
            none: Option<u8>,
            empty_list: Vec<u8>,
            empty_map: std::collections::BTreeMap<String, u8>,
            numbered: std::collections::BTreeMap<u32, bool>,
            flags: std::collections::BTreeMap<bool, u8>,
            floats: Vec<(f64, f32)>,
            optional: std::collections::BTreeMap<Option<&'a str>, u8>,
            nested: Vec<Vec<std::collections::BTreeMap<&'a str, Vec<u8>>>>,
            enums: Vec<E>,
            bytes: serde_bytes_like::Bytes<'a>,
            tuple: (u8, (), &'a str),
        }
        mod serde_bytes_like {
            pub struct Bytes<'a>(pub &'a [u8]);
            impl serde::Serialize for Bytes<'_> {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_bytes(self.0)
                }
            }
        }
        let nested_map: std::collections::BTreeMap<&str, Vec<u8>> = [("k", vec![1, 2]), ("e", vec![])].into();
        let v = S {
            text: "q\"b\\s/\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}é漢😀 and a longer run past eight bytes \"",
            n: -42,
            big: u128::MAX,
            f: 3.65,
            inf: f64::INFINITY,
            c: '"',
            unit: (),
            none: None,
            empty_list: vec![],
            empty_map: Default::default(),
            numbered: [(7, true), (10, false)].into(),
            flags: [(true, 1)].into(),
            floats: vec![(0.5, 1e-7), (-2.0, 3.0e10)],
            optional: [(Some("k"), 1)].into(),
            nested: vec![vec![], vec![nested_map, Default::default()]],
            enums: vec![E::Unit, E::New(1), E::Tuple(2, "x"), E::Struct { a: vec![], b: Some(0.1) }, E::Empty {}],
            bytes: serde_bytes_like::Bytes(&[0, 255]),
            tuple: (1, (), "t"),
        };
        assert_eq!(ours(&v), serde_json::to_string_pretty(&v).unwrap());
    }

    /// Each byte JSON escapes, and its neighbours that it does not, at
    /// every place of texts of every length up to past two blocks: the
    /// block, word and byte searches each decide some of these.
    #[test]
    fn every_escape_at_every_place_of_every_length() {
        let specials = ['"', '\\', '\n', '\u{0}', '\u{1f}', ' ', '!', '#', '[', ']', '\u{7f}', 'é', '😀'];
        for len in 0..40 {
            for at in 0..len.max(1) {
                for c in specials {
                    let mut t: String =
                        (0..len).map(|i| if i == at { c } else { (b'a' + (i % 26) as u8) as char }).collect();
                    assert_eq!(ours(&t), serde_json::to_string_pretty(&t).unwrap(), "{t:?}");
                    // The same with a second escape after the first.
                    t.push('"');
                    assert_eq!(ours(&t), serde_json::to_string_pretty(&t).unwrap(), "{t:?}");
                }
            }
        }
    }

    /// A key that is not text is refused, as serde_json refuses it; a
    /// float key is quoted, as serde_json quotes it, unless not finite.
    #[test]
    fn keys_are_text_numbers_or_booleans() {
        let m: std::collections::BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into();
        let mut out = Vec::new();
        let e = to_writer_pretty(&mut out, &m).unwrap_err();
        assert!(e.to_string().contains("key must be a string"), "{e}");
        assert!(serde_json::to_string_pretty(&m).is_err());
        // Float keys (through a map of pairs: f64 is not Ord).
        struct Floats(Vec<(f64, u8)>);
        impl Serialize for Floats {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
            }
        }
        let finite = Floats(vec![(1.5, 1), (-0.0, 2), (1e21, 3)]);
        assert_eq!(ours(&finite), serde_json::to_string_pretty(&finite).unwrap());
        let nan = Floats(vec![(f64::NAN, 1)]);
        assert!(to_writer_pretty(Vec::new(), &nan).is_err());
        assert!(serde_json::to_string_pretty(&nan).is_err());
        let none: std::collections::BTreeMap<Option<&str>, u8> = [(None, 1)].into();
        assert!(to_writer_pretty(Vec::new(), &none).is_err());
        assert!(serde_json::to_string_pretty(&none).is_err());
    }

    /// A write error comes back as itself.
    #[test]
    fn a_write_error_is_returned() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let e = to_writer_pretty(Full, &vec!["x"]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
    }
}
