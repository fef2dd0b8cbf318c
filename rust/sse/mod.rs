//! Pure core of the `sse` concern (no PyO3): a line splitter and a WHATWG event-stream decoder.
//!
//! Both are incremental state machines: `feed` takes any chunk of bytes, keeps incomplete trailing
//! input until more arrives, and gives the same result for every way of cutting a stream into
//! chunks. Every buffer is bounded by an explicit limit.

#[cfg(feature = "python")]
pub mod py;

use crate::errors::NativeError;
use memchr::memchr2;

/// Default limit of one line (`LineDecoder`) and of one event (`SseDecoder`): 16 MiB.
pub const DEFAULT_MAX_BYTES: usize = 16 * 1024 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Splits bytes into lines on LF, CR and CRLF (a CR ending one chunk and an LF starting the next
/// are one line break). Lines are handed out without their terminator.
#[derive(Debug, Clone)]
pub struct LineSplitter {
    buf: Vec<u8>,
    pending_cr: bool,
    max_line_bytes: usize,
    failed: Option<String>,
}

impl LineSplitter {
    /// A splitter that refuses lines longer than `max_line_bytes` bytes.
    #[must_use]
    pub fn new(max_line_bytes: usize) -> Self {
        Self {
            buf: Vec::new(),
            pending_cr: false,
            max_line_bytes,
            failed: None,
        }
    }

    /// The bytes of the unfinished line held (what completing it costs).
    #[must_use]
    pub fn held_bytes(&self) -> usize {
        self.buf.len()
    }

    /// The line limit in bytes.
    #[must_use]
    pub fn max_line_bytes(&self) -> usize {
        self.max_line_bytes
    }

    fn fail(&mut self, len: usize) -> NativeError {
        let msg = format!(
            "stream line of {len} bytes or more exceeds the limit of {} bytes; raise the limit \
             (max_line_bytes / max_event_bytes) if the peer legitimately sends such lines",
            self.max_line_bytes
        );
        self.buf = Vec::new();
        self.failed = Some(msg.clone());
        NativeError::StreamDecode(msg)
    }

    fn check_failed(&self) -> Result<(), NativeError> {
        match &self.failed {
            Some(m) => Err(NativeError::StreamDecode(format!(
                "the decoder failed earlier and cannot continue: {m}"
            ))),
            None => Ok(()),
        }
    }

    /// Feeds a chunk, calling `on_line` for every complete line in order.
    ///
    /// # Errors
    /// `StreamDecode` when a line exceeds the limit (the splitter is unusable afterwards), or the
    /// error `on_line` returned.
    pub fn feed<F>(&mut self, data: &[u8], mut on_line: F) -> Result<(), NativeError>
    where
        F: FnMut(&[u8]) -> Result<(), NativeError>,
    {
        self.check_failed()?;
        let mut data = data;
        if self.pending_cr && !data.is_empty() {
            self.pending_cr = false;
            if data[0] == b'\n' {
                data = &data[1..];
            }
        }
        let mut start = 0;
        while let Some(i) = memchr2(b'\n', b'\r', &data[start..]) {
            let end = start + i;
            let piece = &data[start..end];
            if self.buf.is_empty() {
                if piece.len() > self.max_line_bytes {
                    return Err(self.fail(piece.len()));
                }
                on_line(piece)?;
            } else {
                let len = self.buf.len() + piece.len();
                if len > self.max_line_bytes {
                    return Err(self.fail(len));
                }
                self.buf.extend_from_slice(piece);
                let res = on_line(&self.buf);
                self.buf.clear();
                res?;
            }
            start = end + 1;
            if data[end] == b'\r' {
                if start == data.len() {
                    self.pending_cr = true;
                } else if data[start] == b'\n' {
                    start += 1;
                }
            }
        }
        let rest = &data[start..];
        if !rest.is_empty() {
            let len = self.buf.len() + rest.len();
            if len > self.max_line_bytes {
                return Err(self.fail(len));
            }
            self.buf.extend_from_slice(rest);
        }
        Ok(())
    }

    /// Ends the stream: returns the unterminated last line, if any, and resets the splitter.
    ///
    /// # Errors
    /// `StreamDecode` if the splitter failed earlier.
    pub fn flush(&mut self) -> Result<Option<Vec<u8>>, NativeError> {
        self.check_failed()?;
        self.pending_cr = false;
        if self.buf.is_empty() {
            Ok(None)
        } else {
            Ok(Some(std::mem::take(&mut self.buf)))
        }
    }
}

/// One dispatched server-sent event, borrowed from the decoder's buffers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Event<'a> {
    /// The event type (`"message"` unless an `event:` field set another).
    pub event: &'a str,
    /// The data lines joined with `\n`.
    pub data: &'a str,
    /// The last-event-ID buffer at dispatch (`""` if never set).
    pub id: &'a str,
    /// The `retry` value given inside this event's block, if any.
    pub retry: Option<u64>,
}

