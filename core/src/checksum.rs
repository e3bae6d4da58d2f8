//! Checksums, as 64 lowercase hex characters of SHA-256:
//! - [`checksum`]: a file's bytes with `\r\n` normalised to `\n` (stored down SQL is verified
//!   with it; history rows written before 0.1 hold it for the up file);
//! - [`tokens_checksum`]: a file's SQL tokens without comments, which is what drift detection
//!   compares, so editing only comments (an allow comment, a note) or layout is not drift.

use sha2::{Digest, Sha256};

/// SHA-256 of `bytes` with every `\r\n` replaced by `\n`, as 64 lowercase hex characters.
///
/// ```
/// assert_eq!(
///     pgshift_core::checksum(b"SELECT 1;\r\n"),
///     pgshift_core::checksum(b"SELECT 1;\n"),
/// );
/// ```
pub fn checksum(bytes: &[u8]) -> String {
    let mut hasher = Sha256::new();
    let mut rest = bytes;
    while let Some(i) = rest.windows(2).position(|w| w == b"\r\n") {
        hasher.update(&rest[..i]);
        hasher.update(b"\n");
        rest = &rest[i + 2..];
    }
    hasher.update(rest);
    hex(&hasher.finalize())
}

/// SHA-256 of the SQL tokens of `text` (as the scanner split it into `tokens`), comments left
/// out: each token's text, `\r\n` normalised to `\n` inside it, preceded by its length so
/// that no two token sequences hash alike. Whitespace and comments between tokens do not
/// count; the inside of string literals and quoted names does.
///
/// ```
/// let sum = |sql: &str| {
///     let file = pgshift_core::parse_sql(sql).unwrap();
///     pgshift_core::tokens_checksum(sql, &file.tokens)
/// };
/// assert_eq!(
///     sum("CREATE TABLE t (a int);"),
///     sum("-- pgshift:allow drop-table -- a note\nCREATE TABLE t (\n  a int\n); /* done */"),
/// );
/// assert_ne!(sum("SELECT 'a b'"), sum("SELECT 'a  b'"));
/// ```
pub fn tokens_checksum(text: &str, tokens: &[crate::pg::ScanToken]) -> String {
    let mut hasher = Sha256::new();
    for t in tokens.iter().filter(|t| !crate::split::is_comment(t)) {
        let token = text
            .get(t.start as usize..t.end as usize)
            .unwrap_or_default();
        // Most tokens hold no carriage return: no copy for them.
        let token: std::borrow::Cow<str> = if token.contains('\r') {
            token.replace("\r\n", "\n").into()
        } else {
            token.into()
        };
        hasher.update((token.len() as u64).to_le_bytes());
        hasher.update(token.as_bytes());
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        assert_eq!(
            checksum(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn tokens_checksum_normalises_crlf_inside_a_token_only() {
        let sum = |sql: &str| {
            let file = crate::parse_sql(sql).unwrap();
            tokens_checksum(sql, &file.tokens)
        };
        assert_eq!(sum("SELECT 'a\r\nb';\r\n"), sum("SELECT 'a\nb';\n"));
        assert_ne!(sum("SELECT 'a\rb';"), sum("SELECT 'a\nb';"));
        // Each token as its length (u64, little endian) and its bytes, comments left out.
        assert_eq!(
            sum("SELECT /* c */ 1;"),
            "d9a980b3f067335877c2841ee0c76c89dc25be8f52677a9c2e563fa5073d1a6f"
        );
    }

    #[test]
    fn crlf_is_normalised_but_lone_cr_is_not() {
        assert_eq!(checksum(b"a\r\nb\r\n"), checksum(b"a\nb\n"));
        assert_ne!(checksum(b"a\rb"), checksum(b"a\nb"));
        assert_ne!(checksum(b"a\nb"), checksum(b"a\nc"));
    }
}
