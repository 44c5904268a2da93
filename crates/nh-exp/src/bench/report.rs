//! The markdown of docs/PERFORMANCE.md, rendered from one [`BenchReport`]: every number in it
//! comes from the report, except the paper's own figures, which are named as such.

use std::fmt::Write;

use super::efficiency::EfficiencyReport;
use super::inference::{InferenceReport, InferenceRow, RUST_FORWARD};
use super::python::PythonOutcome;
use super::table::{Align, Table, millions, sig3, thousands, times};
use super::training::{Trainer, TrainingRow};
use super::{BenchReport, PerfectHashRow};

/// The paper: NeuralHash hashing 300,000 words, in milliseconds.
pub const PAPER_NEURAL_MS: f64 = 4988.0;
/// The paper: Python's hash on the same 300,000 words, in milliseconds.
pub const PAPER_PYTHON_MS: f64 = 79.0;
/// The paper: training a perfect hash of 10,000 words (5 h 40 min), in seconds.
pub const PAPER_TRAINING_10K_S: f64 = 20_400.0;

/// The whole document.
pub fn render(report: &BenchReport) -> String {
    let mut out = String::new();
    header(&mut out, report);
    machine(&mut out, report);
    headline(&mut out, report);
    if let Some(inference) = &report.inference {
        inference_section(&mut out, inference);
        if let Some(large) = &inference.large_table {
            large.render(&mut out, &inference.hidden);
        }
        efficiency_section(&mut out, inference);
    }
    if !report.training.is_empty() {
        training_section(&mut out, report);
    }
    if !report.perfect_hash.is_empty() {
        perfect_hash_section(&mut out, report);
    }
    if !report.throughput.is_empty() {
        throughput_section(&mut out, report);
    }
    meaning(&mut out, report);
    notes(&mut out, report);
    out
}

fn header(out: &mut String, report: &BenchReport) {
    let _ = writeln!(out, "# Performance\n");
    let _ = writeln!(
        out,
        "Written by `nh bench` from one run; do not edit by hand. Every ratio below compares \
         figures measured in that same run, except the paper's figures, which are labelled \
         \"paper\". Each time is the median of {} timed runs after one untimed warm-up.\n",
        report.repeats
    );
    let _ = writeln!(
        out,
        "This run: `{}`, {}, commit `{}`, {} minutes in all.\n",
        report.command,
        report.machine.date,
        report.machine.commit,
        sig3(report.seconds / 60.0)
    );
    let _ = writeln!(
        out,
        "Regenerate (release build, about 10 minutes on 2 cores; `--quick` for a one-minute smoke run):\n"
    );
    let _ = writeln!(
        out,
        "```sh\ncargo xtask bench --write docs/PERFORMANCE.md --json docs/PERFORMANCE.json\n\
         # render the saved measurements again, without measuring:\n\
         cargo xtask nh bench --from-json docs/PERFORMANCE.json --write docs/PERFORMANCE.md\n```\n"
    );
}

fn machine(out: &mut String, report: &BenchReport) {
    let m = &report.machine;
    let mut table = Table::new(&[("", Align::Left), ("", Align::Left)]);
    table.push(vec![
        "CPU".into(),
        format!(
            "{} ({} logical processors listed, {} available to this process)",
            m.cpu_model, m.cpu_listed, m.cores_available
        ),
    ]);
    if let Some(gib) = m.memory_gib {
        table.push(vec!["Memory".into(), format!("{} GiB", sig3(gib))]);
    }
    let l = &m.libtorch;
    let cuda = if l.cuda_available {
        format!("CUDA available ({} devices)", l.cuda_devices)
    } else {
        "CUDA unavailable".to_owned()
    };
    table.push(vec![
        "libtorch".into(),
        format!("{}, {} intra-op threads, {cuda}", l.version, l.threads),
    ]);
    table.push(vec![
        "GPU".into(),
        m.cuda_device.clone().unwrap_or_else(|| {
            "none used (CUDA not available to libtorch, or `--device cpu`)".to_owned()
        }),
    ]);
    let c = &report.corpus;
    table.push(vec![
        "Corpus".into(),
        format!(
            "{}, {} words, SHA-256 `{}…`{}",
            c.name,
            thousands(c.words as u64),
            &c.sha256[..c.sha256.len().min(16)],
            if c.paper { " (the paper's list)" } else { "" }
        ),
    ]);
    if let Some(PythonOutcome::Measured(t)) = report.inference.as_ref().map(|i| &i.python) {
        table.push(vec!["CPython".into(), t.version.clone()]);
    }
    if let (Some(start), Some(end)) = (&m.load_at_start, &report.load_at_end) {
        table.push(vec![
            "Load average".into(),
            format!("{start} at the start, {end} at the end (1, 5, 15 minutes; other processes competing for the {} cores show here)", m.cores_available),
        ]);
    }
    table.push(vec!["Seed".into(), report.seed.to_string()]);
    let _ = writeln!(out, "## Machine\n\n{}", table.to_markdown());
}