/// Appends `bytes` decoded as UTF-8 to `out`, with U+FFFD for invalid sequences.
fn push_utf8_lossy(out: &mut String, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(s) => out.push_str(s),
        Err(_) => out.push_str(&String::from_utf8_lossy(bytes)),
    }
}

/// The field-level state of the WHATWG "interpreting an event stream" algorithm.
#[derive(Debug, Clone)]
struct EventBuilder {
    event_type: String,
    data: String,
    has_data: bool,
    last_id: String,
    retry: Option<u64>,
    reconnection_time: Option<u64>,
    max_event_bytes: usize,
}

impl EventBuilder {
    fn process_line<F>(&mut self, line: &[u8], on_event: &mut F) -> Result<(), NativeError>
    where
        F: FnMut(Event<'_>) -> Result<(), NativeError>,
    {
        if line.is_empty() {
            return self.dispatch(on_event);
        }
        let (field, value) = match memchr::memchr(b':', line) {
            Some(0) => return Ok(()),
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.has_data = true;
                push_utf8_lossy(&mut self.data, value);
                let size = self.data.len() + self.event_type.len();
                if size > self.max_event_bytes {
                    return Err(NativeError::StreamDecode(format!(
                        "server-sent event of {size} bytes or more exceeds the limit of {} bytes; \
                         raise max_event_bytes if the peer legitimately sends such events",
                        self.max_event_bytes
                    )));
                }
            }
            b"event" => {
                self.event_type.clear();
                push_utf8_lossy(&mut self.event_type, value);
            }
            b"id" if memchr::memchr(0, value).is_none() => {
                self.last_id.clear();
                push_utf8_lossy(&mut self.last_id, value);
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                // Values beyond u64 are ignored, like any other unusable retry field.
                if let Some(n) = std::str::from_utf8(value)
                    .ok()
                    .and_then(|s| s.parse::<u64>().ok())
                {
                    self.retry = Some(n);
                    self.reconnection_time = Some(n);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn dispatch<F>(&mut self, on_event: &mut F) -> Result<(), NativeError>
    where
        F: FnMut(Event<'_>) -> Result<(), NativeError>,
    {
        let retry = self.retry.take();
        if !self.has_data {
            self.event_type.clear();
            return Ok(());
        }
        self.has_data = false;
        let res = on_event(Event {
            event: if self.event_type.is_empty() {
                "message"
            } else {
                &self.event_type
            },
            data: &self.data,
            id: &self.last_id,
            retry,
        });
        // The buffers keep their capacity for the next event.
        self.event_type.clear();
        self.data.clear();
        res
    }
}

/// An incremental WHATWG event-stream decoder.
#[derive(Debug, Clone)]
pub struct SseDecoder {
    lines: LineSplitter,
    fields: EventBuilder,
    // `None` once the optional leading BOM has been decided on; until then the first bytes.
    head: Option<Vec<u8>>,
    failed: Option<String>,
}

impl SseDecoder {
    /// A decoder that refuses a line or an event larger than `max_event_bytes` bytes.
    #[must_use]
    pub fn new(max_event_bytes: usize) -> Self {
        Self {
            lines: LineSplitter::new(max_event_bytes),
            fields: EventBuilder {
                event_type: String::new(),
                data: String::new(),
                has_data: false,
                last_id: String::new(),
                retry: None,
                reconnection_time: None,
                max_event_bytes,
            },
            head: Some(Vec::new()),
            failed: None,
        }
    }

    /// The bytes of the unfinished line and event held (what completing them costs).
    #[must_use]
    pub fn held_bytes(&self) -> usize {
        self.lines.held_bytes() + self.fields.data.len() + self.fields.event_type.len()
    }

    /// The event limit in bytes.
    #[must_use]
    pub fn max_event_bytes(&self) -> usize {
        self.fields.max_event_bytes
    }

    /// The last-event-ID buffer (what a reconnect would send as `Last-Event-ID`).
    #[must_use]
    pub fn last_event_id(&self) -> &str {
        &self.fields.last_id
    }

    /// The last valid `retry` value seen in the stream, if any.
    #[must_use]
    pub fn reconnection_time(&self) -> Option<u64> {
        self.fields.reconnection_time
    }

    /// Feeds a chunk, calling `on_event` for every dispatched event in order.
    ///
    /// # Errors
    /// `StreamDecode` when a line or an event exceeds the limit, or the error `on_event` returned.
    pub fn feed<F>(&mut self, data: &[u8], mut on_event: F) -> Result<(), NativeError>
    where
        F: FnMut(Event<'_>) -> Result<(), NativeError>,
    {
        let Some(head) = &mut self.head else {
            return self.feed_lines(data, &mut on_event);
        };
        // Only the first three bytes decide on the BOM: never copy more of a chunk than that.
        let take = (BOM.len() - head.len()).min(data.len());
        head.extend_from_slice(&data[..take]);
        let rest = &data[take..];
        if head.len() < BOM.len() && BOM.starts_with(head) {
            return Ok(());
        }
        let head = self.head.take().unwrap_or_default();
        if head != BOM {
            self.feed_lines(&head, &mut on_event)?;
        }
        self.feed_lines(rest, &mut on_event)
    }

    fn feed_lines<F>(&mut self, data: &[u8], on_event: &mut F) -> Result<(), NativeError>
    where
        F: FnMut(Event<'_>) -> Result<(), NativeError>,
    {
        if let Some(m) = &self.failed {
            return Err(NativeError::StreamDecode(format!(
                "the decoder failed earlier and cannot continue: {m}"
            )));
        }
        let fields = &mut self.fields;
        let res = self
            .lines
            .feed(data, |line| fields.process_line(line, on_event));
        if let Err(e) = &res {
            // Give the memory back; the decoder stays failed.
            self.fields.data = String::new();
            self.fields.event_type = String::new();
            self.failed = Some(e.to_string());
        }
        res
    }

    /// Ends the stream. An unterminated final event and an unterminated last line are
    /// discarded, as the spec says, so nothing is ever dispatched here. The decoder is reset for
    /// a new stream, except for the last event ID and the reconnection time.
    ///
    /// # Errors
    /// `StreamDecode` if the decoder failed earlier.
    pub fn flush(&mut self) -> Result<(), NativeError> {
        if let Some(m) = &self.failed {
            return Err(NativeError::StreamDecode(format!(
                "the decoder failed earlier and cannot continue: {m}"
            )));
        }
        // "Any pending data must be discarded": an unterminated last line is not a line.
        self.lines.flush()?;
        self.fields.event_type.clear();
        self.fields.data.clear();
        self.fields.has_data = false;
        self.fields.retry = None;
        self.head = Some(Vec::new());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(chunks: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut s = LineSplitter::new(1024);
        let mut out = Vec::new();
        for c in chunks {
            s.feed(c, |l| {
                out.push(l.to_vec());
                Ok(())
            })
            .unwrap();
        }
        out.extend(s.flush().unwrap());
        out
    }

    type Owned = (String, String, String, Option<u64>);

    fn events(chunks: &[&[u8]]) -> Vec<Owned> {
        let mut d = SseDecoder::new(1024);
        let mut out = Vec::new();
        for c in chunks {
            d.feed(c, |e| {
                out.push((e.event.into(), e.data.into(), e.id.into(), e.retry));
                Ok(())
            })
            .unwrap();
        }
        d.flush().unwrap();
        out
    }

    #[test]
    fn splits_on_every_terminator() {
        let want: Vec<Vec<u8>> = vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec(), b"".to_vec()];
        assert_eq!(lines(&[b"a\nb\rc\r\n\n"]), want);
        assert_eq!(lines(&[b"a\nb\r", b"c\r", b"\n\n"]), want);
        assert_eq!(lines(&[b"a\nb\r", b"", b"c\r", b"", b"\n", b"\n"]), want);
        assert_eq!(lines(&[b"x\r", b"\r"]), vec![b"x".to_vec(), b"".to_vec()]);
        assert_eq!(lines(&[b"tail"]), vec![b"tail".to_vec()]);
    }

    #[test]
    fn line_limit_is_enforced_and_sticky() {
        let mut s = LineSplitter::new(4);
        assert!(s.feed(b"1234\n", |_| Ok(())).is_ok());
        assert!(s.feed(b"12", |_| Ok(())).is_ok());
        assert!(s.feed(b"345", |_| Ok(())).is_err());
        assert!(s.feed(b"\n", |_| Ok(())).is_err());
        assert!(s.flush().is_err());
    }

    #[test]
    fn spec_fields() {
        let ev = events(&[
            b"\xEF\xBB",
            b"\xBFdata:a\ndata: b\nevent: x\nid: 7\nretry: 5\n\n",
        ]);
        assert_eq!(ev, vec![("x".into(), "a\nb".into(), "7".into(), Some(5))]);
        let ev = events(&[b"data\n\n: c\nid: a\0b\nretry: 1x\ndata:  y\n\ndata: z"]);
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].1, "");
        assert_eq!(ev[1].1, " y");
        assert_eq!(ev[1].2, "");
        assert_eq!(ev[1].3, None);
    }

    #[test]
    fn event_limit() {
        let mut d = SseDecoder::new(8);
        assert!(d.feed(b"data: 12345\ndata: 678\n", |_| Ok(())).is_err());
    }

    #[test]
    fn utf8_split_across_chunks() {
        let ev = events(&[b"data: \xE2\x82", b"\xAC\xFF\n\n"]);
        assert_eq!(ev[0].1, "\u{20ac}\u{fffd}");
    }
}
