//! `PyStrHash` against the committed CPython fixture (`fixtures/pyhash_fixture.tsv`).

use nh_metrics::PyStrHash;

const FIXTURE: &str = include_str!("fixtures/pyhash_fixture.tsv");

/// One fixture line: seed, string, CPython's hash.
struct Case {
    line: usize,
    seed: u64,
    text: String,
    hash: i64,
}

fn parse_fixture() -> Vec<Case> {
    FIXTURE
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#') && !line.is_empty())
        .map(|(index, line)| {
            let line_no = index + 1;
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 4, "line {line_no}: {line:?}");
            let text = fields[1]
                .split_whitespace()
                .map(|hex| {
                    let code = u32::from_str_radix(hex, 16).expect("hex code point");
                    char::from_u32(code).expect("valid char")
                })
                .collect();
            Case {
                line: line_no,
                seed: fields[0].parse().expect("seed"),
                text,
                hash: fields[2].parse().expect("hash"),
            }
        })
        .collect()
}

#[test]
fn every_fixture_line_matches_cpython() {
    let cases = parse_fixture();
    // 4 seeds x (9 hand-picked + 4 classes x 20 lengths x 2) strings.
    assert_eq!(cases.len(), 4 * (9 + 4 * 20 * 2));
    let mut hashers = std::collections::HashMap::new();
    for case in &cases {
        let hasher = hashers
            .entry(case.seed)
            .or_insert_with(|| PyStrHash::new(case.seed).expect("fixture seed in range"));
        assert_eq!(
            hasher.hash(&case.text),
            case.hash,
            "line {}: seed {} string {:?}",
            case.line,
            case.seed,
            case.text
        );
    }
    let mut seeds: Vec<u64> = hashers.into_keys().collect();
    seeds.sort_unstable();
    assert_eq!(seeds, vec![0, 1, 42, 4_294_967_295]);
}

#[test]
fn fixture_covers_every_pep393_kind_and_all_lengths() {
    let cases = parse_fixture();
    let widest = |text: &str| text.chars().map(u32::from).max().unwrap_or(0);
    for (low, high) in [
        (0, 0x7f),
        (0x80, 0xff),
        (0x100, 0xffff),
        (0x1_0000, 0x10_ffff),
    ] {
        for length in 1..=20 {
            assert!(
                cases.iter().any(|c| {
                    let w = widest(&c.text);
                    c.text.chars().count() == length && (low..=high).contains(&w)
                }),
                "no string of length {length} with widest code point in {low:#x}..={high:#x}"
            );
        }
    }
}

#[test]
fn bins_follow_python_modulo_on_fixture_hashes() {
    for case in parse_fixture().iter().take(200) {
        let hasher = PyStrHash::new(case.seed).unwrap();
        for m in [1usize, 2, 1000, 65_536, 999_983] {
            assert_eq!(
                hasher.bin(&case.text, m) as i64,
                case.hash.rem_euclid(m as i64),
                "line {}",
                case.line
            );
        }
    }
}
