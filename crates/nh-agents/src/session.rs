//! One training session's checkpoints, as every learner uses them: the checkpoint to go on from,
//! periodic ones, and the last one when training ends, runs out of time or is asked to stop.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model_file::Parameters;
use crate::net::Net;
use crate::resume::{
    Checkpointing, NamedValues, RunIdentity, Schedule, read_checkpoint, take_prefixed,
    write_checkpoint,
};
use crate::train::CheckpointWrite;
use crate::{Error, Result};

/// The checkpoints of one training session; without [`Checkpointing`] it reads and writes
/// nothing.
pub(crate) struct CheckpointSession<'a> {
    target: Option<(&'a Checkpointing, RunIdentity)>,
    schedule: Schedule,
    writes: Vec<CheckpointWrite>,
}

/// A learner's state read back from a checkpoint.
pub(crate) struct Resumed<S> {
    /// The learner's own state (`state` in `state.json`).
    pub state: S,
    /// Its tensors, by name.
    pub tensors: Parameters,
    /// The checkpoint folder, for error messages.
    pub origin: PathBuf,
}

impl<'a> CheckpointSession<'a> {
    /// A session writing to `checkpointing` (if any) for the run that `identity` describes.
    ///
    /// # Errors
    /// `identity`'s error.
    pub(crate) fn new(
        checkpointing: Option<&'a Checkpointing>,
        identity: impl FnOnce(&Checkpointing) -> Result<RunIdentity>,
    ) -> Result<CheckpointSession<'a>> {
        let target = checkpointing
            .map(|c| Ok::<_, Error>((c, identity(c)?)))
            .transpose()?;
        Ok(CheckpointSession {
            schedule: Schedule::new(target.as_ref().and_then(|(c, _)| c.every)),
            target,
            writes: Vec::new(),
        })
    }

    /// The checkpoint to go on from, when this session resumes one.
    ///
    /// # Errors
    /// [`Error::Checkpoint`] when there is none, it is corrupt or it belongs to another run.
    pub(crate) fn resume<S: DeserializeOwned>(&self) -> Result<Option<Resumed<S>>> {
        let Some((checkpointing, identity)) = self.target.as_ref().filter(|(c, _)| c.resume) else {
            return Ok(None);
        };
        let (state, tensors) = read_checkpoint(checkpointing, identity)?;
        Ok(Some(Resumed {
            state,
            tensors,
            origin: checkpointing.checkpoint_dir(),
        }))
    }

    /// Called after each iteration, with the iterations done and whether training ends now
    /// (budget, time limit, solved): writes the checkpoint that `save` describes when one is
    /// due, when training ends or when a stop was requested, and then, on a stop, returns
    /// [`Error::Stopped`].
    ///
    /// # Errors
    /// Writing the checkpoint; [`Error::Stopped`] after a stop request.
    pub(crate) fn after_iteration<S: Serialize>(
        &mut self,
        iterations: usize,
        ending: bool,
        save: impl FnOnce() -> (S, NamedValues),
    ) -> Result<()> {
        let Some((checkpointing, identity)) = &self.target else {
            return Ok(());
        };
        let stop = checkpointing.stop_requested();
        if self.schedule.tick() || ending || stop {
            let (state, tensors) = save();
            let started = Instant::now();
            let bytes = write_checkpoint(checkpointing, identity, &state, &tensors)?;
            self.writes.push(CheckpointWrite {
                iterations,
                bytes,
                seconds: started.elapsed().as_secs_f64(),
            });
        }
        if stop {
            return Err(Error::Stopped {
                iterations,
                checkpoint: checkpointing.checkpoint_dir(),
                out: checkpointing.dir.clone(),
            });
        }
        Ok(())
    }

    /// The checkpoints this session wrote.
    pub(crate) fn into_writes(self) -> Vec<CheckpointWrite> {
        self.writes
    }
}

/// Sets `net`'s parameters to the tensors stored under `prefix.` in `tensors` (removing them).
///
/// # Errors
/// [`Error::Checkpoint`] when a parameter is missing, extra or of another shape than `net`'s.
pub(crate) fn load_net(
    net: &mut Net,
    tensors: &mut Parameters,
    prefix: &str,
    origin: &Path,
) -> Result<()> {
    let bad = |reason: String| Error::Checkpoint {
        path: origin.to_path_buf(),
        reason: format!("the network `{prefix}`: {reason}"),
    };
    let values = take_prefixed(tensors, prefix);
    let expected = net.spec().parameter_shapes();
    if values.len() != expected.len() {
        return Err(bad(format!(
            "{} tensors, the network has {}",
            values.len(),
            expected.len()
        )));
    }
    for (name, shape) in &expected {
        match values.get(name) {
            Some((stored, _)) if stored == shape => {}
            Some((stored, _)) => {
                return Err(bad(format!(
                    "`{name}` has shape {stored:?}, expected {shape:?}"
                )));
            }
            None => return Err(bad(format!("no tensor `{name}`"))),
        }
    }
    let loaded = Net::from_values(net.spec().clone(), net.device(), values)
        .map_err(|e| bad(e.to_string()))?;
    net.copy_from(&loaded);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::NetSpec;
    use crate::resume::prefixed;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn net(hidden: usize, seed: u64) -> Net {
        let spec = NetSpec {
            vocab: 5,
            pad_id: 4,
            occupancy: 0,
            hidden: vec![hidden],
            outputs: 4,
            factors: None,
            key: None,
        };
        Net::init(spec, tch::Device::Cpu, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap()
    }

    fn stored(prefix: &str, net: &Net) -> Parameters {
        prefixed(prefix, net.parameter_values())
            .into_iter()
            .map(|(name, shape, values)| (name, (shape, values)))
            .collect()
    }

    #[test]
    fn load_net_takes_its_prefix_and_refuses_another_shape() {
        let (saved, mut loaded) = (net(3, 1), net(3, 2));
        let mut tensors = stored("policy", &saved);
        tensors.extend(stored("critic", &net(3, 3)));
        load_net(&mut loaded, &mut tensors, "policy", Path::new("ckpt")).unwrap();
        assert_eq!(loaded.parameter_values(), saved.parameter_values());
        assert!(tensors.keys().all(|name| name.starts_with("critic.")));
        let mut wider = stored("policy", &net(5, 1));
        let error = load_net(&mut loaded, &mut wider, "policy", Path::new("ckpt")).unwrap_err();
        assert!(error.to_string().contains("has shape"), "{error}");
    }
}
