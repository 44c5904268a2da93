//! What a row of the benchmark measured, as types: the report matches on these, never on the
//! text it prints for them.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::training::Trainer;

/// The code that evaluates a NeuralHash's network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Forward {
    /// libtorch (`NeuralHash::hash_words`).
    Libtorch,
    /// The pure-Rust ndarray forward pass that nh-hash replaced (in reports written before it).
    PureRust,
    /// nh-hash: the exact forward pass that defines the hash, on rayon threads or on one.
    NhHash,
}

/// A hash function that hashed the inference words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum HashMethod {
    /// A NeuralHash.
    NeuralHash {
        /// The code that evaluated it.
        forward: Forward,
        /// (M1, M2) of a factorized head; `None` for the paper's full head.
        factors: Option<(usize, usize)>,
    },
    /// A Rust baseline hash of nh-metrics.
    Baseline {
        /// Its name, e.g. `xxh3`.
        name: String,
        /// Whether it is CPython's own string hash (`PyStrHash`), compiled from Rust.
        cpython: bool,
    },
}

impl HashMethod {
    /// A NeuralHash with the paper's full head, through libtorch: the headline row.
    pub const PAPER: HashMethod = HashMethod::NeuralHash {
        forward: Forward::Libtorch,
        factors: None,
    };

    /// Whether this is a NeuralHash.
    pub fn is_neural(&self) -> bool {
        matches!(self, HashMethod::NeuralHash { .. })
    }

    /// (M1, M2) of a factorized NeuralHash head.
    pub fn factors(&self) -> Option<(usize, usize)> {
        match self {
            HashMethod::NeuralHash { factors, .. } => *factors,
            HashMethod::Baseline { .. } => None,
        }
    }
}

impl fmt::Display for HashMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HashMethod::NeuralHash {
                forward: Forward::Libtorch,
                factors: None,
            } => f.write_str("NeuralHash"),
            HashMethod::NeuralHash {
                forward: Forward::PureRust,
                factors: None,
            } => f.write_str("NeuralHash, pure-Rust forward (ndarray)"),
            HashMethod::NeuralHash {
                forward: Forward::NhHash,
                factors: None,
            } => f.write_str("NeuralHash, nh-hash (exact, no libtorch)"),
            HashMethod::NeuralHash {
                forward,
                factors: Some(factors),
            } => {
                write!(f, "NeuralHash, {}", FactorizedHead(*factors))?;
                match forward {
                    Forward::PureRust => f.write_str(", pure Rust")?,
                    Forward::NhHash => f.write_str(", nh-hash")?,
                    Forward::Libtorch => {}
                }
                Ok(())
            }
            HashMethod::Baseline { name, .. } => f.write_str(name),
        }
    }
}

/// "factorized head 25 x 40".
pub struct FactorizedHead(pub (usize, usize));

impl fmt::Display for FactorizedHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (rows, cols) = self.0;
        write!(f, "factorized head {rows} x {cols}")
    }
}

/// A structure that maps a key set to distinct bins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PerfectHashMethod {
    /// A minimal perfect hash of nh-metrics.
    Minimal {
        /// Which one.
        mph: nh_metrics::MphKind,
    },
    /// A NeuralHash, trained by `trainer` in this run (`None`: untrained).
    NeuralHash {
        /// The trainer of the training section whose model this is.
        trainer: Option<Trainer>,
    },
}

impl PerfectHashMethod {
    /// Whether this is a NeuralHash.
    pub fn is_neural(self) -> bool {
        matches!(self, PerfectHashMethod::NeuralHash { .. })
    }
}

impl fmt::Display for PerfectHashMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PerfectHashMethod::Minimal { mph } => f.write_str(mph.name()),
            PerfectHashMethod::NeuralHash {
                trainer: Some(trainer),
            } => write!(f, "NeuralHash ({})", trainer.name()),
            PerfectHashMethod::NeuralHash { trainer: None } => {
                f.write_str("NeuralHash (untrained)")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_the_report_s_texts() {
        let rust = |factors| HashMethod::NeuralHash {
            forward: Forward::PureRust,
            factors,
        };
        let torch = |factors| HashMethod::NeuralHash {
            forward: Forward::Libtorch,
            factors,
        };
        assert_eq!(HashMethod::PAPER.to_string(), "NeuralHash");
        assert_eq!(
            rust(None).to_string(),
            "NeuralHash, pure-Rust forward (ndarray)"
        );
        assert_eq!(
            torch(Some((25, 40))).to_string(),
            "NeuralHash, factorized head 25 x 40"
        );
        assert_eq!(
            rust(Some((25, 40))).to_string(),
            "NeuralHash, factorized head 25 x 40, pure Rust"
        );
        let exact = |factors| HashMethod::NeuralHash {
            forward: Forward::NhHash,
            factors,
        };
        assert_eq!(
            exact(None).to_string(),
            "NeuralHash, nh-hash (exact, no libtorch)"
        );
        assert_eq!(
            exact(Some((25, 40))).to_string(),
            "NeuralHash, factorized head 25 x 40, nh-hash"
        );
        let xxh3 = HashMethod::Baseline {
            name: "xxh3".to_owned(),
            cpython: false,
        };
        assert_eq!(
            (xxh3.to_string(), xxh3.is_neural()),
            ("xxh3".to_owned(), false)
        );
        let json = serde_json::to_string(&rust(Some((2, 3)))).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"neural-hash","forward":"pure-rust","factors":[2,3]}"#
        );
        assert_eq!(
            PerfectHashMethod::NeuralHash {
                trainer: Some(Trainer::CemFactorized)
            }
            .to_string(),
            "NeuralHash (CEM, factorized head)"
        );
        assert_eq!(
            PerfectHashMethod::Minimal {
                mph: nh_metrics::MphKind::Fmph
            }
            .to_string(),
            "ph-fmph"
        );
    }
}
