//! Python bindings of the `conversation` concern.

use super::{ConversationDecoder, Deltas, DEFAULT_MAX_DOCUMENT_BYTES};
use crate::errors::NativeError;
use crate::sse::py::{limit, lock, with_bytes, DETACH_BYTES};
use crate::sse::DEFAULT_MAX_BYTES;
use pyo3::prelude::*;
use pyo3::types::PyList;
use std::sync::Mutex;

// The literal defaults in the signatures below (Python sees literals) must match the constants.
const _: () = assert!(DEFAULT_MAX_BYTES == 16_777_216 && DEFAULT_MAX_DOCUMENT_BYTES == 67_108_864);

/// ChatGPT conversation stream decoder: response bytes in, assistant text deltas out.
#[pyclass(frozen, module = "fastg4f._native", name = "ConversationDecoder")]
pub struct PyConversationDecoder {
    inner: Mutex<ConversationDecoder>,
}

impl PyConversationDecoder {
    fn run(&self, bytes: &[u8]) -> Result<Deltas, NativeError> {
        lock(&self.inner)?.feed(bytes)
    }
}

#[pymethods]
impl PyConversationDecoder {
    #[new]
    #[pyo3(signature = (
        *,
        max_event_bytes = 16_777_216,
        max_document_bytes = 67_108_864,
        coalesce = true,
    ))]
    fn new(max_event_bytes: i64, max_document_bytes: i64, coalesce: bool) -> PyResult<Self> {
        Ok(Self {
            inner: Mutex::new(ConversationDecoder::new(
                limit("max_event_bytes", max_event_bytes)?,
                limit("max_document_bytes", max_document_bytes)?,
                coalesce,
            )),
        })
    }

    fn feed<'py>(&self, py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let deltas = with_bytes(data, |bytes| {
            if bytes.len() >= DETACH_BYTES {
                py.detach(|| self.run(bytes))
            } else {
                self.run(bytes)
            }
        })??;
        PyList::new(py, deltas.iter())
    }

    fn flush<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let deltas = lock(&self.inner)?.flush()?;
        PyList::new(py, deltas.iter())
    }

    #[getter]
    fn conversation_id(&self) -> PyResult<Option<String>> {
        Ok(lock(&self.inner)?.conversation_id().map(str::to_owned))
    }

    #[getter]
    fn message_id(&self) -> PyResult<Option<String>> {
        Ok(lock(&self.inner)?.message_id().map(str::to_owned))
    }

    #[getter]
    fn title(&self) -> PyResult<Option<String>> {
        Ok(lock(&self.inner)?.title().map(str::to_owned))
    }

    #[getter]
    fn finished(&self) -> PyResult<bool> {
        Ok(lock(&self.inner)?.finished())
    }

    #[getter]
    fn error(&self) -> PyResult<Option<String>> {
        Ok(lock(&self.inner)?.error().map(str::to_owned))
    }

    #[getter]
    fn delta_encoding(&self) -> PyResult<Option<String>> {
        Ok(lock(&self.inner)?.delta_encoding().map(str::to_owned))
    }

    #[getter]
    fn max_event_bytes(&self) -> PyResult<usize> {
        Ok(lock(&self.inner)?.limits().0)
    }

    #[getter]
    fn max_document_bytes(&self) -> PyResult<usize> {
        Ok(lock(&self.inner)?.limits().1)
    }

    #[getter]
    fn coalesce(&self) -> PyResult<bool> {
        Ok(lock(&self.inner)?.coalesce())
    }
}

/// Adds this concern's functions and classes to the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyConversationDecoder>()?;
    Ok(())
}
