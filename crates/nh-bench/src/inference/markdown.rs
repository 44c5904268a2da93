//! The inference section's markdown (section 1, the large table, section 2) and its sentences of
//! "What the numbers mean".

use std::fmt::Write;

use super::{InferenceReport, InferenceRow};
use crate::efficiency::EfficiencyReport;
use crate::method::{Forward, HashMethod};
use crate::paper::{PAPER_NEURAL_MS, PAPER_PYTHON_MS};
use crate::python::PythonOutcome;
use crate::table::{Align, Table, sig3, thousands, times};

impl InferenceReport {
    /// Section 1 (every hash on the inference words), the large table when measured, and
    /// section 2 (efficiency).
    pub(crate) fn render(&self, out: &mut String) {
        hashes_section(out, self);
        if let Some(large) = &self.large_table {
            large.render(out, &self.hidden);
        }
        efficiency_section(out, self);
    }

    /// The inference sentences of "What the numbers mean".
    pub(crate) fn meaning(&self) -> Vec<String> {
        inference_meaning(self)
    }
}

fn hashes_section(out: &mut String, inference: &InferenceReport) {
    let _ = writeln!(
        out,
        "## 1. Inference: hashing {} words\n",
        thousands(inference.words as u64)
    );
    let papers = inference.hidden == [300, 300] && inference.bins == 1000;
    let python_name =
        nh_metrics::PyStrHash::new(0).map_or_else(|_| "python".to_owned(), |p| p.name().to_owned());
    let _ = writeln!(
        out,
        "The same {} words (a seeded sample of the corpus) are hashed into M = {} bins. **NeuralHash**: \
         {} (hidden layers {:?}, {} parameters), untrained: its weights do not \
         change the cost (dense products and an argmax), so no training is needed to time it. \
         It runs end to end (encoding, tensor copies, forward pass without autograd, argmax) in \
         batches of {} words. **Rust baselines**: `hash % M` for every word on one thread \
         (nh-metrics; `{python_name}` is CPython's exact string hash, SipHash-1-3 with \
         `PYTHONHASHSEED=0`). **CPython**: python3 times its own loops over the words, inside a \
         function; \"fresh\" strings have no cached hash yet, \"cached\" re-hashes the same \
         string objects (CPython stores a string's hash in the object).\n",
        thousands(inference.words as u64),
        thousands(inference.bins as u64),
        if papers {
            "the paper's architecture"
        } else {
            "a smaller network than the paper's [300, 300] x 1,000"
        },
        inference.hidden,
        thousands(inference.parameters as u64),
        thousands(inference.batch as u64),
    );
    let python = inference.cpython_seconds();
    let mut table = Table::new(&[
        ("hash", Align::Left),
        ("device", Align::Left),
        ("threads", Align::Right),
        ("median ms", Align::Right),
        ("words/s", Align::Right),
        ("x CPython loop", Align::Right),
        ("runs (ms)", Align::Left),
    ]);
    let ratio = |seconds: f64| python.map_or_else(|| "n/a".to_owned(), |p| times(seconds / p));
    let runs = |samples: &[f64]| {
        samples
            .iter()
            .map(|s| sig3(s * 1e3))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let rate = |seconds: f64| thousands((inference.words as f64 / seconds).round() as u64);
    for row in &inference.rows {
        let s = row.timing.median_s();
        table.push(vec![
            row.method.to_string(),
            row.device.clone(),
            row.threads.to_string(),
            sig3(s * 1e3),
            rate(s),
            ratio(s),
            runs(&row.timing.samples_s),
        ]);
    }
    match &inference.python {
        PythonOutcome::Measured(t) => {
            for (name, timing) in [
                ("CPython `for w in words: hash(w)`, fresh strings", &t.fresh),
                ("CPython, same loop, cached hashes", &t.cached),
                ("CPython `[hash(w) % M for w in words]`, fresh", &t.bins),
            ] {
                let s = timing.median_s();
                table.push(vec![
                    name.into(),
                    "cpu".into(),
                    "1".into(),
                    sig3(s * 1e3),
                    rate(s),
                    ratio(s),
                    runs(&timing.samples_s),
                ]);
            }
        }
        PythonOutcome::Skipped(reason) => {
            let _ = writeln!(out, "CPython was not measured: {reason}.\n");
        }
    }
    table.push(vec![
        "paper: NeuralHash".into(),
        "their machine".into(),
        "?".into(),
        thousands(PAPER_NEURAL_MS as u64),
        thousands((300_000.0 / (PAPER_NEURAL_MS / 1e3)) as u64),
        "63x of theirs".into(),
        "".into(),
    ]);
    table.push(vec![
        "paper: Python's hash".into(),
        "their machine".into(),
        "?".into(),
        thousands(PAPER_PYTHON_MS as u64),
        thousands((300_000.0 / (PAPER_PYTHON_MS / 1e3)) as u64),
        "".into(),
        "".into(),
    ]);
    let _ = writeln!(out, "{}", table.to_markdown());
    if let PythonOutcome::Measured(t) = &inference.python {
        let _ = writeln!(
            out,
            "CPython's bins (`PYTHONHASHSEED=0`) {} nh-metrics' `PyStrHash` on these words.\n",
            if t.matches_py_str_hash {
                "match"
            } else {
                "do NOT match"
            }
        );
    }
}

/// Section 2: FLOP per word and GEMM rates, per device.
fn efficiency_section(out: &mut String, inference: &InferenceReport) {
    let Some(first) = inference.efficiency.first() else {
        return;
    };
    let f = &first.flops;
    let _ = writeln!(out, "## 2. Inference efficiency\n");
    let _ = writeln!(
        out,
        "Floating-point operations per word (a multiply-add counts 2, an embedding-bag addition 1; \
         biases, ReLU and argmax not counted). Words have {} non-padding ids on average.\n",
        sig3(inference.mean_ids)
    );
    let h = inference.hidden.first().copied().unwrap_or(0);
    let last = inference.hidden.last().copied().unwrap_or(0);
    let mut table = Table::new(&[("layer", Align::Left), ("FLOP per word", Align::Right)]);
    table.push(vec![
        format!("embedding-bag ({} ids x {h})", sig3(inference.mean_ids)),
        thousands(f.bag.round() as u64),
    ]);
    table.push(vec![
        format!("hidden products ({:?})", inference.hidden),
        thousands(f.hidden as u64),
    ]);
    table.push(vec![
        format!("output ({last} x {})", inference.bins),
        thousands(f.output as u64),
    ]);
    table.push(vec![
        "**total**".into(),
        thousands(f.total().round() as u64),
    ]);
    table.push(vec![
        format!(
            "the paper's dense first layer instead ({} x {h} one-hot product)",
            thousands(inference.one_hot_dim as u64)
        ),
        thousands(f.dense_first_layer as u64),
    ]);
    table.push(vec![
        "total with the dense first layer".into(),
        thousands(f.dense_total() as u64),
    ]);
    let _ = writeln!(out, "{}", table.to_markdown());
    let _ = writeln!(
        out,
        "GEMM throughput: nh-bench may not call libtorch directly and nh-agents exposes no bare matrix \
         product, so libtorch's rate for each layer shape is measured *by difference* through \
         `NeuralHash`: the paper's network with one output bin vs with M bins (the output product), \
         and with two extra {last} x {last} hidden layers vs without (the hidden product), on the \
         same words and batches. What the models share (encoding, copies, embedding-bag, argmax) \
         cancels; what remains is libtorch's `linear` (GEMM + bias) and ReLU for that shape.\n"
    );
    let mut table = Table::new(&[
        ("device", Align::Left),
        ("achieved GFLOP/s", Align::Right),
        ("hidden GEMM", Align::Left),
        ("GFLOP/s", Align::Right),
        ("output GEMM", Align::Left),
        ("GFLOP/s", Align::Right),
        ("ms at GEMM rates", Align::Right),
        ("measured ms", Align::Right),
        ("share", Align::Right),
    ]);
    for e in &inference.efficiency {
        table.push(efficiency_row(e));
    }
    let _ = writeln!(out, "{}", table.to_markdown());
    let _ = writeln!(
        out,
        "\"achieved\" is the total FLOP count over the end-to-end time; \"share\" is the time the \
         products would take at the measured GEMM rates over the measured time: 100% would mean \
         nothing but the matrix products costs anything.\n"
    );
}

fn efficiency_row(e: &EfficiencyReport) -> Vec<String> {
    let gflops = |x: f64| sig3(x / 1e9);
    let (hidden_shape, hidden_rate) = match &e.hidden_gemm {
        Some(p) => (p.shape.clone(), gflops(p.flops_per_second())),
        None => ("-".to_owned(), "-".to_owned()),
    };
    vec![
        e.device.clone(),
        gflops(e.achieved_flops_per_second()),
        hidden_shape,
        hidden_rate,
        e.output_gemm.shape.clone(),
        gflops(e.output_gemm.flops_per_second()),
        sig3(e.gemm_bound_seconds() * 1e3),
        sig3(e.forward.median_ms()),
        format!(
            "{}%",
            sig3(100.0 * e.gemm_bound_seconds() / e.forward.median_s())
        ),
    ]
}

fn inference_meaning(inference: &InferenceReport) -> Vec<String> {
    let mut sentences = Vec::new();
    let Some(neural) = inference.neural_cpu() else {
        return sentences;
    };
    if let Some(python) = inference.cpython_seconds() {
        let ratio = neural.timing.median_s() / python;
        let versus_paper = if ratio < PAPER_NEURAL_MS / PAPER_PYTHON_MS {
            "narrower than"
        } else {
            "at least as wide as"
        };
        sentences.push(format!(
            "On this machine the NeuralHash is {} slower than CPython's own hash loop on the same \
             words, a gap {versus_paper} the paper's 63x.",
            times(ratio)
        ));
    }
    if let Some(py_rust) = inference
        .rows
        .iter()
        .find(|r| matches!(r.method, HashMethod::Baseline { cpython: true, .. }))
    {
        sentences.push(format!(
            "Against CPython's SipHash compiled from Rust ({} ns per word) it is {} slower.",
            sig3(py_rust.timing.median_s() * 1e9 / inference.words as f64),
            times(neural.timing.median_s() / py_rust.timing.median_s())
        ));
    }
    sentences.extend(faster_forward_meaning(inference, neural));
    if let Some(e) = inference.efficiency.first() {
        let share = e.gemm_bound_seconds() / e.forward.median_s();
        let where_time_goes = if share >= 0.5 {
            format!(
                "most of its time ({}%) is the two matrix products running at libtorch's own GEMM \
                 rate, so the gap is arithmetic, not overhead",
                sig3(100.0 * share)
            )
        } else if share.is_finite() {
            format!(
                "the matrix products at libtorch's GEMM rate would take only {}% of its time; the \
                 rest is encoding, copies, the embedding-bag and the argmax",
                sig3(100.0 * share)
            )
        } else {
            "the GEMM probes were too noisy to split its time".to_owned()
        };
        sentences.push(format!(
            "Per word the network does {} floating-point operations ({} ns per word on this CPU), \
             and {where_time_goes}.",
            thousands(e.flops.total().round() as u64),
            sig3(neural.timing.median_s() * 1e9 / inference.words as f64)
        ));
    }
    sentences
}

/// What nh-hash's forward pass and the factorized head change.
fn faster_forward_meaning(inference: &InferenceReport, libtorch: &InferenceRow) -> Vec<String> {
    let mut sentences = Vec::new();
    let per_word_ns = |row: &InferenceRow| row.timing.median_s() * 1e9 / inference.words as f64;
    let exact_forward = HashMethod::NeuralHash {
        forward: Forward::NhHash,
        factors: None,
    };
    let exact = |threads: usize| {
        inference
            .rows
            .iter()
            .find(|r| r.method == exact_forward && r.threads == threads)
    };
    let all_threads = inference
        .rows
        .iter()
        .filter(|r| r.method == exact_forward)
        .map(|r| r.threads)
        .max();
    if let Some(rust) = all_threads.and_then(exact) {
        sentences.push(format!(
            "nh-hash's exact forward pass (the definition of the hash, no libtorch) computes it \
             in {} ns per word on {} threads against libtorch's {}.",
            sig3(per_word_ns(rust)),
            rust.threads,
            sig3(per_word_ns(libtorch))
        ));
    }
    let factorized = |r: &&InferenceRow| match r.method {
        HashMethod::NeuralHash {
            forward,
            factors: Some((rows, cols)),
        } if r.device == "cpu" => Some((forward, rows, cols)),
        _ => None,
    };
    if let Some(fastest) = inference
        .rows
        .iter()
        .filter(|r| factorized(r).is_some())
        .min_by(|a, b| a.timing.median_s().total_cmp(&b.timing.median_s()))
        && let Some((forward, rows, cols)) = factorized(&fastest)
    {
        let versus_python = inference.cpython_seconds().map_or_else(String::new, |p| {
            format!(", {} CPython's loop", times(fastest.timing.median_s() / p))
        });
        let pure_rust = match forward {
            Forward::PureRust => ", pure Rust",
            Forward::NhHash => ", nh-hash",
            Forward::Libtorch => "",
        };
        sentences.push(format!(
            "A factorized output head ({rows} x {cols}{pure_rust}) cuts it to {} ns per word\
             {versus_python}.",
            sig3(per_word_ns(fastest))
        ));
    }
    if let Some(large) = &inference.large_table
        && let (Some(full), Some(factorized)) = (large.full_head(), large.fastest_factorized())
    {
        sentences.push(format!(
            "On a table of {} bins the factorized head hashes {} faster than the paper's head \
             ({} against {} us per word).",
            thousands(large.bins as u64),
            times(full.timing.median_s() / factorized.timing.median_s()),
            sig3(factorized.timing.median_s() * 1e6 / large.words as f64),
            sig3(full.timing.median_s() * 1e6 / large.words as f64)
        ));
    }
    sentences
}
