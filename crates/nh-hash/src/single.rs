//! The one-network model folder: `metadata.json` ([`ModelMetadata`]) and `model.safetensors`
//! (f32 weights named as [`Architecture::parameter_shapes`] says), written atomically and
//! checked on load.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use safetensors::SafeTensors;

use crate::files::{
    NamedTensor, check_function_digest, expect_f32, read_checked_weights, sha256_hex,
    write_model_dir,
};
use crate::metadata::{
    METADATA_FILE, MODEL_FORMAT, MODEL_FORMAT_VERSION, ModelMetadata, WEIGHTS_FILE,
};
use crate::{Error, Result};

/// Parameter values by name: (shape, row-major f32 values).
pub type Parameters = BTreeMap<String, (Vec<usize>, Vec<f32>)>;

/// Writes `metadata` (its `weights` field filled here) and `parameters` into the new directory
/// `dir`, atomically.
///
/// # Errors
/// [`Error::ModelDirExists`] when `dir` exists and is not an empty directory;
/// [`Error::InvalidModel`] for a malformed provenance; I/O errors naming the path.
pub fn write_model(
    dir: &Path,
    mut metadata: ModelMetadata,
    parameters: &[NamedTensor],
) -> Result<()> {
    metadata.provenance.validate(dir)?;
    let digest = function_digest(&metadata);
    write_model_dir(dir, parameters, &[], digest, &mut metadata, |m| {
        &mut m.weights
    })
}

/// Reads and checks a one-network model directory: metadata, weights checksum and size, tensor
/// names, dtypes, shapes and finiteness, and the function digest.
///
/// # Errors
/// [`Error::InvalidModel`] naming the file and what is wrong; I/O errors naming the path.
pub fn read_model(dir: &Path) -> Result<(ModelMetadata, Parameters)> {
    let meta_path = dir.join(METADATA_FILE);
    let bytes = fs::read(&meta_path).map_err(|e| Error::io(&meta_path, e))?;
    let metadata: ModelMetadata =
        serde_json::from_slice(&bytes).map_err(|e| Error::invalid(&meta_path, e.to_string()))?;
    check_metadata(&metadata, &meta_path)?;
    let weights = read_checked_weights(dir, &metadata.weights, &meta_path)?;
    let parameters = parse_weights(&weights, &metadata)
        .map_err(|reason| Error::invalid(dir.join(WEIGHTS_FILE), reason))?;
    check_function_digest(&weights, &function_digest(&metadata), &meta_path)?;
    Ok((metadata, parameters))
}

/// The checks of a one-network metadata file that need no weights.
fn check_metadata(metadata: &ModelMetadata, meta_path: &Path) -> Result<()> {
    if metadata.format != MODEL_FORMAT {
        return Err(Error::invalid(
            meta_path,
            format!("format = {:?}, expected {MODEL_FORMAT:?}", metadata.format),
        ));
    }
    if metadata.format_version != MODEL_FORMAT_VERSION {
        return Err(Error::invalid(
            meta_path,
            format!(
                "format_version = {}, this build reads version {MODEL_FORMAT_VERSION}",
                metadata.format_version
            ),
        ));
    }
    metadata.architecture.validate(meta_path)?;
    metadata.provenance.validate(meta_path)
}

/// Checks a safetensors buffer against the expected parameter shapes and decodes it.
fn parse_weights(
    bytes: &[u8],
    metadata: &ModelMetadata,
) -> std::result::Result<Parameters, String> {
    let file =
        SafeTensors::deserialize(bytes).map_err(|e| format!("not a safetensors file: {e}"))?;
    let expected = metadata.architecture.parameter_shapes();
    let expected_names: BTreeSet<&str> = expected.iter().map(|(name, _)| name.as_str()).collect();
    if let Some(extra) = file
        .names()
        .into_iter()
        .find(|name| !expected_names.contains(name))
    {
        return Err(format!("unexpected tensor `{extra}` for this architecture"));
    }
    let mut parameters = Parameters::new();
    for (name, shape) in expected {
        let values = expect_f32(&file, &name, &shape)?;
        parameters.insert(name, (shape, values));
    }
    Ok(parameters)
}

/// SHA-256 of the architecture and the encoder (see the weights header's `function_sha256`).
fn function_digest(metadata: &ModelMetadata) -> String {
    let json = serde_json::to_vec(&(&metadata.architecture, &metadata.encoder))
        .expect("architecture and encoder serialize to JSON");
    sha256_hex(&json)
}
