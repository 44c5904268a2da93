//! The cross-entropy method's hash tables: one for the `fixed` schedule, one per batch for
//! `batches`, each scoring its own words' argmax placement.

use nh_env::HashTableEnv;

use crate::Result;
use crate::rollout::TableOnly;

/// The hash tables the words fill: `count` tables of `bins` bins, table `t` holding words
/// `t * words .. (t + 1) * words` (one table for the `fixed` schedule).
pub(crate) struct Tables {
    /// Bins per table.
    pub bins: usize,
    /// Words per table.
    pub words: usize,
    /// Number of tables.
    pub count: usize,
}

/// An iteration's argmax placement summed over its tables.
pub(crate) struct TableStats {
    /// Collisions of all tables together (zero: perfect on every table).
    pub collisions: usize,
    /// Number of tables.
    count: usize,
    /// Mean total reward over the tables.
    pub mean_reward: f64,
    /// Mean load of each table's fullest bin.
    pub mean_max_load: f64,
}

impl TableStats {
    /// Mean collisions per table.
    pub fn mean_collisions(&self) -> f64 {
        self.collisions as f64 / self.count as f64
    }
}

impl Tables {
    /// The words of each table, as index ranges into the word list.
    pub fn ranges(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        (0..self.count).map(|t| t * self.words..(t + 1) * self.words)
    }

    /// Plays each table's argmax placement in `env` (one episode per table, in the env's order).
    pub fn score(
        &self,
        env: &mut HashTableEnv<TableOnly>,
        greedy: &[usize],
        rewards: &mut [f32],
    ) -> Result<TableStats> {
        let mut total = TableStats {
            collisions: 0,
            count: self.count,
            mean_reward: 0.0,
            mean_max_load: 0.0,
        };
        for range in self.ranges() {
            env.try_reset(None, &mut [])?;
            debug_assert_eq!(env.episode_words().first(), Some(&range.start));
            let stats = env.play_episode(&greedy[range], rewards)?;
            total.collisions += stats.collisions;
            total.mean_reward += stats.total_reward / self.count as f64;
            total.mean_max_load += stats.max_load as f64 / self.count as f64;
        }
        Ok(total)
    }
}
