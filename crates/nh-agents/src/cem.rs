//! The cross-entropy method for a fixed word set: our addition beyond the paper, and the fast
//! route to a perfect NeuralHash.
//!
//! Each iteration:
//! 1. take the policy's argmax placement of all words; stop if it has no collision;
//! 2. the elite: every word alone in its bin keeps it as target, and a colliding bin keeps its
//!    most confident word (highest log-probability);
//! 3. every other word (a mover) gets a new target bin: with `sticky_targets` (the default) it
//!    first keeps its previous target while that bin is still free, so a word chases one bin
//!    across iterations; otherwise it samples from the policy restricted to the free bins, and
//!    when two samples clash, or the policy gives the free bins no mass, the later word gets a
//!    uniformly random free bin, so the targets never collide (N <= M);
//! 4. fit the policy to the targets with cross-entropy: `fit_steps` passes, one Adam step per
//!    mini-batch (the whole set by default).
//!
//! A guard ([`BestSoFar`]) keeps a copy of the network with the fewest argmax collisions seen.
//! When an iteration has far more collisions than that best (a collapse: one bad update sends
//! nearly every word into a handful of bins),
//! the best network comes back with the Adam moments it had (our own [`Adam`], whose state can be
//! saved; a restarted Adam's first step jolts every weight by the full rate) and the learning rate
//! shrinks by `lr_decay`. A run that ends without a perfect hash returns the best network, not the
//! last.
//!
//! With a factorized head every step works on the two heads' M1 + M2 log-probabilities per word
//! ([`BinLogProbs`]), never on the M joint ones.
//!
//! With the `batches` schedule the words form B tables of `words_per_episode` words each (the
//! other reading of the paper's Fig. 7): steps 1-3 run per table (a word collides only with words
//! of its own batch, free bins are free in its table), step 4 fits all words at once, and an
//! iteration's metrics are the means over the B tables, so zero collisions means perfect on
//! every batch.
//!
//! With `precision = "bf16"` the network's matrix products run in bfloat16 (its weights stay
//! float32). The first iteration whose bfloat16 placement has no collision is evaluated again in
//! float32, and the run goes on in float32 from there (checkpoints remember the switch), so a
//! run stops at zero collisions only when the float32 hash, the one saved, has none. On a CPU
//! without bfloat16 instructions (`CpuKernels::has_bf16`) libtorch emulates them and is slower
//! than float32, so the run is float32 from the start, with a warning; the model's libtorch
//! record lists the CPU's extensions that decided it.

use nh_env::{HashTableEnv, WordSchedule};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::Tensor;

use crate::adam::Adam;
use crate::best_so_far::{BestSoFar, BestState};
use crate::bin_log_probs::BinLogProbs;
use crate::cem_tables::Tables;
use crate::config::{CemConfig, Precision};
use crate::cpu::{CpuKernels, products_precision};
use crate::inputs::WordIds;
use crate::metrics::IterationMetrics;
use crate::net::Net;
use crate::neural_hash::NeuralHash;
use crate::resume::{NamedValues, RngState, prefixed, take_prefixed};
use crate::rollout::table_only;
use crate::sampling::{scalar, shuffle};
use crate::seeds::{Stream, rng};
use crate::session::{CheckpointSession, load_net};
use crate::train::{Clock, TrainOutcome, TrainSetup, log_start, record_iteration};
use crate::{Error, Result};

