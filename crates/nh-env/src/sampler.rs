//! Seeded sampling of distinct word indices without replacement, allocation-free after warm-up.

use rand::Rng;

/// Draws `n` distinct indices from `0..population` in uniformly random order.
///
/// Two exact methods, chosen by the fraction drawn, so that memory stays proportional to the
/// episode even for a corpus of half a million words:
/// - `2n <= population`: rejection sampling against a bit set of taken indices (one bit per
///   index); each draw is accepted with probability at least 1/2.
/// - otherwise: a partial Fisher–Yates shuffle of a scratch array `0..population` (which is then
///   fewer than `2n` entries).
///
/// Both leave their scratch state as they found it, so the result depends only on the RNG.
#[derive(Clone, Debug, Default)]
pub(crate) struct IndexSampler {
    taken: Vec<u64>,
    scratch: Vec<usize>,
}

impl IndexSampler {
    /// Replaces the contents of `out` with the sample.
    pub(crate) fn sample_into(
        &mut self,
        rng: &mut impl Rng,
        population: usize,
        n: usize,
        out: &mut Vec<usize>,
    ) {
        debug_assert!(n <= population, "cannot draw {n} of {population}");
        out.clear();
        if 2 * n <= population {
            self.by_rejection(rng, population, n, out);
        } else {
            self.by_shuffle(rng, population, n, out);
        }
    }

    fn by_rejection(
        &mut self,
        rng: &mut impl Rng,
        population: usize,
        n: usize,
        out: &mut Vec<usize>,
    ) {
        self.taken.resize(population.div_ceil(64), 0);
        while out.len() < n {
            let index = rng.random_range(0..population);
            let (word, bit) = (index / 64, 1u64 << (index % 64));
            if self.taken[word] & bit == 0 {
                self.taken[word] |= bit;
                out.push(index);
            }
        }
        for &index in out.iter() {
            self.taken[index / 64] = 0;
        }
    }

    fn by_shuffle(
        &mut self,
        rng: &mut impl Rng,
        population: usize,
        n: usize,
        out: &mut Vec<usize>,
    ) {
        self.scratch.clear();
        self.scratch.extend(0..population);
        for i in 0..n {
            let j = rng.random_range(i..population);
            self.scratch.swap(i, j);
            out.push(self.scratch[i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::IndexSampler;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// Each index of `0..population` must be drawn with probability `n / population`; with
    /// 20,000 draws the observed frequency stays within 0.02 of it (over 5 standard deviations).
    fn assert_uniform(population: usize, n: usize) {
        let mut sampler = IndexSampler::default();
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut counts = vec![0usize; population];
        let mut first_counts = vec![0usize; population];
        let mut out = Vec::new();
        let draws = 20_000;
        for _ in 0..draws {
            sampler.sample_into(&mut rng, population, n, &mut out);
            first_counts[out[0]] += 1;
            for &index in &out {
                counts[index] += 1;
            }
        }
        let expected = n as f64 / population as f64;
        for (index, &count) in counts.iter().enumerate() {
            let frequency = count as f64 / f64::from(draws);
            assert!(
                (frequency - expected).abs() < 0.02,
                "index {index}: {frequency} vs {expected}"
            );
        }
        // The order is random too: the first position is uniform over the population.
        for (index, &count) in first_counts.iter().enumerate() {
            let frequency = count as f64 / f64::from(draws);
            let expected = 1.0 / population as f64;
            assert!(
                (frequency - expected).abs() < 0.02,
                "first {index}: {frequency}"
            );
        }
    }

    #[test]
    fn rejection_path_is_uniform() {
        assert_uniform(10, 5);
    }

    #[test]
    fn shuffle_path_is_uniform() {
        assert_uniform(10, 7);
    }

    #[test]
    fn full_draw_is_a_permutation() {
        let mut out = Vec::new();
        IndexSampler::default().sample_into(&mut ChaCha8Rng::seed_from_u64(3), 50, 50, &mut out);
        let mut sorted = out.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(
            out, sorted,
            "a random permutation of 50 is not the identity"
        );
    }
}
