//! Pure core of the `conversation` concern (no PyO3): the ChatGPT web conversation stream
//! (legacy cumulative parts and `delta_encoding` v1 patches) turned into assistant text deltas.
//!
//! What counts as answer text: `message.content.parts[0]` of a message whose author role is
//! `assistant`, recipient `all` (or absent), content type `text`, channel `final` (or absent) and
//! that is not visually hidden. System, user and tool messages, reasoning (`thoughts`,
//! `reasoning_recap`, `analysis`/`commentary` channels) and metadata are never text.
//!
//! Edits: deltas are append-only, so the decoder compares every new answer text with the text it
//! has already emitted for that message. If the new text starts with it, the new suffix is
//! emitted. Otherwise (the server took back or rewrote emitted text) nothing is emitted until a
//! later text starts with the emitted text again, and then only the new suffix is. The
//! concatenation of the deltas therefore equals the final text whenever the final text extends
//! what was emitted (taken-back tails, transient rewrites); already emitted text is never
//! repeated (unlike g4f's `str.replace`, which corrupts text whose earlier part repeats).

#[cfg(feature = "python")]
pub mod py;

mod doc;

use crate::errors::NativeError;
use crate::sse::{Event, SseDecoder};
use doc::{apply, drop_value, measure, segments, truncate_utf16_from_end, utf16_len, Applied};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// Default limit of the message documents kept for `delta_encoding` v1: 64 MiB.
pub const DEFAULT_MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

/// Default limit of the nesting depth of a v1 message document (objects and arrays within each
/// other): 128, as deep as one event's JSON may nest.
pub const DEFAULT_MAX_DEPTH: usize = 128;

/// The decoder may re-read its documents (work not proportional to the operation at hand:
/// re-checking a rewritten answer text or message id, shifting large arrays, truncating text
/// whose length is not cached) up to this many times the bytes fed, plus `WORK_SLACK` bytes.
/// Every other operation costs time proportional to its own size.
pub const WORK_FACTOR: u64 = 8;
/// See `WORK_FACTOR`: 16 MiB.
pub const WORK_SLACK: u64 = 16 * 1024 * 1024;

const TEXT_PATH: &str = "/message/content/parts/0";
const PARTS_PATH: &str = "/message/content/parts";
const ID_PATH: &str = "/message/id";
/// The fields that decide whether a message is answer text and whether it is finished.
const STATUS_PATHS: [&str; 8] = [
    ID_PATH,
    "/message/author/role",
    "/message/recipient",
    "/message/channel",
    "/message/content/content_type",
    "/message/metadata/is_visually_hidden_from_conversation",
    "/message/end_turn",
    "/message/status",
];
// Counted per channel on top of its document so that many tiny documents stay bounded too.
const CHANNEL_OVERHEAD: usize = 64;
const SNIPPET_CHARS: usize = 120;

/// The text deltas of one `feed`/`flush` call, stored in one buffer (one allocation, not one
/// per delta).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Deltas {
    coalesce: bool,
    buf: String,
    ends: Vec<usize>,
}

impl Deltas {
    /// No deltas yet; `coalesce` joins the deltas pushed into one.
    #[must_use]
    pub fn new(coalesce: bool) -> Self {
        Self {
            coalesce,
            ..Self::default()
        }
    }

    fn push(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        self.buf.push_str(s);
        match self.ends.last_mut() {
            Some(end) if self.coalesce => *end = self.buf.len(),
            _ => self.ends.push(self.buf.len()),
        }
    }

    /// The number of deltas.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there is no delta.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The deltas in order.
    #[must_use]
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.ends.len()).map(move |i| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            &self.buf[start..self.ends[i]]
        })
    }

    /// The deltas as owned strings.
    #[must_use]
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }
}

type Out = Deltas;

