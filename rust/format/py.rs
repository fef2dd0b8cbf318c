//! Python bindings of the `format` concern: `format_prompt` and `format_conversation`.
//!
//! Messages are walked once, straight from the Python objects. The prompt is collected as a list
//! of the caller's own `str` objects plus shared separator and role strings, and joined once at
//! the end (`str.join`: one allocation, no UTF-8 round trip, any `str` including lone
//! surrogates). Blank checks read only the leading characters of a string.

use std::time::{SystemTime, UNIX_EPOCH};

use pyo3::exceptions::{PyKeyError, PyOSError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyFloat, PyList, PyMapping, PyString, PyTuple};
use pyo3::{ffi, intern};

use super::{
    is_py_space, is_system_role, push_capitalized_ascii, round_millis, uuid4_text, Prompt, Sink,
    ASSISTANT_TAIL,
};
use crate::errors::NativeError;

/// `not s.strip()` for a Python string, reading characters only up to the first non-space one.
fn is_blank_py(s: &Bound<'_, PyString>) -> PyResult<bool> {
    let len = s.as_any().len()?;
    for index in 0..len {
        let index = ffi::Py_ssize_t::try_from(index).unwrap_or(ffi::Py_ssize_t::MAX);
        // SAFETY: `s` is a live `str` object (the `Bound` holds a reference and the GIL is held)
        // and `index` is below its length; `PyUnicode_ReadChar` only reads the character.
        let code = unsafe { ffi::PyUnicode_ReadChar(s.as_ptr(), index) };
        if code == ffi::Py_UCS4::MAX {
            return Err(PyErr::fetch(s.py()));
        }
        // Lone surrogates are not valid `char`s, and not whitespace either.
        if !char::from_u32(code).is_some_and(is_py_space) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The prompt under construction: Python string pieces joined once at the end.
struct Pieces<'py> {
    py: Python<'py>,
    parts: Vec<Bound<'py, PyString>>,
    /// Capitalized ASCII roles seen so far (conversations use a handful of roles).
    roles: Vec<(String, Bound<'py, PyString>)>,
}

impl<'py> Pieces<'py> {
    fn new(py: Python<'py>, capacity: usize) -> Self {
        Self {
            py,
            parts: Vec::with_capacity(capacity),
            roles: Vec::new(),
        }
    }

    /// Appends `s`; returns whether it is blank (`not s.strip()`).
    fn push_py(&mut self, s: &Bound<'py, PyString>) -> PyResult<bool> {
        let blank = is_blank_py(s)?;
        self.parts.push(s.clone());
        Ok(blank)
    }

    fn join(self) -> PyResult<Bound<'py, PyString>> {
        if let [single] = self.parts.as_slice() {
            return Ok(single.clone());
        }
        let empty = intern!(self.py, "");
        Ok(empty
            .call_method1(
                intern!(self.py, "join"),
                (PyList::new(self.py, self.parts)?,),
            )?
            .cast_into::<PyString>()?)
    }
}

impl Sink for Pieces<'_> {
    fn push_str(&mut self, s: &str) {
        let piece = match s {
            "\n" => intern!(self.py, "\n").clone(),
            ": " => intern!(self.py, ": ").clone(),
            ASSISTANT_TAIL => intern!(self.py, "\nAssistant:").clone(),
            _ => PyString::new(self.py, s),
        };
        self.parts.push(piece);
    }
    fn mark(&self) -> usize {
        self.parts.len()
    }
    fn truncate(&mut self, mark: usize) {
        self.parts.truncate(mark);
    }
    fn push_capitalized_ascii(&mut self, role: &str) {
        let cached = self.roles.iter().find(|(seen, _)| seen == role);
        let piece = if let Some((_, piece)) = cached {
            piece.clone()
        } else {
            let mut text = String::with_capacity(role.len());
            push_capitalized_ascii(&mut text, role);
            let piece = PyString::new(self.py, &text);
            self.roles.push((role.to_owned(), piece.clone()));
            piece
        };
        self.parts.push(piece);
    }
}

