//! Conversation formatting with g4f's `format_prompt` rules: the pure core (no PyO3).
//!
//! The walk over the messages ([`format_prompt`], [`message_fields`], [`content_text`]) lives
//! here, over a [`Reader`] of message values and a [`Sink`] of output pieces; the binding
//! (`py.rs`) implements both for Python objects. The [`Prompt`] builder owns the line logic
//! (`"Role: content"` lines joined by `"\n"`, blank contents dropped, the `"\nAssistant:"`
//! tail), and the small character rules match CPython exactly ([`is_py_space`], ASCII
//! `str.capitalize`).

#[cfg(feature = "python")]
pub mod py;

use std::time::{SystemTime, UNIX_EPOCH};

use crate::errors::NativeError;

/// The tail appended to a multi-message prompt unless the caller continues the last message.
pub const ASSISTANT_TAIL: &str = "\nAssistant:";

/// Python's `str.isspace()` for one character (what `str.strip()` removes).
///
/// CPython's rule is "bidirectional class WS, B or S, or general category Zs". That is Unicode's
/// `White_Space` property plus the four ASCII information separators U+001C..U+001F, which
/// `char::is_whitespace` does not include. The set has been stable since Unicode 6.3 (when
/// U+180E left it), so every CPython this package supports agrees with it.
#[must_use]
pub const fn is_py_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1c}'..='\u{20}'
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// `not s.strip()` in Python: true when `s` is empty or only whitespace.
#[must_use]
pub fn is_blank(s: &str) -> bool {
    s.chars().all(is_py_space)
}

/// Roles dropped by `include_system=False`.
#[must_use]
pub fn is_system_role(role: &str) -> bool {
    role == "system" || role == "developer"
}

/// A growable text buffer the [`Prompt`] builder writes into.
///
/// `String` serves Rust callers and tests; the binding's sink collects Python string pieces and
/// joins them once (no UTF-8 round trip, and any Python `str`, lone surrogates included).
pub trait Sink {
    /// A string of the caller (a Python `str` in the binding).
    type Text;
    /// Appends a string of the caller.
    fn push_text(&mut self, text: Self::Text);
    /// Appends `s`.
    fn push_str(&mut self, s: &str);
    /// A position to [`Sink::truncate`] back to.
    fn mark(&self) -> usize;
    /// Drops everything written after `mark`.
    fn truncate(&mut self, mark: usize);
    /// Appends Python's `role.capitalize()` of an ASCII `role`.
    fn push_capitalized_ascii(&mut self, role: &str) {
        let mut tmp = String::with_capacity(role.len());
        push_capitalized_ascii(&mut tmp, role);
        self.push_str(&tmp);
    }
}

impl Sink for String {
    type Text = String;
    fn push_text(&mut self, text: String) {
        String::push_str(self, &text);
    }
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s);
    }
    fn mark(&self) -> usize {
        self.len()
    }
    fn truncate(&mut self, mark: usize) {
        String::truncate(self, mark);
    }
    fn push_capitalized_ascii(&mut self, role: &str) {
        push_capitalized_ascii(self, role);
    }
}

/// Appends Python's `role.capitalize()` for an ASCII `role`: first byte upper-cased, the rest
/// lower-cased. Non-ASCII roles need the full Unicode title-case tables (`'ǆ'` → `'ǅ'`,
/// `'ß'` → `'Ss'`), which the binding leaves to Python itself.
pub fn push_capitalized_ascii(out: &mut String, role: &str) {
    debug_assert!(role.is_ascii());
    let mut bytes = role.bytes();
    if let Some(first) = bytes.next() {
        out.push(char::from(first.to_ascii_uppercase()));
    }
    out.extend(bytes.map(|b| char::from(b.to_ascii_lowercase())));
}

/// Builds a multi-message prompt line by line.
///
/// Protocol: for each kept message call [`Prompt::begin_line`], write the capitalized role into
/// [`Prompt::sink`], call [`Prompt::begin_content`], write the content, then
/// [`Prompt::end_line`] with whether the content was blank (a blank line is rolled back, as g4f
/// filters `content.strip()`). [`Prompt::finish`] adds the tail.
pub struct Prompt<S> {
    sink: S,
    lines: usize,
    line_start: usize,
}

impl<S: Sink> Prompt<S> {
    /// A builder writing into `sink` (normally empty).
    pub fn new(sink: S) -> Self {
        Self {
            line_start: sink.mark(),
            sink,
            lines: 0,
        }
    }

