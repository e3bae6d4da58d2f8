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

/// A dotted name as written (`schema.table` or `table`, unquoted and already case-folded by
/// the analysis) as a quoted SQL name.
pub(crate) fn qualified(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((schema, table)) => format!("{}.{}", ident(schema), ident(table)),
        None => ident(name),
    }
}

/// A duration as a PostgreSQL time literal in milliseconds (`'5000ms'`). Zero means "no
/// limit", as in PostgreSQL; anything shorter than a millisecond is rounded up to one, and
/// anything longer than PostgreSQL accepts (about 24 days) is capped.
pub(crate) fn millis(d: std::time::Duration) -> String {
    let ms = if d.is_zero() {
        0
    } else {
        d.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128)
    };
    format!("'{ms}ms'")
}

/// 1-based line and character column of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line as u32, column as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncé x", 7), (2, 4));
        assert_eq!(line_col("a", 0), (1, 1));
    }

    #[test]
    fn millis_never_turns_a_limit_into_none() {
        use std::time::Duration;
        assert_eq!(millis(Duration::ZERO), "'0ms'");
        assert_eq!(millis(Duration::from_micros(10)), "'1ms'");
        assert_eq!(millis(Duration::from_millis(1500)), "'1500ms'");
        assert_eq!(millis(Duration::from_secs(u64::MAX)), "'2147483647ms'");
    }

    #[test]
    fn quoting() {
        assert_eq!(qualified("s.Cases"), "\"s\".\"Cases\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("it's a \\ path"), "E'it''s a \\\\ path'");
    }
}
