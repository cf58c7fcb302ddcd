//! A fast and exact reader for the common shape of an audit line (design §3,
//! §7): UTF-8 without control characters (what `tend` and Python's
//! `json.dumps` write), one object with `ts` and `kind` before `details`. The line is validated against the JSON grammar in one
//! pass without copying, unescaping or allocating, and `details` is
//! deserialized straight from the line's bytes.
//!
//! It answers only where it agrees with `serde_json` by construction. A line
//! of any other shape — a raw tab or invalid UTF-8, an escaped key, a repeated
//! key, `details` before `kind` or `ts`, anything invalid — is handed back
//! ([`Fallback`]) and the caller reads it with `serde_json`, which also gives
//! the exact message for a bad line. Numbers and escaped strings are handed
//! to `serde_json` itself, so every value is the one it would produce.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

/// The line is not of the shape this reader answers for: read it with
/// `serde_json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fallback;

/// Nesting deeper than this is handed back (`serde_json` allows 128).
const MAX_DEPTH: usize = 64;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `x` below `n` (`n` ≤ 0x80, bytes of `x` as
/// they are): exact for the lowest such byte, as a borrow out of it can only
/// flag bytes above.
#[inline]
fn bytes_below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH
}

/// From `i`, the first `"`, `\\` or control character (0x00..0x20, which a
/// JSON string cannot hold raw), eight bytes at a time: strings are short,
/// and a general search costs more to start than this does to finish.
#[inline(always)]
fn string_stop(b: &[u8], mut i: usize) -> Option<usize> {
    while let Some(word) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(<[u8; 8]>::try_from(word).ok()?);
        let found = bytes_below(w ^ (ONES * u64::from(b'"')), 1)
            | bytes_below(w ^ (ONES * u64::from(b'\\')), 1)
            | bytes_below(w, 0x20);
        if found != 0 {
            return Some(i + found.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    let rest = b.get(i..)?;
    rest.iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|j| i + j)
}

/// A position in a JSON text known to be UTF-8 without control characters.
struct Cursor<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Only the space is taken as whitespace: a line with another (a tab, a
    /// carriage return) fails the grammar here and is handed back.
    fn spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Result<(), Fallback> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(Fallback)
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Fallback> {
        if self.b.get(self.i..self.i + word.len()) == Some(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(Fallback)
        }
    }

    /// A string starting at the cursor: its raw contents between the quotes,
    /// and whether they hold an escape. A raw control character, and an
    /// escape `serde_json` might refuse (a `\u` surrogate), are handed back.
    #[inline(always)]
    fn string(&mut self) -> Result<(&'a str, bool), Fallback> {
        self.eat(b'"')?;
        let start = self.i;
        let mut escaped = false;
        loop {
            self.i = string_stop(self.b, self.i).ok_or(Fallback)?;
            match self.peek() {
                Some(b'"') => {
                    let raw = self.text.get(start..self.i).ok_or(Fallback)?;
                    self.i += 1;
                    return Ok((raw, escaped));
                }
                Some(b'\\') => {}
                // A raw control character.
                _ => return Err(Fallback),
            }
            escaped = true;
            self.i += 1;
            match self.peek() {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
                Some(b'u') => {
                    let hex = self.b.get(self.i + 1..self.i + 5).ok_or(Fallback)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return Err(Fallback);
                    }
                    let hex = std::str::from_utf8(hex).map_err(|_| Fallback)?;
                    let code = u16::from_str_radix(hex, 16).map_err(|_| Fallback)?;
                    if (0xd800..0xe000).contains(&code) {
                        return Err(Fallback);
                    }
                    self.i += 5;
                }
                _ => return Err(Fallback),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - start
    }

    /// A number (JSON's grammar, as `serde_json` checks it): its bytes.
    fn number(&mut self) -> Result<&'a [u8], Fallback> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(Fallback),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(Fallback);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(Fallback);
            }
        }
        Ok(&self.b[start..self.i])
    }

    /// Passes over one value, checking its grammar.
    fn value(&mut self, depth: usize) -> Result<(), Fallback> {
        match self.peek() {
            Some(b'"') => {
                self.string()?;
            }
            Some(open @ (b'{' | b'[')) => {
                if depth >= MAX_DEPTH {
                    return Err(Fallback);
                }
                let close = if open == b'{' { b'}' } else { b']' };
                self.i += 1;
                self.spaces();
                if self.peek() == Some(close) {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    if open == b'{' {
                        self.string()?;
                        self.spaces();
                        self.eat(b':')?;
                        self.spaces();
                    }
                    self.value(depth + 1)?;
                    self.spaces();
                    match self.peek() {
                        Some(b',') => {
                            self.i += 1;
                            self.spaces();
                        }
                        Some(c) if c == close => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return Err(Fallback),
                    }
                }
            }
            Some(b't') => self.literal(b"true")?,
            Some(b'f') => self.literal(b"false")?,
            Some(b'n') => self.literal(b"null")?,
            Some(b'-' | b'0'..=b'9') => {
                self.number()?;
            }
            _ => return Err(Fallback),
        }
        Ok(())
    }
}