    /// The sink, to write the role and the content of the current line.
    pub fn sink(&mut self) -> &mut S {
        &mut self.sink
    }

    /// Starts a line (the `"\n"` separator goes before every line but the first kept one).
    pub fn begin_line(&mut self) {
        self.line_start = self.sink.mark();
        if self.lines > 0 {
            self.sink.push_str("\n");
        }
    }

    /// Ends the role and starts the content.
    pub fn begin_content(&mut self) {
        self.sink.push_str(": ");
    }

    /// Ends a line; a line with `blank` content is removed again. Returns whether it was kept.
    pub fn end_line(&mut self, blank: bool) -> bool {
        if blank {
            self.sink.truncate(self.line_start);
            false
        } else {
            self.lines += 1;
            true
        }
    }

    /// Number of lines kept so far.
    pub fn lines(&self) -> usize {
        self.lines
    }

    /// Appends `"\nAssistant:"` unless `do_continue`, and returns the sink.
    pub fn finish(mut self, do_continue: bool) -> S {
        if !do_continue {
            self.sink.push_str(ASSISTANT_TAIL);
        }
        self.sink
    }
}

/// Options of `format_prompt` (g4f's keyword arguments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromptOptions {
    /// Format even a single message as `"Role: content\nAssistant:"`.
    pub add_special_tokens: bool,
    /// Leave out the `"\nAssistant:"` tail.
    pub do_continue: bool,
    /// Keep `system`/`developer` messages.
    pub include_system: bool,
}

impl Default for PromptOptions {
    fn default() -> Self {
        Self {
            add_special_tokens: false,
            do_continue: false,
            include_system: true,
        }
    }
}

/// The keys the walk reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A message's `"role"`.
    Role,
    /// A message's `"content"`.
    Content,
    /// A content part's `"type"`.
    Type,
    /// A content part's (or a dict content's) `"text"`.
    Text,
}

impl Key {
    /// The key as written in a message.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Key::Role => "role",
            Key::Content => "content",
            Key::Type => "type",
            Key::Text => "text",
        }
    }
}

/// What a value inside a message is, as g4f's `to_string` tells them apart.
pub enum Kind<T> {
    /// A string.
    Str(T),
    /// `None`/`null`.
    None,
    /// A list (of content parts): [`Reader::items`] reads it.
    List,
    /// A dict (a content or a content part).
    Dict,
    /// Anything else (written with `str(value)`).
    Other,
}

/// Reads messages for the walk: the binding implements it for Python objects.
pub trait Reader {
    /// A message, or any value inside one.
    type Value;
    /// A string value; the [`Sink`] collects them.
    type Text: Clone;
    /// The reader's own error (a Python exception), or a [`NativeError`] of the walk.
    type Error: From<NativeError>;

    /// The `role` and `content` of a message (`None` for a missing key); `Ok(None)` when the
    /// message is not a mapping at all.
    ///
    /// # Errors
    /// Whatever reading the message raised.
    #[allow(clippy::type_complexity)]
    fn fields(
        &mut self,
        message: &Self::Value,
    ) -> Result<Option<(Option<Self::Value>, Option<Self::Value>)>, Self::Error>;
    /// `value` as a string, or `value` back when it is not one.
    ///
    /// # Errors
    /// The value itself when it is not a string.
    fn take_text(&mut self, value: Self::Value) -> Result<Self::Text, Self::Value>;
    /// What `value` is.
    ///
    /// # Errors
    /// Whatever reading the value raised.
    fn kind(&mut self, value: &Self::Value) -> Result<Kind<Self::Text>, Self::Error>;
    /// The items of a value of kind [`Kind::List`].
    fn items(list: &Self::Value) -> impl Iterator<Item = Self::Value>;
    /// `dict.get(key)` of a value of kind [`Kind::Dict`].
    ///
    /// # Errors
    /// Whatever the lookup raised.
    fn get(&mut self, dict: &Self::Value, key: Key) -> Result<Option<Self::Value>, Self::Error>;
    /// `str(value)`.
    ///
    /// # Errors
    /// Whatever `str()` raised.
    fn to_text(&mut self, value: &Self::Value) -> Result<Self::Text, Self::Error>;
    /// Whether a non-string `value` equals the string `s` (the value's own equality).
    ///
    /// # Errors
    /// Whatever the comparison raised.
    fn equals(&mut self, value: &Self::Value, s: &str) -> Result<bool, Self::Error>;
    /// The text as UTF-8, if it has that form (a Python `str` with lone surrogates has not).
    fn utf8<'t>(&self, text: &'t Self::Text) -> Option<&'t str>;
    /// `not text.strip()`.
    ///
    /// # Errors
    /// Whatever reading the text raised.
    fn is_blank(&mut self, text: &Self::Text) -> Result<bool, Self::Error>;
    /// `text.capitalize()` of a role that is not ASCII (Unicode title case).
    ///
    /// # Errors
    /// Whatever capitalizing raised.
    fn capitalize(&mut self, text: &Self::Text) -> Result<Self::Text, Self::Error>;
    /// The type name of `value`, for error messages.
    fn type_name(&self, value: &Self::Value) -> String;
}

