//! Environment and encoder throughput: the loops of nh-env's and nh-encode's criterion benches,
//! timed inside the benchmark run so the report comes from one run.

use std::fmt::Write;
use std::hint::black_box;
use std::sync::Arc;

use nh_encode::{IndexEncoder, OneHotEncoder};
use nh_env::{
    EnvConfig, FnEncoder, HashTableEnv, ObservationMode, RewardConfig, WordSchedule, score_actions,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::table::{Align, Table, millions, thousands};
use crate::timing::rate_per_second;

/// Words per episode and bins of the environment measurements (the paper's 1,000 x 1,000).
const EPISODE: usize = 1000;
/// Words per one-hot chunk.
const ONE_HOT_CHUNK: usize = 1024;

/// What a throughput figure measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Throughput {
    /// `step` with word-only observations.
    StepWordOnly,
    /// `step` with word and occupancy observations.
    StepWordAndOccupancy,
    /// `play_episode` on the fixed words: the fast path trainers use.
    PlayEpisode,
    /// `score_actions`, without an environment.
    ScoreActions,
    /// A reset sampling a new episode's words, then `play_episode`.
    SamplePlayEpisode,
    /// nh-encode's `IndexEncoder::ids_batch`.
    IndexEncoderIds,
    /// nh-encode's `OneHotEncoder::encode_batch_into`.
    OneHotEncoder,
}

impl Throughput {
    /// The name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Throughput::StepWordOnly => "step, word only",
            Throughput::StepWordAndOccupancy => "step, word and occupancy",
            Throughput::PlayEpisode => "play_episode",
            Throughput::ScoreActions => "score_actions",
            Throughput::SamplePlayEpisode => "sample + play_episode",
            Throughput::IndexEncoderIds => "IndexEncoder ids",
            Throughput::OneHotEncoder => "OneHotEncoder",
        }
    }

    /// What one item is: environment `steps` or encoded `words`.
    pub fn unit(self) -> &'static str {
        match self {
            Throughput::IndexEncoderIds | Throughput::OneHotEncoder => "words",
            _ => "steps",
        }
    }
}

/// One throughput figure.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ThroughputRow {
    /// What was measured.
    pub what: Throughput,
    /// Items per second (median of the rounds).
    pub per_second: f64,
    /// How it was measured.
    pub detail: String,
}

/// Measures the environment on 1,000-word episodes into 1,000 bins (`pool`: the words episodes
/// are sampled from) and the encoders on `words`; each figure is the median of `repeats` rounds
/// of at least `min_seconds`.
///
/// # Errors
/// [`Error::Env`] when the environment rejects its configuration (e.g. a pool under 1,000 words).
pub fn measure_throughput(
    pool: &[String],
    words: &[String],
    index: &IndexEncoder,
    one_hot: &OneHotEncoder,
    repeats: usize,
    min_seconds: f64,
) -> Result<Vec<ThroughputRow>> {
    let fixed: Vec<String> = pool.iter().take(EPISODE).cloned().collect();
    let encoder = FnEncoder::new(1, |word: &str, out: &mut [f32]| out[0] = word.len() as f32);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let actions: Vec<usize> = (0..EPISODE).map(|_| rng.random_range(0..EPISODE)).collect();
    let mut rewards = vec![0f32; EPISODE];
    let rate = |f: &mut dyn FnMut()| rate_per_second(repeats, min_seconds, EPISODE, f);
    let mut rows = Vec::new();
    for (what, observation) in [
        (Throughput::StepWordOnly, ObservationMode::WordOnly),
        (
            Throughput::StepWordAndOccupancy,
            ObservationMode::WordAndOccupancy,
        ),
    ] {
        let config = EnvConfig::new(EPISODE, EPISODE)
            .with_schedule(WordSchedule::Fixed)
            .with_observation(observation);
        let mut env = HashTableEnv::new(config, fixed.clone(), encoder)?;
        let mut obs = vec![0f32; env.observation_space().dim()];
        let per_second = rate(&mut || {
            env.reset(Some(0), &mut obs);
            let total: f32 = actions.iter().map(|&a| env.step(a, &mut obs).reward).sum();
            black_box(total);
        });
        rows.push(row(
            what,
            per_second,
            "reset + 1,000 `step` calls writing observations",
        ));
    }
    let config = EnvConfig::new(EPISODE, EPISODE).with_schedule(WordSchedule::Fixed);
    let mut env = HashTableEnv::new(config, fixed, encoder)?;
    let mut obs = [0f32; 1];
    let per_second = rate(&mut || {
        env.reset(Some(0), &mut obs);
        black_box(
            env.play_episode(&actions, &mut rewards)
                .expect("a reset word-only episode"),
        );
    });
    rows.push(row(
        Throughput::PlayEpisode,
        per_second,
        "reset + whole-episode scoring",
    ));
    let per_second = rate(&mut || {
        black_box(score_actions(
            &actions,
            EPISODE,
            RewardConfig::default(),
            &mut rewards,
        ));
    });
    rows.push(row(
        Throughput::ScoreActions,
        per_second,
        "scoring 1,000 actions without an environment",
    ));
    let shared: Arc<[String]> = pool.iter().cloned().collect();
    let pool_size = shared.len();
    let mut env =
        HashTableEnv::with_shared_words(EnvConfig::new(EPISODE, EPISODE), shared, encoder)?;
    let mut seed = 0u64;
    let per_second = rate(&mut || {
        seed += 1;
        env.reset(Some(seed), &mut obs);
        black_box(
            env.play_episode(&actions, &mut rewards)
                .expect("a reset word-only episode"),
        );
    });
    rows.push(row(
        Throughput::SamplePlayEpisode,
        per_second,
        &format!(
            "reset drawing 1,000 of {} words + whole-episode scoring",
            thousands(pool_size as u64)
        ),
    ));
    let per_second = rate_per_second(repeats, min_seconds, words.len(), || {
        black_box(index.ids_batch(words));
    });
    rows.push(row(
        Throughput::IndexEncoderIds,
        per_second,
        &format!(
            "ids of {} words in one batch",
            thousands(words.len() as u64)
        ),
    ));
    let mut buffer = vec![0f32; ONE_HOT_CHUNK * one_hot.dim()];
    let per_second = rate_per_second(repeats, min_seconds, words.len(), || {
        for chunk in words.chunks(ONE_HOT_CHUNK) {
            let out = &mut buffer[..chunk.len() * one_hot.dim()];
            one_hot.encode_batch_into(chunk, out);
            black_box(out);
        }
    });
    rows.push(row(
        Throughput::OneHotEncoder,
        per_second,
        &format!(
            "one-hot rows of {} words, 1,024 at a time",
            thousands(words.len() as u64)
        ),
    ));
    Ok(rows)
}

