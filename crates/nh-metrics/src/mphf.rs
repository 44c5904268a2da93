//! Minimal perfect hash baselines for a fixed key set: `ptr_hash` (PtrHash) and `ph` (FMPH and
//! PHast), with build time, bits per key and query time for side-by-side comparisons.
//!
//! PtrHash gets each key as its 64-bit XXH3 hash and rehashes that with its seeded XXH3 integer
//! hasher (`ptr_hash::hash::Xxh3Int`): its default FxHash collides on the English corpus, and
//! `ptr_hash` only builds over sized keys, which a pre-hash gives us without allocating at query
//! time. `ph` hashes keys itself, once per level, through a seeded `Hasher`; it gets foldhash,
//! which is cheap to seed (`ph`'s XXH3 option builds a streaming XXH3 state per key and made FMPH
//! queries about 10 times slower).

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use ph::GetSize;

use crate::{Error, Result};

/// XXH3 seed of PtrHash's pre-hash (any fixed value; PtrHash reseeds its own hasher on failure).
const PREHASH_SEED: u64 = 0x6e68_2d6d_7068_6621;

/// PtrHash over pre-hashed keys, minimal (values in `0..n`).
type PtrHashMphf = ptr_hash::DefaultPtrHash<ptr_hash::hash::Xxh3Int, u64>;
/// FMPH with seeded foldhash.
type FmphFunction = ph::fmph::Function<SeededFoldHash>;
/// PHast with 8-bit seeds (`ph`'s default variant) and seeded foldhash.
type PhastFunction = ph::phast::Function<
    ph::seeds::Bits8,
    ph::phast::SeedOnly,
    ph::phast::DefaultCompressedArray,
    SeededFoldHash,
>;

/// `ph`'s key hasher: foldhash's fast variant with the level seed as its fixed seed.
#[derive(Clone, Copy, Debug, Default)]
struct SeededFoldHash;

impl ph::BuildSeededHasher for SeededFoldHash {
    type Hasher = foldhash::fast::FoldHasher<'static>;

    fn build_hasher(&self, seed: u64) -> Self::Hasher {
        std::hash::BuildHasher::build_hasher(&foldhash::fast::FixedState::with_seed(seed))
    }
}

/// Which minimal perfect hash to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum MphKind {
    /// PtrHash (`ptr_hash` 2, default parameters: about 3 bits/key, fastest queries).
    PtrHash,
    /// FMPH, fingerprint-based (`ph::fmph::Function`, default level size, about 2.8 bits/key).
    Fmph,
    /// PHast (`ph::phast::Function` with 8-bit seeds, below 2 bits/key).
    Phast,
}

impl MphKind {
    /// Every kind, in a fixed order.
    pub const ALL: [MphKind; 3] = [MphKind::PtrHash, MphKind::Fmph, MphKind::Phast];

    /// Name for reports.
    pub fn name(self) -> &'static str {
        match self {
            MphKind::PtrHash => "ptr_hash",
            MphKind::Fmph => "ph-fmph",
            MphKind::Phast => "ph-phast",
        }
    }
}

/// The built structure of one kind.
enum Built {
    PtrHash(Box<PtrHashMphf>),
    Fmph(FmphFunction),
    Phast(PhastFunction),
}

/// A minimal perfect hash over a fixed set of `n` distinct keys: each key gets its own value in
/// `0..n`.
///
/// ```
/// use nh_metrics::{MinimalPerfectHash, MphKind};
/// let keys: Vec<String> = ["apple", "banana", "cherry"].map(String::from).to_vec();
/// let mphf = MinimalPerfectHash::build(MphKind::Fmph, &keys)?;
/// let mut values: Vec<usize> = keys.iter().map(|k| mphf.index(k)).collect();
/// values.sort();
/// assert_eq!(values, vec![0, 1, 2]);
/// # Ok::<(), nh_metrics::Error>(())
/// ```
pub struct MinimalPerfectHash {
    kind: MphKind,
    n: usize,
    build_time: Duration,
    built: Built,
}