/// Fits a policy to a collision-free placement of the fixed word set `setup.words` (the env
/// must use the `fixed` or `batches` schedule and word-only observations); stops at zero argmax
/// collisions, after `config.iterations` or at `setup.time_limit`.
///
/// # Errors
/// Invalid configurations or word lists (naming the key), libtorch failures.
pub fn train_cem(
    setup: &TrainSetup<'_>,
    config: &CemConfig,
    progress: &mut dyn FnMut(&IterationMetrics),
) -> Result<TrainOutcome> {
    config.validate()?;
    setup.require_word_only("cem")?;
    if !matches!(
        setup.env.schedule,
        WordSchedule::Fixed | WordSchedule::Batches
    ) {
        return Err(Error::config(
            "env.schedule",
            setup.env.schedule.name(),
            "the cross-entropy method memorizes a fixed word set; use `fixed` or `batches`",
        ));
    }
    // The environment checks the word list and scores each table's argmax placement.
    let mut env = HashTableEnv::new(setup.env.clone(), setup.words.to_vec(), table_only())?;
    let tables = Tables {
        bins: setup.env.bins,
        words: setup.env.words_per_episode,
        count: env.batch_count(),
    };
    let mut policy = Net::init(
        setup.policy_spec(&config.model)?,
        setup.device,
        &mut rng(setup.seed, Stream::PolicyInit),
    )?;
    let mut optimizer = Adam::new(policy.var_store(), config.learning_rate);
    let ids = WordIds::new(setup.encoder, setup.words, policy.spec().word_key());
    let n = ids.len();
    let mut best = BestSoFar::new(&policy, &optimizer, config, n)?;
    let batch = config.batch_size.unwrap_or(n).min(n);
    let mut proposal_rng = rng(setup.seed, Stream::Actions);
    let mut batch_rng = rng(setup.seed, Stream::Batches);
    let mut rewards = vec![0f32; tables.words];
    // Each word's target of the previous iteration (for `sticky_targets`).
    let mut previous: Option<Vec<usize>> = None;
    let mut metrics = Vec::with_capacity(config.iterations);
    let mut session =
        CheckpointSession::new(setup.checkpoint, |c| setup.run_identity("cem", config, c))?;
    let mut elapsed_before = 0.0;
    let mut precision = products_precision(config.precision, setup.device, &CpuKernels::detect());
    if let Some(resumed) = session.resume::<CemState>()? {
        let mut run = CemRun {
            policy: &mut policy,
            optimizer: &mut optimizer,
            best: &mut best,
            proposal_rng: &mut proposal_rng,
            batch_rng: &mut batch_rng,
        };
        run.load(&resumed.state, resumed.tensors, &resumed.origin)?;
        previous = resumed.state.previous;
        metrics = resumed.state.metrics;
        elapsed_before = resumed.state.seconds;
        precision = resumed.state.precision.unwrap_or(precision);
    }
    // A run that reached a perfect hash is over, also when resumed with a larger budget.
    let solved = |rows: &[IterationMetrics]| rows.last().is_some_and(|r| r.collisions == 0.0);
    log_start("cem", setup, config.iterations);
    policy.set_precision(precision);
    let clock = Clock::resumed(elapsed_before);
    while metrics.len() < config.iterations && !solved(&metrics) {
        let iteration = metrics.len();
        let (mut full, mut eval) = evaluate(&policy, &ids, batch);
        let mut stats = tables.score(&mut env, &eval.greedy, &mut rewards)?;
        if stats.collisions == 0 && !precision.is_f32() {
            // The hash is float32: check it, and finish in float32.
            precision = Precision::F32;
            policy.set_precision(precision);
            tracing::info!(
                iteration,
                "cem: no collision in bfloat16; checking and finishing in float32"
            );
            (full, eval) = evaluate(&policy, &ids, batch);
            stats = tables.score(&mut env, &eval.greedy, &mut rewards)?;
        }
        let done = stats.collisions == 0;
        let collapsed = best.observe(&policy, &optimizer, stats.collisions);
        if collapsed {
            best.roll_back(&mut policy, &mut optimizer);
            log_collapse(iteration, stats.collisions, &best);
        }
        let fit_now = !done && !collapsed;
        let loss = fit_now.then(|| {
            let targets = propose_targets(
                &policy,
                &ids,
                full.as_ref(),
                &eval,
                &tables,
                batch,
                previous.as_deref().filter(|_| config.sticky_targets),
                &mut proposal_rng,
            );
            let loss = fit(
                &policy,
                &mut optimizer,
                &ids,
                full,
                &targets,
                config.fit_steps,
                batch,
                &mut batch_rng,
            );
            previous = Some(targets);
            loss
        });
        let row = IterationMetrics {
            iteration,
            reward: stats.mean_reward,
            collisions: stats.mean_collisions(),
            max_load: stats.mean_max_load,
            max_collisions_in_bin: stats.mean_max_load - 1.0,
            greedy_collisions: Some(stats.mean_collisions()),
            loss,
            critic_loss: None,
            entropy: eval.entropy,
            seconds: clock.seconds(),
        };
        record_iteration("cem", row, progress, &mut metrics);
        let ending = done || setup.out_of_time(&clock) || metrics.len() == config.iterations;
        session.after_iteration(metrics.len(), ending, || {
            let run = CemRun {
                policy: &mut policy,
                optimizer: &mut optimizer,
                best: &mut best,
                proposal_rng: &mut proposal_rng,
                batch_rng: &mut batch_rng,
            };
            run.checkpoint(&metrics, previous.clone(), precision, clock.seconds())
        })?;
        if ending {
            break;
        }
    }
    if best.collisions() != Some(0) {
        best.restore(&mut policy);
    }
    let record = setup.record("cem", config, metrics.len());
    let model = NeuralHash::from_policy(policy, setup.encoder, setup.env.observation, record);
    Ok(TrainOutcome {
        model,
        metrics,
        checkpoints: session.into_writes(),
    })
}

