//! Benchmarks: encoding every word of the corpus (NH_CORPUS when set, else the embedded list).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::Criterion;
use nh_corpus::{CORPUS_ENV_VAR, Corpus};
use nh_encode::{Alphabet, DEFAULT_MAX_LEN, OneHotEncoder};

/// Words per mini-batch when the whole corpus is one-hot encoded chunk by chunk.
const CHUNK: usize = 1024;

fn corpus() -> Corpus {
    let path = std::env::var_os(CORPUS_ENV_VAR)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    Corpus::load(path.as_deref()).expect("corpus loads")
}

fn encoding(c: &mut Criterion) {
    let corpus = corpus();
    let words = corpus.words();
    eprintln!(
        "corpus: {} ({} words)",
        corpus.provenance().source_name,
        words.len()
    );
    let one_hot =
        OneHotEncoder::new(Alphabet::from_corpus(&corpus), DEFAULT_MAX_LEN).expect("valid encoder");
    let index = one_hot.index_encoder();

    let mut group = c.benchmark_group("encode all words");
    group.sample_size(10);
    group.bench_function("alphabet from corpus", |b| {
        b.iter(|| Alphabet::from_corpus(black_box(&corpus)));
    });
    let mut buffer = vec![0.0_f32; CHUNK * one_hot.dim()];
    group.bench_function("one-hot, 1024-word chunks into one buffer", |b| {
        b.iter(|| {
            for chunk in words.chunks(CHUNK) {
                let out = &mut buffer[..chunk.len() * one_hot.dim()];
                one_hot.encode_batch_into(chunk, out);
                black_box(out);
            }
        });
    });
    group.bench_function("ids, one batch", |b| {
        b.iter(|| index.ids_batch(black_box(words)));
    });
    group.finish();

    let chunk = &words[..CHUNK.min(words.len())];
    c.bench_function("one-hot encode_batch, 1024 words (allocating)", |b| {
        b.iter(|| one_hot.encode_batch(black_box(chunk)));
    });
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    encoding(&mut criterion);
    criterion.final_summary();
}