impl MinimalPerfectHash {
    /// Builds a minimal perfect hash of `kind` over `keys`.
    ///
    /// Errors with [`Error::DuplicateKey`] when a key repeats (checked before building, and not
    /// counted in the build time), or [`Error::MphBuildFailed`] when the library gives up.
    pub fn build(kind: MphKind, keys: &[String]) -> Result<Self> {
        check_distinct(keys)?;
        let failed = Error::MphBuildFailed {
            kind: kind.name(),
            n: keys.len(),
        };
        let start = Instant::now();
        let built = match kind {
            MphKind::PtrHash => {
                let hashes: Vec<u64> = keys.iter().map(|key| prehash(key)).collect();
                let params = ptr_hash::PtrHashParams::default();
                Built::PtrHash(Box::new(
                    PtrHashMphf::try_new(&hashes, params).ok_or(failed)?,
                ))
            }
            MphKind::Fmph => {
                let source = ph::fmph::keyset::SliceSourceWithRefs::<_, u8>::new(keys);
                let conf = ph::fmph::BuildConf::hash_lsize_mt(SeededFoldHash, 100, false);
                Built::Fmph(FmphFunction::try_with_conf_stats(source, conf, &mut ()).ok_or(failed)?)
            }
            MphKind::Phast => {
                let seed_size = ph::seeds::Bits8;
                let bucket_size = ph::phast::bits_per_seed_to_100_bucket_size(8);
                let params = ph::phast::Params::new(seed_size, bucket_size);
                Built::Phast(PhastFunction::with_slice_p_hash_sc(
                    keys,
                    &params,
                    SeededFoldHash,
                    ph::phast::SeedOnly,
                ))
            }
        };
        Ok(Self {
            kind,
            n: keys.len(),
            build_time: start.elapsed(),
            built,
        })
    }

    /// The kind built.
    pub fn kind(&self) -> MphKind {
        self.kind
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether the key set was empty.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Wall-clock construction time.
    pub fn build_time(&self) -> Duration {
        self.build_time
    }

    /// Size of the structure in bits per key (PtrHash: pilots plus remap table; `ph`: its own
    /// reported size including headers).
    pub fn bits_per_key(&self) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        match &self.built {
            Built::PtrHash(mphf) => {
                let (pilots, remap) = mphf.bits_per_element();
                pilots + remap
            }
            Built::Fmph(function) => 8.0 * function.size_bytes() as f64 / self.n as f64,
            Built::Phast(function) => 8.0 * function.size_bytes() as f64 / self.n as f64,
        }
    }

    /// The value of `key`, in `0..len()`.
    ///
    /// `key` must be one of the build keys: for any other key the value is unspecified, and
    /// PHast may even panic (its levels hold no entry for such a key).
    pub fn index(&self, key: &str) -> usize {
        match &self.built {
            Built::PtrHash(mphf) => mphf.index(&prehash(key)),
            // FMPH answers every build key; `None` only happens for foreign keys.
            Built::Fmph(function) => function.get(key).map_or(self.n, |value| value as usize),
            Built::Phast(function) => function.get(key),
        }
    }

    /// Average query time in nanoseconds over `rounds` passes through `keys` (build keys only).
    pub fn measure_query(&self, keys: &[String], rounds: usize) -> f64 {
        let queries = keys.len() * rounds;
        if queries == 0 {
            return 0.0;
        }
        let start = Instant::now();
        for _ in 0..rounds {
            for key in keys {
                black_box(self.index(black_box(key)));
            }
        }
        start.elapsed().as_nanos() as f64 / queries as f64
    }
}

impl std::fmt::Debug for MinimalPerfectHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MinimalPerfectHash")
            .field("kind", &self.kind)
            .field("n", &self.n)
            .field("build_time", &self.build_time)
            .field("bits_per_key", &self.bits_per_key())
            .finish()
    }
}

/// PtrHash's pre-hash of a key.
fn prehash(key: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(key.as_bytes(), PREHASH_SEED)
}

/// Errors with the first repeated key.
fn check_distinct(keys: &[String]) -> Result<()> {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(keys.len());
    for (position, key) in keys.iter().enumerate() {
        if let Some(&first) = seen.get(key.as_str()) {
            return Err(Error::DuplicateKey {
                key: key.clone(),
                first,
                second: position,
            });
        }
        seen.insert(key, position);
    }
    Ok(())
}