/// A line read by [`read_row`]: its `kind` and `ts`, and its `details` when
/// the caller asked for them.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<'a, D> {
    pub kind: &'a str,
    pub ts: &'a str,
    /// `None`: checked against the grammar, not read.
    pub details: Option<D>,
}

/// Reads a whole line in one pass: a JSON object (UTF-8, no control
/// character) with exactly one each of `kind` and `ts` (strings without
/// escapes) before exactly one `details`, no escaped key, nothing after it
/// but spaces. When the walk reaches `details`, `wanted(kind, ts)` says
/// whether to deserialize them (else they are only checked). Anything else,
/// and details that do not deserialize, are handed back.
pub fn read_row<'a, D: de::Deserialize<'a>>(
    line: &'a [u8],
    wanted: impl FnOnce(&'a str, &'a str) -> bool,
) -> Result<Row<'a, D>, Fallback> {
    // Outside strings, a control character fails the grammar (only the
    // space is taken as whitespace); inside, `string` hands it back.
    let text = std::str::from_utf8(line).map_err(|_| Fallback)?;
    let mut c = Cursor {
        text,
        b: line,
        i: 0,
    };
    let (mut kind, mut ts) = (None, None);
    let mut details = None;
    let mut wanted = Some(wanted);
    c.spaces();
    c.eat(b'{')?;
    c.spaces();
    loop {
        let (key, escaped) = c.string()?;
        if escaped {
            return Err(Fallback);
        }
        c.spaces();
        c.eat(b':')?;
        c.spaces();
        match key.as_bytes() {
            b"kind" | b"ts" => {
                let (value, escaped) = c.string()?;
                let slot = if key == "kind" { &mut kind } else { &mut ts };
                if escaped || wanted.is_none() || slot.is_some() {
                    return Err(Fallback);
                }
                *slot = Some(value);
            }
            b"details" => {
                let (Some(k), Some(t), Some(wanted)) = (kind, ts, wanted.take()) else {
                    return Err(Fallback);
                };
                if wanted(k, t) {
                    let mut de = Deserializer { c, depth: 1 };
                    details = Some(D::deserialize(&mut de).map_err(|_| Fallback)?);
                    c = de.c;
                } else {
                    c.value(1)?;
                }
            }
            _ => c.value(1)?,
        }
        c.spaces();
        match c.peek() {
            Some(b',') => {
                c.i += 1;
                c.spaces();
            }
            Some(b'}') => {
                c.i += 1;
                break;
            }
            _ => return Err(Fallback),
        }
    }
    c.spaces();
    match (kind, ts) {
        (Some(kind), Some(ts)) if wanted.is_none() && c.i == line.len() => {
            Ok(Row { kind, ts, details })
        }
        _ => Err(Fallback),
    }
}

/// Why deserializing `details` failed: the line is handed back to
/// `serde_json`, which says it properly.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

fn handed_back() -> Error {
    Error("not read by the fast path".to_string())
}

/// Hands one value's text to `serde_json` (numbers and escaped strings), so
/// that its value is exactly the one `serde_json` gives.
fn by_serde_json<'a, V: Visitor<'a>>(text: &'a [u8], visitor: V) -> Result<V::Value, Error> {
    let mut de = serde_json::Deserializer::from_slice(text);
    de::Deserializer::deserialize_any(&mut de, visitor).map_err(|e| Error(e.to_string()))
}

/// Methods of a `serde::Deserializer` that hand the line back to
/// `serde_json` (where it reads differently from what this reader does).
macro_rules! hand_back {
    ($($method:ident($($arg:ty),*);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $(_: $arg,)* _: V) -> Result<V::Value, Error> {
                Err(handed_back())
            }
        )*
    };
}

struct Deserializer<'a> {
    c: Cursor<'a>,
    depth: usize,
}

