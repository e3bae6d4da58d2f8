//! The embedded set: two literals that `pgshift` decodes on first use
//! (`runtime/src/embedded.rs` holds the decoder and the same grammar).
//!
//! - `texts`, one string: the folder as the user wrote it (with its `/`), then per migration
//!   its *section*: the up file's text, the down file's text, the id, and any string the table
//!   needs that is not already in the section.
//! - `table`, one byte string: everything else, as LEB128 integers and raw checksums.
//!
//! Nothing that can be derived is stored: the version and name come from the id, a file's
//! display path from the folder and the id, a file's byte checksum is hashed from its text,
//! and a statement's line and column are counted from its offset (stored only when counting
//! disagrees). Strings are references into the section, usually into the statement's own text
//! (`t1` of `CREATE TABLE t1`). One literal pair instead of per-item constants keeps rustc's
//! work per migration small and the binary close to the SQL's own size: see
//! docs/BENCHMARKS.md, "Compile time".
//!
//! ```text
//! table     := uint(folder_len) migration*
//! migration := uint(up_len) uint(down_len) uint(id_len) uint(extra_len)
//!              byte[32](up tokens checksum) byte[32](down tokens checksum)
//!              uint(uses) (uint(added_in) ref(value))* script(up) script(down)
//! script    := uint(statements) statement*
//! statement := byte(kind << 2 | mode) byte(flags) uint(start - previous end) uint(end - start)
//!              [uint(line) uint(column)]      if flags & POSITION
//!              [ref(transactional_sql)]      if mode = CONCURRENTLY
//!              [ref(table)]                  if flags & 3 = TABLE_REF
//!              [ref(object)]                 if flags & OBJECT
//!              [ref(concurrent_sql)]         if flags & CONCURRENT
//! mode      := 0 transactional | 1 autocommit | 2 concurrently
//! flags     := bits 0-1 table: 0 none, 1 the previous statement's table in this migration,
//!              2 a ref; bit 2 OBJECT; bit 3 CONCURRENT; bit 4 POSITION
//! ref       := uint(offset in the section) uint(len)
//! uint      := LEB128
//! ```

use pgshift_core::{AnalyzedFile, AnalyzedMigration, StatementKind, TransactionMode};

pub const MODE_TRANSACTIONAL: u8 = 0;
pub const MODE_AUTOCOMMIT: u8 = 1;
pub const MODE_CONCURRENTLY: u8 = 2;
pub const TABLE_NONE: u8 = 0;
pub const TABLE_PREVIOUS: u8 = 1;
pub const TABLE_REF: u8 = 2;
pub const OBJECT: u8 = 4;
pub const CONCURRENT: u8 = 8;
pub const POSITION: u8 = 16;

/// What the macro emits for a set.
pub struct Embedded {
    /// The `table` literal.
    pub table: Vec<u8>,
    /// The `texts` literal.
    pub texts: String,
}

fn uint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn checksum(out: &mut Vec<u8>, hex: &str) -> Result<(), String> {
    if hex.len() != 64 {
        return Err(format!("checksum `{hex}` is not 64 hex digits"));
    }
    for pair in hex.as_bytes().chunks(2) {
        let pair = std::str::from_utf8(pair).map_err(|e| e.to_string())?;
        out.push(u8::from_str_radix(pair, 16).map_err(|e| format!("checksum `{hex}`: {e}"))?);
    }
    Ok(())
}

/// A migration's section while it is written: where it starts in `texts`, and its strings that
/// are not in the files.
struct Section<'a> {
    texts: &'a mut String,
    start: usize,
    /// Where the strings added after the id start (offset in `texts`).
    extra_start: usize,
}

impl Section<'_> {
    /// A reference to `s`: inside `within` (a range of the section) if found there, else among
    /// the extra strings, appended when new. Searching only the statement and the extras keeps
    /// a 50,000-statement file linear.
    fn reference(&mut self, out: &mut Vec<u8>, within: (usize, usize), s: &str) {
        let found = self
            .texts
            .get(within.0..within.1)
            .and_then(|t| t.find(s))
            .map(|i| within.0 + i)
            .or_else(|| {
                self.texts[self.extra_start..]
                    .find(s)
                    .map(|i| self.extra_start + i)
            });
        let at = found.unwrap_or_else(|| {
            let at = self.texts.len();
            self.texts.push_str(s);
            at
        });
        uint(out, (at - self.start) as u64);
        uint(out, s.len() as u64);
    }
}

/// The line and column of byte `offset` of `text`, counted the way `pgshift-core` does (and
/// the decoder), incrementally from an earlier `(offset, line, line_start)`.
fn advance(text: &str, from: (usize, u32, usize), offset: usize) -> (usize, u32, usize) {
    let (at, mut line, mut line_start) = from;
    for (i, b) in text.as_bytes()[at..offset].iter().enumerate() {
        if *b == b'\n' {
            line += 1;
            line_start = at + i + 1;
        }
    }
    (offset, line, line_start)
}