/// One `delta_encoding` v1 document (the message most recently added on a channel) and what is
/// known about its answer text `T` and the text `E` already emitted for it.
struct Channel {
    c: i64,
    doc: Value,
    bytes: usize,
    answer: bool,
    // The message id (shared with `State::message_id`, so that switching is O(1)).
    id: Option<Arc<str>>,
    // UTF-16 length of `T`, when known.
    units: Option<usize>,
    // Bytes of `E`.
    emitted_len: usize,
    // `E` kept apart once `T` was changed other than by appending (then kept for the life of the
    // document, so that a later change does not copy it again). `None`: `E` is `T[..emitted_len]`.
    emitted: Option<String>,
    // Bytes of the common prefix of `T` and `E` (`emitted_len` while `emitted` is `None`).
    common: usize,
}

impl Channel {
    fn new(c: i64, doc: Value, bytes: usize) -> Self {
        Self {
            c,
            doc,
            bytes,
            answer: false,
            id: None,
            units: None,
            emitted_len: 0,
            emitted: None,
            common: 0,
        }
    }

    /// Keeps `E` apart before `T` changes other than by appending (once per document).
    fn detach_emitted(&mut self) {
        if self.emitted.is_none() && self.emitted_len > 0 {
            let t = doc_text(&self.doc).unwrap_or_default();
            self.emitted = Some(t.get(..self.emitted_len).unwrap_or(t).to_owned());
        }
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        // A document may nest deeply: never drop it recursively.
        drop_value(std::mem::take(&mut self.doc));
    }
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the document: it may be large and deep.
        f.debug_struct("Channel")
            .field("bytes", &self.bytes)
            .field("answer", &self.answer)
            .field("emitted_len", &self.emitted_len)
            .finish_non_exhaustive()
    }
}

/// Everything but the SSE layer.
#[derive(Debug, Default)]
struct State {
    max_document_bytes: usize,
    max_depth: usize,
    total_bytes: usize,
    fed: u64,
    work: u64,
    sticky_c: i64,
    sticky_p: String,
    sticky_o: String,
    channels: Vec<Channel>,
    channel_index: HashMap<i64, usize>,
    legacy_id: Option<Arc<str>>,
    legacy_emitted: String,
    conversation_id: Option<String>,
    message_id: Option<Arc<str>>,
    title: Option<String>,
    finished: bool,
    error: Option<String>,
    delta_encoding: Option<String>,
    failed: Option<String>,
}

fn snippet(s: &str) -> String {
    let mut out: String = s.chars().take(SNIPPET_CHARS).collect();
    if out.len() < s.len() {
        out.push_str("...");
    }
    out
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object()?.get(key)
}

fn get_str<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    get(v, key)?.as_str()
}

/// Whether `msg` (a `message` object) is visible assistant answer text.
fn is_answer_message(msg: &Value) -> bool {
    let Some(m) = msg.as_object() else {
        return false;
    };
    let null_or = |k: &str, want: &str| match m.get(k) {
        None | Some(Value::Null) => true,
        Some(v) => v.as_str() == Some(want),
    };
    m.get("author").and_then(|a| get_str(a, "role")) == Some("assistant")
        && null_or("recipient", "all")
        && null_or("channel", "final")
        && m.get("content").and_then(|c| get_str(c, "content_type")) == Some("text")
        && m.get("metadata")
            .and_then(|md| get(md, "is_visually_hidden_from_conversation"))
            .and_then(Value::as_bool)
            != Some(true)
}

/// Whether an answer message reports that its turn is complete.
fn message_finished(msg: &Value) -> bool {
    let end_turn = get(msg, "end_turn").and_then(Value::as_bool);
    end_turn == Some(true)
        || (get_str(msg, "status") == Some("finished_successfully") && end_turn != Some(false))
}

fn message_text(msg: &Value) -> Option<&str> {
    get(get(msg, "content")?, "parts")?.get(0)?.as_str()
}

fn doc_text(doc: &Value) -> Option<&str> {
    message_text(get(doc, "message")?)
}

