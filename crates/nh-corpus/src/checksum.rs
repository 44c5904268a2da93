//! SHA-256 digests of corpus bytes and files, and the checksum manifest of `data/` (whose
//! `words.txt` line is the digest of the paper's word list).

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// `data/SHA256SUMS`: the checksum manifest of the files `cargo xtask data` puts in `data/`
/// (`sha256sum` format: 64 hex digits, two spaces, the file name). The loader and xtask both read
/// the paper's digest from it.
pub const DATA_MANIFEST: &str = include_str!("../../../data/SHA256SUMS");

/// SHA-256 of dwyl/english-words `words.txt` (466,550 words), the paper's corpus: the first line
/// of [`DATA_MANIFEST`] (its format is checked by a test).
pub const PAPER_SHA256: &str = DATA_MANIFEST.split_at(64).0;

/// The file name the manifest gives the paper's word list (`words.txt`).
pub const PAPER_FILE_NAME: &str = "words.txt";

/// Lower-case hexadecimal SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// Lower-case hexadecimal SHA-256 of the file at `path`, read in chunks.
pub fn file_sha256_hex(path: &Path) -> Result<String> {
    let io_error = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io_error)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0_u8; 1 << 16];
    loop {
        let read = file.read(&mut buffer).map_err(io_error)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(to_hex(&hasher.finalize()))
}

/// Checks that the file at `path` has the SHA-256 `expected_hex` (64 hex digits, any case).
///
/// Errors: [`Error::InvalidSha256`] for a malformed `expected_hex`, [`Error::Io`] when the file
/// cannot be read, [`Error::Sha256Mismatch`] (naming both digests) when the contents differ.
pub fn verify_sha256(path: &Path, expected_hex: &str) -> Result<()> {
    let is_hex_digest =
        expected_hex.len() == 64 && expected_hex.bytes().all(|b| b.is_ascii_hexdigit());
    if !is_hex_digest {
        return Err(Error::InvalidSha256 {
            value: expected_hex.to_owned(),
        });
    }
    let expected = expected_hex.to_ascii_lowercase();
    let actual = file_sha256_hex(path)?;
    if actual == expected {
        Ok(())
    } else {
        Err(Error::Sha256Mismatch {
            path: path.to_owned(),
            expected,
            actual,
        })
    }
}

fn to_hex(digest: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in digest {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn the_manifest_names_the_paper_s_list_first() {
        let first = DATA_MANIFEST.lines().next().unwrap();
        let (digest, name) = first.split_once("  ").unwrap();
        assert_eq!((digest, name), (PAPER_SHA256, PAPER_FILE_NAME));
        assert!(
            digest.len() == 64
                && digest
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "{digest}"
        );
    }

    /// FIPS 180-2 test vector for "abc".
    const ABC_SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    fn temp_file_with(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(bytes).expect("write temp file");
        file.flush().expect("flush temp file");
        file
    }

    #[test]
    fn sha256_hex_matches_the_standard_test_vector() {
        assert_eq!(sha256_hex(b"abc"), ABC_SHA256);
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn file_digest_equals_digest_of_its_bytes_across_chunk_boundaries() {
        let bytes: Vec<u8> = (0..200_000_u32).map(|i| (i % 251) as u8).collect();
        let file = temp_file_with(&bytes);
        assert_eq!(
            file_sha256_hex(file.path()).expect("digest"),
            sha256_hex(&bytes)
        );
    }

    #[test]
    fn verify_accepts_the_right_digest_in_either_case() {
        let file = temp_file_with(b"abc");
        verify_sha256(file.path(), ABC_SHA256).expect("lower case matches");
        verify_sha256(file.path(), &ABC_SHA256.to_ascii_uppercase()).expect("upper case matches");
    }

    #[test]
    fn verify_rejects_a_different_file_and_names_both_digests() {
        let file = temp_file_with(b"abd");
        let err = verify_sha256(file.path(), ABC_SHA256).expect_err("contents differ");
        let Error::Sha256Mismatch {
            path,
            expected,
            actual,
        } = &err
        else {
            panic!("expected a mismatch, got {err:?}");
        };
        assert_eq!(path, file.path());
        assert_eq!(expected, ABC_SHA256);
        assert_eq!(actual, &sha256_hex(b"abd"));
        let message = err.to_string();
        assert!(
            message.contains(ABC_SHA256) && message.contains(actual.as_str()),
            "{message}"
        );
    }

    #[test]
    fn verify_rejects_a_malformed_expected_digest() {
        let file = temp_file_with(b"abc");
        for bad in [
            "",
            "abc",
            &ABC_SHA256[..63],
            &format!("{}g", &ABC_SHA256[..63]),
        ] {
            let err = verify_sha256(file.path(), bad).expect_err("malformed digest");
            assert!(
                matches!(err, Error::InvalidSha256 { ref value } if value == bad),
                "{err:?}"
            );
        }
    }

    #[test]
    fn verify_names_a_missing_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("words.txt");
        let err = verify_sha256(&missing, PAPER_SHA256).expect_err("no such file");
        assert!(
            matches!(err, Error::Io { ref path, .. } if *path == missing),
            "{err:?}"
        );
        assert!(err.to_string().contains("words.txt"), "{err}");
    }
}