/// The few numbers the README quotes.
fn headline(out: &mut String, report: &BenchReport) {
    let mut lines = Vec::new();
    if let Some(inference) = &report.inference {
        if let (Some(neural), Some(python)) = (inference.neural_cpu(), inference.cpython_seconds())
        {
            lines.push(format!(
                "Hashing {} words (M = {}): NeuralHash {} ms on the CPU ({} threads), CPython's loop {} ms: \
                 **{} slower** (the paper: {} ms vs {} ms = {}).",
                thousands(inference.words as u64),
                thousands(inference.bins as u64),
                sig3(neural.timing.median_ms()),
                neural.threads,
                sig3(python * 1e3),
                times(neural.timing.median_s() / python),
                thousands(PAPER_NEURAL_MS as u64),
                thousands(PAPER_PYTHON_MS as u64),
                times(PAPER_NEURAL_MS / PAPER_PYTHON_MS),
            ));
        }
        for e in inference.efficiency.iter() {
            lines.push(format!(
                "Forward pass on {}: {} GFLOP/s end to end; the matrix products alone would take {}% of the measured time at libtorch's GEMM rate for the same shapes.",
                e.device,
                sig3(e.achieved_flops_per_second() / 1e9),
                sig3(100.0 * e.gemm_bound_seconds() / e.forward.median_s()),
            ));
        }
    }
    for words in sizes(&report.training) {
        lines.push(match fastest_perfect(&report.training, words) {
            Some(row) => format!(
                "Perfect hash of {} words: {} s with {} on {}{}.",
                thousands(words as u64),
                sig3(row.seconds),
                row.trainer.name(),
                row.device,
                paper_training_ratio(row)
            ),
            None => format!(
                "Perfect hash of {} words: no trainer reached zero collisions within its time cap \
                 (fewest left: {}).",
                thousands(words as u64),
                thousands(fewest_collisions(&report.training, words) as u64)
            ),
        });
    }
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Headline\n");
    for line in lines {
        let _ = writeln!(out, "- {line}");
    }
    out.push('\n');
}