/// Where a message is, for error messages: the public function and the message index.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    /// The public function (`"format_prompt"`, `"format_conversation"`).
    pub func: &'a str,
    /// The index of the message.
    pub index: usize,
}

/// A text the walk produced: the caller's own string when it could be returned as is, else the
/// sink it was written into.
pub enum Formatted<T, S> {
    /// The caller's string, unchanged.
    Same(T),
    /// Pieces written into the sink (to be joined).
    Built(S),
}

/// The `role` and `content` of message `at.index`, checked.
///
/// # Errors
/// `WrongType` when the message is not a mapping or the role not a string, `InvalidArgument`
/// when a key is missing.
pub fn message_fields<R: Reader>(
    reader: &mut R,
    message: &R::Value,
    at: At<'_>,
) -> Result<(R::Text, R::Value), R::Error> {
    let At { func, index } = at;
    let Some((role, content)) = reader.fields(message)? else {
        return Err(NativeError::WrongType(format!(
            "{func}: messages[{index}] must be a dict with 'role' and 'content', got {}",
            reader.type_name(message)
        ))
        .into());
    };
    let missing = |key: &str| -> R::Error {
        NativeError::InvalidArgument(format!(
            "{func}: messages[{index}] has no '{key}' key; every message needs 'role' and \
             'content', e.g. {{'role': 'user', 'content': 'Hello'}}"
        ))
        .into()
    };
    let role = role.ok_or_else(|| missing("role"))?;
    let content = content.ok_or_else(|| missing("content"))?;
    match reader.take_text(role) {
        Ok(role) => Ok((role, content)),
        Err(role) => Err(NativeError::WrongType(format!(
            "{func}: messages[{index}]['role'] must be a str such as 'user', got {}",
            reader.type_name(&role)
        ))
        .into()),
    }
}

/// Appends the `"text"` of a dict (content or part); `None` or missing counts as `""`. Returns
/// whether it is blank.
fn push_dict_text<R: Reader, S: Sink<Text = R::Text>>(
    reader: &mut R,
    sink: &mut S,
    dict: &R::Value,
    location: &dyn Fn() -> String,
) -> Result<bool, R::Error> {
    let Some(text) = reader.get(dict, Key::Text)? else {
        return Ok(true);
    };
    match reader.kind(&text)? {
        Kind::None => Ok(true),
        Kind::Str(text) => {
            let blank = reader.is_blank(&text)?;
            sink.push_text(text);
            Ok(blank)
        }
        _ => Err(NativeError::WrongType(format!(
            "{}['text'] must be a str or None, got {}",
            location(),
            reader.type_name(&text)
        ))
        .into()),
    }
}

/// Whether a content part is a text part: `part.get("type", "text") == "text"`.
fn is_text_part<R: Reader>(reader: &mut R, part: &R::Value) -> Result<bool, R::Error> {
    let Some(kind) = reader.get(part, Key::Type)? else {
        return Ok(true);
    };
    match reader.kind(&kind)? {
        Kind::Str(text) => Ok(reader.utf8(&text) == Some("text")),
        _ => reader.equals(&kind, "text"),
    }
}

/// Appends g4f's `to_string(content)`; returns whether it is blank.
///
/// A string → itself; `None` → `""`; a list → the concatenated `"text"` of its parts whose
/// `"type"` is `"text"` (the default); a dict → its `"text"`; anything else → `str(content)`.
///
/// # Errors
/// `WrongType` for a part that is not a dict or a `"text"` that is neither a string nor `None`.
pub fn push_content<R: Reader, S: Sink<Text = R::Text>>(
    reader: &mut R,
    sink: &mut S,
    content: &R::Value,
    at: At<'_>,
) -> Result<bool, R::Error> {
    let kind = reader.kind(content)?;
    push_kind(reader, sink, content, kind, at)
}

