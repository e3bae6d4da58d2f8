//! Problems found in a migration folder, with enough context to print them like rustc does.

use std::fmt;

/// How serious a [`Diagnostic`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// The migration set must not be used: the build fails.
    Error,
    /// Worth knowing; never fails a build.
    Advice,
}

impl Severity {
    /// `"error"` or `"advice"`, as printed and as used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Advice => "advice",
        }
    }
}

/// A position in a file: 1-based line and column (columns count characters, as rustc does).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Position {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// One problem in a migration folder: what is wrong, where, why it matters and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable identifier: a rule id (`drop-column`) or a check id (`missing-down-file`).
    pub code: &'static str,
    /// Whether this fails the build.
    pub severity: Severity,
    /// The file as the user wrote its folder (`db/managed-migrations/x.up.sql`), or the folder.
    pub file: String,
    /// Where in `file`, when the problem has a place inside it.
    pub position: Option<Position>,
    /// First line: what is wrong.
    pub message: String,
    /// Why it is a problem (for guardrails: what breaks in production).
    pub why: Option<String>,
    /// The safe alternative, as one imperative sentence.
    pub help: Option<String>,
    /// The source line at `position`, and how many characters to underline there.
    pub snippet: Option<Snippet>,
}

/// The line of source a diagnostic points into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippet {
    /// The whole line, without its line break.
    pub line_text: String,
    /// How many characters to underline, starting at the diagnostic's column (at least 1).
    pub width: usize,
}

impl Diagnostic {
    /// A diagnostic about a whole file or folder, without a position.
    pub fn new(code: &'static str, file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            file: file.into(),
            position: None,
            message: message.into(),
            why: None,
            help: None,
            snippet: None,
        }
    }

    /// Sets the explanation of why this is a problem.
    pub fn why(mut self, why: impl Into<String>) -> Self {
        self.why = Some(why.into());
        self
    }

    /// Sets the safe alternative.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Points the diagnostic at a byte offset of `text`, underlining `len` bytes.
    pub fn at(self, text: &str, offset: usize, len: usize) -> Self {
        self.at_indexed(&crate::source::LineIndex::new(text), text, offset, len)
    }

    /// [`Diagnostic::at`] with the line index of `text` built already (many diagnostics in one
    /// file then cost one index, not one each).
    pub fn at_indexed(
        mut self,
        index: &crate::source::LineIndex,
        text: &str,
        offset: usize,
        len: usize,
    ) -> Self {
        let position = index.position(text, offset);
        let line_text = index.line_text(text, position.line).to_string();
        let end = (offset + len.max(1)).min(text.len());
        let underlined = text
            .get(offset.min(text.len())..end)
            .map(|s| s.lines().next().unwrap_or("").chars().count())
            .unwrap_or(1);
        self.position = Some(position);
        self.snippet = Some(Snippet {
            line_text,
            width: underlined.max(1),
        });
        self
    }

    /// Whether this diagnostic fails the build.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `path:line:column`, or just the path when there is no position.
    pub fn location(&self) -> String {
        match self.position {
            Some(p) => format!("{}:{}:{}", self.file, p.line, p.column),
            None => self.file.clone(),
        }
    }
}

/// Renders like rustc: the message, `--> path:line:col`, the source line with a caret,
/// then `= why:` and `= help:` notes.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.code, self.message)?;
        let gutter = match (&self.position, &self.snippet) {
            (Some(p), Some(_)) => p.line.to_string().len(),
            _ => 1,
        };
        let pad = " ".repeat(gutter);
        write!(f, "\n{pad}--> {}", self.location())?;
        if let (Some(p), Some(s)) = (&self.position, &self.snippet) {
            let caret_pad: String = s
                .line_text
                .chars()
                .take(p.column.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(
                f,
                "\n{pad} |\n{} | {}\n{pad} | {}{}",
                p.line,
                s.line_text,
                caret_pad,
                "^".repeat(s.width)
            )?;
        }
        if let Some(why) = &self.why {
            write!(f, "\n{pad} = why: {why}")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n{pad} = help: {help}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_snippet_and_notes() {
        let text = "CREATE TABLE a (id int);\nALTER TABLE a DROP COLUMN id;\n";
        let offset = text.find("DROP").unwrap();
        let d = Diagnostic::new("drop-column", "db/x.up.sql", "dropping column")
            .at(text, offset, 4)
            .why("it breaks")
            .help("do not");
        assert_eq!(
            d.to_string(),
            "[drop-column] dropping column\n --> db/x.up.sql:2:15\n  |\n2 | ALTER TABLE a DROP COLUMN id;\n  |               ^^^^\n  = why: it breaks\n  = help: do not"
        );
    }

    #[test]
    fn renders_file_level_problem_without_snippet() {
        let d = Diagnostic::new("missing-down-file", "db/1_a.up.sql", "no down file");
        assert_eq!(
            d.to_string(),
            "[missing-down-file] no down file\n --> db/1_a.up.sql"
        );
    }
}
