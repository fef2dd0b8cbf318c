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

use crate::errors::NativeError;
use crate::sse::{Event, SseDecoder};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Default limit of the message documents kept for `delta_encoding` v1: 64 MiB.
pub const DEFAULT_MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

const TEXT_PATH: &str = "/message/content/parts/0";
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

/// One `delta_encoding` v1 document (the message most recently added on a channel).
#[derive(Debug)]
struct Channel {
    c: i64,
    doc: Value,
    bytes: usize,
    answer: bool,
    // The answer message's id, cached for the fast path.
    id: Option<String>,
    emitted_len: usize,
    // The emitted text while the document's text no longer starts with it (an edit).
    held: Option<String>,
}

/// Everything but the SSE layer.
#[derive(Debug, Default)]
struct State {
    max_document_bytes: usize,
    total_bytes: usize,
    sticky_c: i64,
    sticky_p: String,
    sticky_o: String,
    channels: Vec<Channel>,
    legacy_id: Option<String>,
    legacy_emitted: String,
    conversation_id: Option<String>,
    message_id: Option<String>,
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

/// An upper bound of the memory a JSON value adds to a document, in bytes of JSON text.
fn approx_size(v: &Value) -> usize {
    match v {
        Value::Null | Value::Bool(_) => 5,
        Value::Number(_) => 24,
        Value::String(s) => s.len() + 2,
        Value::Array(a) => a.iter().map(approx_size).sum::<usize>() + a.len() + 2,
        Value::Object(m) => {
            m.iter()
                .map(|(k, v)| k.len() + 3 + approx_size(v))
                .sum::<usize>()
                + 2
        }
    }
}

/// Truncates a string to `n` UTF-16 code units (JavaScript string length, as the web client
/// counts), never splitting a character.
fn truncate_utf16(s: &mut String, n: usize) {
    let mut units = 0;
    for (i, ch) in s.char_indices() {
        units += ch.len_utf16();
        if units > n {
            s.truncate(i);
            return;
        }
    }
}

fn append_into(target: &mut Value, v: Value) -> bool {
    match (target, v) {
        (Value::String(t), Value::String(s)) => t.push_str(&s),
        (Value::Array(t), Value::Array(a)) => t.extend(a),
        (Value::Array(t), x) => t.push(x),
        (Value::Object(t), Value::Object(m)) => t.extend(m),
        (t @ Value::Null, x) => *t = x,
        _ => return false,
    }
    true
}

fn truncate_value(target: &mut Value, v: &Value) -> bool {
    let Some(n) = v.as_u64().and_then(|n| usize::try_from(n).ok()) else {
        return false;
    };
    match target {
        Value::String(s) => truncate_utf16(s, n),
        Value::Array(a) => a.truncate(n),
        _ => return false,
    }
    true
}

fn unescape_segment(seg: &str) -> String {
    if seg.contains('~') {
        seg.replace("~1", "/").replace("~0", "~")
    } else {
        seg.to_owned()
    }
}

/// Applies one operation at a JSON pointer. Operations that do not fit the document (missing
/// parent, wrong types, unknown op) are skipped, as a tolerant client would.
fn apply(doc: &mut Value, path: &str, op: &str, v: Value) -> bool {
    if path.is_empty() {
        return match op {
            "add" | "replace" => {
                *doc = v;
                true
            }
            "remove" => {
                *doc = Value::Null;
                true
            }
            "append" => append_into(doc, v),
            "truncate" => truncate_value(doc, &v),
            _ => false,
        };
    }
    let Some(cut) = path.rfind('/') else {
        return false;
    };
    let (parent_path, last) = (&path[..cut], &path[cut + 1..]);
    let Some(parent) = doc.pointer_mut(parent_path) else {
        return false;
    };
    match parent {
        Value::Object(m) => apply_in_object(m, &unescape_segment(last), op, v),
        Value::Array(a) => {
            let idx = if last == "-" {
                a.len()
            } else {
                // As in `Value::pointer_mut`: no sign, no leading zero.
                if last.starts_with('+') || (last.starts_with('0') && last.len() != 1) {
                    return false;
                }
                match last.parse::<usize>() {
                    Ok(i) => i,
                    Err(_) => return false,
                }
            };
            apply_in_array(a, idx, op, v)
        }
        _ => false,
    }
}

fn apply_in_object(m: &mut Map<String, Value>, key: &str, op: &str, v: Value) -> bool {
    match op {
        "add" | "replace" => {
            m.insert(key.to_owned(), v);
            true
        }
        "remove" => m.remove(key).is_some(),
        "append" => match m.get_mut(key) {
            Some(t) => append_into(t, v),
            None => {
                m.insert(key.to_owned(), v);
                true
            }
        },
        "truncate" => m.get_mut(key).is_some_and(|t| truncate_value(t, &v)),
        _ => false,
    }
}

fn apply_in_array(a: &mut Vec<Value>, idx: usize, op: &str, v: Value) -> bool {
    let len = a.len();
    match op {
        "add" if idx <= len => a.insert(idx, v),
        "replace" if idx < len => a[idx] = v,
        "remove" if idx < len => {
            a.remove(idx);
        }
        "append" if idx < len => return append_into(&mut a[idx], v),
        "append" if idx == len => a.push(v),
        "truncate" if idx < len => return truncate_value(&mut a[idx], &v),
        _ => return false,
    }
    true
}

/// The answer text of a v1 document, for appending (no allocation, unlike `pointer_mut`).
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

/// Whether an operation at `path` can change the text at `TEXT_PATH`.
fn touches_text(path: &str) -> bool {
    TEXT_PATH.starts_with(path)
        && (path.len() == TEXT_PATH.len() || TEXT_PATH.as_bytes()[path.len()] == b'/')
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
        let id = get_str(msg, "id");
        if self.legacy_id.as_deref() != id {
            self.legacy_id = id.map(str::to_owned);
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

    fn channel_index(&self, c: i64) -> Option<usize> {
        // The current channel is almost always the last one added.
        self.channels.iter().rposition(|ch| ch.c == c)
    }

    fn check_limit(&mut self) -> Result<(), NativeError> {
        if self.total_bytes > self.max_document_bytes {
            let msg = format!(
                "conversation documents grew to {} bytes or more, over the limit of {} bytes; \
                 raise max_document_bytes if such long answers are expected",
                self.total_bytes, self.max_document_bytes
            );
            // The documents are dropped so that memory stays bounded; the decoder stays failed.
            self.channels = Vec::new();
            self.failed = Some(msg.clone());
            return Err(NativeError::StreamDecode(msg));
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
        let Some(i) = self.channel_index(c) else {
            return Ok(());
        };
        if op == "append" && path == TEXT_PATH {
            if let Value::String(s) = &v {
                if let Some(res) = self.try_append_text(i, s, out) {
                    return res;
                }
            }
        }
        let size = approx_size(&v);
        let ch = &mut self.channels[i];
        if touches_text(path) && ch.emitted_len > 0 && ch.held.is_none() {
            ch.held = Some(doc_text(&ch.doc).map_or_else(String::new, |t| {
                t.get(..ch.emitted_len).unwrap_or(t).to_owned()
            }));
        }
        if apply(&mut ch.doc, path, op, v) && op != "remove" && op != "truncate" {
            ch.bytes += size;
            self.total_bytes += size;
        }
        self.after_change(i, out);
        self.check_limit()
    }

    /// Fast path: text appended to an answer whose emitted text is in sync. `None` when the
    /// general path must handle it (same result, more work).
    fn try_append_text(
        &mut self,
        i: usize,
        s: &str,
        out: &mut Out,
    ) -> Option<Result<(), NativeError>> {
        let ch = &mut self.channels[i];
        if !ch.answer || ch.held.is_some() {
            return None;
        }
        let text = text_mut(&mut ch.doc)?;
        if text.len() != ch.emitted_len {
            return None;
        }
        if ch.id.is_some() && self.message_id != ch.id {
            self.message_id.clone_from(&ch.id);
        }
        text.push_str(s);
        ch.emitted_len = text.len();
        ch.bytes += s.len();
        self.total_bytes += s.len();
        out.push(s);
        Some(self.check_limit())
    }

    /// A bare `{"v": "<text>"}` delta (most of a v1 stream), without building a JSON tree.
    fn on_bare_text(&mut self, s: Cow<'_, str>, out: &mut Out) -> Result<(), NativeError> {
        if self.sticky_o == "append" && self.sticky_p == TEXT_PATH {
            if let Some(i) = self.channel_index(self.sticky_c) {
                if let Some(res) = self.try_append_text(i, &s, out) {
                    return res;
                }
            }
        }
        self.on_sticky_op(Value::String(s.into_owned()), out)
    }

    fn add_document(&mut self, c: i64, v: Value, out: &mut Out) -> Result<(), NativeError> {
        let size = approx_size(&v) + CHANNEL_OVERHEAD;
        let i = if let Some(i) = self.channel_index(c) {
            self.total_bytes -= self.channels[i].bytes;
            i
        } else {
            self.channels.push(Channel {
                c,
                doc: Value::Null,
                bytes: 0,
                answer: false,
                id: None,
                emitted_len: 0,
                held: None,
            });
            self.channels.len() - 1
        };
        let ch = &mut self.channels[i];
        ch.doc = v;
        ch.bytes = size;
        ch.emitted_len = 0;
        ch.held = None;
        self.total_bytes += size;
        if let Some(Value::String(cid)) = get(&self.channels[i].doc, "conversation_id") {
            if self.conversation_id.as_deref() != Some(cid) {
                self.conversation_id = Some(cid.clone());
            }
        }
        self.after_change(i, out);
        self.check_limit()
    }

    /// Re-reads a channel's document after a change: answer status, new text, completion.
    fn after_change(&mut self, i: usize, out: &mut Out) {
        let ch = &mut self.channels[i];
        let Some(msg) = get(&ch.doc, "message") else {
            ch.answer = false;
            return;
        };
        ch.answer = is_answer_message(msg);
        if !ch.answer {
            return;
        }
        if let Some(id) = get_str(msg, "id") {
            if ch.id.as_deref() != Some(id) {
                ch.id = Some(id.to_owned());
            }
            if self.message_id.as_deref() != Some(id) {
                self.message_id = Some(id.to_owned());
            }
        } else {
            ch.id = None;
        }
        if message_finished(msg) {
            self.finished = true;
        }
        let Some(text) = message_text(msg) else {
            return;
        };
        match ch.held.take() {
            None => {
                if let Some(suffix) = text.get(ch.emitted_len..) {
                    out.push(suffix);
                    ch.emitted_len = text.len();
                }
            }
            Some(held) => {
                if let Some(suffix) = text.strip_prefix(held.as_str()) {
                    out.push(suffix);
                    ch.emitted_len = text.len();
                } else {
                    ch.held = Some(held);
                }
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
    /// `max_document_bytes` for the v1 message documents kept; `coalesce` joins the deltas of
    /// one `feed` call into one string.
    #[must_use]
    pub fn new(max_event_bytes: usize, max_document_bytes: usize, coalesce: bool) -> Self {
        Self {
            sse: SseDecoder::new(max_event_bytes),
            state: State {
                max_document_bytes,
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
        if let Some(m) = &self.state.failed {
            return Err(NativeError::StreamDecode(format!(
                "the decoder failed earlier and cannot continue: {m}"
            )));
        }
        let mut out = Deltas {
            coalesce: self.coalesce,
            ..Deltas::default()
        };
        let state = &mut self.state;
        self.sse.feed(data, |ev| state.on_event(ev, &mut out))?;
        Ok(out)
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

    /// The limits: `(max_event_bytes, max_document_bytes)`.
    #[must_use]
    pub fn limits(&self) -> (usize, usize) {
        (self.sse.max_event_bytes(), self.state.max_document_bytes)
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
        let mut d = ConversationDecoder::new(1 << 20, 1 << 20, false);
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
        let mut d = ConversationDecoder::new(1 << 20, 200, false);
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

    #[test]
    fn truncate_counts_utf16() {
        let mut s = String::from("a\u{1F600}b");
        truncate_utf16(&mut s, 3);
        assert_eq!(s, "a\u{1F600}");
        truncate_utf16(&mut s, 2);
        assert_eq!(s, "a");
    }
}