fn row(what: Throughput, per_second: f64, detail: &str) -> ThroughputRow {
    ThroughputRow {
        what,
        per_second,
        detail: detail.to_owned(),
    }
}

/// Section 5: every throughput figure.
pub(crate) fn render(out: &mut String, rows: &[ThroughputRow]) {
    let _ = writeln!(out, "## 5. Environment and encoder throughput\n");
    let _ = writeln!(
        out,
        "The loops of nh-env's and nh-encode's criterion benches (`cargo bench -p nh-env`, \
         `cargo bench -p nh-encode`), timed in this run on one thread: episodes of 1,000 words into \
         1,000 bins with random actions, and the inference words for the encoders.\n"
    );
    let mut table = Table::new(&[
        ("what", Align::Left),
        ("per second", Align::Right),
        ("unit", Align::Left),
        ("how", Align::Left),
    ]);
    for row in rows {
        table.push(vec![
            row.what.name().to_owned(),
            millions(row.per_second),
            row.what.unit().to_owned(),
            row.detail.clone(),
        ]);
    }
    let _ = writeln!(out, "{}", table.to_markdown());
}

#[cfg(test)]
mod tests {
    use super::*;
    use nh_encode::Alphabet;

    #[test]
    fn measures_every_figure() {
        let pool: Vec<String> = (0..1500).map(|i| format!("word{i}")).collect();
        let one_hot = OneHotEncoder::new(Alphabet::lowercase(), 8).unwrap();
        let rows = measure_throughput(
            &pool,
            &pool[..100],
            &one_hot.index_encoder(),
            &one_hot,
            1,
            0.0,
        )
        .unwrap();
        let names: Vec<&str> = rows.iter().map(|r| r.what.name()).collect();
        assert_eq!(
            names,
            [
                "step, word only",
                "step, word and occupancy",
                "play_episode",
                "score_actions",
                "sample + play_episode",
                "IndexEncoder ids",
                "OneHotEncoder",
            ]
        );
        assert!(
            rows.iter()
                .all(|r| r.per_second > 0.0 && r.per_second.is_finite())
        );
        let units: Vec<&str> = rows.iter().map(|r| r.what.unit()).collect();
        assert_eq!(units[..5], ["steps"; 5]);
        assert_eq!(units[5..], ["words"; 2]);
        assert!(rows[4].detail.contains("1,500"), "{}", rows[4].detail);
        let err = measure_throughput(
            &pool[..10],
            &pool[..10],
            &one_hot.index_encoder(),
            &one_hot,
            1,
            0.0,
        )
        .unwrap_err();
        assert!(err.to_string().contains("environment"), "{err}");
    }
}
