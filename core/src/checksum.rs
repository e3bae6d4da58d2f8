//! File checksums (contract: SHA-256 of the bytes with `\r\n` normalised to `\n`, lowercase hex).

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

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
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
    fn crlf_is_normalised_but_lone_cr_is_not() {
        assert_eq!(checksum(b"a\r\nb\r\n"), checksum(b"a\nb\n"));
        assert_ne!(checksum(b"a\rb"), checksum(b"a\nb"));
        assert_ne!(checksum(b"a\nb"), checksum(b"a\nc"));
    }
}
