//! Helpers shared by the integration tests: synthetic word lists and small encoders.

use nh_env::FnEncoder;

/// `count` distinct synthetic words: "w0", "w1", ...
pub fn words(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("w{i}")).collect()
}

/// Encodes a word by its length and the numeric value of its suffix ("w17" -> [3, 17]).
pub fn encoder() -> FnEncoder<impl Fn(&str, &mut [f32]) + Clone> {
    FnEncoder::new(2, |word: &str, out: &mut [f32]| {
        out[0] = word.len() as f32;
        out[1] = word[1..].parse::<u16>().map_or(-1.0, f32::from);
    })
}
