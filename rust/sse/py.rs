//! Python bindings of the `sse` concern.

// The signatures' defaults cast size constants (far below i64::MAX) to i64.
#![allow(clippy::cast_possible_wrap)]

use super::{Event, LineSplitter, SseDecoder, DEFAULT_MAX_BYTES};
use crate::pyutil::{feed_bytes, limit, register_fork_handler, Locked};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyList, PyString};

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
    inner: Locked<SseDecoder>,
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
    #[pyo3(signature = (max_event_bytes = DEFAULT_MAX_BYTES as i64))]
    fn new(max_event_bytes: i64) -> PyResult<Self> {
        Ok(Self {
            inner: Locked::new(SseDecoder::new(limit(
                "max_event_bytes",
                max_event_bytes,
                "bytes",
            )?)),
        })
    }

    fn feed<'py>(&self, py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let mut events = Vec::new();
        let held = self.inner.lock()?.held_bytes();
        feed_bytes(py, data, held, |bytes| {
            self.inner.lock()?.feed(bytes, |e| {
                events.push(PyServerSentEvent::from(e));
                Ok(())
            })
        })?;
        event_list(py, events)
    }

    fn flush<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.inner.lock()?.flush()?;
        Ok(PyList::empty(py))
    }

    #[getter]
    fn max_event_bytes(&self) -> PyResult<usize> {
        Ok(self.inner.lock()?.max_event_bytes())
    }

    #[getter]
    fn last_event_id(&self) -> PyResult<String> {
        Ok(self.inner.lock()?.last_event_id().to_owned())
    }

    #[getter]
    fn retry(&self) -> PyResult<Option<u64>> {
        Ok(self.inner.lock()?.reconnection_time())
    }
}

/// Incremental line splitter (LF, CR, CRLF).
#[pyclass(frozen, module = "fastg4f._native", name = "LineDecoder")]
pub struct PyLineDecoder {
    inner: Locked<LineSplitter>,
}

#[pymethods]
impl PyLineDecoder {
    #[new]
    #[pyo3(signature = (max_line_bytes = DEFAULT_MAX_BYTES as i64))]
    fn new(max_line_bytes: i64) -> PyResult<Self> {
        Ok(Self {
            inner: Locked::new(LineSplitter::new(limit(
                "max_line_bytes",
                max_line_bytes,
                "bytes",
            )?)),
        })
    }

    fn feed<'py>(&self, py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let mut lines = Vec::new();
        let held = self.inner.lock()?.held_bytes();
        feed_bytes(py, data, held, |bytes| {
            self.inner.lock()?.feed(bytes, |l| {
                lines.push(l.to_vec());
                Ok(())
            })
        })?;
        PyList::new(py, lines.iter().map(|l| PyBytes::new(py, l)))
    }

    fn flush<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let last = self.inner.lock()?.flush()?;
        PyList::new(py, last.iter().map(|l| PyBytes::new(py, l)))
    }

    #[getter]
    fn max_line_bytes(&self) -> PyResult<usize> {
        Ok(self.inner.lock()?.max_line_bytes())
    }
}

/// Adds this concern's functions and classes to the native module.
///
/// # Errors
/// When the module refuses an attribute.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("DEFAULT_MAX_LINE_BYTES", DEFAULT_MAX_BYTES)?;
    m.add("DEFAULT_MAX_EVENT_BYTES", DEFAULT_MAX_BYTES)?;
    register_fork_handler(m)?;
    m.add_class::<PyServerSentEvent>()?;
    m.add_class::<PySseDecoder>()?;
    m.add_class::<PyLineDecoder>()?;
    Ok(())
}
