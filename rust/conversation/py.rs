//! Python bindings of the `conversation` concern.

// The signatures' defaults cast size constants (far below i64::MAX) to i64.
#![allow(clippy::cast_possible_wrap)]

use super::{ConversationDecoder, Deltas, DEFAULT_MAX_DEPTH, DEFAULT_MAX_DOCUMENT_BYTES};
use crate::pyutil::{feed_bytes, limit, Locked};
use crate::sse::DEFAULT_MAX_BYTES;
use pyo3::prelude::*;
use pyo3::types::PyList;

/// ChatGPT conversation stream decoder: response bytes in, assistant text deltas out.
#[pyclass(frozen, module = "fastg4f._native", name = "ConversationDecoder")]
pub struct PyConversationDecoder {
    inner: Locked<ConversationDecoder>,
}

#[pymethods]
impl PyConversationDecoder {
    #[new]
    #[pyo3(signature = (
        *,
        max_event_bytes = DEFAULT_MAX_BYTES as i64,
        max_document_bytes = DEFAULT_MAX_DOCUMENT_BYTES as i64,
        max_depth = DEFAULT_MAX_DEPTH as i64,
        coalesce = true,
    ))]
    fn new(
        max_event_bytes: i64,
        max_document_bytes: i64,
        max_depth: i64,
        coalesce: bool,
    ) -> PyResult<Self> {
        Ok(Self {
            inner: Locked::new(ConversationDecoder::new(
                limit("max_event_bytes", max_event_bytes, "bytes")?,
                limit("max_document_bytes", max_document_bytes, "bytes")?,
                limit("max_depth", max_depth, "levels")?,
                coalesce,
            )),
        })
    }

    fn feed<'py>(&self, py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let (coalesce, held) = {
            let inner = self.inner.lock()?;
            (inner.coalesce(), inner.held_bytes())
        };
        let mut deltas = Deltas::new(coalesce);
        feed_bytes(py, data, held, |bytes| {
            self.inner.lock()?.feed_into(bytes, &mut deltas)
        })?;
        PyList::new(py, deltas.iter())
    }

    fn flush<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let deltas = self.inner.lock()?.flush()?;
        PyList::new(py, deltas.iter())
    }

    #[getter]
    fn conversation_id(&self) -> PyResult<Option<String>> {
        Ok(self.inner.lock()?.conversation_id().map(str::to_owned))
    }

    #[getter]
    fn message_id(&self) -> PyResult<Option<String>> {
        Ok(self.inner.lock()?.message_id().map(str::to_owned))
    }

    #[getter]
    fn title(&self) -> PyResult<Option<String>> {
        Ok(self.inner.lock()?.title().map(str::to_owned))
    }

    #[getter]
    fn finished(&self) -> PyResult<bool> {
        Ok(self.inner.lock()?.finished())
    }

    #[getter]
    fn error(&self) -> PyResult<Option<String>> {
        Ok(self.inner.lock()?.error().map(str::to_owned))
    }

    #[getter]
    fn delta_encoding(&self) -> PyResult<Option<String>> {
        Ok(self.inner.lock()?.delta_encoding().map(str::to_owned))
    }

    #[getter]
    fn max_event_bytes(&self) -> PyResult<usize> {
        Ok(self.inner.lock()?.limits().0)
    }

    #[getter]
    fn max_document_bytes(&self) -> PyResult<usize> {
        Ok(self.inner.lock()?.limits().1)
    }

    #[getter]
    fn max_depth(&self) -> PyResult<usize> {
        Ok(self.inner.lock()?.limits().2)
    }

    #[getter]
    fn coalesce(&self) -> PyResult<bool> {
        Ok(self.inner.lock()?.coalesce())
    }
}

/// Adds this concern's functions and classes to the native module.
///
/// # Errors
/// When the module refuses an attribute.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("DEFAULT_MAX_DOCUMENT_BYTES", DEFAULT_MAX_DOCUMENT_BYTES)?;
    m.add("DEFAULT_MAX_DEPTH", DEFAULT_MAX_DEPTH)?;
    m.add_class::<PyConversationDecoder>()?;
    Ok(())
}
