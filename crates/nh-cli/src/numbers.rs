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

/// How often to checkpoint: a count of iterations (`100`) or a duration (`90s`, `15m`, `2h`).
pub fn checkpoint_every(text: &str) -> Result<nh_agents::CheckpointEvery, String> {
    use nh_agents::CheckpointEvery;
    let bad = || {
        format!("`{text}` is not a count of iterations (`100`) or a duration (`90s`, `15m`, `2h`)")
    };
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(text.len()),
    );
    let scale = match unit {
        "" => {
            let n: usize = number.parse().map_err(|_| bad())?;
            return (n > 0)
                .then_some(CheckpointEvery::Iterations(n))
                .ok_or_else(bad);
        }
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(bad()),
    };
    let value: f64 = number.parse().map_err(|_| bad())?;
    (value > 0.0 && value.is_finite())
        .then_some(CheckpointEvery::Seconds(value * scale))
        .ok_or_else(bad)
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

    #[test]
    fn checkpoint_intervals_are_iterations_or_durations_and_round_trip() {
        use nh_agents::CheckpointEvery;
        assert_eq!(
            checkpoint_every("100"),
            Ok(CheckpointEvery::Iterations(100))
        );
        assert_eq!(checkpoint_every("90s"), Ok(CheckpointEvery::Seconds(90.0)));
        assert_eq!(checkpoint_every("15m"), Ok(CheckpointEvery::Seconds(900.0)));
        assert_eq!(checkpoint_every("2h"), Ok(CheckpointEvery::Seconds(7200.0)));
        for bad in ["0", "0s", "-5", "5d", "", "m"] {
            assert!(checkpoint_every(bad).is_err(), "{bad}");
        }
        // Job scripts write the interval back as text for `nh reproduce --checkpoint-every`.
        for every in [
            CheckpointEvery::Iterations(7),
            CheckpointEvery::Seconds(600.0),
        ] {
            assert_eq!(checkpoint_every(&every.to_string()), Ok(every));
        }
    }
}