fn inference_section(out: &mut String, inference: &InferenceReport) {
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
            row.method.clone(),
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
        "GEMM throughput: nh-exp may not call libtorch directly and nh-agents exposes no bare matrix \
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

fn training_section(out: &mut String, report: &BenchReport) {
    let _ = writeln!(out, "## 3. Training: time to a zero-collision NeuralHash\n");
    let _ = writeln!(
        out,
        "A fixed set of N words (a seeded sample of the corpus) into N bins, the paper's network, \
         word-only observations. A run stops at zero argmax collisions (a perfect hash of the set) \
         or at its iteration budget: each trainer first runs {} iterations to measure its pace \
         (not counted), then trains from scratch with as many iterations as fit its time cap. \
         \"collisions\" are the returned model's argmax collisions on its words; \"random\" is what \
         a uniformly random function averages. The paper: 20,400 s (5 h 40 min) for 10,000 words.\n",
        3
    );
    for trainer in &report.trainers {
        let _ = writeln!(out, "- **{}**: {}.", trainer.name(), trainer.describe());
    }
    out.push('\n');
    let mut table = Table::new(&[
        ("words", Align::Right),
        ("trainer", Align::Left),
        ("device", Align::Left),
        ("perfect", Align::Left),
        ("iterations (budget)", Align::Right),
        ("seconds (cap)", Align::Right),
        ("s/iteration (calibration)", Align::Right),
        ("collisions", Align::Right),
        ("random", Align::Right),
        ("vs paper", Align::Right),
    ]);
    for row in &report.training {
        table.push(vec![
            thousands(row.words as u64),
            row.trainer.name().to_owned(),
            row.device.clone(),
            if row.reached_zero() {
                "yes".into()
            } else {
                "no".into()
            },
            format!(
                "{} ({})",
                thousands(row.iterations as u64),
                thousands(row.budget as u64)
            ),
            format!("{} ({})", sig3(row.seconds), sig3(row.cap_seconds)),
            format!(
                "{} ({})",
                sig3(row.seconds / row.iterations.max(1) as f64),
                sig3(row.calibration_seconds_per_iteration)
            ),
            thousands(row.collisions as u64),
            sig3(row.random_collisions),
            if row.words == 10_000 && row.reached_zero() {
                times(PAPER_TRAINING_10K_S / row.seconds)
            } else {
                "".into()
            },
        ]);
    }
    let _ = writeln!(out, "{}", table.to_markdown());
    let overran = report
        .training
        .iter()
        .filter(|r| r.seconds > 1.5 * r.cap_seconds)
        .count();
    if overran > 0 {
        let _ = writeln!(
            out,
            "{overran} of {} runs took more than 1.5x their cap: their pace after the calibration \
             run was slower than during it (compare the two s/iteration figures). The load average \
             in the machine table shows whether other processes were competing for the cores.\n",
            report.training.len()
        );
    }
}

fn perfect_hash_section(out: &mut String, report: &BenchReport) {
    let _ = writeln!(out, "## 4. Perfect hashes side by side\n");
    let _ = writeln!(
        out,
        "The same key sets as the training section. Minimal perfect hashes from nh-metrics \
         (`ptr_hash` 2 and `ph` 0.11, checked to be bijections onto 0..N): build seconds, size, and \
         one-key-at-a-time query time over about 2 million queries. NeuralHash: the fastest model of \
         the training section that reached zero collisions on the CPU (else the one with fewest \
         collisions, or an untrained one when training did not run): its training seconds, its \
         float32 parameters per key, and query time one word at a time (`hash`, up to 1,000 words) \
         and in batches over the whole set.\n"
    );
    let mut table = Table::new(&[
        ("keys", Align::Right),
        ("method", Align::Left),
        ("build / train s", Align::Right),
        ("bits/key", Align::Right),
        ("query ns", Align::Right),
        ("batched ns/key", Align::Right),
        ("collisions", Align::Right),
    ]);
    for row in &report.perfect_hash {
        table.push(perfect_hash_row(row));
    }
    let _ = writeln!(out, "{}", table.to_markdown());
}

fn perfect_hash_row(row: &PerfectHashRow) -> Vec<String> {
    vec![
        thousands(row.keys as u64),
        row.method.clone(),
        row.build_seconds.map_or_else(|| "-".to_owned(), sig3),
        sig3(row.bits_per_key),
        sig3(row.query_ns),
        row.batched_query_ns.map_or_else(|| "-".to_owned(), sig3),
        thousands(row.collisions as u64),
    ]
}

fn throughput_section(out: &mut String, report: &BenchReport) {
    let _ = writeln!(out, "## 5. Environment and encoder throughput\n");
    let _ = writeln!(
        out,
        "The loops of nh-env's and nh-encode's criterion benches (`cargo bench -p nh-env`, \
         `cargo bench -p nh-encode`), timed in this run on one thread: episodes of 1,000 words into \
         1,000 bins with random actions, and the inference words for the encoders.\n"
    );
    let mut table = Table::new(&[
        ("what", Align::Left),
        ("per second", Align::Right),
        ("unit", Align::Left),
        ("how", Align::Left),
    ]);
    for row in &report.throughput {
        table.push(vec![
            row.name.clone(),
            millions(row.per_second),
            row.unit.to_owned(),
            row.detail.clone(),
        ]);
    }
    let _ = writeln!(out, "{}", table.to_markdown());
}

/// "What the numbers mean": sentences chosen and filled from the measurements.
fn meaning(out: &mut String, report: &BenchReport) {
    let mut sentences = Vec::new();
    if let Some(inference) = &report.inference {
        sentences.extend(inference_meaning(inference));
    }
    sentences.extend(training_meaning(&report.training));
    sentences.extend(perfect_hash_meaning(&report.perfect_hash));
    if let (Some(score), Some(inference)) = (
        report.throughput.iter().find(|r| r.name == "play_episode"),
        report
            .inference
            .as_ref()
            .and_then(InferenceReport::neural_cpu),
    ) {
        let network = inference_words_per_second(report, inference.timing.median_s());
        sentences.push(format!(
            "The environment is not what limits training: it scores {} steps per second on one \
             core, while the network evaluates {} words per second on all cores.",
            millions(score.per_second),
            millions(network)
        ));
    }
    if sentences.is_empty() {
        return;
    }
    let _ = writeln!(out, "## What the numbers mean\n\n{}\n", sentences.join(" "));
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
        .find(|r| r.method.starts_with("python"))
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

/// What the pure-Rust forward pass and the factorized head change.
fn faster_forward_meaning(inference: &InferenceReport, libtorch: &InferenceRow) -> Vec<String> {
    let mut sentences = Vec::new();
    let per_word_ns = |row: &InferenceRow| row.timing.median_s() * 1e9 / inference.words as f64;
    let find = |name: &str| inference.rows.iter().find(|r| r.method == name);
    if let Some(rust) = find(RUST_FORWARD) {
        sentences.push(format!(
            "The pure-Rust forward pass (ndarray GEMMs on rayon threads, no libtorch call) \
             computes the same function in {} ns per word against libtorch's {}.",
            sig3(per_word_ns(rust)),
            sig3(per_word_ns(libtorch))
        ));
    }
    if let Some(fastest) = inference
        .rows
        .iter()
        .filter(|r| r.device == "cpu" && r.method.contains("factorized"))
        .min_by(|a, b| a.timing.median_s().total_cmp(&b.timing.median_s()))
    {
        let versus_python = inference.cpython_seconds().map_or_else(String::new, |p| {
            format!(", {} CPython's loop", times(fastest.timing.median_s() / p))
        });
        sentences.push(format!(
            "A factorized output head ({}) cuts it to {} ns per word{versus_python}.",
            fastest
                .method
                .trim_start_matches("NeuralHash, factorized head "),
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

fn training_meaning(rows: &[TrainingRow]) -> Vec<String> {
    let Some(largest) = rows.iter().map(|r| r.words).max() else {
        return Vec::new();
    };
    let mut sentences = Vec::new();
    match fastest_perfect(rows, largest) {
        Some(row) => sentences.push(format!(
            "Training a perfect hash of {} words took {} s with {} on {}{}.",
            thousands(largest as u64),
            sig3(row.seconds),
            row.trainer.name(),
            row.device,
            paper_training_ratio(row)
        )),
        None => sentences.push(format!(
            "No trainer reached a perfect hash of {} words within its time cap.",
            thousands(largest as u64)
        )),
    }
    let stuck: Vec<String> = rows
        .iter()
        .filter(|r| r.words == largest && !r.reached_zero())
        .map(|r| {
            format!(
                "{} ({} collisions after {} iterations)",
                r.trainer.name(),
                thousands(r.collisions as u64),
                thousands(r.iterations as u64)
            )
        })
        .collect();
    if !stuck.is_empty() {
        sentences.push(format!(
            "Within their caps, {} did not get there; a random function averages {} collisions.",
            stuck.join("; "),
            sig3(
                rows.iter()
                    .find(|r| r.words == largest)
                    .map_or(f64::NAN, |r| r.random_collisions)
            )
        ));
    }
    let at_largest = |trainer: Trainer| {
        rows.iter()
            .find(|r| r.words == largest && r.trainer == trainer)
    };
    if let (Some(full), Some(factorized)) =
        (at_largest(Trainer::Cem), at_largest(Trainer::CemFactorized))
    {
        let outcome = |r: &TrainingRow| {
            if r.reached_zero() {
                format!(
                    "a perfect hash in {} s ({} iterations)",
                    sig3(r.seconds),
                    thousands(r.iterations as u64)
                )
            } else {
                format!(
                    "{} collisions after {} s",
                    thousands(r.collisions as u64),
                    sig3(r.seconds)
                )
            }
        };
        sentences.push(format!(
            "On {} words the cross-entropy method reached {} with the paper's head and {} with \
             the factorized head.",
            thousands(largest as u64),
            outcome(full),
            outcome(factorized)
        ));
    }
    sentences
}

fn perfect_hash_meaning(rows: &[PerfectHashRow]) -> Vec<String> {
    let is_neural = |r: &PerfectHashRow| r.method.starts_with("NeuralHash");
    // The largest key set with a perfect NeuralHash, else the largest one.
    let perfect = rows
        .iter()
        .filter(|r| is_neural(r) && r.collisions == 0)
        .map(|r| r.keys)
        .max();
    let Some(largest) = perfect.or_else(|| rows.iter().map(|r| r.keys).max()) else {
        return Vec::new();
    };
    let at = |f: &dyn Fn(&PerfectHashRow) -> bool| {
        rows.iter()
            .filter(|r| r.keys == largest && f(r))
            .collect::<Vec<_>>()
    };
    let mphfs = at(&|r| !is_neural(r));
    let neural = at(&is_neural);
    let (Some(smallest), Some(nh)) = (
        mphfs
            .iter()
            .min_by(|a, b| a.bits_per_key.total_cmp(&b.bits_per_key)),
        neural.first(),
    ) else {
        return Vec::new();
    };
    let fastest = mphfs
        .iter()
        .min_by(|a, b| a.query_ns.total_cmp(&b.query_ns))
        .unwrap_or(smallest);
    let quality = if nh.collisions == 0 {
        "a perfect".to_owned()
    } else {
        format!(
            "a not yet perfect ({} collisions)",
            thousands(nh.collisions as u64)
        )
    };
    vec![format!(
        "For {} keys a minimal perfect hash needs {} bits per key ({}) and answers a query in {} ns \
         ({}); {quality} NeuralHash stores {} bits of parameters per key ({} more) and answers one \
         word in {} ns.",
        thousands(largest as u64),
        sig3(smallest.bits_per_key),
        smallest.method,
        sig3(fastest.query_ns),
        fastest.method,
        sig3(nh.bits_per_key),
        times(nh.bits_per_key / smallest.bits_per_key),
        sig3(nh.query_ns)
    )]
}

fn notes(out: &mut String, report: &BenchReport) {
    let mut notes = report.notes.clone();
    if report.machine.cuda_device.is_none() {
        notes.push("No CUDA device was used, so there are no GPU rows; on a machine with CUDA, `nh bench --device auto` adds them.".to_owned());
    }
    if notes.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Notes\n");
    for note in notes {
        let _ = writeln!(out, "- {note}");
    }
    out.push('\n');
}

/// The word-set sizes of the training rows, ascending.
fn sizes(rows: &[TrainingRow]) -> Vec<usize> {
    let mut sizes: Vec<usize> = rows.iter().map(|r| r.words).collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// The fewest collisions any run on `words` words ended with.
fn fewest_collisions(rows: &[TrainingRow], words: usize) -> usize {
    rows.iter()
        .filter(|r| r.words == words)
        .map(|r| r.collisions)
        .min()
        .unwrap_or(0)
}

/// The perfect run of `words` words with the fewest seconds.
fn fastest_perfect(rows: &[TrainingRow], words: usize) -> Option<&TrainingRow> {
    rows.iter()
        .filter(|r| r.words == words && r.reached_zero())
        .min_by(|a, b| a.seconds.total_cmp(&b.seconds))
}

/// `, 123x less than the paper's 20,400 s` for 10,000 words, else nothing.
fn paper_training_ratio(row: &TrainingRow) -> String {
    if row.words == 10_000 {
        format!(
            ", {} less than the paper's 20,400 s",
            times(PAPER_TRAINING_10K_S / row.seconds)
        )
    } else {
        String::new()
    }
}

fn inference_words_per_second(report: &BenchReport, seconds: f64) -> f64 {
    report
        .inference
        .as_ref()
        .map_or(f64::NAN, |i| i.words as f64 / seconds)
}
