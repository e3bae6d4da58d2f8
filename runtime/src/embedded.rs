//! Decoding what `embed_migrations!()` emits: a byte table and one string of texts (grammar in
//! `macros/src/encode.rs`), decoded on first use. SQL, ids, names and table names borrow from
//! the texts; what the table leaves out is derived here without parsing SQL: version and name
//! from the id, display paths from the folder and the id, byte checksums by hashing the text,
//! line and column by counting from the statement's offset.
//!
//! The macro and this decoder are the same version of pgshift (the facade pins the macro
//! crate exactly), so a table that does not decode is a bug of pgshift; it panics with a
//! message saying so rather than running a half-read set.

use std::borrow::Cow;

use crate::migration::{
    EnumValueUse, Migration, Script, Statement, StatementKind, TransactionMode,
};

const MODE_TRANSACTIONAL: u8 = 0;
const MODE_AUTOCOMMIT: u8 = 1;
const MODE_CONCURRENTLY: u8 = 2;
const TABLE_PREVIOUS: u8 = 1;
const TABLE_REF: u8 = 2;
const OBJECT: u8 = 4;
const CONCURRENT: u8 = 8;
const POSITION: u8 = 16;

struct Reader {
    table: &'static [u8],
    texts: &'static str,
    at: usize,
    /// Where the current migration's section starts in `texts`.
    section: usize,
}

impl Reader {
    fn fail(&self, what: &str) -> ! {
        panic!(
            "pgshift: the embedded migration table does not decode ({what} at byte {}); this is a bug of \
             pgshift, please report it",
            self.at
        )
    }

    fn byte(&mut self) -> u8 {
        let Some(&b) = self.table.get(self.at) else {
            self.fail("a byte")
        };
        self.at += 1;
        b
    }

    fn uint(&mut self) -> u64 {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte();
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return value;
            }
        }
        self.fail("an integer")
    }

    fn usize(&mut self) -> usize {
        usize::try_from(self.uint()).unwrap_or_else(|_| self.fail("a length"))
    }

    fn u32(&mut self) -> u32 {
        u32::try_from(self.uint()).unwrap_or_else(|_| self.fail("an offset"))
    }

    /// `texts[start..start + len]`.
    fn text(&self, start: usize, len: usize) -> &'static str {
        let texts = self.texts;
        start
            .checked_add(len)
            .and_then(|end| texts.get(start..end))
            .unwrap_or_else(|| self.fail("a text"))
    }

    /// A string of the current section.
    fn reference(&mut self) -> &'static str {
        let offset = self.usize();
        let len = self.usize();
        self.text(self.section + offset, len)
    }

    /// The raw checksum as lowercase hex.
    fn checksum(&mut self) -> String {
        let Some(bytes) = self.table.get(self.at..self.at + 32) else {
            self.fail("a checksum")
        };
        self.at += 32;
        crate::history::hex(bytes)
    }

    fn script(
        &mut self,
        path: String,
        text: &'static str,
        tokens_checksum: String,
        previous_table: &mut Option<&'static str>,
    ) -> Script {
        let n = self.usize();
        let mut statements = Vec::with_capacity(n);
        let mut previous_end = 0usize;
        let mut lines = Lines::default();
        for _ in 0..n {
            let head = self.byte();
            let flags = self.byte();
            let start = previous_end + self.usize();
            let end = start + self.usize();
            if end > text.len() {
                self.fail("a statement's offsets")
            }
            previous_end = end;
            let (line, column) = if flags & POSITION != 0 {
                (self.u32(), self.u32())
            } else {
                lines.position(text, start)
            };
            let kind = StatementKind::ALL
                .get(usize::from(head >> 2))
                .copied()
                .unwrap_or_else(|| self.fail("a statement kind"));
            let transaction = match head & 3 {
                MODE_TRANSACTIONAL => TransactionMode::Transactional,
                MODE_AUTOCOMMIT => TransactionMode::Autocommit,
                MODE_CONCURRENTLY => TransactionMode::Concurrently {
                    transactional_sql: Cow::Borrowed(self.reference()),
                },
                _ => self.fail("a transaction mode"),
            };
            let table = match flags & 3 {
                0 => None,
                TABLE_PREVIOUS => match previous_table {
                    Some(t) => Some(*t),
                    None => self.fail("a previous table"),
                },
                TABLE_REF => Some(self.reference()),
                _ => self.fail("a table marker"),
            };
            if table.is_some() {
                *previous_table = table;
            }
            let object = (flags & OBJECT != 0).then(|| self.reference());
            let concurrent_sql = (flags & CONCURRENT != 0).then(|| self.reference());
            statements.push(Statement::__new(
                start as u32,
                end as u32,
                line,
                column,
                kind,
                transaction,
                table,
                object,
                concurrent_sql,
            ));
        }
        Script {
            path: Cow::Owned(path),
            sql: Cow::Borrowed(text),
            checksum: Cow::Owned(crate::history::file_checksum(text)),
            tokens_checksum: Cow::Owned(tokens_checksum),
            statements: Cow::Owned(statements),
        }
    }
}

