//! The one mapping of [`NativeError`] to the Python exceptions of `fastg4f.errors`.

use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::PyErr;

use super::NativeError;

pyo3::import_exception!(fastg4f.errors, ProofOfWorkError);
pyo3::import_exception!(fastg4f.errors, StreamDecodeError);

impl From<NativeError> for PyErr {
    fn from(err: NativeError) -> PyErr {
        match err {
            NativeError::InvalidArgument(m) => PyValueError::new_err(m),
            NativeError::WrongType(m) => PyTypeError::new_err(m),
            NativeError::ProofOfWork(m) => ProofOfWorkError::new_err(m),
            NativeError::StreamDecode(m) => StreamDecodeError::new_err(m),
            NativeError::Os(m) => PyOSError::new_err(m),
        }
    }
}

#[cfg(test)]
mod tests {
    use pyo3::prelude::*;
    use pyo3::types::PyDict;

    use super::NativeError;

    /// The Python class each variant raises. The `match` has no wildcard: a new variant does not
    /// compile until it is listed here (and so tested).
    fn expected(err: &NativeError) -> &'static str {
        match err {
            NativeError::InvalidArgument(_) => "builtins.ValueError",
            NativeError::WrongType(_) => "builtins.TypeError",
            NativeError::ProofOfWork(_) => "fastg4f.errors.ProofOfWorkError",
            NativeError::StreamDecode(_) => "fastg4f.errors.StreamDecodeError",
            NativeError::Os(_) => "builtins.OSError",
        }
    }

    /// Makes `fastg4f.errors` importable from the sources without running the package's
    /// `__init__` (which would load the built extension).
    fn load_errors_module(py: Python<'_>) -> PyResult<()> {
        let package = concat!(env!("CARGO_MANIFEST_DIR"), "/python/fastg4f");
        let locals = PyDict::new(py);
        locals.set_item("package", package)?;
        py.run(
            c"import sys, types\n\
              stub = types.ModuleType('fastg4f')\n\
              stub.__path__ = [package]\n\
              sys.modules['fastg4f'] = stub\n\
              import fastg4f.errors\n",
            None,
            Some(&locals),
        )
    }

    #[test]
    fn each_variant_maps_to_its_python_class() {
        Python::initialize();
        Python::attach(|py| {
            load_errors_module(py).expect("fastg4f/errors.py loads");
            for err in [
                NativeError::InvalidArgument("a".into()),
                NativeError::WrongType("b".into()),
                NativeError::ProofOfWork("c".into()),
                NativeError::StreamDecode("d".into()),
                NativeError::Os("e".into()),
            ] {
                let want = expected(&err);
                let message = err.to_string();
                let value = pyo3::PyErr::from(err).into_value(py);
                let class = value.bind(py).get_type();
                let name = format!(
                    "{}.{}",
                    class.module().expect("module"),
                    class.qualname().expect("qualname")
                );
                assert_eq!(name, want);
                assert_eq!(value.bind(py).str().expect("str").to_string(), message);
                // Every native error is an `Exception`, so `except Exception` (fail-over) sees it.
                assert!(value
                    .bind(py)
                    .is_instance_of::<pyo3::exceptions::PyException>());
            }
        });
    }
}
