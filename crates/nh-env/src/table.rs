//! Reward and metric bookkeeping of one hash table, shared by stepping and whole-episode scoring.

use serde::{Deserialize, Serialize};

use crate::config::RewardConfig;

/// Statistics of an episode (or of the part played so far).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EpisodeStats {
    /// Sum of the rewards received.
    pub total_reward: f64,
    /// Words placed into an already occupied bin: words placed minus occupied bins.
    pub collisions: usize,
    /// Bins holding at least one word.
    pub occupied_bins: usize,
    /// Words in the fullest bin (0 before the first step).
    pub max_load: usize,
    /// Collisions in the fullest bin: `max_load - 1` (0 before the first step).
    pub max_collisions_in_bin: usize,
}

impl EpisodeStats {
    /// The statistics of `placed` words that earned `total_reward` in all and occupy
    /// `occupied_bins` bins, the fullest holding `max_load` words; the collision counts follow.
    ///
    /// # Panics
    /// When `occupied_bins > placed`: every occupied bin holds a placed word.
    pub fn new(total_reward: f64, placed: usize, occupied_bins: usize, max_load: usize) -> Self {
        assert!(
            occupied_bins <= placed,
            "EpisodeStats: {occupied_bins} occupied bins hold only {placed} words"
        );
        Self {
            total_reward,
            collisions: placed - occupied_bins,
            occupied_bins,
            max_load,
            max_collisions_in_bin: max_load.saturating_sub(1),
        }
    }
}

/// Per-bin word counts and the running statistics of one episode.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    loads: Vec<usize>,
    rewards: RewardConfig,
    placed: usize,
    occupied: usize,
    max_load: usize,
    total_reward: f64,
}

impl Table {
    pub(crate) fn new(bins: usize, rewards: RewardConfig) -> Self {
        Self {
            loads: vec![0; bins],
            rewards,
            placed: 0,
            occupied: 0,
            max_load: 0,
            total_reward: 0.0,
        }
    }

    /// Empties every bin.
    pub(crate) fn clear(&mut self) {
        self.loads.fill(0);
        self.placed = 0;
        self.occupied = 0;
        self.max_load = 0;
        self.total_reward = 0.0;
    }

    /// Places one word into `bin` (which must be in range) and returns its reward and the bin's
    /// new load.
    #[inline]
    pub(crate) fn place(&mut self, bin: usize) -> (f32, usize) {
        let load = &mut self.loads[bin];
        *load += 1;
        let load = *load;
        let reward = if load == 1 {
            self.occupied += 1;
            self.rewards.empty
        } else {
            self.rewards.collision
        };
        self.max_load = self.max_load.max(load);
        self.placed += 1;
        self.total_reward += f64::from(reward);
        (reward, load)
    }

    /// Places every action in order, writing rewards; actions must be in range and
    /// `rewards_out` as long as `actions`.
    pub(crate) fn place_all(&mut self, actions: &[usize], rewards_out: &mut [f32]) {
        for (&bin, reward) in actions.iter().zip(rewards_out) {
            *reward = self.place(bin).0;
        }
    }

    pub(crate) fn bins(&self) -> usize {
        self.loads.len()
    }

    pub(crate) fn loads(&self) -> &[usize] {
        &self.loads
    }

    pub(crate) fn placed(&self) -> usize {
        self.placed
    }

    pub(crate) fn occupied(&self) -> usize {
        self.occupied
    }

    pub(crate) fn stats(&self) -> EpisodeStats {
        EpisodeStats::new(self.total_reward, self.placed, self.occupied, self.max_load)
    }
}

/// Scores a whole episode of actions without an environment: `actions[t]` is the bin of the
/// `t`-th word, `rewards_out[t]` receives its reward. Allocates one count per bin.
///
/// This is the bookkeeping of [`HashTableEnv::play_episode`](crate::HashTableEnv::play_episode)
/// for callers that hold only the actions, e.g. to score a hash function's bins.
///
/// ```
/// use nh_env::{RewardConfig, score_actions};
///
/// let mut rewards = [0.0; 4];
/// let stats = score_actions(&[3, 1, 3, 3], 4, RewardConfig::default(), &mut rewards);
/// assert_eq!(rewards, [10.0, 10.0, -10.0, -10.0]);
/// assert_eq!((stats.collisions, stats.occupied_bins, stats.max_load), (2, 2, 3));
/// assert_eq!(stats.total_reward, 0.0);
/// ```
///
/// # Panics
/// When an action is `>= bins`, or `rewards_out.len() != actions.len()`.
pub fn score_actions(
    actions: &[usize],
    bins: usize,
    rewards: RewardConfig,
    rewards_out: &mut [f32],
) -> EpisodeStats {
    assert_eq!(
        rewards_out.len(),
        actions.len(),
        "score_actions: `rewards_out` must have one slot per action"
    );
    if let Some(&action) = actions.iter().find(|&&action| action >= bins) {
        panic!("score_actions: action {action} is out of range for {bins} bins");
    }
    let mut table = Table::new(bins, rewards);
    table.place_all(actions, rewards_out);
    table.stats()
}