/// [`push_content`] once the content's kind is known.
fn push_kind<R: Reader, S: Sink<Text = R::Text>>(
    reader: &mut R,
    sink: &mut S,
    content: &R::Value,
    kind: Kind<R::Text>,
    at: At<'_>,
) -> Result<bool, R::Error> {
    let At { func, index } = at;
    match kind {
        Kind::Str(text) => {
            let blank = reader.is_blank(&text)?;
            sink.push_text(text);
            Ok(blank)
        }
        Kind::None => Ok(true),
        Kind::List => {
            let mut blank = true;
            for (j, part) in R::items(content).enumerate() {
                let part = &part;
                let location = || format!("{func}: messages[{index}]['content'][{j}]");
                if !matches!(reader.kind(part)?, Kind::Dict) {
                    return Err(NativeError::WrongType(format!(
                        "{} must be a dict like {{'type': 'text', 'text': ...}}, got {}",
                        location(),
                        reader.type_name(part)
                    ))
                    .into());
                }
                if is_text_part(reader, part)? {
                    blank &= push_dict_text(reader, sink, part, &location)?;
                }
            }
            Ok(blank)
        }
        Kind::Dict => push_dict_text(reader, sink, content, &|| {
            format!("{func}: messages[{index}]['content']")
        }),
        Kind::Other => {
            let text = reader.to_text(content)?;
            let blank = reader.is_blank(&text)?;
            sink.push_text(text);
            Ok(blank)
        }
    }
}

/// g4f's `to_string(content)`: the string itself when it is one, else written into `sink`.
///
/// # Errors
/// As [`push_content`].
pub fn content_text<R: Reader, S: Sink<Text = R::Text>>(
    reader: &mut R,
    mut sink: S,
    content: &R::Value,
    at: At<'_>,
) -> Result<Formatted<R::Text, S>, R::Error> {
    let kind = reader.kind(content)?;
    if let Kind::Str(text) = kind {
        return Ok(Formatted::Same(text));
    }
    push_kind(reader, &mut sink, content, kind, at)?;
    Ok(Formatted::Built(sink))
}

/// g4f's `format_prompt` over `count` messages.
///
/// A single message (unless `add_special_tokens`) gives its content text. Otherwise every
/// message whose content is not blank becomes a `"Role: content"` line (role capitalized),
/// `system`/`developer` messages are dropped unless `include_system`, lines are joined by `"\n"`
/// and `"\nAssistant:"` is appended unless `do_continue`. Every message is checked, dropped
/// ones included.
///
/// # Errors
/// `InvalidArgument` for no messages or a missing key, `WrongType` as [`message_fields`] and
/// [`push_content`] say, or the reader's error.
pub fn format_prompt<R, S, I>(
    reader: &mut R,
    sink: S,
    messages: I,
    count: usize,
    options: PromptOptions,
) -> Result<Formatted<R::Text, S>, R::Error>
where
    R: Reader,
    S: Sink<Text = R::Text>,
    I: IntoIterator<Item = R::Value>,
{
    const FUNC: &str = "format_prompt";
    let mut messages = messages.into_iter();
    if count == 1 && !options.add_special_tokens {
        if let Some(message) = messages.next() {
            let at = At {
                func: FUNC,
                index: 0,
            };
            let (_, content) = message_fields(reader, &message, at)?;
            return content_text(reader, sink, &content, at);
        }
    }
    if count == 0 {
        return Err(NativeError::InvalidArgument(
            "format_prompt: messages is empty; pass at least one {'role': ..., 'content': ...} \
             dict"
                .to_owned(),
        )
        .into());
    }
    let mut prompt = Prompt::new(sink);
    for (index, message) in messages.enumerate() {
        let at = At { func: FUNC, index };
        let (role, content) = message_fields(reader, &message, at)?;
        let role_utf8 = reader.utf8(&role);
        if !options.include_system && role_utf8.is_some_and(is_system_role) {
            continue;
        }
        let kind = reader.kind(&content)?;
        if let Kind::Str(text) = &kind {
            if reader.is_blank(text)? {
                continue;
            }
        }
        prompt.begin_line();
        match role_utf8 {
            Some(ascii) if ascii.is_ascii() => prompt.sink().push_capitalized_ascii(ascii),
            _ => {
                let capitalized = reader.capitalize(&role)?;
                prompt.sink().push_text(capitalized);
            }
        }
        prompt.begin_content();
        let blank = match kind {
            // Checked above: not blank.
            Kind::Str(text) => {
                prompt.sink().push_text(text);
                false
            }
            kind => push_kind(reader, prompt.sink(), &content, kind, at)?,
        };
        prompt.end_line(blank);
    }
    Ok(Formatted::Built(prompt.finish(options.do_continue)))
}

