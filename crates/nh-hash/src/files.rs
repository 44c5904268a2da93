//! The byte-level pieces of every model folder: safetensors encoding of f32 (and u64) tensors,
//! SHA-256 checksums, the function digest in the weights' header, and the atomic writing of a
//! whole folder.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use sha2::{Digest, Sha256};

use crate::metadata::{METADATA_FILE, WEIGHTS_FILE, WeightsRecord};
use crate::{Error, Result};

/// The header key of a weights file that holds the function digest: the SHA-256 of what, besides
/// the weights, decides which bin a word gets (architecture, encoder, router). `metadata.json`
/// checksums the weights file, so an edited shape, alphabet or key in `metadata.json` is caught.
pub(crate) const FUNCTION_KEY: &str = "function_sha256";

/// A named tensor to write: name, shape and values.
pub type NamedTensor = (String, Vec<usize>, Vec<f32>);

/// Named f32 tensors (and optionally named u64 tensors) as a safetensors file (little-endian)
/// with an optional header map: the one encoder of model weights and training checkpoints.
///
/// # Errors
/// safetensors' error when a shape does not match its values.
pub fn f32_safetensors(
    tensors: &[NamedTensor],
    header: Option<HashMap<String, String>>,
) -> std::result::Result<Vec<u8>, safetensors::SafeTensorError> {
    tensors_file(tensors, &[], header)
}

/// f32 tensors and u64 tensors (name, values; one-dimensional) in one safetensors file.
pub(crate) fn tensors_file(
    floats: &[NamedTensor],
    integers: &[(String, Vec<u64>)],
    header: Option<HashMap<String, String>>,
) -> std::result::Result<Vec<u8>, safetensors::SafeTensorError> {
    let float_bytes: Vec<Vec<u8>> = floats
        .iter()
        .map(|(_, _, values)| values.iter().flat_map(|v| v.to_le_bytes()).collect())
        .collect();
    let integer_bytes: Vec<Vec<u8>> = integers
        .iter()
        .map(|(_, values)| values.iter().flat_map(|v| v.to_le_bytes()).collect())
        .collect();
    let mut views = Vec::with_capacity(floats.len() + integers.len());
    for ((name, shape, _), data) in floats.iter().zip(&float_bytes) {
        views.push((
            name.as_str(),
            TensorView::new(Dtype::F32, shape.clone(), data)?,
        ));
    }
    for ((name, values), data) in integers.iter().zip(&integer_bytes) {
        views.push((
            name.as_str(),
            TensorView::new(Dtype::U64, vec![values.len()], data)?,
        ));
    }
    safetensors::serialize(views, header)
}