/// Everything the cross-entropy method carries from one iteration to the next, besides the
/// metrics and the previous targets: what a checkpoint saves and a resume loads.
struct CemRun<'a> {
    policy: &'a mut Net,
    optimizer: &'a mut Adam,
    best: &'a mut BestSoFar,
    proposal_rng: &'a mut ChaCha8Rng,
    batch_rng: &'a mut ChaCha8Rng,
}

/// The cross-entropy method's checkpoint state (its tensors are stored beside it).
#[derive(Serialize, Deserialize)]
struct CemState {
    /// Every iteration so far (the next one is `metrics.len()`).
    metrics: Vec<IterationMetrics>,
    /// Training seconds so far, across resumes.
    seconds: f64,
    learning_rate: f64,
    adam_steps: Vec<i32>,
    best: BestState,
    proposal_rng: RngState,
    batch_rng: RngState,
    previous: Option<Vec<usize>>,
    /// The products' number format in effect (float32 once a bfloat16 run has switched);
    /// absent in checkpoints written before it existed, which were float32 runs.
    #[serde(default)]
    precision: Option<Precision>,
}

impl CemRun<'_> {
    fn checkpoint(
        &self,
        metrics: &[IterationMetrics],
        previous: Option<Vec<usize>>,
        precision: Precision,
        seconds: f64,
    ) -> (CemState, NamedValues) {
        let (best, best_tensors) = self.best.checkpoint();
        let mut tensors = prefixed("policy", self.policy.parameter_values());
        tensors.extend(prefixed("adam", self.optimizer.moments().named_values()));
        tensors.extend(prefixed("best", best_tensors));
        let state = CemState {
            metrics: metrics.to_vec(),
            seconds,
            learning_rate: self.optimizer.learning_rate(),
            adam_steps: self.optimizer.moments().steps().to_vec(),
            best,
            proposal_rng: RngState::of(self.proposal_rng),
            batch_rng: RngState::of(self.batch_rng),
            previous,
            precision: Some(precision),
        };
        (state, tensors)
    }

    fn load(
        &mut self,
        state: &CemState,
        mut tensors: crate::model_file::Parameters,
        origin: &std::path::Path,
    ) -> Result<()> {
        load_net(self.policy, &mut tensors, "policy", origin)?;
        let adam = take_prefixed(&mut tensors, "adam");
        self.optimizer
            .moments_mut()
            .load(&adam, &state.adam_steps, origin)?;
        self.optimizer.set_learning_rate(state.learning_rate);
        self.best
            .load(&state.best, take_prefixed(&mut tensors, "best"), origin)?;
        *self.proposal_rng = state.proposal_rng.restore();
        *self.batch_rng = state.batch_rng.restore();
        Ok(())
    }
}

/// Reports a collapse and the rollback.
fn log_collapse(iteration: usize, collisions: usize, best: &BestSoFar) {
    tracing::info!(
        iteration,
        collisions,
        best = best.collisions(),
        learning_rate = best.learning_rate(),
        "cem: collapse; restored the network with the fewest collisions and its Adam moments"
    );
}

/// The policy's placement of every word. With the whole set in one batch, its log-probabilities
/// too (with autograd): that one forward pass serves the evaluation, the proposals and the first
/// fitting step.
fn evaluate(policy: &Net, ids: &WordIds, batch: usize) -> (Option<BinLogProbs>, Evaluation) {
    if batch == ids.len() {
        let log_probs = BinLogProbs::of(policy, &ids.all(policy.device()));
        let eval = Evaluation::of(&log_probs.detach());
        (Some(log_probs), eval)
    } else {
        (None, Evaluation::chunked(policy, ids, batch))
    }
}

/// The argmax placement of every word, with its log-probability, and the mean entropy.
struct Evaluation {
    greedy: Vec<usize>,
    confidence: Vec<f32>,
    entropy: f64,
}

impl Evaluation {
    /// From log-probabilities of all words.
    fn of(log_probs: &BinLogProbs) -> Evaluation {
        let (greedy, confidence) = log_probs.greedy();
        Evaluation {
            greedy,
            confidence,
            entropy: log_probs.total_entropy() / log_probs.len() as f64,
        }
    }