/// The answer text of a v1 document, for changing it in place.
fn text_mut(doc: &mut Value) -> Option<&mut String> {
    match doc
        .get_mut("message")?
        .get_mut("content")?
        .get_mut("parts")?
        .get_mut(0)?
    {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// Bytes of the longest common prefix of `a` and `b`, on a character boundary.
fn common_prefix(a: &str, b: &str) -> usize {
    let mut n = a
        .as_bytes()
        .iter()
        .zip(b.as_bytes())
        .take_while(|(x, y)| x == y)
        .count();
    while !a.is_char_boundary(n) {
        n -= 1;
    }
    n
}

/// The text of event data that is exactly `{"v":"<JSON string>"}` (compact, as the server
/// sends it), or `None` for anything else (which then takes the general path).
fn bare_text(data: &str) -> Option<Cow<'_, str>> {
    let quoted = data.strip_prefix("{\"v\":")?.strip_suffix('}')?;
    let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
    if inner.bytes().all(|b| b != b'"' && b != b'\\' && b >= 0x20) {
        return Some(Cow::Borrowed(inner));
    }
    // Escapes: serde_json decodes them, and refuses anything that is not exactly one string.
    serde_json::from_str::<String>(quoted).ok().map(Cow::Owned)
}

/// Whether JSON pointer `a` is `b` or one of its ancestors.
fn is_prefix(a: &str, b: &str) -> bool {
    b.starts_with(a) && (a.len() == b.len() || b.as_bytes()[a.len()] == b'/')
}

/// Whether an operation at `path` can change the value at `field` (it replaces the field, one
/// of its ancestors, or something inside it).
fn related(path: &str, field: &str) -> bool {
    is_prefix(path, field) || is_prefix(field, path)
}

/// Whether an operation at `path` can change the answer text (its value or which value it is).
fn touches_text(path: &str) -> bool {
    is_prefix(path, TEXT_PATH)
        || path
            .strip_prefix(PARTS_PATH)
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|last| !last.contains('/'))
}

fn error_text(err: &Value) -> String {
    match err {
        Value::String(s) => s.clone(),
        Value::Object(m) => match m.get("message").and_then(Value::as_str) {
            Some(s) => s.to_owned(),
            None => err.to_string(),
        },
        other => other.to_string(),
    }
}

fn same_id(a: Option<&Arc<str>>, b: &Arc<str>) -> bool {
    a.is_some_and(|a| Arc::ptr_eq(a, b))
}

impl State {
    fn set_error(&mut self, msg: String) {
        // The first problem is kept: it is usually the cause of what follows.
        if self.error.is_none() {
            self.error = Some(msg);
        }
    }

    fn on_event(&mut self, ev: Event<'_>, out: &mut Out) -> Result<(), NativeError> {
        let data = ev.data.trim_matches([' ', '\t', '\n', '\r']);
        if ev.event == "delta_encoding" {
            match serde_json::from_str::<Value>(data) {
                Ok(Value::String(enc)) if enc == "v1" => self.delta_encoding = Some(enc),
                _ => self.set_error(format!(
                    "unsupported delta encoding {}; only \"v1\" is understood",
                    snippet(data)
                )),
            }
            return Ok(());
        }
        if data == "[DONE]" {
            self.finished = true;
            return Ok(());
        }
        if data.is_empty() {
            return Ok(());
        }
        if let Some(text) = bare_text(data) {
            return self.on_bare_text(text, out);
        }
        let mut obj = match serde_json::from_str::<Value>(data) {
            Ok(Value::Object(obj)) => obj,
            Ok(_) => return Ok(()),
            Err(e) => {
                self.set_error(format!("event data is not JSON ({e}): {}", snippet(data)));
                return Ok(());
            }
        };
        if let Some(Value::String(cid)) = obj.get("conversation_id") {
            if self.conversation_id.as_deref() != Some(cid) {
                self.conversation_id = Some(cid.clone());
            }
        }
        if let Some(err) = obj.get("error") {
            if !err.is_null() {
                let text = error_text(err);
                self.set_error(text);
            }
        }
        if let Some(Value::String(kind)) = obj.get("type") {
            match kind.as_str() {
                "title_generation" => {
                    if let Some(Value::String(t)) = obj.remove("title") {
                        self.title = Some(t);
                    }
                }
                "message_stream_complete" => self.finished = true,
                _ => {}
            }
            return Ok(());
        }
        if obj.contains_key("v") || obj.contains_key("o") || obj.contains_key("p") {
            return self.on_delta(obj, out);
        }
        if let Some(msg) = obj.remove("message") {
            self.on_legacy(&msg, out);
        }
        Ok(())
    }