/// The `messages` argument: a list or tuple as is, any other iterable collected.
enum Messages<'py> {
    List(Bound<'py, PyList>),
    Tuple(Bound<'py, PyTuple>),
    Items(Vec<Bound<'py, PyAny>>),
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

impl<'py> Messages<'py> {
    fn of(func: &str, obj: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(list) = obj.cast::<PyList>() {
            return Ok(Self::List(list.clone()));
        }
        if let Ok(tuple) = obj.cast::<PyTuple>() {
            return Ok(Self::Tuple(tuple.clone()));
        }
        let wrong = || -> PyErr {
            NativeError::WrongType(format!(
                "{func}: messages must be a list of {{'role': ..., 'content': ...}} dicts, got {}",
                type_name(obj)
            ))
            .into()
        };
        if obj.is_instance_of::<PyString>()
            || obj.is_instance_of::<PyBytes>()
            || obj.is_instance_of::<PyDict>()
            || obj.cast::<PyMapping>().is_ok()
        {
            return Err(wrong());
        }
        let iter = obj.try_iter().map_err(|_| wrong())?;
        Ok(Self::Items(iter.collect::<PyResult<Vec<_>>>()?))
    }

    fn len(&self) -> usize {
        match self {
            Self::List(list) => list.len(),
            Self::Tuple(tuple) => tuple.len(),
            Self::Items(items) => items.len(),
        }
    }

    fn each<E: From<PyErr>>(
        &self,
        mut f: impl FnMut(usize, &Bound<'py, PyAny>) -> Result<(), E>,
    ) -> Result<(), E> {
        match self {
            Self::List(list) => list.iter().enumerate().try_for_each(|(i, m)| f(i, &m)),
            Self::Tuple(tuple) => tuple.iter().enumerate().try_for_each(|(i, m)| f(i, &m)),
            Self::Items(items) => items.iter().enumerate().try_for_each(|(i, m)| f(i, m)),
        }
    }

    fn first(&self) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Self::List(list) => list.get_item(0),
            Self::Tuple(tuple) => tuple.get_item(0),
            Self::Items(items) => Ok(items[0].clone()),
        }
    }
}

/// The `role` and `content` of one message, validated.
struct Fields<'py> {
    role: Bound<'py, PyString>,
    content: Bound<'py, PyAny>,
}

fn mapping_get<'py>(
    mapping: &Bound<'py, PyMapping>,
    key: &Bound<'py, PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    match mapping.as_any().get_item(key) {
        Ok(value) => Ok(Some(value)),
        Err(err) if err.is_instance_of::<PyKeyError>(mapping.py()) => Ok(None),
        Err(err) => Err(err),
    }
}

impl<'py> Fields<'py> {
    fn of(func: &str, index: usize, msg: &Bound<'py, PyAny>) -> PyResult<Self> {
        let py = msg.py();
        let (role_key, content_key) = (intern!(py, "role"), intern!(py, "content"));
        let (role, content) = if let Ok(dict) = msg.cast::<PyDict>() {
            (dict.get_item(role_key)?, dict.get_item(content_key)?)
        } else if let Ok(mapping) = msg.cast::<PyMapping>() {
            (
                mapping_get(mapping, role_key)?,
                mapping_get(mapping, content_key)?,
            )
        } else {
            return Err(NativeError::WrongType(format!(
                "{func}: messages[{index}] must be a dict with 'role' and 'content', got {}",
                type_name(msg)
            ))
            .into());
        };
        let missing = |key: &str| -> PyErr {
            NativeError::InvalidArgument(format!(
                "{func}: messages[{index}] has no '{key}' key; every message needs 'role' and \
                 'content', e.g. {{'role': 'user', 'content': 'Hello'}}"
            ))
            .into()
        };
        let role = role.ok_or_else(|| missing("role"))?;
        let content = content.ok_or_else(|| missing("content"))?;
        let role = role.cast_into::<PyString>().map_err(|err| -> PyErr {
            NativeError::WrongType(format!(
                "{func}: messages[{index}]['role'] must be a str such as 'user', got {}",
                type_name(err.into_inner().as_any())
            ))
            .into()
        })?;
        Ok(Self { role, content })
    }
}

