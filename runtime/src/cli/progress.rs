//! A progress bar on stderr for `migrate`, when stderr is a terminal and neither `-q` nor `-v`
//! is given, shown once the run applies several migrations or one runs for more than a second
//! (a long index build). Redrawn by a small thread so the clock moves during a long statement.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::progress::Progress;

/// Shown from this many pending migrations on, or ...
const MANY: usize = 3;
/// ... once one migration runs this long.
const LONG: Duration = Duration::from_secs(1);
const REDRAW: Duration = Duration::from_millis(100);

#[derive(Default)]
struct State {
    done: usize,
    total: usize,
    current: Option<(String, Instant)>,
    shown: bool,
}

/// The bar; clears its line when dropped.
pub(crate) struct Bar {
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

impl Bar {
    pub(crate) fn start() -> Bar {
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::Builder::new()
                .name("pgshift-progress".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(REDRAW);
                        if let Ok(mut s) = state.lock() {
                            draw(&mut s);
                        }
                    }
                })
                .ok()
        };
        Bar {
            state,
            stop,
            ticker,
        }
    }

    /// The callback for [`Migrator::on_progress`](crate::Migrator::on_progress).
    pub(crate) fn observer(&self) -> impl Fn(Progress<'_>) + Send + Sync + 'static {
        let state = self.state.clone();
        move |event| {
            let Ok(mut s) = state.lock() else { return };
            match event {
                Progress::Started { id, number, total } => {
                    s.done = number - 1;
                    s.total = total;
                    s.current = Some((id.to_string(), Instant::now()));
                }
                Progress::Finished { number, total, .. } => {
                    s.done = number;
                    s.total = total;
                    s.current = None;
                }
            }
            draw(&mut s);
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        if self.state.lock().is_ok_and(|s| s.shown) {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

fn draw(s: &mut State) {
    let running = s.current.as_ref().map(|(id, t)| (id.as_str(), t.elapsed()));
    let worth_it = s.total >= MANY || running.is_some_and(|(_, e)| e >= LONG);
    if !worth_it && !s.shown {
        return;
    }
    s.shown = true;
    let line = render(s.done, s.total, running);
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[2K{line}");
    let _ = err.flush();
}

/// `[#########---------------] 3/8 202412010004_index_active_cases 2.4s`
fn render(done: usize, total: usize, running: Option<(&str, Duration)>) -> String {
    const WIDTH: usize = 24;
    let filled = (done * WIDTH).checked_div(total).unwrap_or(0).min(WIDTH);
    let mut line = format!(
        "[{}{}] {done}/{total}",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled)
    );
    if let Some((id, elapsed)) = running {
        let id: String = id.chars().take(48).collect();
        line.push_str(&format!(" {id} {:.1}s", elapsed.as_secs_f64()));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_the_applied_share() {
        assert_eq!(render(0, 4, None), "[------------------------] 0/4");
        assert_eq!(
            render(2, 4, Some(("1_a", Duration::from_millis(2500)))),
            "[############------------] 2/4 1_a 2.5s"
        );
        assert_eq!(render(4, 4, None), "[########################] 4/4");
        assert_eq!(render(0, 0, None), "[------------------------] 0/0");
    }
}