    fn on_legacy(&mut self, msg: &Value, out: &mut Out) {
        if !is_answer_message(msg) {
            return;
        }
        // Everything compared here comes from this event: the cost is the event's size.
        let id = get_str(msg, "id");
        if self.legacy_id.as_deref() != id {
            self.legacy_id = id.map(Arc::from);
            self.legacy_emitted.clear();
        }
        if id.is_some() {
            self.message_id.clone_from(&self.legacy_id);
        }
        if let Some(text) = message_text(msg) {
            if let Some(suffix) = text.strip_prefix(self.legacy_emitted.as_str()) {
                out.push(suffix);
                self.legacy_emitted.push_str(suffix);
            }
        }
        if message_finished(msg) {
            self.finished = true;
        }
    }

    fn on_delta(&mut self, mut obj: Map<String, Value>, out: &mut Out) -> Result<(), NativeError> {
        if let Some(c) = obj.get("c").and_then(Value::as_i64) {
            self.sticky_c = c;
        }
        if let Some(Value::String(p)) = obj.remove("p") {
            self.sticky_p = p;
        }
        if let Some(Value::String(o)) = obj.remove("o") {
            self.sticky_o = o;
        }
        let Some(v) = obj.remove("v") else {
            return Ok(());
        };
        self.on_sticky_op(v, out)
    }

    /// Applies `v` at the sticky channel, path and op (carried over from earlier deltas).
    fn on_sticky_op(&mut self, v: Value, out: &mut Out) -> Result<(), NativeError> {
        let (c, p, o) = (
            self.sticky_c,
            std::mem::take(&mut self.sticky_p),
            std::mem::take(&mut self.sticky_o),
        );
        let res = self.on_op(c, &p, &o, v, out);
        self.sticky_p = p;
        self.sticky_o = o;
        res
    }

    /// Drops the documents (memory stays bounded) and leaves the decoder failed with `msg`.
    fn fail(&mut self, msg: String) -> NativeError {
        self.channels = Vec::new();
        self.channel_index = HashMap::new();
        self.failed = Some(msg.clone());
        NativeError::StreamDecode(msg)
    }

    fn channel(&self, c: i64) -> Option<usize> {
        // The current channel is almost always the last one added: no hashing for it.
        match self.channels.last() {
            Some(last) if last.c == c => Some(self.channels.len() - 1),
            _ => self.channel_index.get(&c).copied(),
        }
    }

    fn check_limits(&mut self) -> Result<(), NativeError> {
        if self.total_bytes > self.max_document_bytes {
            let msg = format!(
                "conversation documents grew to {} bytes or more, over the limit of {} bytes; \
                 raise max_document_bytes if such long answers are expected",
                self.total_bytes, self.max_document_bytes
            );
            return Err(self.fail(msg));
        }
        if self.work
            > WORK_FACTOR
                .saturating_mul(self.fed)
                .saturating_add(WORK_SLACK)
        {
            let msg = format!(
                "the conversation stream made the decoder re-read {} bytes of its documents for \
                 {} bytes received (more than {WORK_FACTOR} times as much); the stream is not a \
                 plausible answer",
                self.work, self.fed
            );
            return Err(self.fail(msg));
        }
        Ok(())
    }

    fn check_depth(&mut self, depth: usize) -> Result<(), NativeError> {
        if depth > self.max_depth {
            let msg = format!(
                "a conversation document would nest {depth} levels deep, over the limit of {} \
                 levels; raise max_depth if such documents are expected",
                self.max_depth
            );
            return Err(self.fail(msg));
        }
        Ok(())
    }