/// Whether a content part is a text part: `part.get("type", "text") == "text"`.
fn is_text_part(part: &Bound<'_, PyDict>) -> PyResult<bool> {
    let py = part.py();
    match part.get_item(intern!(py, "type"))? {
        None => Ok(true),
        Some(kind) => match kind.cast::<PyString>() {
            Ok(kind) => Ok(kind.to_str().is_ok_and(|k| k == "text")),
            Err(_) => kind.eq(intern!(py, "text")),
        },
    }
}

/// Appends the `"text"` of a dict (content or part); `None` or missing counts as `""`.
fn push_dict_text<'py>(
    sink: &mut Pieces<'py>,
    dict: &Bound<'py, PyDict>,
    location: &dyn Fn() -> String,
) -> PyResult<bool> {
    match dict.get_item(intern!(dict.py(), "text"))? {
        None => Ok(true),
        Some(text) if text.is_none() => Ok(true),
        Some(text) => match text.cast::<PyString>() {
            Ok(text) => sink.push_py(text),
            Err(_) => Err(NativeError::WrongType(format!(
                "{}['text'] must be a str or None, got {}",
                location(),
                type_name(&text)
            ))
            .into()),
        },
    }
}

/// Appends g4f's `to_string(content)`; returns whether it is blank.
///
/// `str` → itself; `None` → `""`; `list` → the concatenated `"text"` of its parts whose `"type"`
/// is `"text"` (the default); `dict` → its `"text"`; anything else → `str(content)`.
fn push_text<'py>(
    sink: &mut Pieces<'py>,
    content: &Bound<'py, PyAny>,
    func: &str,
    index: usize,
) -> PyResult<bool> {
    if let Ok(text) = content.cast::<PyString>() {
        return sink.push_py(text);
    }
    if content.is_none() {
        return Ok(true);
    }
    if let Ok(parts) = content.cast::<PyList>() {
        let mut blank = true;
        for (j, part) in parts.iter().enumerate() {
            let location = || format!("{func}: messages[{index}]['content'][{j}]");
            let part = part.cast::<PyDict>().map_err(|_| {
                NativeError::WrongType(format!(
                    "{} must be a dict like {{'type': 'text', 'text': ...}}, got {}",
                    location(),
                    type_name(&part)
                ))
            })?;
            if is_text_part(part)? {
                blank &= push_dict_text(sink, part, &location)?;
            }
        }
        return Ok(blank);
    }
    if let Ok(dict) = content.cast::<PyDict>() {
        return push_dict_text(sink, dict, &|| {
            format!("{func}: messages[{index}]['content']")
        });
    }
    sink.push_py(&content.str()?)
}

/// g4f's `to_string(content)` as a Python `str` (the same object when it already is one).
fn text_object<'py>(
    content: &Bound<'py, PyAny>,
    func: &str,
    index: usize,
) -> PyResult<Bound<'py, PyString>> {
    if let Ok(text) = content.cast::<PyString>() {
        return Ok(text.clone());
    }
    let mut pieces = Pieces::new(content.py(), 4);
    push_text(&mut pieces, content, func, index)?;
    pieces.join()
}

fn render<'py>(
    messages: &Messages<'py>,
    sink: Pieces<'py>,
    include_system: bool,
    do_continue: bool,
) -> PyResult<Pieces<'py>> {
    let mut prompt = Prompt::new(sink);
    messages.each(|index, msg| -> PyResult<()> {
        let fields = Fields::of("format_prompt", index, msg)?;
        let role = fields.role.to_str().ok();
        if !include_system && role.is_some_and(is_system_role) {
            return Ok(());
        }
        if let Ok(text) = fields.content.cast::<PyString>() {
            if is_blank_py(text)? {
                return Ok(());
            }
        }
        prompt.begin_line();
        match role {
            Some(role) if role.is_ascii() => prompt.sink().push_capitalized_ascii(role),
            _ => {
                let capitalized = fields
                    .role
                    .call_method0(intern!(msg.py(), "capitalize"))?
                    .cast_into::<PyString>()
                    .map_err(PyErr::from)?;
                prompt.sink().parts.push(capitalized);
            }
        }
        prompt.begin_content();
        let blank = push_text(prompt.sink(), &fields.content, "format_prompt", index)?;
        prompt.end_line(blank);
        Ok(())
    })?;
    Ok(prompt.finish(do_continue))
}

