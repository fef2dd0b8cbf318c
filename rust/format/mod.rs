//! Conversation formatting with g4f's `format_prompt` rules: the pure core (no PyO3).
//!
//! The binding (`py.rs`) walks the Python message objects and drives this core: a [`Prompt`]
//! builder that owns the line logic (`"Role: content"` lines joined by `"\n"`, blank contents
//! dropped, the `"\nAssistant:"` tail) over any [`Sink`], plus the small character rules that must
//! match CPython exactly ([`is_py_space`], ASCII `str.capitalize`).

pub mod py;

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

/// Error of [`format_prompt_text`]: it only handles what Rust alone can do exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// No messages at all (g4f raises `IndexError`).
    Empty,
    /// A role outside ASCII (capitalizing it needs Python's Unicode tables).
    NonAsciiRole(usize),
}

/// `format_prompt` over `(role, content)` pairs of plain text with ASCII roles.
///
/// The binding does the same walk over Python objects (content parts, `None`, non-ASCII roles);
/// this entry point is for Rust tests and fuzzing of the line logic.
///
/// # Errors
/// [`FormatError::Empty`] for no messages, [`FormatError::NonAsciiRole`] for a role that needs
/// Python's capitalization.
pub fn format_prompt_text(
    messages: &[(&str, &str)],
    options: PromptOptions,
) -> Result<String, FormatError> {
    match messages {
        [] => return Err(FormatError::Empty),
        [(_, content)] if !options.add_special_tokens => return Ok((*content).to_owned()),
        _ => {}
    }
    let capacity = messages
        .iter()
        .map(|(role, content)| role.len() + content.len() + 3)
        .sum::<usize>()
        + ASSISTANT_TAIL.len();
    let mut prompt = Prompt::new(String::with_capacity(capacity));
    for (index, (role, content)) in messages.iter().enumerate() {
        if !role.is_ascii() {
            return Err(FormatError::NonAsciiRole(index));
        }
        if (!options.include_system && is_system_role(role)) || is_blank(content) {
            continue;
        }
        prompt.begin_line();
        prompt.sink().push_capitalized_ascii(role);
        prompt.begin_content();
        prompt.sink().push_str(content);
        prompt.end_line(false);
    }
    Ok(prompt.finish(options.do_continue))
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
        assert_eq!(format_prompt_text(&[], special), Err(FormatError::Empty));
        assert_eq!(
            format_prompt_text(&[("user", "a"), ("Ärger", "b")], special),
            Err(FormatError::NonAsciiRole(1))
        );
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