    fn on_op(
        &mut self,
        c: i64,
        path: &str,
        op: &str,
        v: Value,
        out: &mut Out,
    ) -> Result<(), NativeError> {
        if op == "patch" {
            // Sub-operations carry their own path and op: nothing is carried forward inside.
            // (Nested patches recurse at most as deep as one event's JSON nests: 128 levels.)
            if let Value::Array(items) = v {
                for item in items {
                    if let Value::Object(mut m) = item {
                        let sub_p = match m.remove("p") {
                            Some(Value::String(s)) => s,
                            _ => String::new(),
                        };
                        let Some(Value::String(sub_o)) = m.remove("o") else {
                            continue;
                        };
                        let sub_v = m.remove("v").unwrap_or(Value::Null);
                        self.on_op(c, &sub_p, &sub_o, sub_v, out)?;
                    }
                }
            }
            return Ok(());
        }
        if path.is_empty() && (op == "add" || op == "replace") {
            return self.add_document(c, v, out);
        }
        let Some(i) = self.channel(c) else {
            return Ok(());
        };
        if path == TEXT_PATH {
            if let ("append", Value::String(s)) = (op, &v) {
                if self.append_text(i, s, out) {
                    return self.check_limits();
                }
            } else if op == "truncate" {
                if let Some(done) = self.truncate_text(i, &v, out) {
                    return done;
                }
            }
        }
        self.general_op(i, path, op, v, out)
    }

    /// Any operation on a document: applied at its pointer, then what it may have changed is
    /// re-read.
    fn general_op(
        &mut self,
        i: usize,
        path: &str,
        op: &str,
        v: Value,
        out: &mut Out,
    ) -> Result<(), NativeError> {
        let (size, depth) = measure(&v);
        let text = touches_text(path);
        let ch = &mut self.channels[i];
        if text {
            ch.detach_emitted();
        }
        let applied = apply(&mut ch.doc, path, op, v, &mut self.work);
        match applied {
            Applied::No | Applied::Shrunk => {}
            Applied::Grew => {
                ch.bytes += size;
                self.total_bytes += size;
                let at = segments(path) + depth + usize::from(op == "append");
                self.check_depth(at)?;
            }
        }
        if applied == Applied::No {
            // Nothing changed; the channel is still the one the message id follows.
            self.emit(i, out);
            return Ok(());
        }
        if text {
            let ch = &mut self.channels[i];
            ch.units = None;
            ch.common = match (&ch.emitted, doc_text(&ch.doc)) {
                (Some(e), Some(t)) => common_prefix(t, e),
                _ => 0,
            };
            self.work += ch.common as u64;
        }
        self.after_change(i, Some(path), out);
        self.check_limits()
    }

    /// Text appended to the answer text: O(size of the text). `false` when the answer text is
    /// not a string (the general path handles it).
    fn append_text(&mut self, i: usize, s: &str, out: &mut Out) -> bool {
        let ch = &mut self.channels[i];
        let Some(text) = text_mut(&mut ch.doc) else {
            return false;
        };
        let old = text.len();
        text.push_str(s);
        ch.bytes += s.len();
        self.total_bytes += s.len();
        if let Some(units) = &mut ch.units {
            *units += utf16_len(s);
        }
        if ch.answer && ch.emitted.is_none() && ch.emitted_len == old {
            // In step (the common case): the appended text is the delta.
            out.push(s);
            ch.emitted_len = old + s.len();
            ch.common = ch.emitted_len;
            if let Some(id) = &ch.id {
                if !same_id(self.message_id.as_ref(), id) {
                    self.message_id = Some(Arc::clone(id));
                }
            }
            return true;
        }
        if let Some(e) = &ch.emitted {
            if ch.common == old {
                ch.common += e.get(old..).map_or(0, |rest| common_prefix(s, rest));
            }
        }
        self.emit(i, out);
        true
    }

