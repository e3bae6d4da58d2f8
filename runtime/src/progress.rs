//! Progress events of `migrate`, for displays that show work as it happens (the command
//! line's progress bar). A plain callback: no thread, no allocation when nobody listens.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// What [`Migrator::migrate`](crate::Migrator::migrate) is doing, reported to the callback of
/// [`Migrator::on_progress`](crate::Migrator::on_progress).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// A pending migration starts (`number` is 1-based, out of `total` pending ones).
    Started {
        /// Its id.
        id: &'a str,
        /// Its place among the pending migrations, from 1.
        number: usize,
        /// How many migrations this run applies.
        total: usize,
    },
    /// It was applied.
    Finished {
        /// Its id.
        id: &'a str,
        /// Its place among the pending migrations, from 1.
        number: usize,
        /// How many migrations this run applies.
        total: usize,
        /// How long it took.
        duration: Duration,
    },
}

type Callback = dyn Fn(Progress<'_>) + Send + Sync;

/// The callback, if any (cloned with the migrator).
#[derive(Clone, Default)]
pub(crate) struct Observer(Option<Arc<Callback>>);

impl Observer {
    pub(crate) fn new(f: impl Fn(Progress<'_>) + Send + Sync + 'static) -> Self {
        Observer(Some(Arc::new(f)))
    }

    pub(crate) fn emit(&self, event: Progress<'_>) {
        if let Some(f) = &self.0 {
            f(event);
        }
    }
}

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Observer(set)"
        } else {
            "Observer(none)"
        })
    }
}
