//! One rule for the server's short synchronous locks.

use std::sync::{Mutex, MutexGuard};

/// Locks `m`. A panic while the lock was held cannot leave these maps half-updated (every
/// critical section is a single insert, remove or retain), so a poisoned lock is still usable.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
