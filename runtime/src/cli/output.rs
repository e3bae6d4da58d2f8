//! Where text goes and how it looks: results on stdout, notes and errors on stderr, colours
//! only on a terminal and never with `NO_COLOR`, and a logger for `-v`.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use super::args::Options;
use super::errors::Failure;

/// A colour or weight (hand-rolled ANSI SGR codes: four of them need no crate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Style {
    /// Success.
    Green,
    /// Errors.
    Red,
    /// Warnings.
    Yellow,
    /// Emphasis.
    Bold,
    /// Less important details.
    Dim,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Green => "32",
            Style::Red => "31;1",
            Style::Yellow => "33",
            Style::Bold => "1",
            Style::Dim => "2",
        }
    }
}

/// The command line's output channel.
#[derive(Clone, Debug)]
pub struct Output {
    quiet: bool,
    verbose: u8,
    stdout_color: bool,
    stderr_color: bool,
    stderr_tty: bool,
}

/// Whether colours are allowed at all: `NO_COLOR` unset or empty (<https://no-color.org>).
fn colors_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

impl Output {
    /// Output for these options: `-q` keeps only errors and requested data, `-v` adds notes.
    pub fn new(options: &Options) -> Self {
        let allowed = colors_allowed();
        let stderr_tty = std::io::stderr().is_terminal();
        Output {
            quiet: options.quiet,
            verbose: options.verbose,
            stdout_color: allowed && std::io::stdout().is_terminal(),
            stderr_color: allowed && stderr_tty,
            stderr_tty,
        }
    }

    /// Whether `-q` was given.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// How many `-v` were given.
    pub fn verbosity(&self) -> u8 {
        self.verbose
    }

    /// Whether a progress bar may be drawn: stderr is a terminal, no `-q`, no `-v` (which
    /// prints each step as a line instead).
    pub fn shows_progress(&self) -> bool {
        self.stderr_tty && !self.quiet && self.verbose == 0
    }

    /// `text` in `style` when stdout is a terminal and colours are allowed.
    pub fn paint(&self, style: Style, text: &str) -> String {
        paint(self.stdout_color, style, text)
    }

    /// `text` in `style` when stderr is a terminal and colours are allowed.
    pub fn paint_err(&self, style: Style, text: &str) -> String {
        paint(self.stderr_color, style, text)
    }

    /// A result line on stdout (not with `-q`).
    pub fn line(&self, text: impl AsRef<str>) {
        if !self.quiet {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", text.as_ref());
        }
    }

    /// Data the command was asked for (JSON, a file's text): on stdout even with `-q`.
    pub fn data(&self, text: impl AsRef<str>) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", text.as_ref());
    }

    /// A note about what the command does (the database it chose, ...): stderr, not with `-q`.
    pub fn note(&self, text: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", paint(self.stderr_color, Style::Dim, text.as_ref()));
        }
    }

    /// A warning on stderr (not with `-q`).
    pub fn warn(&self, text: impl AsRef<str>) {
        if !self.quiet {
            eprintln!(
                "{} {}",
                paint(self.stderr_color, Style::Yellow, "warning:"),
                text.as_ref()
            );
        }
    }

    /// The failure on stderr: `error: what` and `  to fix: what to do`. Always printed.
    pub fn failure(&self, failure: &Failure) {
        eprintln!(
            "{} {}",
            paint(self.stderr_color, Style::Red, "error:"),
            failure.what
        );
        if let Some(todo) = &failure.todo {
            eprintln!(
                "  {} {todo}",
                paint(self.stderr_color, Style::Bold, "to fix:")
            );
        }
    }

    /// Routes the library's `log` records to stderr: warnings by default, each step with
    /// `-v`, debug details with `-vv`, nothing with `-q`. Does nothing when the program
    /// already installed a logger.
    pub fn install_logger(&self) {
        let level = match (self.quiet, self.verbose) {
            (true, _) => log::LevelFilter::Off,
            (false, 0) => log::LevelFilter::Warn,
            (false, 1) => log::LevelFilter::Info,
            (false, _) => log::LevelFilter::Debug,
        };
        LOGGER_COLOR.store(self.stderr_color, Ordering::Relaxed);
        LOGGER_TTY.store(self.stderr_tty, Ordering::Relaxed);
        if log::set_logger(&LOGGER).is_ok() {
            log::set_max_level(level);
        }
    }
}

fn paint(on: bool, style: Style, text: &str) -> String {
    if on {
        format!("\x1b[{}m{text}\x1b[0m", style.code())
    } else {
        text.to_string()
    }
}

static LOGGER_COLOR: AtomicBool = AtomicBool::new(false);
/// On a terminal a record first clears the line, where a progress bar may stand.
static LOGGER_TTY: AtomicBool = AtomicBool::new(false);
static LOGGER: StderrLogger = StderrLogger;

struct StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        // Errors reach the user as the command's failure, printed once by `Output::failure`.
        if !self.enabled(record.metadata()) || record.level() == log::Level::Error {
            return;
        }
        let color = LOGGER_COLOR.load(Ordering::Relaxed);
        let prefix = match record.level() {
            log::Level::Warn => paint(color, Style::Yellow, "warning:"),
            log::Level::Info => paint(color, Style::Dim, "  >"),
            _ => paint(color, Style::Dim, "  debug:"),
        };
        let clear = if LOGGER_TTY.load(Ordering::Relaxed) {
            "\r\x1b[2K"
        } else {
            ""
        };
        eprintln!("{clear}{prefix} {}", record.args());
    }

    fn flush(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_adds_codes_only_when_on() {
        assert_eq!(paint(false, Style::Green, "ok"), "ok");
        assert_eq!(paint(true, Style::Green, "ok"), "\x1b[32mok\x1b[0m");
    }
}
