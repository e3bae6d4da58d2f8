//! Decoding the table `embed_migrations!()` emits: one string literal with everything about
//! the set but the files' text (grammar in `macros/src/encode.rs`), decoded on first use.
//! Strings borrow from the literal; only the statement lists are allocated.
//!
//! The macro and this decoder are the same version of pgshift (the facade pins the macro
//! crate exactly), so a table that does not decode is a bug of pgshift; it panics with a
//! message saying so rather than running a half-read set.

use std::borrow::Cow;

use crate::migration::{
    EnumValueUse, Migration, Script, Statement, StatementKind, TransactionMode,
};

struct Reader {
    table: &'static str,
    at: usize,
}

impl Reader {
    fn fail(&self, what: &str) -> ! {
        panic!(
            "pgshift: the embedded migration table does not decode ({what} at byte {}); this is a bug of \
             pgshift, please report it",
            self.at
        )
    }

    fn int(&mut self) -> i64 {
        let rest = &self.table[self.at..];
        let Some(end) = rest.find(',') else {
            self.fail("an integer")
        };
        let value = rest[..end]
            .parse()
            .unwrap_or_else(|_| self.fail("an integer"));
        self.at += end + 1;
        value
    }

    fn str(&mut self) -> &'static str {
        let rest = &self.table[self.at..];
        let Some(colon) = rest.find(':') else {
            self.fail("a string length")
        };
        let len: usize = rest[..colon]
            .parse()
            .unwrap_or_else(|_| self.fail("a string length"));
        let start = self.at + colon + 1;
        let Some(s) = self.table.get(start..start + len) else {
            self.fail("a string")
        };
        self.at = start + len;
        s
    }

    fn byte(&mut self) -> u8 {
        let Some(&b) = self.table.as_bytes().get(self.at) else {
            self.fail("a marker")
        };
        self.at += 1;
        b
    }

    fn opt(&mut self) -> Option<Cow<'static, str>> {
        match self.byte() {
            b'-' => None,
            b'+' => Some(Cow::Borrowed(self.str())),
            _ => self.fail("an optional string"),
        }
    }

    fn script(&mut self, text: &'static str) -> Script {
        let path = self.str();
        let checksum = self.str();
        let tokens_checksum = self.str();
        let n = self.int() as usize;
        let mut statements = Vec::with_capacity(n);
        for _ in 0..n {
            let start = self.int() as u32;
            let end = self.int() as u32;
            let line = self.int() as u32;
            let column = self.int() as u32;
            let kind = StatementKind::from_name(self.str()).unwrap_or(StatementKind::Other);
            let transaction = match self.byte() {
                b'T' => TransactionMode::Transactional,
                b'A' => TransactionMode::Autocommit,
                b'C' => TransactionMode::Concurrently {
                    transactional_sql: Cow::Borrowed(self.str()),
                },
                _ => self.fail("a transaction mode"),
            };
            let mut s = Statement::__new(
                start,
                end,
                line,
                column,
                kind,
                transaction,
                None,
                None,
                None,
            );
            s.table = self.opt();
            s.object = self.opt();
            s.concurrent_sql = self.opt();
            statements.push(s);
        }
        let mut script = Script::__new(path, text, checksum, tokens_checksum, &[]);
        script.statements = Cow::Owned(statements);
        script
    }
}

/// The migrations of a table and the texts of their files (up, down, up, down, ...).
pub(crate) fn decode(table: &'static str, texts: &'static [&'static str]) -> Vec<Migration> {
    let mut r = Reader { table, at: 0 };
    let mut out = Vec::with_capacity(texts.len() / 2);
    let mut texts = texts.iter();
    while r.at < table.len() {
        let version = r.int();
        let name = r.str();
        let id = r.str();
        let n = r.int() as usize;
        let uses: Vec<EnumValueUse> = (0..n)
            .map(|_| EnumValueUse {
                added_in: r.int(),
                value: Cow::Borrowed(r.str()),
            })
            .collect();
        let (Some(up), Some(down)) = (texts.next(), texts.next()) else {
            r.fail("the files' texts")
        };
        let up = r.script(up);
        let down = r.script(down);
        let mut m = Migration::__new(version, name, id, up, down, &[]);
        if !uses.is_empty() {
            m.enum_value_uses = Cow::Owned(uses);
        }
        out.push(m);
    }
    out
}