    /// The answer text truncated to `v` UTF-16 units: O(removed text) once its length is known.
    /// `None` when the general path must handle it.
    fn truncate_text(
        &mut self,
        i: usize,
        v: &Value,
        out: &mut Out,
    ) -> Option<Result<(), NativeError>> {
        let n = v.as_u64().and_then(|n| usize::try_from(n).ok())?;
        let ch = &mut self.channels[i];
        let len = text_mut(&mut ch.doc)?.len();
        // UTF-16 units never exceed UTF-8 bytes: a cut at or past the byte length is a no-op.
        if n < len {
            let units = match ch.units {
                Some(units) => units,
                None => {
                    let t = doc_text(&ch.doc).unwrap_or_default();
                    self.work += t.len() as u64;
                    utf16_len(t)
                }
            };
            ch.units = Some(units);
            if n < units {
                ch.detach_emitted();
                let text = text_mut(&mut ch.doc)?;
                ch.units = Some(truncate_utf16_from_end(text, units, n));
                ch.common = ch.common.min(text.len());
            }
        }
        self.emit(i, out);
        Some(self.check_limits())
    }

    /// A bare `{"v": "<text>"}` delta (most of a v1 stream), without building a JSON tree.
    fn on_bare_text(&mut self, s: Cow<'_, str>, out: &mut Out) -> Result<(), NativeError> {
        if self.sticky_o == "append" && self.sticky_p == TEXT_PATH {
            if let Some(i) = self.channel(self.sticky_c) {
                if self.append_text(i, &s, out) {
                    return self.check_limits();
                }
            }
        }
        self.on_sticky_op(Value::String(s.into_owned()), out)
    }

    fn add_document(&mut self, c: i64, v: Value, out: &mut Out) -> Result<(), NativeError> {
        let (size, depth) = measure(&v);
        let size = size + CHANNEL_OVERHEAD;
        if let Some(Value::String(cid)) = get(&v, "conversation_id") {
            if self.conversation_id.as_deref() != Some(cid) {
                self.conversation_id = Some(cid.clone());
            }
        }
        let i = if let Some(&i) = self.channel_index.get(&c) {
            self.total_bytes -= self.channels[i].bytes;
            // The old document is dropped here, without recursion.
            self.channels[i] = Channel::new(c, v, size);
            i
        } else {
            self.channels.push(Channel::new(c, v, size));
            self.channel_index.insert(c, self.channels.len() - 1);
            self.channels.len() - 1
        };
        self.total_bytes += size;
        self.check_depth(depth)?;
        self.after_change(i, None, out);
        self.check_limits()
    }

    /// Re-reads what an operation at `path` (`None`: anywhere) may have changed in a channel's
    /// document: answer status, completion, message id; then emits new answer text.
    fn after_change(&mut self, i: usize, path: Option<&str>, out: &mut Out) {
        let ch = &mut self.channels[i];
        if path.is_none_or(|p| STATUS_PATHS.iter().any(|f| related(p, f))) {
            let msg = get(&ch.doc, "message");
            ch.answer = msg.is_some_and(is_answer_message);
            if ch.answer && msg.is_some_and(message_finished) {
                self.finished = true;
            }
            if path.is_none_or(|p| related(p, ID_PATH)) {
                let id = msg.and_then(|m| get_str(m, "id"));
                self.work += id.map_or(0, str::len) as u64;
                if ch.id.as_deref() != id {
                    ch.id = id.map(Arc::from);
                }
            }
        }
        self.emit(i, out);
    }

    /// Emits the answer text of channel `i` that extends what was emitted, if any.
    fn emit(&mut self, i: usize, out: &mut Out) {
        let ch = &mut self.channels[i];
        if !ch.answer {
            return;
        }
        if let Some(id) = &ch.id {
            if !same_id(self.message_id.as_ref(), id) {
                self.message_id = Some(Arc::clone(id));
            }
        }
        if ch.common != ch.emitted_len {
            return;
        }
        let Some(text) = doc_text(&ch.doc) else {
            return;
        };
        if let Some(suffix) = text.get(ch.emitted_len..) {
            if !suffix.is_empty() {
                out.push(suffix);
                if let Some(e) = &mut ch.emitted {
                    e.push_str(suffix);
                }
                ch.emitted_len = text.len();
                ch.common = text.len();
            }
        }
    }
}

/// The ChatGPT conversation stream decoder: raw response bytes in, assistant text deltas out.
#[derive(Debug)]
pub struct ConversationDecoder {
    sse: SseDecoder,
    state: State,
    coalesce: bool,
}