/// Formats a conversation as one prompt text, with g4f's `format_prompt` rules.
#[pyfunction]
#[pyo3(signature = (messages, add_special_tokens=false, do_continue=false, include_system=true))]
fn format_prompt<'py>(
    messages: &Bound<'py, PyAny>,
    add_special_tokens: bool,
    do_continue: bool,
    include_system: bool,
) -> PyResult<Bound<'py, PyString>> {
    let py = messages.py();
    let messages = Messages::of("format_prompt", messages)?;
    let count = messages.len();
    if count == 0 {
        return Err(NativeError::InvalidArgument(
            "format_prompt: messages is empty; pass at least one {'role': ..., 'content': ...} \
             dict"
                .to_owned(),
        )
        .into());
    }
    if count == 1 && !add_special_tokens {
        let fields = Fields::of("format_prompt", 0, &messages.first()?)?;
        return text_object(&fields.content, "format_prompt", 0);
    }
    let pieces = Pieces::new(py, count * 4 + 1);
    render(&messages, pieces, include_system, do_continue)?.join()
}

/// Random bytes for UUIDs, fetched from the OS in batches.
struct RandomPool {
    buf: Vec<u8>,
    pos: usize,
}

impl RandomPool {
    const MAX_BATCH: usize = 64;

    fn new(expected: usize) -> Self {
        Self {
            buf: vec![0; 16 * expected.clamp(1, Self::MAX_BATCH)],
            pos: usize::MAX,
        }
    }

    fn next(&mut self) -> PyResult<[u8; 16]> {
        if self.pos >= self.buf.len() {
            getrandom::getrandom(&mut self.buf).map_err(|err| {
                PyOSError::new_err(format!(
                    "format_conversation: the operating system's random source failed: {err}"
                ))
            })?;
            self.pos = 0;
        }
        let mut out = [0; 16];
        out.copy_from_slice(&self.buf[self.pos..self.pos + 16]);
        self.pos += 16;
        Ok(out)
    }
}

/// Turns messages into the ChatGPT backend's message objects.
#[pyfunction]
fn format_conversation<'py>(messages: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
    let py = messages.py();
    let messages = Messages::of("format_conversation", messages)?;
    let mut random = RandomPool::new(messages.len());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let create_time = PyFloat::new(py, round_millis(now));
    let text_type = intern!(py, "text");
    let out = PyList::empty(py);
    messages.each(|index, msg| -> PyResult<()> {
        let fields = Fields::of("format_conversation", index, msg)?;
        let text = text_object(&fields.content, "format_conversation", index)?;
        let id = uuid4_text(random.next()?);

        let author = PyDict::new(py);
        author.set_item(intern!(py, "role"), &fields.role)?;
        let content = PyDict::new(py);
        content.set_item(intern!(py, "content_type"), text_type)?;
        content.set_item(intern!(py, "parts"), PyList::new(py, [text])?)?;
        let serialization = PyDict::new(py);
        serialization.set_item(intern!(py, "custom_symbol_offsets"), PyList::empty(py))?;
        let metadata = PyDict::new(py);
        metadata.set_item(intern!(py, "serialization_metadata"), serialization)?;

        let message = PyDict::new(py);
        message.set_item(
            intern!(py, "id"),
            PyString::new(py, &String::from_utf8_lossy(&id)),
        )?;
        message.set_item(intern!(py, "author"), author)?;
        message.set_item(intern!(py, "content"), content)?;
        message.set_item(intern!(py, "metadata"), metadata)?;
        message.set_item(intern!(py, "create_time"), &create_time)?;
        out.append(message)
    })?;
    Ok(out)
}

/// Adds this concern's functions and classes to the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(format_prompt, m)?)?;
    m.add_function(wrap_pyfunction!(format_conversation, m)?)?;
    Ok(())
}
