//! The training section's markdown (section 3), its sentences of "What the numbers mean", and
//! the questions the headline asks of the training rows.

use std::fmt::Write;

use super::{CALIBRATION_ITERATIONS, Trainer, TrainingRow};
use crate::paper::PAPER_TRAINING_10K_S;
use crate::table::{Align, Table, sig3, thousands, times};

/// Section 3: one line per trainer, then one table row per run.
pub(crate) fn render(out: &mut String, trainers: &[Trainer], rows: &[TrainingRow]) {
    let _ = writeln!(out, "## 3. Training: time to a zero-collision NeuralHash\n");
    let _ = writeln!(
        out,
        "A fixed set of N words (a seeded sample of the corpus) into N bins, the paper's network, \
         word-only observations. A run stops at zero argmax collisions (a perfect hash of the set) \
         or at its iteration budget: each trainer first runs {} iterations to measure its pace \
         (not counted), then trains from scratch with as many iterations as fit its time cap. \
         \"collisions\" are the returned model's argmax collisions on its words; \"random\" is what \
         a uniformly random function averages. The paper: 20,400 s (5 h 40 min) for 10,000 words.\n",
        CALIBRATION_ITERATIONS
    );
    for trainer in trainers {
        let _ = writeln!(out, "- **{}**: {}.", trainer.name(), trainer.describe());
    }
    out.push('\n');
    let mut table = Table::new(&[
        ("words", Align::Right),
        ("trainer", Align::Left),
        ("device", Align::Left),
        ("perfect", Align::Left),
        ("iterations (budget)", Align::Right),
        ("seconds (cap)", Align::Right),
        ("s/iteration (calibration)", Align::Right),
        ("collisions", Align::Right),
        ("random", Align::Right),
        ("vs paper", Align::Right),
    ]);
    for row in rows {
        table.push(vec![
            thousands(row.words as u64),
            row.trainer.name().to_owned(),
            row.device.clone(),
            if row.reached_zero() {
                "yes".into()
            } else {
                "no".into()
            },
            format!(
                "{} ({})",
                thousands(row.iterations as u64),
                thousands(row.budget as u64)
            ),
            format!("{} ({})", sig3(row.seconds), sig3(row.cap_seconds)),
            format!(
                "{} ({})",
                sig3(row.seconds / row.iterations.max(1) as f64),
                sig3(row.calibration_seconds_per_iteration)
            ),
            thousands(row.collisions as u64),
            sig3(row.random_collisions),
            if row.words == 10_000 && row.reached_zero() {
                times(PAPER_TRAINING_10K_S / row.seconds)
            } else {
                "".into()
            },
        ]);
    }
    let _ = writeln!(out, "{}", table.to_markdown());
    let overran = rows
        .iter()
        .filter(|r| r.seconds > 1.5 * r.cap_seconds)
        .count();
    if overran > 0 {
        let _ = writeln!(
            out,
            "{overran} of {} runs took more than 1.5x their cap: their pace after the calibration \
             run was slower than during it (compare the two s/iteration figures). The load average \
             in the machine table shows whether other processes were competing for the cores.\n",
            rows.len()
        );
    }
}

/// The training sentences of "What the numbers mean".
pub(crate) fn meaning(rows: &[TrainingRow]) -> Vec<String> {
    let Some(largest) = rows.iter().map(|r| r.words).max() else {
        return Vec::new();
    };
    let mut sentences = Vec::new();
    match fastest_perfect(rows, largest) {
        Some(row) => sentences.push(format!(
            "Training a perfect hash of {} words took {} s with {} on {}{}.",
            thousands(largest as u64),
            sig3(row.seconds),
            row.trainer.name(),
            row.device,
            paper_training_ratio(row)
        )),
        None => sentences.push(format!(
            "No trainer reached a perfect hash of {} words within its time cap.",
            thousands(largest as u64)
        )),
    }
    let stuck: Vec<String> = rows
        .iter()
        .filter(|r| r.words == largest && !r.reached_zero())
        .map(|r| {
            format!(
                "{} ({} collisions after {} iterations)",
                r.trainer.name(),
                thousands(r.collisions as u64),
                thousands(r.iterations as u64)
            )
        })
        .collect();
    if !stuck.is_empty() {
        sentences.push(format!(
            "Within their caps, {} did not get there; a random function averages {} collisions.",
            stuck.join("; "),
            sig3(
                rows.iter()
                    .find(|r| r.words == largest)
                    .map_or(f64::NAN, |r| r.random_collisions)
            )
        ));
    }
    let at_largest = |trainer: Trainer| {
        rows.iter()
            .find(|r| r.words == largest && r.trainer == trainer)
    };
    let outcome = |r: &TrainingRow| {
        if r.reached_zero() {
            format!(
                "a perfect hash in {} s ({} iterations)",
                sig3(r.seconds),
                thousands(r.iterations as u64)
            )
        } else {
            format!(
                "{} collisions after {} s",
                thousands(r.collisions as u64),
                sig3(r.seconds)
            )
        }
    };
    if let (Some(full), Some(factorized)) =
        (at_largest(Trainer::Cem), at_largest(Trainer::CemFactorized))
    {
        sentences.push(format!(
            "On {} words the cross-entropy method reached {} with the paper's head and {} with \
             the factorized head.",
            thousands(largest as u64),
            outcome(full),
            outcome(factorized)
        ));
    }
    for bf16 in Trainer::ALL {
        let twin = bf16.float32_twin().and_then(at_largest);
        if let (Some(a), Some(b)) = (twin, at_largest(bf16)) {
            sentences.push(format!(
                "With bfloat16 products, {} reached {} against {} in float32.",
                bf16.name(),
                outcome(b),
                outcome(a)
            ));
        }
    }
    sentences
}

/// The word-set sizes of the training rows, ascending.
pub(crate) fn sizes(rows: &[TrainingRow]) -> Vec<usize> {
    let mut sizes: Vec<usize> = rows.iter().map(|r| r.words).collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// The fewest collisions any run on `words` words ended with.
pub(crate) fn fewest_collisions(rows: &[TrainingRow], words: usize) -> usize {
    rows.iter()
        .filter(|r| r.words == words)
        .map(|r| r.collisions)
        .min()
        .unwrap_or(0)
}

/// The perfect run of `words` words with the fewest seconds.
pub(crate) fn fastest_perfect(rows: &[TrainingRow], words: usize) -> Option<&TrainingRow> {
    rows.iter()
        .filter(|r| r.words == words && r.reached_zero())
        .min_by(|a, b| a.seconds.total_cmp(&b.seconds))
}

/// `, 123x less than the paper's 20,400 s` for 10,000 words, else nothing.
pub(crate) fn paper_training_ratio(row: &TrainingRow) -> String {
    if row.words == 10_000 {
        format!(
            ", {} less than the paper's 20,400 s",
            times(PAPER_TRAINING_10K_S / row.seconds)
        )
    } else {
        String::new()
    }
}
