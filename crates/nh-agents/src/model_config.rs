//! The policy network's shape in learner configurations: hidden widths and the output head (the
//! paper's full head, our factorized head, either keyed).

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Shape of the MLP (policy, critic and Q networks share the hidden widths).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelConfig {
    /// Hidden layer widths; the paper: two layers of 300 (ReLU).
    pub hidden: Vec<usize>,
    /// The policy's output layer; the paper's is `full`. Critics and Q networks are always full.
    pub head: OutputHead,
    /// Rows M1 of a factorized head (it must divide the bins M); unset = the divisor of M
    /// nearest sqrt(M). Only with `head = "factorized"`.
    pub factor_rows: Option<usize>,
    /// Key the output head (our addition): a seeded xxh3 of the word shifts the network's choice
    /// cyclically, bin = (label + h(w)) mod M (per head for a factorized head), so the trained
    /// hash is perfect on its words and a random function on every other word.
    pub keyed: bool,
}

/// How the policy's last layer turns the last hidden layer into a distribution over M bins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputHead {
    /// The paper's: one logit per bin (H x M weights), softmax over the M bins.
    #[default]
    Full,
    /// Our addition for large tables: M = M1 x M2 bins, two softmax heads (H x (M1 + M2)
    /// weights) and bin = a * M2 + b with a and b drawn independently. Greedy hashing takes each
    /// head's argmax, so it never builds the M logits.
    Factorized,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig::mlp(vec![300, 300])
    }
}

impl ModelConfig {
    /// An MLP with the given hidden widths and the paper's full output head.
    pub fn mlp(hidden: Vec<usize>) -> ModelConfig {
        ModelConfig {
            hidden,
            head: OutputHead::Full,
            factor_rows: None,
            keyed: false,
        }
    }

    /// The same MLP with a factorized output head (rows chosen from the bins).
    pub fn factorized(self) -> ModelConfig {
        ModelConfig {
            head: OutputHead::Factorized,
            ..self
        }
    }

    /// The same MLP with a keyed output head.
    pub fn with_keyed_head(self) -> ModelConfig {
        ModelConfig {
            keyed: true,
            ..self
        }
    }

    /// Checks that every hidden width is positive and `factor_rows` fits the head.
    pub fn validate(&self) -> Result<()> {
        if self.hidden.contains(&0) {
            return Err(Error::config(
                "model.hidden",
                format!("{:?}", self.hidden),
                "widths must be positive",
            ));
        }
        match (self.head, self.factor_rows) {
            (OutputHead::Full, Some(rows)) => Err(Error::config(
                "model.factor_rows",
                rows,
                "applies only to head = \"factorized\"",
            )),
            (OutputHead::Factorized, Some(0)) => {
                Err(Error::config("model.factor_rows", 0, "must be at least 1"))
            }
            _ => Ok(()),
        }
    }

    /// The (M1, M2) split of `bins` for a factorized head, `None` for a full head.
    ///
    /// # Errors
    /// [`Error::Config`] naming `model.factor_rows` when it does not divide `bins`.
    pub fn output_factors(&self, bins: usize) -> Result<Option<(usize, usize)>> {
        if self.head == OutputHead::Full {
            return Ok(None);
        }
        let rows = match self.factor_rows {
            Some(rows) => rows,
            None => nearest_divisor_to_root(bins),
        };
        if rows == 0 || !bins.is_multiple_of(rows) {
            return Err(Error::config(
                "model.factor_rows",
                rows,
                &format!("must divide the {bins} bins (M = M1 x M2)"),
            ));
        }
        Ok(Some((rows, bins / rows)))
    }
}

/// The divisor d of `n` nearest sqrt(n) with d <= n / d (1 for a prime n; 1 for n = 0).
fn nearest_divisor_to_root(n: usize) -> usize {
    (1..=n.isqrt())
        .rev()
        .find(|&d| n.is_multiple_of(d))
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factorized_heads_split_the_bins() {
        let full = ModelConfig::mlp(vec![8]);
        assert_eq!(full.output_factors(1000).unwrap(), None);
        let factorized = full.clone().factorized();
        assert_eq!(factorized.output_factors(1000).unwrap(), Some((25, 40)));
        assert_eq!(factorized.output_factors(10_000).unwrap(), Some((100, 100)));
        assert_eq!(factorized.output_factors(13).unwrap(), Some((1, 13)));
        let rows = ModelConfig {
            factor_rows: Some(8),
            ..factorized
        };
        assert_eq!(rows.output_factors(1000).unwrap(), Some((8, 125)));
        let err = rows.output_factors(1001).unwrap_err().to_string();
        assert!(
            err.contains("model.factor_rows") && err.contains("1001"),
            "{err}"
        );
        let misplaced = ModelConfig {
            factor_rows: Some(8),
            ..full
        };
        assert!(
            misplaced
                .validate()
                .unwrap_err()
                .to_string()
                .contains("factor_rows")
        );
        let json: ModelConfig =
            serde_json::from_str(r#"{"head": "factorized", "factor_rows": 4}"#).unwrap();
        assert_eq!(
            (json.head, json.factor_rows),
            (OutputHead::Factorized, Some(4))
        );
    }
}