impl ConversationDecoder {
    /// A decoder with explicit limits: `max_event_bytes` for one SSE line or event,
    /// `max_document_bytes` for the v1 message documents kept, `max_depth` for their nesting;
    /// `coalesce` joins the deltas of one `feed` call into one string.
    #[must_use]
    pub fn new(
        max_event_bytes: usize,
        max_document_bytes: usize,
        max_depth: usize,
        coalesce: bool,
    ) -> Self {
        Self {
            sse: SseDecoder::new(max_event_bytes),
            state: State {
                max_document_bytes,
                max_depth,
                ..State::default()
            },
            coalesce,
        }
    }

    /// Feeds raw response bytes and returns the text deltas they complete.
    ///
    /// # Errors
    /// `StreamDecode` when a line, an event or the documents exceed their limits.
    pub fn feed(&mut self, data: &[u8]) -> Result<Deltas, NativeError> {
        let mut out = Deltas::new(self.coalesce);
        self.feed_into(data, &mut out)?;
        Ok(out)
    }

    /// Like `feed`, adding the deltas to `out`.
    ///
    /// # Errors
    /// As `feed`.
    pub fn feed_into(&mut self, data: &[u8], out: &mut Deltas) -> Result<(), NativeError> {
        if let Some(m) = &self.state.failed {
            return Err(NativeError::StreamDecode(format!(
                "the decoder failed earlier and cannot continue: {m}"
            )));
        }
        let state = &mut self.state;
        state.fed += data.len() as u64;
        self.sse.feed(data, |ev| state.on_event(ev, out))
    }

    /// Ends the stream (an unterminated final event is discarded, as in SSE).
    ///
    /// # Errors
    /// `StreamDecode` if the decoder failed earlier.
    pub fn flush(&mut self) -> Result<Deltas, NativeError> {
        self.sse.flush()?;
        Ok(Deltas::default())
    }

    /// The conversation id, once seen.
    #[must_use]
    pub fn conversation_id(&self) -> Option<&str> {
        self.state.conversation_id.as_deref()
    }

    /// The id of the latest assistant answer message, once seen.
    #[must_use]
    pub fn message_id(&self) -> Option<&str> {
        self.state.message_id.as_deref()
    }

    /// The generated conversation title, once seen.
    #[must_use]
    pub fn title(&self) -> Option<&str> {
        self.state.title.as_deref()
    }

    /// Whether the stream reported completion.
    #[must_use]
    pub fn finished(&self) -> bool {
        self.state.finished
    }

    /// The first error the stream reported (an error event or undecodable event data).
    #[must_use]
    pub fn error(&self) -> Option<&str> {
        self.state.error.as_deref()
    }

    /// The delta encoding the stream declared (`"v1"`), if any.
    #[must_use]
    pub fn delta_encoding(&self) -> Option<&str> {
        self.state.delta_encoding.as_deref()
    }

    /// The bytes held: the unfinished SSE line and event, and the v1 message documents (counted
    /// as for `max_document_bytes`). One small chunk can cost time in proportion to them (an
    /// event completed, a document re-read), not only to its own size.
    #[must_use]
    pub fn held_bytes(&self) -> usize {
        self.sse.held_bytes() + self.state.total_bytes
    }

    /// The limits: `(max_event_bytes, max_document_bytes, max_depth)`.
    #[must_use]
    pub fn limits(&self) -> (usize, usize, usize) {
        (
            self.sse.max_event_bytes(),
            self.state.max_document_bytes,
            self.state.max_depth,
        )
    }

    /// Whether deltas of one call are joined.
    #[must_use]
    pub fn coalesce(&self) -> bool {
        self.coalesce
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[&[u8]]) -> (Vec<String>, ConversationDecoder) {
        let mut d = ConversationDecoder::new(1 << 20, 1 << 20, DEFAULT_MAX_DEPTH, false);
        let mut out = Vec::new();
        for c in chunks {
            out.extend(d.feed(c).unwrap().to_vec());
        }
        out.extend(d.flush().unwrap().to_vec());
        (out, d)
    }

