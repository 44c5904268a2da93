//! Tests of the benchmark as a whole: a tiny run of every section and the rendered report.

use super::*;

/// Every section on a few hundred words, tiny caps, no interpreter.
fn tiny_options() -> BenchOptions {
    BenchOptions {
        inference_words: 300,
        model: ModelConfig::mlp(vec![32, 32]),
        bins: 100,
        batch: 128,
        repeats: 1,
        device: DeviceChoice::Cpu,
        training: vec![TrainingCase {
            words: 40,
            pg_seconds: 0.0,
            cem_seconds: 5.0,
        }],
        trainers: vec![Trainer::PaperPg, Trainer::Cem, Trainer::CemFactorized],
        large_table: Some((50, 2000)),
        max_iterations: 300,
        python: None,
        throughput_seconds: 0.0,
        checkpoints: vec![CheckpointCase {
            label: "a small network".to_owned(),
            config: CemConfig {
                model: ModelConfig::mlp(vec![32, 32]),
                ..CemConfig::default()
            },
            words: 400,
            bins: 400,
        }],
        checkpoint_iterations: 3,
        command: "nh bench --tiny".to_owned(),
        ..BenchOptions::full()
    }
}

#[test]
fn a_tiny_run_fills_every_section_and_renders_it() {
    nh_agents::set_libtorch_threads(1).unwrap();
    let corpus = Corpus::embedded();
    let path = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(path.path(), corpus.words()[..5000].join("\n")).unwrap();
    let options = BenchOptions {
        corpus: Some(path.path().to_path_buf()),
        ..tiny_options()
    };
    let mut lines = Vec::new();
    let report = run_bench(&options, &mut |l| lines.push(l.to_owned())).unwrap();
    assert_eq!(report.corpus.words, 5000);
    let inference = report.inference.as_ref().unwrap();
    assert_eq!(inference.words, 300);
    assert!(inference.neural_cpu().is_some());
    assert_eq!(report.training.len(), 3);
    let cem = report
        .training
        .iter()
        .find(|r| r.trainer == Trainer::Cem)
        .unwrap();
    assert!(cem.reached_zero(), "{cem:?}");
    let factorized = report
        .training
        .iter()
        .find(|r| r.trainer == Trainer::CemFactorized)
        .unwrap();
    assert!(factorized.reached_zero(), "{factorized:?}");
    let pg = report
        .training
        .iter()
        .find(|r| r.trainer == Trainer::PaperPg)
        .unwrap();
    assert_eq!(pg.iterations, 3, "a zero cap leaves the calibration run");
    // Three minimal perfect hashes and the fastest perfect model (either CEM, by timing).
    let methods: Vec<String> = report
        .perfect_hash
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(methods[..3], ["ptr_hash", "ph-fmph", "ph-phast"]);
    let neural = &report.perfect_hash[3];
    let fastest = if cem.seconds <= factorized.seconds {
        cem
    } else {
        factorized
    };
    assert_eq!(
        neural.method,
        PerfectHashMethod::NeuralHash {
            trainer: Some(fastest.trainer)
        }
    );
    assert_eq!(
        (neural.collisions, neural.build_seconds),
        (0, Some(fastest.seconds))
    );
    assert_eq!(report.throughput.len(), 7);
    let checkpoint = &report.checkpoints[0];
    // Six copies of the parameters as f32, plus the JSON state.
    let tensors = 6 * 4 * checkpoint.parameters as u64;
    assert!(
        checkpoint.checkpoint_bytes > tensors && checkpoint.checkpoint_bytes < tensors + 200_000,
        "{checkpoint:?}"
    );
    assert_eq!(checkpoint.iterations, 3);
    assert!(checkpoint.checkpoint_seconds > 0.0 && checkpoint.iteration_seconds > 0.0);
    assert!(
        !checkpoints::scratch_dir().exists(),
        "the scratch folder is removed"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("training: CEM on 40 words")),
        "{lines:?}"
    );

    let markdown = report.to_markdown();
    let reread = BenchReport::from_json(&report.to_json()).unwrap();
    assert_eq!(
        reread.to_markdown(),
        markdown,
        "a saved report renders the same"
    );
    assert!(
        BenchReport::from_json("{}")
            .unwrap_err()
            .to_string()
            .contains("saved report")
    );
    for heading in [
        "# Performance",
        "## Machine",
        "## Headline",
        "## 1. Inference: hashing 300 words",
        "## 2. Inference efficiency",
        "## 3. Training: time to a zero-collision NeuralHash",
        "## 4. Perfect hashes side by side",
        "## 5. Environment and encoder throughput",
        "## 6. Training checkpoints",
        "## What the numbers mean",
    ] {
        assert!(markdown.contains(heading), "missing {heading}:\n{markdown}");
    }
    assert!(markdown.contains("`nh bench --tiny`"));
    assert!(markdown.contains("CPython was not measured: skipped on request (--no-python)."));
    assert!(markdown.contains("| NeuralHash (CEM"), "{markdown}");
    assert!(
        markdown.contains("### A large table: M = 2,000 bins"),
        "{markdown}"
    );
    assert!(markdown.contains("with the factorized head."), "{markdown}");
    // The FLOP table of a [32, 32] network with 100 bins: 2 x 32 x 32 and 2 x 32 x 100.
    assert!(
        markdown.contains(" 2,048 |") && markdown.contains(" 6,400 |"),
        "{markdown}"
    );
}

