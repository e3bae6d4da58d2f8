//! Quoting for the SQL pgshift writes itself (history rows travel in the same simple-protocol
//! message as the migration, so they are literals, not parameters).

/// `"ident"` with inner quotes doubled.
pub(crate) fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `E'text'` with quotes and backslashes escaped: correct whatever
/// `standard_conforming_strings` is set to.
pub(crate) fn literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 3);
    out.push_str("E'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A duration as a PostgreSQL interval literal in milliseconds (`'5000ms'`); zero disables.
pub(crate) fn millis(d: std::time::Duration) -> String {
    format!("'{}ms'", d.as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("it's a \\ path"), "E'it''s a \\\\ path'");
    }
}
