//! `Learner`: a reinforcement-learning or cross-entropy trainer with its configuration, and the
//! one dispatch from that pair to the trainer's function.

use crate::config::{AcConfig, CemConfig, PgConfig, SacConfig};
use crate::metrics::IterationMetrics;
use crate::train::{TrainOutcome, TrainSetup};
use crate::{Result, actor_critic, cem, pg, sac};

/// A trainer of [`TrainSetup`] problems with its configuration.
///
/// Callers that choose a learner at run time (experiment panels, benchmarks) build one of these
/// and call [`train`](Learner::train) instead of matching on the algorithm themselves.
#[derive(Debug, Clone, PartialEq)]
pub enum Learner {
    /// REINFORCE (the paper's policy gradient).
    Pg(PgConfig),
    /// Advantage actor-critic.
    ActorCritic(AcConfig),
    /// Discrete soft actor-critic.
    Sac(SacConfig),
    /// The cross-entropy method (fixed word sets).
    Cem(CemConfig),
}

impl Learner {
    /// Trains on `setup`, reporting every iteration to `progress`.
    ///
    /// # Errors
    /// The trainer's errors: an invalid configuration, an environment it cannot run, libtorch.
    pub fn train(
        &self,
        setup: &TrainSetup<'_>,
        progress: &mut dyn FnMut(&IterationMetrics),
    ) -> Result<TrainOutcome> {
        match self {
            Learner::Pg(config) => pg::train_pg(setup, config, progress),
            Learner::ActorCritic(config) => {
                actor_critic::train_actor_critic(setup, config, progress)
            }
            Learner::Sac(config) => sac::train_sac(setup, config, progress),
            Learner::Cem(config) => cem::train_cem(setup, config, progress),
        }
    }
}