#[test]
fn sections_parse_by_name() {
    for section in Section::ALL {
        assert_eq!(section.name().parse::<Section>().unwrap(), section);
    }
    let err = "gpu".parse::<Section>().unwrap_err();
    assert!(err.to_string().contains("unknown section `gpu`"), "{err}");
}

#[test]
fn quick_options_shrink_the_full_run() {
    let (full, quick) = (BenchOptions::full(), BenchOptions::quick());
    assert_eq!(
        (full.inference_words, full.bins, full.model.hidden.clone()),
        (300_000, 1000, vec![300, 300])
    );
    let sizes: Vec<usize> = full.training.iter().map(|c| c.words).collect();
    assert_eq!(sizes, [1000, 3000, 10_000]);
    assert!(quick.inference_words < full.inference_words);
    assert_eq!(quick.model, full.model);
    assert_eq!(full.trainers, Trainer::ALL);
}

#[test]
fn the_committed_performance_document_renders_from_its_json() {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    let read = |name: &str| std::fs::read_to_string(docs.join(name)).unwrap();
    let report = BenchReport::from_json(&read("PERFORMANCE.json")).unwrap();
    assert!(
        report.to_markdown() == read("PERFORMANCE.md"),
        "docs/PERFORMANCE.md is not the rendering of docs/PERFORMANCE.json: regenerate it with \
         `cargo xtask nh bench --from-json docs/PERFORMANCE.json --write docs/PERFORMANCE.md`"
    );
}

#[test]
fn the_saved_models_section_checks_sizes_and_times_a_model_folder() {
    let encoder = nh_encode::IndexEncoder::new(nh_encode::Alphabet::lowercase(), 8).unwrap();
    let model =
        NeuralHash::untrained(&encoder, &ModelConfig::mlp(vec![8]), 50, 1, Device::Cpu).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("model");
    let provenance = nh_agents::ModelProvenance {
        corpus_sha256: "0".repeat(64),
        git_commit: "test".into(),
    };
    model.save(&dir, &provenance).unwrap();
    let keys: Vec<String> = (0..30).map(|i| format!("key{i}")).collect();
    std::fs::write(dir.join("train_words.txt"), keys.join("\n")).unwrap();
    let words: Vec<String> = (0..200).map(|i| format!("query{i}")).collect();
    let report = saved_models::measure_saved_models(
        std::slice::from_ref(&dir),
        &words,
        1,
        PythonOutcome::Skipped("not measured in this test".to_owned()),
        &mut |_| {},
    )
    .unwrap();
    let row = &report.models[0];
    let exact = nh_hash::Model::open(&dir).unwrap();
    assert_eq!(row.kind, SavedKind::Network);
    assert_eq!((row.keys, row.bins, row.keyed), (30, 50, false));
    assert_eq!(row.collisions, exact.check_perfect(&keys).collisions);
    let bytes = std::fs::metadata(dir.join("metadata.json")).unwrap().len()
        + std::fs::metadata(dir.join("model.safetensors"))
            .unwrap()
            .len();
    assert_eq!(row.bytes, bytes);
    assert_eq!(row.mphfs.len(), 3);
    let mut markdown = String::new();
    report.render(&mut markdown);
    assert!(markdown.contains("## 7. Saved models, queried through nh-hash"));
    assert!(markdown.contains("(one network)"), "{markdown}");
    // A folder without its keys is refused, naming it.
    std::fs::remove_file(dir.join("train_words.txt")).unwrap();
    let err = saved_models::measure_saved_models(
        std::slice::from_ref(&dir),
        &words,
        1,
        PythonOutcome::Skipped("not measured in this test".to_owned()),
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("--model") && err.contains("train_words.txt"),
        "{err}"
    );
}
