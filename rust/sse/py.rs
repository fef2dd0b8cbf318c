//! Python bindings of the `sse` concern.

use super::{Event, LineSplitter, SseDecoder, DEFAULT_MAX_BYTES};
use crate::errors::NativeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyString};
use std::sync::{Mutex, MutexGuard};

// The literal defaults in the signatures below (Python sees literals) must match the constant.
const _: () = assert!(DEFAULT_MAX_BYTES == 16_777_216);

/// Inputs at least this large are decoded with the GIL released.
pub(crate) const DETACH_BYTES: usize = 256 * 1024;

/// Runs `f` on the bytes of a `bytes` or `bytearray` object.
pub(crate) fn with_bytes<R>(data: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> R) -> PyResult<R> {
    if let Ok(b) = data.cast::<PyBytes>() {
        return Ok(f(b.as_bytes()));
    }
    if let Ok(b) = data.cast::<PyByteArray>() {
        return Ok(f(&b.to_vec()));
    }
    let name = data
        .get_type()
        .name()
        .map_or_else(|_| String::from("?"), |n| n.to_string());
    Err(NativeError::WrongType(format!("feed() takes bytes or bytearray, not {name}")).into())
}

/// Checks a size limit given from Python.
pub(crate) fn limit(name: &str, value: i64) -> Result<usize, NativeError> {
    usize::try_from(value)
        .ok()
        .filter(|&v| v > 0)
        .ok_or_else(|| {
            NativeError::InvalidArgument(format!(
                "{name} must be a positive number of bytes, got {value}"
            ))
        })
}

/// Locks a decoder's state; a lock poisoned by a panic is reported, not reused.
pub(crate) fn lock<T>(m: &Mutex<T>) -> Result<MutexGuard<'_, T>, NativeError> {
    m.lock().map_err(|_| {
        NativeError::StreamDecode(String::from(
            "the decoder is unusable after an internal error; create a new one",
        ))
    })
}

/// A server-sent event (immutable).
#[pyclass(frozen, eq, hash, module = "fastg4f._native", name = "ServerSentEvent")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyServerSentEvent {
    event: String,
    data: String,
    id: String,
    retry: Option<u64>,
}

impl From<Event<'_>> for PyServerSentEvent {
    fn from(e: Event<'_>) -> Self {
        Self {
            event: e.event.to_owned(),
            data: e.data.to_owned(),
            id: e.id.to_owned(),
            retry: e.retry,
        }
    }
}

static JSON_LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

#[pymethods]
impl PyServerSentEvent {
    #[new]
    #[pyo3(signature = (event = "message", data = "", id = "", retry = None))]
    fn new(event: &str, data: &str, id: &str, retry: Option<u64>) -> Self {
        Self {
            event: event.to_owned(),
            data: data.to_owned(),
            id: id.to_owned(),
            retry,
        }
    }

    #[getter]
    fn event(&self) -> &str {
        &self.event
    }

    #[getter]
    fn data(&self) -> &str {
        &self.data
    }

    #[getter]
    fn id(&self) -> &str {
        &self.id
    }

    #[getter]
    fn retry(&self) -> Option<u64> {
        self.retry
    }

    fn json(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let loads = JSON_LOADS.import(py, "json", "loads")?;
        Ok(loads.call1((self.data.as_str(),))?.unbind())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let r = |s: &str| -> PyResult<String> { Ok(PyString::new(py, s).repr()?.to_string()) };
        let retry = self
            .retry
            .map_or_else(|| String::from("None"), |n| n.to_string());
        Ok(format!(
            "ServerSentEvent(event={}, data={}, id={}, retry={retry})",
            r(&self.event)?,
            r(&self.data)?,
            r(&self.id)?
        ))
    }
}

/// Incremental WHATWG event-stream decoder.
#[pyclass(frozen, module = "fastg4f._native", name = "SSEDecoder")]
pub struct PySseDecoder {
    inner: Mutex<SseDecoder>,
}

impl PySseDecoder {
    fn run(&self, bytes: &[u8]) -> Result<Vec<PyServerSentEvent>, NativeError> {
        let mut out = Vec::new();
        lock(&self.inner)?.feed(bytes, |e| {
            out.push(PyServerSentEvent::from(e));
            Ok(())
        })?;
        Ok(out)
    }
}

fn event_list<'py>(
    py: Python<'py>,
    events: Vec<PyServerSentEvent>,
) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for e in events {
        list.append(Bound::new(py, e)?)?;
    }
    Ok(list)
}

#[pymethods]
impl PySseDecoder {
    #[new]
    #[pyo3(signature = (max_event_bytes = 16_777_216))]
    fn new(max_event_bytes: i64) -> PyResult<Self> {
        Ok(Self {
            inner: Mutex::new(SseDecoder::new(limit("max_event_bytes", max_event_bytes)?)),
        })
    }

    fn feed<'py>(&self, py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let events = with_bytes(data, |bytes| {
            if bytes.len() >= DETACH_BYTES {
                py.detach(|| self.run(bytes))
            } else {
                self.run(bytes)
            }
        })??;
        event_list(py, events)
    }

    fn flush<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        lock(&self.inner)?.flush()?;
        Ok(PyList::empty(py))
    }

    #[getter]
    fn max_event_bytes(&self) -> PyResult<usize> {
        Ok(lock(&self.inner)?.max_event_bytes())
    }

    #[getter]
    fn last_event_id(&self) -> PyResult<String> {
        Ok(lock(&self.inner)?.last_event_id().to_owned())
    }

    #[getter]
    fn retry(&self) -> PyResult<Option<u64>> {
        Ok(lock(&self.inner)?.reconnection_time())
    }
}

/// Incremental line splitter (LF, CR, CRLF).
#[pyclass(frozen, module = "fastg4f._native", name = "LineDecoder")]
pub struct PyLineDecoder {
    inner: Mutex<LineSplitter>,
}

impl PyLineDecoder {
    fn run(&self, bytes: &[u8]) -> Result<Vec<Vec<u8>>, NativeError> {
        let mut out = Vec::new();
        lock(&self.inner)?.feed(bytes, |l| {
            out.push(l.to_vec());
            Ok(())
        })?;
        Ok(out)
    }
}

#[pymethods]
impl PyLineDecoder {
    #[new]
    #[pyo3(signature = (max_line_bytes = 16_777_216))]
    fn new(max_line_bytes: i64) -> PyResult<Self> {
        Ok(Self {
            inner: Mutex::new(LineSplitter::new(limit("max_line_bytes", max_line_bytes)?)),
        })
    }

    fn feed<'py>(&self, py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let lines = with_bytes(data, |bytes| {
            if bytes.len() >= DETACH_BYTES {
                py.detach(|| self.run(bytes))
            } else {
                self.run(bytes)
            }
        })??;
        PyList::new(py, lines.iter().map(|l| PyBytes::new(py, l)))
    }

    fn flush<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let last = lock(&self.inner)?.flush()?;
        PyList::new(py, last.iter().map(|l| PyBytes::new(py, l)))
    }

    #[getter]
    fn max_line_bytes(&self) -> PyResult<usize> {
        Ok(lock(&self.inner)?.max_line_bytes())
    }
}

/// Adds this concern's functions and classes to the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyServerSentEvent>()?;
    m.add_class::<PySseDecoder>()?;
    m.add_class::<PyLineDecoder>()?;
    Ok(())
}
