//! Python bindings of the `format` concern: `format_prompt` and `format_conversation`.
//!
//! The walk is the core's (`mod.rs`); this file reads Python objects for it ([`PyReader`]) and
//! collects the prompt as a list of the caller's own `str` objects plus shared separator and role
//! strings, joined once at the end (`str.join`: one allocation, no UTF-8 round trip, any `str`
//! including lone surrogates). Blank checks read only the leading characters of a string.

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyFloat, PyList, PyMapping, PyString, PyTuple};
use pyo3::{ffi, intern};

use super::{
    content_text, create_time, is_py_space, message_fields, push_capitalized_ascii, At, Formatted,
    Key, Kind, PromptOptions, Reader, Sink, Uuids, ASSISTANT_TAIL,
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

impl<'py> Sink for Pieces<'py> {
    type Text = Bound<'py, PyString>;
    fn push_text(&mut self, text: Bound<'py, PyString>) {
        self.parts.push(text);
    }
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

/// Reads Python messages for the core's walk: dicts (or any mapping, for a message), `str`,
/// `None`, lists of part dicts, and `str()` of anything else.
struct PyReader<'py> {
    py: Python<'py>,
}

impl<'py> PyReader<'py> {
    fn key(&self, key: Key) -> &Bound<'py, PyString> {
        let py = self.py;
        match key {
            Key::Role => intern!(py, "role"),
            Key::Content => intern!(py, "content"),
            Key::Type => intern!(py, "type"),
            Key::Text => intern!(py, "text"),
        }
    }
}

impl<'py> Reader for PyReader<'py> {
    type Value = Bound<'py, PyAny>;
    type Text = Bound<'py, PyString>;
    type Error = PyErr;

    fn fields(
        &mut self,
        message: &Self::Value,
    ) -> PyResult<Option<(Option<Self::Value>, Option<Self::Value>)>> {
        let (role, content) = (self.key(Key::Role), self.key(Key::Content));
        if let Ok(dict) = message.cast::<PyDict>() {
            return Ok(Some((dict.get_item(role)?, dict.get_item(content)?)));
        }
        if let Ok(mapping) = message.cast::<PyMapping>() {
            return Ok(Some((
                mapping_get(mapping, role)?,
                mapping_get(mapping, content)?,
            )));
        }
        Ok(None)
    }

    fn take_text(&mut self, value: Self::Value) -> Result<Self::Text, Self::Value> {
        value
            .cast_into::<PyString>()
            .map_err(pyo3::CastIntoError::into_inner)
    }

    fn kind(&mut self, value: &Self::Value) -> PyResult<Kind<Self::Text>> {
        if let Ok(text) = value.cast::<PyString>() {
            return Ok(Kind::Str(text.clone()));
        }
        if value.is_none() {
            return Ok(Kind::None);
        }
        if value.is_instance_of::<PyList>() {
            return Ok(Kind::List);
        }
        if value.is_instance_of::<PyDict>() {
            return Ok(Kind::Dict);
        }
        Ok(Kind::Other)
    }

    fn items(list: &Self::Value) -> impl Iterator<Item = Self::Value> {
        list.cast::<PyList>()
            .map(PyListMethods::iter)
            .into_iter()
            .flatten()
    }

    fn get(&mut self, dict: &Self::Value, key: Key) -> PyResult<Option<Self::Value>> {
        dict.cast::<PyDict>()?.get_item(self.key(key))
    }

    fn to_text(&mut self, value: &Self::Value) -> PyResult<Self::Text> {
        value.str()
    }

    fn equals(&mut self, value: &Self::Value, s: &str) -> PyResult<bool> {
        value.eq(s)
    }

    fn utf8<'t>(&self, text: &'t Self::Text) -> Option<&'t str> {
        text.to_str().ok()
    }

    fn is_blank(&mut self, text: &Self::Text) -> PyResult<bool> {
        is_blank_py(text)
    }

    fn capitalize(&mut self, text: &Self::Text) -> PyResult<Self::Text> {
        Ok(text
            .call_method0(intern!(self.py, "capitalize"))?
            .cast_into::<PyString>()?)
    }

    fn type_name(&self, value: &Self::Value) -> String {
        type_name(value)
    }
}

/// The result of the walk as one Python `str`.
fn into_str<'py>(
    text: Formatted<Bound<'py, PyString>, Pieces<'py>>,
) -> PyResult<Bound<'py, PyString>> {
    match text {
        Formatted::Same(text) => Ok(text),
        Formatted::Built(pieces) => pieces.join(),
    }
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
    let options = PromptOptions {
        add_special_tokens,
        do_continue,
        include_system,
    };
    let count = messages.len();
    let reader = &mut PyReader { py };
    // A single message needs no pieces unless its content must be built.
    let capacity = if count > 1 || add_special_tokens {
        count * 4 + 1
    } else {
        0
    };
    let sink = Pieces::new(py, capacity);
    into_str(match &messages {
        Messages::List(list) => super::format_prompt(reader, sink, list.iter(), count, options),
        Messages::Tuple(tuple) => super::format_prompt(reader, sink, tuple.iter(), count, options),
        Messages::Items(items) => {
            super::format_prompt(reader, sink, items.iter().cloned(), count, options)
        }
    }?)
}

/// Turns messages into the ChatGPT backend's message objects.
#[pyfunction]
fn format_conversation<'py>(messages: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
    let py = messages.py();
    let messages = Messages::of("format_conversation", messages)?;
    let mut ids = Uuids::new(messages.len());
    let create_time = PyFloat::new(py, create_time());
    let text_type = intern!(py, "text");
    let out = PyList::empty(py);
    let reader = &mut PyReader { py };
    messages.each(|index, msg| -> PyResult<()> {
        let at = At {
            func: "format_conversation",
            index,
        };
        let (role, content) = message_fields(reader, msg, at)?;
        let text = into_str(content_text(reader, Pieces::new(py, 0), &content, at)?)?;
        let id = ids.next_text()?;

        let author = PyDict::new(py);
        author.set_item(intern!(py, "role"), &role)?;
        let content = PyDict::new(py);
        content.set_item(intern!(py, "content_type"), text_type)?;
        content.set_item(intern!(py, "parts"), PyList::new(py, [text])?)?;
        let serialization = PyDict::new(py);
        serialization.set_item(intern!(py, "custom_symbol_offsets"), PyList::empty(py))?;
        let metadata = PyDict::new(py);
        metadata.set_item(intern!(py, "serialization_metadata"), serialization)?;

        let message = PyDict::new(py);
        // The id is ASCII hex and hyphens, so always UTF-8.
        message.set_item(
            intern!(py, "id"),
            PyString::new(py, std::str::from_utf8(&id).unwrap_or_default()),
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
///
/// # Errors
/// When the module refuses an attribute.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(format_prompt, m)?)?;
    m.add_function(wrap_pyfunction!(format_conversation, m)?)?;
    Ok(())
}
