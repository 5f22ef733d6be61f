//! The writer trait every target implements, and the JSON text target.

/// A JSON target could not take a value (Suricata's builder ran out of memory, or was in
/// the wrong state). The text target never fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteError;

impl core::fmt::Display for WriteError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("JSON writer refused a value")
    }
}

impl std::error::Error for WriteError {}

/// Result of a writer call.
pub type WResult = Result<(), WriteError>;

/// The operations the event schema is written with: the subset of Suricata's
/// `SCJsonBuilder` API (open/close an object or array, set a key) plus `null`, so that
/// one `write_*` function drives every target and the objects cannot drift apart.
///
/// Keys are always ASCII identifiers chosen by this crate; values are escaped by the
/// target.
pub trait JsonWriter {
    /// Open an object under `key` in the current object.
    fn open_object(&mut self, key: &str) -> WResult;
    /// Open an object as the next element of the current array.
    fn start_object(&mut self) -> WResult;
    /// Open an array under `key` in the current object.
    fn open_array(&mut self, key: &str) -> WResult;
    /// Close the innermost open object or array.
    fn close(&mut self) -> WResult;
    /// A string value.
    fn set_str(&mut self, key: &str, value: &str) -> WResult;
    /// An unsigned number.
    fn set_uint(&mut self, key: &str, value: u64) -> WResult;
    /// A boolean.
    fn set_bool(&mut self, key: &str, value: bool) -> WResult;
    /// `null`.
    fn set_null(&mut self, key: &str) -> WResult;
    /// A string, or `null` when `value` is `None`.
    fn set_opt_str(&mut self, key: &str, value: Option<&str>) -> WResult {
        match value {
            Some(v) => self.set_str(key, v),
            None => self.set_null(key),
        }
    }
    /// A number, or `null` when `value` is `None`.
    fn set_opt_uint(&mut self, key: &str, value: Option<u64>) -> WResult {
        match value {
            Some(v) => self.set_uint(key, v),
            None => self.set_null(key),
        }
    }
}

/// Compact JSON text, byte for byte what `serde_json::to_string` prints for the same
/// object: no spaces, `"`/`\\` and control characters escaped (`\n`, `\r`, `\t`, `\b`,
/// `\f` short, the rest `\u00XX`), everything else (UTF-8) as is.
///
/// ```
/// use msstun_event::{JsonText, JsonWriter};
/// let mut w = JsonText::object();
/// w.set_str("a", "x\"\u{1}").unwrap();
/// w.open_array("b").unwrap();
/// w.start_object().unwrap();
/// w.set_uint("n", 1).unwrap();
/// w.close().unwrap();
/// w.close().unwrap();
/// w.set_null("c").unwrap();
/// assert_eq!(w.finish(), r#"{"a":"x\"\u0001","b":[{"n":1}],"c":null}"#);
/// ```
#[derive(Debug, Clone)]
pub struct JsonText {
    buf: String,
    /// Per open container: its closing byte and whether it has a member yet.
    stack: Vec<(u8, bool)>,
}

impl JsonText {
    /// Start a top-level object.
    pub fn object() -> Self {
        JsonText {
            buf: String::from("{"),
            stack: vec![(b'}', false)],
        }
    }

    /// Close what is still open and return the text.
    pub fn finish(mut self) -> String {
        while let Some((c, _)) = self.stack.pop() {
            self.buf.push(c as char);
        }
        self.buf
    }

    /// Insert raw, already valid JSON as the value of `key` (the relay's tables report,
    /// rendered by msstun-analysis).
    pub fn set_raw(&mut self, key: &str, json: &str) -> WResult {
        self.key(key);
        self.buf.push_str(json);
        Ok(())
    }

    fn sep(&mut self) {
        if let Some(top) = self.stack.last_mut() {
            if top.1 {
                self.buf.push(',');
            }
            top.1 = true;
        }
    }

    fn key(&mut self, key: &str) {
        self.sep();
        escape_into(&mut self.buf, key);
        self.buf.push(':');
    }
}

/// Append `s` as a JSON string literal, escaped as serde_json escapes.
pub fn escape_into(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

impl JsonWriter for JsonText {
    fn open_object(&mut self, key: &str) -> WResult {
        self.key(key);
        self.buf.push('{');
        self.stack.push((b'}', false));
        Ok(())
    }
    fn start_object(&mut self) -> WResult {
        self.sep();
        self.buf.push('{');
        self.stack.push((b'}', false));
        Ok(())
    }
    fn open_array(&mut self, key: &str) -> WResult {
        self.key(key);
        self.buf.push('[');
        self.stack.push((b']', false));
        Ok(())
    }
    fn close(&mut self) -> WResult {
        let (c, _) = self.stack.pop().ok_or(WriteError)?;
        self.buf.push(c as char);
        Ok(())
    }
    fn set_str(&mut self, key: &str, value: &str) -> WResult {
        self.key(key);
        escape_into(&mut self.buf, value);
        Ok(())
    }
    fn set_uint(&mut self, key: &str, value: u64) -> WResult {
        use core::fmt::Write as _;
        self.key(key);
        let _ = write!(self.buf, "{value}");
        Ok(())
    }
    fn set_bool(&mut self, key: &str, value: bool) -> WResult {
        self.key(key);
        self.buf.push_str(if value { "true" } else { "false" });
        Ok(())
    }
    fn set_null(&mut self, key: &str) -> WResult {
        self.key(key);
        self.buf.push_str("null");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_serde_json() {
        let all: String = (0u8..0x80).map(char::from).collect::<String>() + "é€😀";
        let mut w = JsonText::object();
        w.set_str("s", &all).unwrap();
        let ours = w.finish();
        let theirs = serde_json::to_string(&serde_json::json!({ "s": all })).unwrap();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn nesting_and_commas() {
        let mut w = JsonText::object();
        w.set_uint("a", 1).unwrap();
        w.open_array("x").unwrap();
        w.close().unwrap();
        w.open_object("o").unwrap();
        w.set_bool("t", true).unwrap();
        w.set_bool("f", false).unwrap();
        w.close().unwrap();
        w.open_array("y").unwrap();
        w.start_object().unwrap();
        w.close().unwrap();
        w.start_object().unwrap();
        w.set_opt_uint("n", None).unwrap();
        w.set_opt_str("s", Some("v")).unwrap();
        assert_eq!(
            w.finish(),
            r#"{"a":1,"x":[],"o":{"t":true,"f":false},"y":[{},{"n":null,"s":"v"}]}"#
        );
    }
}
