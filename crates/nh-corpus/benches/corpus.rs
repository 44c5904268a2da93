//! Benchmarks: loading the corpus (NH_CORPUS when set, else the embedded list) and seeded selection.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::Criterion;
use nh_corpus::{CORPUS_ENV_VAR, Corpus, SplitSpec};

fn corpus_path() -> Option<PathBuf> {
    std::env::var_os(CORPUS_ENV_VAR)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn loading(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    match corpus_path() {
        Some(path) => {
            let bytes = std::fs::read(&path).expect("NH_CORPUS is readable");
            group.bench_function("from_path (NH_CORPUS)", |b| {
                b.iter(|| Corpus::from_path(black_box(&path)).expect("valid corpus"));
            });
            group.bench_function("from_text (NH_CORPUS bytes)", |b| {
                b.iter(|| Corpus::from_text("bench", black_box(&bytes)).expect("valid corpus"));
            });
        }
        None => eprintln!("NH_CORPUS unset: benchmarking the embedded list only"),
    }
    group.bench_function("embedded", |b| b.iter(Corpus::embedded));
    group.finish();
}

fn selection(c: &mut Criterion) {
    let corpus = Corpus::load(corpus_path().as_deref()).expect("corpus loads");
    let mut group = c.benchmark_group("select");
    group.sample_size(10);
    group.bench_function("sample 1000", |b| {
        b.iter(|| corpus.sample(black_box(1000), 7).expect("fits"));
    });
    group.bench_function("split 0.8", |b| {
        b.iter(|| {
            corpus
                .split(black_box(SplitSpec::Fraction(0.8)), 7)
                .expect("valid")
        });
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    loading(&mut criterion);
    selection(&mut criterion);
    criterion.final_summary();
}