/// The values of a little-endian f32 tensor: the one decoder of model weights and training
/// checkpoints (the caller checks the dtype).
pub fn f32_values(view: &TensorView<'_>) -> Vec<f32> {
    view.data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// The values of a little-endian u64 tensor (the caller checks the dtype).
pub(crate) fn u64_values(view: &TensorView<'_>) -> Vec<u64> {
    view.data()
        .chunks_exact(8)
        .map(|b| u64::from_le_bytes(b.try_into().expect("chunks of 8 bytes")))
        .collect()
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `bytes` to the new file `path` and syncs it to disk.
///
/// # Errors
/// I/O errors naming the path.
pub fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = fs::File::create(path).map_err(|e| Error::io(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(path, e))
}

/// The record of a weights file's bytes.
pub(crate) fn weights_record(weights: &[u8]) -> WeightsRecord {
    WeightsRecord {
        file: WEIGHTS_FILE.to_owned(),
        bytes: weights.len() as u64,
        sha256: sha256_hex(weights),
    }
}

/// Writes a model folder: the weights file (`f32s` and `u64s`, headed by the function digest
/// `digest`), then the metadata that `weights` (the record of those bytes) completes, both into
/// the new directory `dir` at once ([`write_dir_atomically`]).
pub(crate) fn write_model_dir<M: serde::Serialize>(
    dir: &Path,
    f32s: &[NamedTensor],
    u64s: &[(String, Vec<u64>)],
    digest: String,
    metadata: &mut M,
    weights: impl FnOnce(&mut M) -> &mut WeightsRecord,
) -> Result<()> {
    let bytes = tensors_file(f32s, u64s, Some(digest_header(digest)))
        .map_err(|e| Error::invalid(dir, format!("serializing weights: {e}")))?;
    *weights(metadata) = weights_record(&bytes);
    let json = serde_json::to_vec_pretty(metadata)
        .map_err(|e| Error::invalid(dir, format!("serializing metadata: {e}")))?;
    write_dir_atomically(dir, &[(WEIGHTS_FILE, &bytes), (METADATA_FILE, &json)])
}

/// Creates the new directory `dir` holding `files` (name, bytes), atomically: everything goes to
/// a temporary sibling directory that is renamed at the end. An existing empty directory is
/// replaced; anything else that exists is refused.
pub(crate) fn write_dir_atomically(dir: &Path, files: &[(&str, &[u8])]) -> Result<()> {
    let target_is_empty_dir = match fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => false,
        Err(_) => return Err(Error::ModelDirExists(dir.to_path_buf())),
    };
    if dir.symlink_metadata().is_ok() && !target_is_empty_dir {
        return Err(Error::ModelDirExists(dir.to_path_buf()));
    }
    let temp = temporary_sibling(dir)?;
    let written = (|| {
        fs::create_dir(&temp).map_err(|e| Error::io(&temp, e))?;
        for (name, bytes) in files {
            write_synced(&temp.join(name), bytes)?;
        }
        if target_is_empty_dir {
            fs::remove_dir(dir).map_err(|e| Error::io(dir, e))?;
        }
        fs::rename(&temp, dir).map_err(|e| Error::io(dir, e))
    })();
    if written.is_err() {
        let _ = fs::remove_dir_all(&temp);
    }
    written
}

/// Reads the weights file of `dir` and checks it against its record (size, SHA-256); errors name
/// `meta_path` for a bad record and the weights file for bad bytes.
pub(crate) fn read_checked_weights(
    dir: &Path,
    record: &WeightsRecord,
    meta_path: &Path,
) -> Result<Vec<u8>> {
    if record.file != WEIGHTS_FILE {
        return Err(Error::invalid(
            meta_path,
            format!(
                "weights.file = {:?}, expected {WEIGHTS_FILE:?}",
                record.file
            ),
        ));
    }
    let weights_path = dir.join(WEIGHTS_FILE);
    let weights = fs::read(&weights_path).map_err(|e| Error::io(&weights_path, e))?;
    if weights.len() as u64 != record.bytes {
        return Err(Error::invalid(
            &weights_path,
            format!(
                "{} bytes, but the metadata records {} (truncated or replaced file)",
                weights.len(),
                record.bytes
            ),
        ));
    }
    let actual = sha256_hex(&weights);
    if actual != record.sha256 {
        return Err(Error::invalid(
            &weights_path,
            format!(
                "SHA-256 {actual} differs from the metadata's {} (corrupted file)",
                record.sha256
            ),
        ));
    }
    Ok(weights)
}

/// Refuses a weights file whose header records another function digest than `expected` (files
/// saved before the digest existed have none and pass).
pub(crate) fn check_function_digest(
    weights: &[u8],
    expected: &str,
    meta_path: &Path,
) -> Result<()> {
    let recorded = SafeTensors::read_metadata(weights)
        .ok()
        .and_then(|(_, header)| header.metadata().as_ref()?.get(FUNCTION_KEY).cloned());
    match recorded {
        Some(recorded) if recorded != expected => Err(Error::invalid(
            meta_path,
            "its architecture (layers, head, key, router) or encoder (alphabet, max_len) is not \
             the one the weights were saved with: the file was edited after saving; restore it, \
             or train again",
        )),
        _ => Ok(()),
    }
}

/// The header map holding a function digest.
pub(crate) fn digest_header(digest: String) -> HashMap<String, String> {
    // One entry only: safetensors writes the header map in hash-map order, and a model file must
    // be the same bytes every time.
    HashMap::from([(FUNCTION_KEY.to_owned(), digest)])
}

/// Reads one f32 tensor of `file` with the expected shape, finite values only.
pub(crate) fn expect_f32(
    file: &SafeTensors<'_>,
    name: &str,
    shape: &[usize],
) -> std::result::Result<Vec<f32>, String> {
    let view = file
        .tensor(name)
        .map_err(|_| format!("missing tensor `{name}`"))?;
    if view.dtype() != Dtype::F32 {
        return Err(format!(
            "tensor `{name}` has dtype {:?}, expected F32",
            view.dtype()
        ));
    }
    if view.shape() != shape {
        return Err(format!(
            "tensor `{name}` has shape {:?}, expected {shape:?}",
            view.shape()
        ));
    }
    let values = f32_values(&view);
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(format!(
            "tensor `{name}` holds a non-finite value at flat index {i}"
        ));
    }
    Ok(values)
}

/// A fresh, unused temporary directory path next to `dir`.
fn temporary_sibling(dir: &Path) -> Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = dir
        .file_name()
        .ok_or_else(|| Error::invalid(dir, "a model directory path must end in a name"))?;
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let unique = format!(
        ".{}.tmp-{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    Ok(parent.join(unique))
}