    const V1: &str = concat!(
        "event: delta_encoding\ndata: \"v1\"\n\n",
        "event: delta\ndata: {\"p\":\"\",\"o\":\"add\",\"v\":{\"message\":{\"id\":\"s\",\"author\":{\"role\":\"system\"},",
        "\"content\":{\"content_type\":\"text\",\"parts\":[\"hidden\"]},\"recipient\":\"all\"},\"conversation_id\":\"cv\"},\"c\":0}\n\n",
        "event: delta\ndata: {\"v\":{\"message\":{\"id\":\"m\",\"author\":{\"role\":\"assistant\"},",
        "\"content\":{\"content_type\":\"text\",\"parts\":[\"\"]},\"status\":\"in_progress\",\"recipient\":\"all\",\"channel\":\"final\"}},\"c\":1}\n\n",
        "event: delta\ndata: {\"p\":\"/message/content/parts/0\",\"o\":\"append\",\"v\":\"Hel\"}   \n\n",
        "event: delta\ndata: {\"v\":\"lo \\u00e9\"}\r\n\r\n",
        "data: {\"p\":\"\",\"o\":\"patch\",\"v\":[{\"p\":\"/message/content/parts/0\",\"o\":\"append\",\"v\":\"!\"},",
        "{\"p\":\"/message/status\",\"o\":\"replace\",\"v\":\"finished_successfully\"},{\"p\":\"/message/end_turn\",\"o\":\"replace\",\"v\":true}]}\n\n",
        "data: {\"type\":\"title_generation\",\"title\":\"T\",\"conversation_id\":\"cv\"}\n\n",
    );

    #[test]
    fn v1_stream() {
        let (out, d) = run(&[V1.as_bytes()]);
        assert_eq!(out.concat(), "Hello \u{e9}!");
        assert_eq!(d.conversation_id(), Some("cv"));
        assert_eq!(d.message_id(), Some("m"));
        assert_eq!(d.title(), Some("T"));
        assert!(d.finished());
        assert_eq!(d.error(), None);
        let bytes = V1.as_bytes();
        let pieces: Vec<&[u8]> = bytes.chunks(3).collect();
        assert_eq!(run(&pieces).0.concat(), "Hello \u{e9}!");
    }

    #[test]
    fn legacy_edits_and_repeats() {
        let frame = |t: &str| {
            format!(
                "data: {{\"message\":{{\"id\":\"a\",\"author\":{{\"role\":\"assistant\"}},\"content\":{{\"content_type\":\"text\",\"parts\":[{}]}},\"recipient\":\"all\"}}}}\n\n",
                Value::String(t.into())
            )
        };
        let s: String = ["ab", "abab", "ababa", "aba", "ababab!"]
            .iter()
            .map(|t| frame(t))
            .collect();
        let (out, _) = run(&[s.as_bytes()]);
        assert_eq!(out, vec!["ab", "ab", "a", "b!"]);
    }

    #[test]
    fn errors_are_reported() {
        let (_, d) = run(&[b"data: {oops\n\ndata: {\"error\":\"late\"}\n\n"]);
        assert!(d.error().unwrap().starts_with("event data is not JSON"));
        let (_, d) = run(&[b"data: {\"error\":{\"message\":\"boom\"}}\n\n"]);
        assert_eq!(d.error(), Some("boom"));
    }

    #[test]
    fn document_limit() {
        let mut d = ConversationDecoder::new(1 << 20, 200, DEFAULT_MAX_DEPTH, false);
        let add = "data: {\"p\":\"\",\"o\":\"add\",\"v\":{\"message\":{}},\"c\":0}\n\n";
        d.feed(add.as_bytes()).unwrap();
        let app = "data: {\"p\":\"/message/x\",\"o\":\"append\",\"v\":\"0123456789\"}\n\n";
        let mut failed = false;
        for _ in 0..30 {
            if d.feed(app.as_bytes()).is_err() {
                failed = true;
                break;
            }
        }
        assert!(failed);
    }
}