    /// From forward passes over chunks of `chunk` words, without autograd.
    fn chunked(policy: &Net, ids: &WordIds, chunk: usize) -> Evaluation {
        let rows: Vec<usize> = (0..ids.len()).collect();
        let mut all = Evaluation {
            greedy: Vec::new(),
            confidence: Vec::new(),
            entropy: 0.0,
        };
        for part in rows.chunks(chunk) {
            let log_probs =
                tch::no_grad(|| BinLogProbs::of(policy, &ids.input(part, policy.device())));
            let e = Evaluation::of(&log_probs);
            all.greedy.extend(e.greedy);
            all.confidence.extend(e.confidence);
            all.entropy += e.entropy * part.len() as f64;
        }
        all.entropy /= ids.len() as f64;
        all
    }
}

/// Which words of one table keep their argmax bin (one per occupied bin, the most confident) and
/// which move. `greedy` and `confidence` cover the table's words, numbered from `first` in the
/// word list. Returns (movers, whether each bin is held).
fn elite(
    greedy: &[usize],
    confidence: &[f32],
    bins: usize,
    first: usize,
) -> (Vec<usize>, Vec<bool>) {
    let mut owner: Vec<Option<usize>> = vec![None; bins];
    for (word, &bin) in greedy.iter().enumerate() {
        match owner[bin] {
            Some(current) if confidence[current] >= confidence[word] => {}
            _ => owner[bin] = Some(word),
        }
    }
    let movers = (0..greedy.len())
        .filter(|&w| owner[greedy[w]] != Some(w))
        .map(|w| first + w)
        .collect();
    let held = owner.iter().map(Option::is_some).collect();
    (movers, held)
}

/// The targets of this iteration, table by table: elites keep their bins, movers get bins free
/// in their table (see module doc). With `previous` targets (`sticky_targets`), a mover whose
/// previous target is still free keeps it, and only the others sample.
#[allow(clippy::too_many_arguments)]
fn propose_targets(
    policy: &Net,
    ids: &WordIds,
    full: Option<&BinLogProbs>,
    eval: &Evaluation,
    tables: &Tables,
    chunk: usize,
    previous: Option<&[usize]>,
    rng: &mut impl Rng,
) -> Vec<usize> {
    let mut targets = eval.greedy.clone();
    for range in tables.ranges() {
        let (mut movers, held) = elite(
            &eval.greedy[range.clone()],
            &eval.confidence[range.clone()],
            tables.bins,
            range.start,
        );
        let mut free = FreeBins::new(&held);
        if free.is_empty() {
            continue; // More words than bins: movers stay where they are.
        }
        if let Some(previous) = previous {
            keep_free_previous_targets(&mut targets, &mut movers, &mut free, previous);
        }
        let device = policy.device();
        let mask: Vec<f32> = (0..tables.bins)
            .map(|b| if free.contains(b) { 1.0 } else { 0.0 })
            .collect();
        let mask = Tensor::from_slice(&mask).to_device(device);
        let mut proposals = Vec::with_capacity(movers.len());
        for part in movers.chunks(chunk) {
            let index: Vec<i64> = part.iter().map(|&w| w as i64).collect();
            let log_probs = match full {
                Some(log_probs) => log_probs
                    .detach()
                    .select(&Tensor::from_slice(&index).to_device(device)),
                None => tch::no_grad(|| BinLogProbs::of(policy, &ids.input(part, device))),
            };
            proposals.extend(log_probs.sample_free(&mask, rng));
        }
        for (&word, &proposal) in movers.iter().zip(&proposals) {
            targets[word] = if free.take(proposal) {
                proposal
            } else {
                free.take_random(rng).unwrap_or(targets[word])
            };
        }
    }
    targets
}

/// Movers whose previous target is still free take it again and stop being movers.
fn keep_free_previous_targets(
    targets: &mut [usize],
    movers: &mut Vec<usize>,
    free: &mut FreeBins,
    previous: &[usize],
) {
    movers.retain(|&word| {
        let kept = free.take(previous[word]);
        if kept {
            targets[word] = previous[word];
        }
        !kept
    });
}

/// The bins no target holds yet, with O(1) removal.
struct FreeBins {
    bins: Vec<usize>,
    position: Vec<Option<usize>>,
}

impl FreeBins {
    fn new(held: &[bool]) -> FreeBins {
        let bins: Vec<usize> = (0..held.len()).filter(|&b| !held[b]).collect();
        let mut position = vec![None; held.len()];
        for (i, &b) in bins.iter().enumerate() {
            position[b] = Some(i);
        }
        FreeBins { bins, position }
    }

    fn is_empty(&self) -> bool {
        self.bins.is_empty()
    }

    fn contains(&self, bin: usize) -> bool {
        self.position[bin].is_some()
    }

    /// Takes `bin` if it is free.
    fn take(&mut self, bin: usize) -> bool {
        let Some(i) = self.position[bin] else {
            return false;
        };
        self.bins.swap_remove(i);
        if let Some(&moved) = self.bins.get(i) {
            self.position[moved] = Some(i);
        }
        self.position[bin] = None;
        true
    }

