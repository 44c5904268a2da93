//! Value parsers for numeric options: a negative or fractional count is refused with a message
//! that says what the option takes (clap's own would call `-5` an unexpected argument).
//!
//! Every numeric option uses one of these together with `allow_negative_numbers`, so that `-5`
//! reaches the parser instead of being read as a flag.

/// A count: a whole number from 0 up.
pub fn count(text: &str) -> Result<usize, String> {
    text.parse().map_err(|_| {
        format!("`{text}` is not a count: give a non-negative whole number (0, 1, 2, ...)")
    })
}

/// A seed: a whole number from 0 to 2^64 - 1.
pub fn seed(text: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| format!("`{text}` is not a seed: give a non-negative whole number below 2^64"))
}

/// A duration in seconds: a finite number from 0 up.
pub fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s >= 0.0 => Ok(s),
        _ => Err(format!(
            "`{text}` is not a duration: give a non-negative number of seconds (e.g. 30 or 2.5)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_seeds_and_seconds_refuse_negative_and_malformed_values() {
        assert_eq!(count("0"), Ok(0));
        assert_eq!(count("12"), Ok(12));
        assert_eq!(seed("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(seconds("2.5"), Ok(2.5));
        for bad in ["-5", "1.5", "", "x", "-0.5", "1e3"] {
            let message = count(bad).unwrap_err();
            assert!(
                message.contains("non-negative whole number"),
                "{bad}: {message}"
            );
        }
        for bad in ["-1", "18446744073709551616", "0x10"] {
            assert!(seed(bad).unwrap_err().contains("non-negative"), "{bad}");
        }
        for bad in ["-1", "NaN", "inf", "soon"] {
            assert!(seconds(bad).unwrap_err().contains("non-negative"), "{bad}");
        }
    }
}