impl<'a> Deserializer<'a> {
    fn string<V: Visitor<'a>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        let start = self.c.i;
        let (raw, escaped) = self.c.string().map_err(|_| handed_back())?;
        if escaped {
            by_serde_json(&self.c.b[start..self.c.i], visitor)
        } else {
            visitor.visit_borrowed_str(raw)
        }
    }
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.c.spaces();
        match self.c.peek() {
            Some(open @ (b'{' | b'[')) => {
                if self.depth >= MAX_DEPTH {
                    return Err(handed_back());
                }
                self.c.i += 1;
                self.depth += 1;
                let value = if open == b'{' {
                    visitor.visit_map(Entries {
                        de: &mut *self,
                        first: true,
                    })?
                } else {
                    visitor.visit_seq(Entries {
                        de: &mut *self,
                        first: true,
                    })?
                };
                self.depth -= 1;
                self.c.spaces();
                self.c
                    .eat(if open == b'{' { b'}' } else { b']' })
                    .map_err(|_| handed_back())?;
                Ok(value)
            }
            Some(b'"') => self.string(visitor),
            Some(b't') => {
                self.c.literal(b"true").map_err(|_| handed_back())?;
                visitor.visit_bool(true)
            }
            Some(b'f') => {
                self.c.literal(b"false").map_err(|_| handed_back())?;
                visitor.visit_bool(false)
            }
            Some(b'n') => {
                self.c.literal(b"null").map_err(|_| handed_back())?;
                visitor.visit_unit()
            }
            Some(b'-' | b'0'..=b'9') => {
                let text = self.c.number().map_err(|_| handed_back())?;
                by_serde_json(text, visitor)
            }
            _ => Err(handed_back()),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.c.spaces();
        if self.c.peek() == Some(b'n') {
            self.c.literal(b"null").map_err(|_| handed_back())?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        // serde_json's own raw-value types are left to it.
        if name.starts_with("$serde_json") {
            return Err(handed_back());
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.c.spaces();
        self.c.value(self.depth).map_err(|_| handed_back())?;
        visitor.visit_unit()
    }

    // Where serde_json reads differently from "any" (exact wide integers and
    // f32, raw bytes, enums), the line goes back to it.
    hand_back! {
        deserialize_enum(&'static str, &'static [&'static str]);
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_f32();
        deserialize_i128();
        deserialize_u128();
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 u8 u16 u32 u64 f64 char str string
        unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

/// The entries of an object or the elements of an array.
struct Entries<'b, 'a> {
    de: &'b mut Deserializer<'a>,
    first: bool,
}

impl<'a> Entries<'_, 'a> {
    /// Moves to the next entry: false at the closing bracket (left for the
    /// caller), else past the comma that separates entries.
    fn next(&mut self, close: u8) -> Result<bool, Error> {
        let c = &mut self.de.c;
        c.spaces();
        if c.peek() == Some(close) {
            return Ok(false);
        }
        if !std::mem::take(&mut self.first) {
            c.eat(b',').map_err(|_| handed_back())?;
            c.spaces();
        }
        Ok(true)
    }
}

impl<'de> MapAccess<'de> for Entries<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if !self.next(b'}')? {
            return Ok(None);
        }
        let c = &mut self.de.c;
        let start = c.i;
        let (raw, escaped) = c.string().map_err(|_| handed_back())?;
        let key = Key {
            raw,
            quoted: &c.b[start..c.i],
            escaped,
        };
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let c = &mut self.de.c;
        c.spaces();
        c.eat(b':').map_err(|_| handed_back())?;
        seed.deserialize(&mut *self.de)
    }
}

impl<'de> SeqAccess<'de> for Entries<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if !self.next(b']')? {
            return Ok(None);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }
}

/// An object's key: a string, read as `serde_json` reads one. Keys asked
/// for as anything but a string go back to it.
struct Key<'a> {
    raw: &'a str,
    quoted: &'a [u8],
    escaped: bool,
}