/// Counts lines forward through a text, as `pgshift-core`'s line index numbers them (1-based
/// line, column in characters).
#[derive(Default)]
struct Lines {
    at: usize,
    line: u32,
    line_start: usize,
}

impl Lines {
    fn position(&mut self, text: &str, offset: usize) -> (u32, u32) {
        let bytes = text.as_bytes();
        for (i, &b) in bytes[self.at..offset].iter().enumerate() {
            if b == b'\n' {
                self.line += 1;
                self.line_start = self.at + i + 1;
            }
        }
        self.at = offset;
        let column = text
            .get(self.line_start..offset)
            .map_or(0, |s| s.chars().count());
        (self.line + 1, column as u32 + 1)
    }
}

/// The migrations of a table and its texts.
pub(crate) fn decode(table: &'static [u8], texts: &'static str) -> Vec<Migration> {
    let mut r = Reader {
        table,
        texts,
        at: 0,
        section: 0,
    };
    let folder_len = r.usize();
    let folder = r.text(0, folder_len);
    let mut next = folder_len;
    let mut out = Vec::new();
    while r.at < table.len() {
        r.section = next;
        let up_len = r.usize();
        let down_len = r.usize();
        let id_len = r.usize();
        let extra_len = r.usize();
        let up_text = r.text(next, up_len);
        let down_text = r.text(next + up_len, down_len);
        let id = r.text(next + up_len + down_len, id_len);
        next += up_len + down_len + id_len + extra_len;
        let Some((version_text, name)) = id.split_once('_') else {
            r.fail("an id")
        };
        let version = version_text
            .parse::<i64>()
            .unwrap_or_else(|_| r.fail("a version"));
        let up_tokens = r.checksum();
        let down_tokens = r.checksum();
        let uses = r.usize();
        let uses: Vec<EnumValueUse> = (0..uses)
            .map(|_| EnumValueUse {
                added_in: i64::try_from(r.uint()).unwrap_or_else(|_| r.fail("a version")),
                value: Cow::Borrowed(r.reference()),
            })
            .collect();
        let mut previous_table = None;
        let up = r.script(
            format!("{folder}{id}.up.sql"),
            up_text,
            up_tokens,
            &mut previous_table,
        );
        let down = r.script(
            format!("{folder}{id}.down.sql"),
            down_text,
            down_tokens,
            &mut previous_table,
        );
        let mut m = Migration::__new(version, name, id, up, down, &[]);
        if !uses.is_empty() {
            m.enum_value_uses = Cow::Owned(uses);
        }
        out.push(m);
    }
    if next != texts.len() {
        r.fail("the end of the texts")
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_like_the_analysis() {
        let text = "a;\n  é b;\n\nc";
        let mut lines = Lines::default();
        assert_eq!(lines.position(text, 0), (1, 1));
        assert_eq!(lines.position(text, 8), (2, 5));
        assert_eq!(lines.position(text, text.len() - 1), (4, 1));
    }
}