/// `round(time.time(), 3)`: the `create_time` of `format_conversation` (0 before 1970).
#[must_use]
pub fn create_time() -> f64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    round_millis(now)
}

/// Random version 4 UUIDs, from OS random bytes fetched in batches.
pub struct Uuids {
    buf: Vec<u8>,
    pos: usize,
}

impl Uuids {
    const MAX_BATCH: usize = 64;

    /// A generator for about `expected` UUIDs (the first batch is fetched on first use).
    #[must_use]
    pub fn new(expected: usize) -> Self {
        Self {
            buf: vec![0; 16 * expected.clamp(1, Self::MAX_BATCH)],
            pos: usize::MAX,
        }
    }

    /// The next UUID as 36 lowercase hex characters with hyphens.
    ///
    /// # Errors
    /// `Os` when the operating system's random source fails.
    pub fn next_text(&mut self) -> Result<[u8; 36], NativeError> {
        if self.pos >= self.buf.len() {
            getrandom::getrandom(&mut self.buf).map_err(|err| {
                NativeError::Os(format!(
                    "format_conversation: the operating system's random source failed: {err}"
                ))
            })?;
            self.pos = 0;
        }
        let mut out = [0; 16];
        out.copy_from_slice(&self.buf[self.pos..self.pos + 16]);
        self.pos += 16;
        Ok(uuid4_text(out))
    }
}

/// Rounds a Unix timestamp to milliseconds exactly like Python's `round(t, 3)`.
///
/// Both are correctly rounded: the exact binary value is rounded to 3 decimals (ties to even)
/// and the decimal string is parsed back to the nearest double.
#[must_use]
pub fn round_millis(t: f64) -> f64 {
    if !t.is_finite() {
        return t;
    }
    format!("{t:.3}").parse().unwrap_or(t)
}