impl<'de> de::Deserializer<'de> for Key<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.escaped {
            by_serde_json(self.quoted, visitor)
        } else {
            visitor.visit_borrowed_str(self.raw)
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    hand_back! {
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(&'static str);
        deserialize_newtype_struct(&'static str);
        deserialize_seq();
        deserialize_tuple(usize);
        deserialize_tuple_struct(&'static str, usize);
        deserialize_map();
        deserialize_struct(&'static str, &'static [&'static str]);
        deserialize_enum(&'static str, &'static [&'static str]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::borrow::Cow;

    #[derive(Debug, PartialEq, Deserialize)]
    struct Details<'a> {
        #[serde(borrow)]
        route: Cow<'a, str>,
        #[serde(default)]
        n: Option<f64>,
    }

    fn read(line: &str) -> Result<Row<'_, Details<'_>>, Fallback> {
        read_row(line.as_bytes(), |_, _| true)
    }

    #[test]
    fn string_stop_finds_the_first_quote_backslash_or_control_character() {
        let alphabet = [b'a', b'"', b'\\', 0x1f, 0x7f, 0xc3, b' ', 0x00, 0x20, 0x5b];
        // Every position and neighbour pair, across word boundaries.
        for len in 0..20 {
            for at in 0..len {
                for &stop in &alphabet {
                    for &filler in &[b'a', 0x7f, 0xc3, b' '] {
                        let mut b = vec![filler; len];
                        b[at] = stop;
                        for from in 0..=len {
                            let naive = b[from..]
                                .iter()
                                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                                .map(|j| from + j);
                            assert_eq!(string_stop(&b, from), naive, "{b:?} from {from}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn reads_both_spacings_and_borrows_the_details() {
        for line in [
            r#"{"id":"r-1","ts":"2026-05-24T08:00:00.000Z","kind":"k","details":{"route":"a","n":1.5}}"#,
            r#"{"id": "r-1", "ts": "2026-05-24T08:00:00.000Z", "kind": "k", "details": {"route": "a", "n": 1.5}}  "#,
            r#"  {"kind":"k","ts":"2026-05-24T08:00:00.000Z","details":{"n":1.5,"route":"a","x":[1,{"y":null}],"z":"\"é\" \u00e9"},"after":true}"#,
        ] {
            let row = read(line).unwrap_or_else(|_| panic!("handed back: {line}"));
            assert_eq!((row.kind, row.ts), ("k", "2026-05-24T08:00:00.000Z"));
            let details = row.details.unwrap();
            assert!(matches!(details.route, Cow::Borrowed("a")), "{line}");
            assert_eq!(details.n, Some(1.5));
        }
        // Not wanted: checked, not read.
        let row: Row<Details> = read_row(
            br#"{"ts":"t","kind":"k","details":{"anything":[1,2,{"deep":"x"}]}}"#,
            |_, _| false,
        )
        .unwrap();
        assert_eq!(row.details, None);
        // An escaped value is read by serde_json: owned, unescaped.
        let row = read(r#"{"ts":"t","kind":"k","details":{"route":"a\nb"}}"#).unwrap();
        assert_eq!(row.details.unwrap().route, "a\nb");
    }

    #[test]
    fn lines_of_other_shapes_are_handed_back() {
        for line in [
            "",
            "   ",
            "[]",
            "{}",
            r#"{"ts":"t","kind":"k","details":{"route":"a"}"#,
            r#"{"ts":"t","kind":"k","details":{"route":"a"}}x"#,
            r#"{"ts":"t","kind":"k","details":{"route":"a"},}"#,
            r#"{"ts":"t","kind":"k","details":{"route":"a",}}"#,
            "{\"ts\":\"t\",\t\"kind\":\"k\",\"details\":{\"route\":\"a\"}}",
            "{\"ts\":\"t\",\"kind\":\"k\",\"details\":{\"route\":\"a\"}}\r",
            "{\"ts\":\"t\",\"kind\":\"k\",\"details\":{\"route\":\"a\u{1}\"}}",
            r#"{"ts":"t","kind":"k","details":{"route":"a"},"kind":"k"}"#,
            r#"{"ts":"t","details":{"route":"a"},"kind":"k"}"#,
            r#"{"ts":"t","kind":"k","details":{"route":"a"},"details":{"route":"a"}}"#,
            r#"{"t\u0073":"t","kind":"k","details":{"route":"a"}}"#,
            r#"{"ts":"t","kind":"\u006b","details":{"route":"a"}}"#,
            r#"{"ts":"t","kind":7,"details":{"route":"a"}}"#,
            r#"{"ts":"t","kind":"k"}"#,
            r#"{"ts":"t","kind":"k","details":{"route":1}}"#,
            r#"{"ts":"t","kind":"k","details":{"route":"a","n":1e999}}"#,
            r#"{"ts":"t","kind":"k","details":{"route":"a","n":01}}"#,
            r#"{"ts":"t","kind":"k","details":{"route":"a","n":1.}}"#,
            r#"{"ts":"t","kind":"k","details":{"route":"a","n":-}}"#,
            r#"{"ts":"t","kind":"k","details":{"route":"a","n":1e}}"#,
            r#"{"ts":"t","kind":"k","details":{"route":"a","x":tru}}"#,
            r#"{"ts":"t","kind":"k","details":{"route":"a","x":"\ud800"}}"#,
            r#"{"ts":"t","kind":"k","details":{"route":"a","x":"\q"}}"#,
            r#"{"ts":"t","kind":"k","details":{"route":"a","x":"\u12g4"}}"#,
            r#"{"ts":"t","kind":"k","details":{"route":"a","route":"b"}}"#,
        ] {
            assert_eq!(read(line).err(), Some(Fallback), "{line:?}");
        }
        let deep = format!(
            r#"{{"ts":"t","kind":"k","details":{{"route":"a","x":{}1{}}}}}"#,
            "[".repeat(70),
            "]".repeat(70)
        );
        assert_eq!(read(&deep).err(), Some(Fallback));
        assert_eq!(
            read_row::<Details>(
                b"{\"ts\":\"t\",\"kind\":\"\xff\",\"details\":{}}",
                |_, _| true
            )
            .err(),
            Some(Fallback)
        );
    }
}
