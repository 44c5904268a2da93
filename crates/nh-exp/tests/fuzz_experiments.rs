//! Fuzzing the experiment-file parser with proptest: random edits of the real experiment files
//! (quotes, brackets, `=`, path separators, dots, numbers, line breaks) never panic, and a file
//! that still loads names only plain path components and possible panels.
//! `NH_FUZZ_CASES=N` sets the number of cases (256 in `cargo xtask test`; more on demand).

use std::path::Path;

use nh_exp::Experiment;
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("NH_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn experiment_text(figure: usize) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../experiments")
        .join(format!("fig{}.toml", figure % 7 + 1));
    std::fs::read_to_string(path).expect("experiment file")
}

/// One edit: at a position (a fraction of the text), delete some bytes and insert a fragment.
fn edit() -> impl Strategy<Value = (f64, usize, String)> {
    let fragment = prop_oneof![
        Just(String::new()),
        Just("\"".to_owned()),
        Just("[".to_owned()),
        Just("]]".to_owned()),
        Just(" = ".to_owned()),
        Just("../".to_owned()),
        Just("/".to_owned()),
        Just("\n".to_owned()),
        Just("0".to_owned()),
        Just("-1".to_owned()),
        Just("99999999999999999999".to_owned()),
        Just("[panel.params]\nlearning_rate = \"x\"\n".to_owned()),
        "[a-z_.]{1,8}",
    ];
    (0.0..1.0f64, 0usize..6, fragment)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn edited_experiment_files_never_panic(figure in 0usize..7, edits in proptest::collection::vec(edit(), 1..4)) {
        let mut text = experiment_text(figure);
        for (at, delete, insert) in edits {
            let mut start = ((text.len() as f64) * at) as usize;
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + delete).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            text.replace_range(start..end, &insert);
        }
        if let Ok(exp) = Experiment::from_toml(&text, Path::new("fuzz.toml")) {
            let plain = |name: &str| {
                !name.is_empty()
                    && !name.starts_with('.')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
            };
            prop_assert!(plain(&exp.figure), "{}", exp.figure);
            for panel in &exp.panel {
                prop_assert!(plain(&panel.id), "{}", panel.id);
                prop_assert!(panel.validate().is_ok(), "{}", panel.id);
            }
            for name in exp.profile.keys() {
                prop_assert!(plain(name), "{name}");
            }
        }
    }
}