/// Writes a random (version 4, RFC 9562 variant) UUID as 36 lowercase hex characters with
/// hyphens, from 16 random bytes.
#[must_use]
pub fn uuid4_text(mut bytes: [u8; 16]) -> [u8; 36] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = [b'-'; 36];
    let mut pos = 0;
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            pos += 1;
        }
        out[pos] = HEX[usize::from(byte >> 4)];
        out[pos + 1] = HEX[usize::from(byte & 0x0f)];
        pos += 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::{json, Value};

    /// The walk's reader over JSON values (Python's dicts, lists, str and None), for tests.
    struct JsonReader;

    impl Reader for JsonReader {
        type Value = Value;
        type Text = String;
        type Error = NativeError;

        fn fields(
            &mut self,
            message: &Value,
        ) -> Result<Option<(Option<Value>, Option<Value>)>, NativeError> {
            Ok(message
                .as_object()
                .map(|m| (m.get("role").cloned(), m.get("content").cloned())))
        }
        fn take_text(&mut self, value: Value) -> Result<String, Value> {
            match value {
                Value::String(s) => Ok(s),
                other => Err(other),
            }
        }
        fn items(list: &Value) -> impl Iterator<Item = Value> {
            list.as_array().into_iter().flatten().cloned()
        }
        fn kind(&mut self, value: &Value) -> Result<Kind<String>, NativeError> {
            Ok(match value {
                Value::String(s) => Kind::Str(s.clone()),
                Value::Null => Kind::None,
                Value::Array(_) => Kind::List,
                Value::Object(_) => Kind::Dict,
                _ => Kind::Other,
            })
        }
        fn get(&mut self, dict: &Value, key: Key) -> Result<Option<Value>, NativeError> {
            Ok(dict.get(key.name()).cloned())
        }
        fn to_text(&mut self, value: &Value) -> Result<String, NativeError> {
            Ok(value.to_string())
        }
        fn equals(&mut self, value: &Value, s: &str) -> Result<bool, NativeError> {
            Ok(value.as_str() == Some(s))
        }
        fn utf8<'t>(&self, text: &'t String) -> Option<&'t str> {
            Some(text)
        }
        fn is_blank(&mut self, text: &String) -> Result<bool, NativeError> {
            Ok(is_blank(text))
        }
        fn capitalize(&mut self, text: &String) -> Result<String, NativeError> {
            let mut chars = text.chars();
            Ok(chars.next().map_or_else(String::new, |c| {
                c.to_uppercase()
                    .chain(chars.flat_map(char::to_lowercase))
                    .collect()
            }))
        }
        fn type_name(&self, value: &Value) -> String {
            match value {
                Value::Bool(_) => "bool",
                Value::Number(_) => "number",
                _ => "other",
            }
            .to_owned()
        }
    }

    fn run(messages: &Value, options: PromptOptions) -> Result<String, NativeError> {
        let items = messages.as_array().expect("a list").clone();
        let count = items.len();
        Ok(
            match format_prompt(&mut JsonReader, String::new(), items, count, options)? {
                Formatted::Same(text) | Formatted::Built(text) => text,
            },
        )
    }

    fn pairs(messages: &[(&str, &str)]) -> Value {
        messages
            .iter()
            .map(|(role, content)| json!({"role": role, "content": content}))
            .collect()
    }

    fn format_prompt_text(
        messages: &[(&str, &str)],
        options: PromptOptions,
    ) -> Result<String, NativeError> {
        run(&pairs(messages), options)
    }

    fn fmt(messages: &[(&str, &str)]) -> String {
        format_prompt_text(messages, PromptOptions::default()).unwrap()
    }

    #[test]
    fn single_message_is_returned_unchanged() {
        assert_eq!(fmt(&[("user", "  hi  ")]), "  hi  ");
        assert_eq!(fmt(&[("system", "")]), "");
        let opts = PromptOptions {
            include_system: false,
            ..PromptOptions::default()
        };
        // g4f applies include_system only to the multi-message path.
        assert_eq!(format_prompt_text(&[("system", "s")], opts).unwrap(), "s");
    }

    #[test]
    fn lines_roles_and_tail() {
        assert_eq!(
            fmt(&[
                ("system", "sys"),
                ("user", "first"),
                ("assistant", "reply"),
                ("user", "Zweite Frage"),
            ]),
            "System: sys\nUser: first\nAssistant: reply\nUser: Zweite Frage\nAssistant:"
        );
        assert_eq!(fmt(&[("uSER", "a"), ("", "b")]), "User: a\n: b\nAssistant:");
        assert_eq!(
            fmt(&[("ärger", "a"), ("x", "b")]),
            "Ärger: a\nX: b\nAssistant:"
        );
    }

    #[test]
    fn options() {
        let msgs = [("developer", "d"), ("system", "s"), ("user", "u")];
        let all = PromptOptions {
            add_special_tokens: true,
            do_continue: true,
            include_system: false,
        };
        assert_eq!(format_prompt_text(&msgs, all).unwrap(), "User: u");
        let special = PromptOptions {
            add_special_tokens: true,
            ..PromptOptions::default()
        };
        assert_eq!(
            format_prompt_text(&[("user", "u")], special).unwrap(),
            "User: u\nAssistant:"
        );
        assert!(matches!(
            format_prompt_text(&[], special),
            Err(NativeError::InvalidArgument(_))
        ));
    }

    #[test]
    fn contents_parts_and_errors() {
        let options = PromptOptions::default();
        let messages = json!([
            {"role": "user", "content": [
                {"type": "text", "text": "a"},
                {"type": "image_url", "text": "hidden"},
                {"text": "b"},
                {"type": "text", "text": null},
            ]},
            {"role": "assistant", "content": {"text": "c"}},
            {"role": "user", "content": null},
            {"role": "user", "content": 5},
        ]);
        assert_eq!(
            run(&messages, options).unwrap(),
            "User: ab\nAssistant: c\nUser: 5\nAssistant:"
        );
        let wrong = |messages: Value| match run(&messages, options) {
            Err(NativeError::WrongType(m)) => m,
            other => panic!("{other:?}"),
        };
        let m = wrong(json!([{"role": "user", "content": [5]}, {"role": "a", "content": "b"}]));
        assert!(
            m.starts_with("format_prompt: messages[0]['content'][0] must be a dict"),
            "{m}"
        );
        let m = wrong(json!([{"role": 1, "content": "x"}, {"role": "a", "content": "b"}]));
        assert!(m.contains("messages[0]['role'] must be a str"), "{m}");
        let m = wrong(json!([{"role": "a", "content": "b"}, 7]));
        assert!(m.contains("messages[1] must be a dict"), "{m}");
        let m =
            wrong(json!([{"role": "a", "content": {"text": 1}}, {"role": "a", "content": "b"}]));
        assert!(
            m.contains("messages[0]['content']['text'] must be a str or None"),
            "{m}"
        );
        let Err(NativeError::InvalidArgument(m)) = run(&json!([{"role": "a"}]), options) else {
            panic!("a missing key is an error");
        };
        assert!(m.contains("has no 'content' key"), "{m}");
    }

    #[test]
    fn blank_contents_are_skipped_with_python_whitespace() {
        assert_eq!(
            fmt(&[("user", " \t\n"), ("user", "\u{1f}\u{3000}"), ("user", "x")]),
            "User: x\nAssistant:"
        );
        assert_eq!(fmt(&[("user", ""), ("user", "")]), "\nAssistant:");
        // U+200B and U+180E are not whitespace for Python.
        assert_eq!(
            fmt(&[("a", "\u{200b}"), ("b", "\u{180e}")]),
            "A: \u{200b}\nB: \u{180e}\nAssistant:"
        );
    }

    #[test]
    fn py_space_table() {
        let spaces: Vec<u32> = (0..=0x10_ffff_u32)
            .filter_map(char::from_u32)
            .filter(|&c| is_py_space(c))
            .map(u32::from)
            .collect();
        // CPython: [c for c in range(0x110000) if chr(c).isspace()]
        let expected: Vec<u32> = (0x09..=0x0d)
            .chain(0x1c..=0x20)
            .chain([0x85, 0xa0, 0x1680])
            .chain(0x2000..=0x200a)
            .chain([0x2028, 0x2029, 0x202f, 0x205f, 0x3000])
            .collect();
        assert_eq!(spaces, expected);
        for c in ['\u{b}', '\u{c}', '\u{85}', '\u{3000}'] {
            assert!(c.is_whitespace() && is_py_space(c));
        }
        assert!(!'\u{1c}'.is_whitespace() && is_py_space('\u{1c}'));
    }

    #[test]
    fn prompt_builder_rolls_back_blank_lines() {
        let mut p = Prompt::new(String::new());
        p.begin_line();
        p.sink().push_str("User");
        p.begin_content();
        p.sink().push_str("  ");
        assert!(!p.end_line(true));
        p.begin_line();
        p.sink().push_str("Ab");
        p.begin_content();
        p.sink().push_str("xy");
        assert!(p.end_line(false));
        assert_eq!(p.lines(), 1);
        assert_eq!(p.finish(true), "Ab: xy");
    }

    #[test]
    fn capitalize_ascii() {
        let mut s = String::new();
        push_capitalized_ascii(&mut s, "aSSISTANT");
        push_capitalized_ascii(&mut s, "");
        push_capitalized_ascii(&mut s, "1ab");
        assert_eq!(s, "Assistant1ab");
    }

    #[test]
    #[allow(clippy::float_cmp)] // exact: the results must be the very doubles Python gives
    fn round_millis_matches_python_round() {
        // Values checked against CPython's round(t, 3).
        assert_eq!(round_millis(1_732_000_000.123_456), 1_732_000_000.123);
        assert_eq!(round_millis(1_732_000_000.999_9), 1_732_000_001.0);
        // Exact binary ties round to even, as in Python: round(0.0625, 3) == 0.062.
        assert_eq!(round_millis(0.0625), 0.062);
        assert_eq!(round_millis(1_700_000_000.062_5), 1_700_000_000.062);
        assert_eq!(round_millis(0.0875), 0.087);
        assert_eq!(round_millis(2.675), 2.675);
        assert!(round_millis(f64::NAN).is_nan());
    }

    #[test]
    fn uuid4_layout() {
        let text = uuid4_text([0xff; 16]);
        assert_eq!(&text, b"ffffffff-ffff-4fff-bfff-ffffffffffff");
        let text = uuid4_text([0; 16]);
        assert_eq!(&text, b"00000000-0000-4000-8000-000000000000");
        let text = uuid4_text(*b"\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef");
        assert_eq!(&text, b"01234567-89ab-4def-8123-456789abcdef");
    }
}
