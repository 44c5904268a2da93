//! The paper's own figures, quoted next to ours and always labelled "paper".

/// The paper: NeuralHash hashing 300,000 words, in milliseconds.
pub const PAPER_NEURAL_MS: f64 = 4988.0;
/// The paper: Python's hash on the same 300,000 words, in milliseconds.
pub const PAPER_PYTHON_MS: f64 = 79.0;
/// The paper: training a perfect hash of 10,000 words (5 h 40 min), in seconds.
pub const PAPER_TRAINING_10K_S: f64 = 20_400.0;