    /// Takes a uniformly random free bin, if any.
    fn take_random(&mut self, rng: &mut impl Rng) -> Option<usize> {
        if self.bins.is_empty() {
            return None;
        }
        let bin = self.bins[rng.random_range(0..self.bins.len())];
        self.take(bin);
        Some(bin)
    }
}

/// Cross-entropy fit to `targets`; returns the mean loss of the steps taken. `full`, when
/// present, holds the log-probabilities of all words (with autograd) for the first step.
#[allow(clippy::too_many_arguments)]
fn fit(
    policy: &Net,
    optimizer: &mut Adam,
    ids: &WordIds,
    mut full: Option<BinLogProbs>,
    targets: &[usize],
    passes: usize,
    batch: usize,
    rng: &mut impl Rng,
) -> f64 {
    let device = policy.device();
    let targets: Vec<i64> = targets.iter().map(|&t| t as i64).collect();
    let mut order: Vec<usize> = (0..ids.len()).collect();
    let (mut total, mut steps) = (0.0, 0usize);
    for _ in 0..passes {
        if batch < ids.len() {
            shuffle(&mut order, rng);
        }
        for part in order.chunks(batch) {
            let log_probs = match full.take() {
                Some(log_probs) => log_probs,
                None => BinLogProbs::of(policy, &ids.input(part, device)),
            };
            let part_targets: Vec<i64> = part.iter().map(|&w| targets[w]).collect();
            let loss = log_probs.nll(&Tensor::from_slice(&part_targets).to_device(device));
            optimizer.backward_step(&loss);
            total += scalar(&loss);
            steps += 1;
        }
    }
    total / steps as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;
    use rand::SeedableRng;

    proptest! {
        #[test]
        fn elite_keeps_one_word_per_bin_and_free_bins_fill_without_collision(
            greedy in proptest::collection::vec(0usize..12, 1..12),
            seed in 0u64..1000,
        ) {
            let confidence: Vec<f32> = (0..greedy.len()).map(|i| (i * 7 % 5) as f32).collect();
            let (movers, held) = elite(&greedy, &confidence, 12, 0);
            let mut targets = greedy.clone();
            let distinct: std::collections::BTreeSet<_> = greedy.iter().copied().collect();
            prop_assert_eq!(greedy.len() - movers.len(), distinct.len());
            prop_assert_eq!(held.iter().filter(|&&h| h).count(), distinct.len());
            let mut free = FreeBins::new(&held);
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            for &w in &movers {
                targets[w] = free.take_random(&mut rng).unwrap();
            }
            let assigned: std::collections::BTreeSet<_> = targets.iter().copied().collect();
            prop_assert_eq!(assigned.len(), greedy.len());
        }
    }

    #[test]
    fn movers_keep_previous_targets_that_are_still_free() {
        // Words 0 and 1 collide in bin 0, 2 and 3 in bin 1; 0 and 2 are the elite.
        let greedy = [0, 0, 1, 1, 2];
        let (mut movers, held) = elite(&greedy, &[1.0, 0.0, 1.0, 0.0, 1.0], 6, 0);
        let mut targets = greedy.to_vec();
        assert_eq!(movers, vec![1, 3]);
        let mut free = FreeBins::new(&held);
        // Word 1 aimed at bin 4 (free), word 3 at bin 2 (now held by word 4).
        keep_free_previous_targets(&mut targets, &mut movers, &mut free, &[0, 4, 1, 2, 2]);
        assert_eq!(movers, vec![3]);
        assert_eq!(targets[1], 4);
        assert!(!free.contains(4) && free.contains(3) && free.contains(5));
    }

    #[test]
    fn elite_numbers_movers_in_the_whole_word_list() {
        // The second table's words are 10..14: words 10 and 11 collide in bin 3.
        let (movers, held) = elite(&[3, 3, 0, 1], &[0.0, 1.0, 1.0, 1.0], 4, 10);
        assert_eq!(movers, vec![10]);
        assert_eq!(held, [true, true, false, true]);
    }

    #[test]
    fn free_bins_take_each_bin_once() {
        let mut free = FreeBins::new(&[true, false, false, true, false]);
        assert!(!free.take(0));
        assert!(free.take(2));
        assert!(!free.take(2));
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let mut rest = vec![
            free.take_random(&mut rng).unwrap(),
            free.take_random(&mut rng).unwrap(),
        ];
        rest.sort_unstable();
        assert_eq!(rest, vec![1, 4]);
        assert!(free.take_random(&mut rng).is_none());
    }
}
