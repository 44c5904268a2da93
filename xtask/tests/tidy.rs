//! Tidy checks over the source tree: every Rust file opens with a `//!` line; no `#[should_panic]`
//! without an expected message; each library's `lib.rs` has an example.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source folder") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files);
    rust_files(&root.join("xtask"), &mut files);
    assert!(files.len() > 10, "found only {} Rust files", files.len());
    files
}

#[test]
fn every_rust_file_starts_with_a_module_doc_line() {
    let missing: Vec<_> = sources()
        .into_iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).expect("readable source");
            !text.trim_start().starts_with("//!")
        })
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading `//!` line: {missing:#?}"
    );
}

#[test]
fn should_panic_always_names_the_expected_message() {
    let bare: Vec<_> = sources()
        .into_iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).expect("readable source");
            text.lines().any(|l| l.trim() == "#[should_panic]")
        })
        .collect();
    assert!(
        bare.is_empty(),
        "`#[should_panic]` without `expected = ...` in {bare:#?}"
    );
}

#[test]
fn every_library_crate_documents_an_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
    for entry in std::fs::read_dir(root).expect("crates folder") {
        let lib = entry.expect("crate dir").path().join("src/lib.rs");
        if let Ok(text) = std::fs::read_to_string(&lib) {
            assert!(
                text.contains("```"),
                "{} has no example in its crate docs",
                lib.display()
            );
        }
    }
}
