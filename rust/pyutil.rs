//! Helpers shared by the Python bindings (`*/py.rs`): argument checks, byte input, and the lock
//! that makes a decoder safe to share between threads and across `fork`.

use crate::errors::NativeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};

/// Inputs at least this large are decoded with the GIL released (below it, releasing and
/// re-taking the GIL costs more than it lets other threads gain: measured single-threaded on a
/// v1 stream, releasing it for every call costs 17% at 7-byte chunks, 10% at 64, 1% at 512 and
/// nothing measurable from 1 KiB).
pub(crate) const DETACH_BYTES: usize = 1024;

/// A decoder holding at least this much (an unfinished line or event, documents) decodes every
/// input with the GIL released, however small: a few bytes can complete a held event or make the
/// decoder re-read its documents, work in proportion to what it holds.
pub(crate) const DETACH_HELD_BYTES: usize = 64 * 1024;

/// A `bytearray` (mutable: it cannot be read with the GIL released) is copied in pieces of this
/// size, so that a huge input never costs a second copy of itself.
const BYTEARRAY_PIECE: usize = 64 * 1024;

/// Feeds the bytes of a `bytes` or `bytearray` object to `f`, with the GIL released for inputs
/// of at least `DETACH_BYTES` and for every input when the decoder holds `held` bytes of at least
/// `DETACH_HELD_BYTES`. A `bytearray` is fed in pieces (copied while the GIL is held).
pub(crate) fn feed_bytes<F>(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    held: usize,
    mut f: F,
) -> PyResult<()>
where
    F: FnMut(&[u8]) -> Result<(), NativeError> + Send,
{
    let mut run = |bytes: &[u8]| {
        if bytes.len() >= DETACH_BYTES || held >= DETACH_HELD_BYTES {
            py.detach(|| f(bytes))
        } else {
            f(bytes)
        }
    };
    if let Ok(b) = data.cast::<PyBytes>() {
        return Ok(run(b.as_bytes())?);
    }
    if let Ok(b) = data.cast::<PyByteArray>() {
        let mut start = 0;
        loop {
            // SAFETY: the GIL is held and no Python code runs while the slice is borrowed, so
            // the bytearray cannot be resized or freed during the copy.
            let piece = unsafe { b.as_bytes() }
                .get(start..)
                .map(|rest| rest[..rest.len().min(BYTEARRAY_PIECE)].to_vec())
                .unwrap_or_default();
            if piece.is_empty() {
                return Ok(());
            }
            start += piece.len();
            run(&piece)?;
        }
    }
    let name = data
        .get_type()
        .name()
        .map_or_else(|_| String::from("?"), |n| n.to_string());
    Err(NativeError::WrongType(format!("feed() takes bytes or bytearray, not {name}")).into())
}

/// Checks a positive size limit given from Python (`unit` names what it counts).
pub(crate) fn limit(name: &str, value: i64, unit: &str) -> Result<usize, NativeError> {
    usize::try_from(value)
        .ok()
        .filter(|&v| v > 0)
        .ok_or_else(|| {
            NativeError::InvalidArgument(format!(
                "{name} must be a positive number of {unit}, got {value}"
            ))
        })
}

/// Incremented in a child process after `fork` (see `register_fork_handler`).
static FORK_GENERATION: AtomicU64 = AtomicU64::new(0);
const FREE: u64 = u64::MAX;

/// A decoder's state behind a lock: calls from several threads are serialised. A lock held by a
/// thread of the parent process when the process forked (that thread does not exist in the
/// child) is reported as an error in the child instead of blocking forever.
pub(crate) struct Locked<T> {
    inner: Mutex<T>,
    // The fork generation of the holder, or `FREE`.
    holder: AtomicU64,
}

/// The lock of a `Locked` value, held.
pub(crate) struct Guard<'a, T> {
    guard: MutexGuard<'a, T>,
    holder: &'a AtomicU64,
}

impl<T> Locked<T> {
    pub(crate) fn new(value: T) -> Self {
        Self {
            inner: Mutex::new(value),
            holder: AtomicU64::new(FREE),
        }
    }

    /// Locks the state; a lock poisoned by a panic, or held across a `fork` by a thread that
    /// does not exist in this process, is reported, not waited for or reused.
    pub(crate) fn lock(&self) -> Result<Guard<'_, T>, NativeError> {
        let unusable = |why: &str| {
            NativeError::StreamDecode(format!("the decoder is unusable {why}; create a new one"))
        };
        let guard = match self.inner.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(_)) => return Err(unusable("after an internal error")),
            Err(TryLockError::WouldBlock) => {
                let holder = self.holder.load(Ordering::Acquire);
                if holder != FREE && holder < FORK_GENERATION.load(Ordering::Acquire) {
                    return Err(unusable(
                        "in this process: another thread was using it when the process forked",
                    ));
                }
                self.inner
                    .lock()
                    .map_err(|_| unusable("after an internal error"))?
            }
        };
        self.holder
            .store(FORK_GENERATION.load(Ordering::Acquire), Ordering::Release);
        Ok(Guard {
            guard,
            holder: &self.holder,
        })
    }
}

impl<T> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        // Runs before the mutex guard (a field) is dropped.
        self.holder.store(FREE, Ordering::Release);
    }
}

impl<T> Deref for Guard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for Guard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

#[pyfunction]
fn after_fork_in_child() {
    FORK_GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// Registers the child-side `fork` hook that lets `Locked` tell stale locks from busy ones.
pub(crate) fn register_fork_handler(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let kwargs = PyDict::new(py);
    kwargs.set_item("after_in_child", wrap_pyfunction!(after_fork_in_child, m)?)?;
    py.import("os")?
        .getattr("register_at_fork")?
        .call((), Some(&kwargs))?;
    Ok(())
}
