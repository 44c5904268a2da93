//! Action and observation spaces, after Gymnasium's `Discrete` and `Box`.

/// The action space: one action per bin, `0..n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Discrete {
    /// Number of actions (the table's bins).
    pub n: usize,
}

impl Discrete {
    /// Whether `action` is a valid action.
    pub fn contains(&self, action: usize) -> bool {
        action < self.n
    }
}

/// The observation space: a flat `f32` vector, the word encoding followed by the table part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObservationSpace {
    /// Length of the word encoding (the encoder's `dim`), at the front of the vector.
    pub word_dim: usize,
    /// Length of the table part after it: the number of bins, or 0 in `WordOnly` mode.
    pub table_dim: usize,
}

impl ObservationSpace {
    /// Length of the observation vector.
    pub fn dim(&self) -> usize {
        self.word_dim + self.table_dim
    }

    /// Gymnasium-style shape: `[dim]`.
    pub fn shape(&self) -> [usize; 1] {
        [self.dim()]
    }
}
