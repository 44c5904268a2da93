//! The `ObservationEncoder` trait that turns a word into the `f32` observation the agent sees.

/// Turns a word into a fixed-length `f32` vector.
///
/// The environment calls [`encode`](ObservationEncoder::encode) once per step with a slice of exactly
/// [`dim`](ObservationEncoder::dim) values, zero-filled, so a sparse encoder may write only its
/// non-zero values (an encoder that other code also calls should overwrite every value). Encoders
/// must be deterministic: the same word must always give the same vector, or the agent is not
/// learning a function of the word. [`testing::check_env`](crate::testing::check_env) checks both.
///
/// ```
/// use nh_env::ObservationEncoder;
///
/// /// Encodes a word as its length and its first byte.
/// struct LengthAndFirstByte;
///
/// impl ObservationEncoder for LengthAndFirstByte {
///     fn dim(&self) -> usize {
///         2
///     }
///     fn encode(&self, word: &str, out: &mut [f32]) {
///         out[0] = word.len() as f32;
///         out[1] = word.bytes().next().map_or(0.0, f32::from);
///     }
/// }
///
/// let mut out = [0.0; 2];
/// LengthAndFirstByte.encode("hash", &mut out);
/// assert_eq!(out, [4.0, 104.0]);
/// ```
pub trait ObservationEncoder {
    /// Length of the vector written by [`encode`](ObservationEncoder::encode).
    fn dim(&self) -> usize;

    /// Writes the encoding of `word` into `out`, which holds exactly [`dim`](ObservationEncoder::dim)
    /// values (zero-filled when the environment calls).
    fn encode(&self, word: &str, out: &mut [f32]);
}

impl<E: ObservationEncoder + ?Sized> ObservationEncoder for &E {
    fn dim(&self) -> usize {
        (**self).dim()
    }

    fn encode(&self, word: &str, out: &mut [f32]) {
        (**self).encode(word, out);
    }
}

impl<E: ObservationEncoder + ?Sized> ObservationEncoder for Box<E> {
    fn dim(&self) -> usize {
        (**self).dim()
    }

    fn encode(&self, word: &str, out: &mut [f32]) {
        (**self).encode(word, out);
    }
}

/// An encoder made of a dimension and a closure, for encoders written in one line.
///
/// ```
/// use nh_env::{FnEncoder, ObservationEncoder};
///
/// let by_length = FnEncoder::new(1, |word: &str, out: &mut [f32]| out[0] = word.len() as f32);
/// let mut out = [0.0];
/// by_length.encode("bins", &mut out);
/// assert_eq!(by_length.dim(), 1);
/// assert_eq!(out, [4.0]);
/// ```
#[derive(Clone, Copy)]
pub struct FnEncoder<F> {
    dim: usize,
    encode: F,
}

impl<F: Fn(&str, &mut [f32])> FnEncoder<F> {
    /// Wraps `encode`, which must write exactly `dim` values.
    pub fn new(dim: usize, encode: F) -> Self {
        Self { dim, encode }
    }
}

impl<F> std::fmt::Debug for FnEncoder<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FnEncoder")
            .field("dim", &self.dim)
            .finish_non_exhaustive()
    }
}

impl<F: Fn(&str, &mut [f32])> ObservationEncoder for FnEncoder<F> {
    fn dim(&self) -> usize {
        self.dim
    }

    fn encode(&self, word: &str, out: &mut [f32]) {
        (self.encode)(word, out);
    }
}