fn script(
    out: &mut Vec<u8>,
    section: &mut Section<'_>,
    file: &AnalyzedFile,
    text_start: usize,
    previous_table: &mut Option<String>,
) -> Result<(), String> {
    let text = file.source.text.as_str();
    uint(out, file.statements.len() as u64);
    let mut previous_end = 0;
    let mut cursor = (0, 1, 0);
    for s in &file.statements {
        if s.start < previous_end || s.end < s.start || s.end > text.len() {
            return Err(format!(
                "statement offsets {}..{} of `{}` are out of order",
                s.start, s.end, file.source.display
            ));
        }
        let kind = StatementKind::ALL
            .iter()
            .position(|k| *k == s.class.kind)
            .ok_or_else(|| format!("statement kind {} has no index", s.class.kind.name()))?;
        let (mode, transactional_sql) = match &s.class.transaction {
            TransactionMode::Concurrently { transactional_sql } => {
                (MODE_CONCURRENTLY, Some(transactional_sql.as_str()))
            }
            TransactionMode::Autocommit => (MODE_AUTOCOMMIT, None),
            _ => (MODE_TRANSACTIONAL, None),
        };
        let table = s.class.table.as_ref().map(ToString::to_string);
        let mut flags = match &table {
            None => TABLE_NONE,
            Some(t) if previous_table.as_ref() == Some(t) => TABLE_PREVIOUS,
            Some(_) => TABLE_REF,
        };
        if s.class.object.is_some() {
            flags |= OBJECT;
        }
        if s.class.concurrent_sql.is_some() {
            flags |= CONCURRENT;
        }
        cursor = advance(text, cursor, s.start);
        let column = text
            .get(cursor.2..s.start)
            .map(|t| t.chars().count() as u32 + 1);
        let counted = (cursor.1, column) == (s.position.line, Some(s.position.column));
        if !counted {
            flags |= POSITION;
        }
        out.push(((kind as u8) << 2) | mode);
        out.push(flags);
        uint(out, (s.start - previous_end) as u64);
        uint(out, (s.end - s.start) as u64);
        previous_end = s.end;
        if !counted {
            uint(out, u64::from(s.position.line));
            uint(out, u64::from(s.position.column));
        }
        let within = (text_start + s.start, text_start + s.end);
        if let Some(sql) = transactional_sql {
            section.reference(out, within, sql);
        }
        if flags & 3 == TABLE_REF {
            let table = table.as_deref().unwrap_or_default();
            section.reference(out, within, table);
        }
        if table.is_some() {
            *previous_table = table;
        }
        if let Some(object) = &s.class.object {
            section.reference(out, within, object);
        }
        if let Some(sql) = &s.class.concurrent_sql {
            section.reference(out, within, sql);
        }
    }
    Ok(())
}

/// The literals for `migrations`. An error is a broken invariant of the analysis (a bug),
/// never a problem of the user's files.
pub fn embed(migrations: &[AnalyzedMigration]) -> Result<Embedded, String> {
    let mut table = Vec::new();
    let mut texts = String::new();
    // Every display path is `folder + id + ".up.sql"` (or `.down.sql`): store the folder once.
    let folder = match migrations.first() {
        Some(m) => {
            m.up.source
                .display
                .strip_suffix(&format!("{}.up.sql", m.id))
                .ok_or_else(|| format!("`{}` is not named after its id", m.up.source.display))?
        }
        None => "",
    };
    texts.push_str(folder);
    uint(&mut table, folder.len() as u64);
    for m in migrations {
        let (version, name) = m.id.split_once('_').unwrap_or_default();
        if name != m.name || version.parse::<i64>().ok() != Some(m.version) || m.version < 0 {
            return Err(format!(
                "id `{}` is not version {} and name `{}`",
                m.id, m.version, m.name
            ));
        }
        for (file, suffix) in [(&m.up, ".up.sql"), (&m.down, ".down.sql")] {
            if file.source.display != format!("{folder}{}{suffix}", m.id) {
                return Err(format!(
                    "`{}` is not in the folder `{folder}` or not named after its id",
                    file.source.display
                ));
            }
        }
        let start = texts.len();
        texts.push_str(&m.up.source.text);
        texts.push_str(&m.down.source.text);
        texts.push_str(&m.id);
        let extra_start = texts.len();
        let mut body = Vec::new();
        let mut section = Section {
            texts: &mut texts,
            start,
            extra_start,
        };
        uint(&mut body, m.enum_value_uses.len() as u64);
        for u in &m.enum_value_uses {
            let added_in = u64::try_from(u.added_in).map_err(|e| e.to_string())?;
            uint(&mut body, added_in);
            section.reference(&mut body, (extra_start, extra_start), &u.value);
        }
        let mut previous_table = None;
        script(&mut body, &mut section, &m.up, start, &mut previous_table)?;
        let down_start = start + m.up.source.text.len();
        script(
            &mut body,
            &mut section,
            &m.down,
            down_start,
            &mut previous_table,
        )?;
        uint(&mut table, m.up.source.text.len() as u64);
        uint(&mut table, m.down.source.text.len() as u64);
        uint(&mut table, m.id.len() as u64);
        uint(&mut table, (texts.len() - extra_start) as u64);
        checksum(&mut table, &m.up.tokens_checksum)?;
        checksum(&mut table, &m.down.tokens_checksum)?;
        table.extend_from_slice(&body);
    }
    Ok(Embedded { table, texts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_leb128() {
        let mut out = Vec::new();
        for v in [0, 127, 128, 300, 202_501_010_001] {
            uint(&mut out, v);
        }
        assert_eq!(&out[..5], [0, 127, 0x80, 1, 0xac]);
        assert_eq!(out.len(), 1 + 1 + 2 + 2 + 6);
    }

    #[test]
    fn lines_are_counted_forward() {
        let text = "a;\r\n  é b;\n\nc";
        let at_b = advance(text, (0, 1, 0), 9);
        assert_eq!((at_b.1, &text[at_b.2..9]), (2, "  é "));
        assert_eq!(advance(text, at_b, text.len() - 1).1, 4);
    }
}
