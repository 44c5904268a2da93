//! Experiment files (`experiments/figN.toml`): the figure, its panels, and the budget profiles.
//!
//! Every number an experiment uses is in its file. Unknown keys are errors that name the key and the
//! line (serde's `deny_unknown_fields` + toml's spans), prefixed with the file's path.
//!
//! Everything is checked when the file is read, before any work: names that become file and folder
//! names are plain names ([`crate::name_problem`]), panel ids are distinct, and every panel's
//! learner parameters deserialize and validate exactly as training will read them, under the
//! file's own budgets and under every profile. Errors name the file, the key and its line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::at_line;
use crate::names::{name_problem, quoted};
use crate::params::check_learner_params;
use crate::spans::{Step, dotted, key_line};
use crate::{Error, Result};

/// One experiment file: a paper figure made of panels, each trained over several seeds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Figure id, e.g. `fig5`; also the results folder name (a plain name).
    pub figure: String,
    /// One-line title used on the plot.
    pub title: String,
    /// What the paper claims for this figure (copied into summaries and REPRODUCTION.md).
    pub paper_claim: String,
    /// Seeds per panel (`--seeds` overrides).
    pub seeds: usize,
    /// Window, in iterations, of the trailing moving average drawn as each curve's thick line
    /// (the raw mean stays faint beneath it, and the CSVs keep every raw value); 0 or 1 draws the
    /// raw mean alone.
    #[serde(default)]
    pub smoothing: usize,
    /// The panels (curves) of the figure.
    pub panel: Vec<Panel>,
    /// Budget profiles: `smoke` (CI), `default` (implicit: the panel values), `paper`; names are
    /// plain names (run ids use them).
    #[serde(default)]
    pub profile: BTreeMap<String, Profile>,
}

/// A learner on one problem: one set of curves in the figure.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    /// Short id, unique within the file (file names use it, so a plain name).
    pub id: String,
    /// Legend / subplot label.
    pub label: String,
    /// Whether this is the paper's method or our addition (figures label ours as such).
    pub origin: Origin,
    /// Learner: `pg`, `ac`, `sac`, `cem` or `supervised`.
    pub algo: Algo,
    /// Words placed per episode (for `supervised`: ignored; the whole corpus is used).
    pub words: usize,
    /// Hash-table bins M.
    pub bins: usize,
    /// Word schedule: fresh samples, one fixed list, a fixed pool, or fixed batches.
    pub schedule: Schedule,
    /// Words in the pool for `schedule = "pool"` or `"batches"` (0 otherwise).
    #[serde(default)]
    pub pool: usize,
    /// Whether the table occupancy is part of the observation (the paper's Fig. 5).
    #[serde(default)]
    pub occupancy: bool,
    /// Training iterations (episodes batches, or epochs for `supervised`).
    pub iterations: usize,
    /// Learner hyper-parameters, passed to the learner's config (unknown keys are errors there).
    #[serde(default)]
    pub params: toml::Table,
    /// Held-out generalization test after training (fixed-word panels).
    #[serde(default)]
    pub generalization: Option<Generalization>,
    /// Caps the corpus words a `supervised` panel uses (all when absent).
    #[serde(default)]
    pub max_corpus: Option<usize>,
}

/// Which learners the experiments can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algo {
    /// Policy gradient (REINFORCE), the paper's Figs. 2, 5, 6, 7.
    Pg,
    /// Actor-critic, the paper's Fig. 3.
    Ac,
    /// Discrete soft actor-critic, the paper's Fig. 4.
    Sac,
    /// Cross-entropy method for fixed word sets (ours).
    Cem,
    /// Supervised imitation of Python's hash, the paper's Fig. 1.
    Supervised,
}

impl Algo {
    /// The name experiment files and `--algo` use.
    pub fn name(self) -> &'static str {
        match self {
            Algo::Pg => "pg",
            Algo::Ac => "ac",
            Algo::Sac => "sac",
            Algo::Cem => "cem",
            Algo::Supervised => "supervised",
        }
    }
}

/// Where a panel's method comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// As the paper describes it.
    Paper,
    /// Our estimator or trainer, beyond the paper.
    Ours,
}

/// How the words of each episode are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// A fresh seeded sample of `words` words from the corpus every episode.
    Sample,
    /// One fixed seeded sample of `words` words, repeated every episode.
    Fixed,
    /// A fixed seeded pool of `pool` words; each episode draws `words` of it.
    Pool,
    /// A fixed seeded list of `pool` words cut into `pool / words` batches; episodes cycle
    /// through the batches in order, each into a fresh table (`pg` and `cem` only).
    Batches,
}

/// The held-out test of a trained hash: `words` unseen words, `samples` times.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generalization {
    /// Unseen words per sample.
    pub words: usize,
    /// Number of samples.
    pub samples: usize,
}

/// Budget overrides applied to every panel.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// What this profile is for, printed before it runs (with its expected time).
    pub about: String,
    /// Replaces every panel's `iterations`.
    pub iterations: Option<usize>,
    /// Per-panel iterations, by panel id (wins over `iterations`).
    #[serde(default)]
    pub panel_iterations: BTreeMap<String, usize>,
    /// Caps every panel's words, pool and bins (keeps their ratios sensible for a smoke run).
    pub max_words: Option<usize>,
    /// Caps the corpus used by `supervised` panels.
    pub max_corpus: Option<usize>,
    /// Caps generalization samples.
    pub max_samples: Option<usize>,
    /// Seeds for this profile (the `--seeds` flag still wins).
    pub seeds: Option<usize>,
}

impl Experiment {
    /// Reads and validates an experiment file.
    pub fn from_path(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    /// Parses an experiment from TOML text and checks it (see the module docs); `path` names the
    /// source in errors.
    pub fn from_toml(text: &str, path: &Path) -> Result<Self> {
        let exp: Self = toml::from_str(text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        exp.check_names(text, path)?;
        exp.validate().map_err(|message| Error::Config {
            path: path.to_path_buf(),
            message,
        })?;
        exp.check_params(text, path, None)?;
        for name in exp.profile.keys() {
            let (resolved, _) = exp.with_profile(name)?;
            resolved.check_params(text, path, Some(name))?;
        }
        Ok(exp)
    }

    /// The figure, the panel ids and the profile names are plain names.
    fn check_names(&self, text: &str, path: &Path) -> Result<()> {
        use Step::{Index, Key};
        let mut names = vec![("figure", vec![Key("figure")], self.figure.as_str())];
        for (i, panel) in self.panel.iter().enumerate() {
            names.push((
                "panel id",
                vec![Key("panel"), Index(i), Key("id")],
                &panel.id,
            ));
        }
        for name in self.profile.keys() {
            names.push(("profile name", vec![Key("profile"), Key(name)], name));
        }
        for (key, steps, value) in names {
            if let Some(reason) = name_problem(value) {
                return Err(Error::Name {
                    path: path.to_path_buf(),
                    line: key_line(text, &steps),
                    key: key.to_owned(),
                    value: quoted(value),
                    reason,
                });
            }
        }
        Ok(())
    }

    /// Every panel's `params` as training will read them; `profile` names the profile applied
    /// (whose budgets may make a panel impossible, e.g. bins that a factorized head cannot split).
    fn check_params(&self, text: &str, path: &Path, profile: Option<&str>) -> Result<()> {
        let with_profile = profile
            .map(|name| format!(" (with profile `{name}`)"))
            .unwrap_or_default();
        for (i, panel) in self.panel.iter().enumerate() {
            if let Some(name) = profile {
                panel.validate().map_err(|message| Error::Config {
                    path: path.to_path_buf(),
                    message: format!(
                        "{}profile `{name}` makes panel `{}` impossible: {message}",
                        at_line(key_line(text, &[Step::Key("profile"), Step::Key(name)])),
                        panel.id
                    ),
                })?;
            }
            if let Err(problem) = check_learner_params(panel) {
                let mut steps = vec![Step::Key("panel"), Step::Index(i), Step::Key("params")];
                steps.extend(problem.key.as_deref().into_iter().flat_map(dotted));
                return Err(Error::Params {
                    path: path.to_path_buf(),
                    line: key_line(text, &steps),
                    key: format!(
                        "panel `{}` {}{with_profile}",
                        panel.id,
                        problem.key_or_params()
                    ),
                    message: problem.message,
                });
            }
        }
        Ok(())
    }

    fn validate(&self) -> std::result::Result<(), String> {
        if self.seeds == 0 {
            return Err("`seeds` must be at least 1".into());
        }
        if self.panel.is_empty() {
            return Err("an experiment needs at least one [[panel]]".into());
        }
        let mut ids = std::collections::BTreeSet::new();
        for p in &self.panel {
            if !ids.insert(&p.id) {
                return Err(format!("panel id `{}` appears twice", p.id));
            }
            p.validate().map_err(|m| format!("panel `{}`: {m}", p.id))?;
        }
        for (name, profile) in &self.profile {
            if profile.seeds == Some(0) {
                return Err(format!(
                    "profile.{name}.seeds = 0: a run needs at least one seed (remove the key to \
                     use the file's `seeds`)"
                ));
            }
            for id in profile.panel_iterations.keys() {
                if !ids.contains(id) {
                    return Err(format!(
                        "profile.{name}.panel_iterations names unknown panel `{id}`"
                    ));
                }
            }
        }
        Ok(())
    }

    /// The experiment with a profile's overrides applied (`default` = the file's own values).
    pub fn with_profile(&self, name: &str) -> Result<(Self, String)> {
        if name == "default" {
            return Ok((self.clone(), "the file's own budgets".into()));
        }
        let profile = self
            .profile
            .get(name)
            .ok_or_else(|| Error::UnknownProfile {
                figure: self.figure.clone(),
                profile: name.to_owned(),
                known: self.profile.keys().cloned().collect(),
            })?;
        let mut exp = self.clone();
        if let Some(seeds) = profile.seeds {
            exp.seeds = seeds;
        }
        for p in &mut exp.panel {
            if let Some(it) = profile
                .panel_iterations
                .get(&p.id)
                .copied()
                .or(profile.iterations)
            {
                p.iterations = it;
            }
            if let Some(cap) = profile.max_words {
                p.shrink_to(cap);
            }
            if profile.max_corpus.is_some() {
                p.max_corpus = profile.max_corpus;
            }
            if let (Some(cap), Some(g)) = (profile.max_samples, p.generalization.as_mut()) {
                g.samples = g.samples.min(cap);
            }
        }
        Ok((exp, profile.about.clone()))
    }
}

impl Panel {
    /// Checks that the panel describes a possible experiment; the message names the key.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if self.bins == 0 {
            return Err("`bins` must be at least 1".into());
        }
        if self.iterations == 0 {
            return Err("`iterations` must be at least 1".into());
        }
        if self.algo == Algo::Supervised {
            return Ok(());
        }
        if self.words == 0 {
            return Err("`words` must be at least 1".into());
        }
        match self.schedule {
            Schedule::Pool if self.pool < self.words => Err(format!(
                "`pool` ({}) must be at least `words` ({})",
                self.pool, self.words
            )),
            Schedule::Batches if self.pool == 0 || !self.pool.is_multiple_of(self.words) => {
                Err(format!(
                    "`pool` ({}) must be a positive multiple of `words` ({}): the batches are \
                 `pool / words` fixed lists of `words` words",
                    self.pool, self.words
                ))
            }
            Schedule::Batches if !matches!(self.algo, Algo::Pg | Algo::Cem) => {
                Err("schedule = \"batches\" is built for `pg` and `cem` only".into())
            }
            Schedule::Sample | Schedule::Fixed if self.pool != 0 => {
                Err("`pool` is only used with schedule = \"pool\" or \"batches\"".into())
            }
            Schedule::Sample | Schedule::Pool if self.algo == Algo::Cem => Err(
                "the cross-entropy method needs a fixed word set (schedule fixed or batches)"
                    .into(),
            ),
            _ => Ok(()),
        }
    }

    /// Caps words, pool and bins at `cap`, keeping bins >= words where the file had it so.
    fn shrink_to(&mut self, cap: usize) {
        let ratio = self.bins as f64 / self.words.max(1) as f64;
        let pool_ratio = self.pool as f64 / self.words.max(1) as f64;
        if self.words > cap {
            self.words = cap;
            self.bins = ((cap as f64 * ratio).round() as usize).max(1);
            if self.pool > 0 {
                self.pool = (cap as f64 * pool_ratio).round() as usize;
            }
        }
        if let Some(g) = self.generalization.as_mut() {
            g.words = g.words.min(cap);
        }
    }
}

/// The experiment file of a figure in an experiments folder.
pub fn experiment_path(dir: &Path, figure: &str) -> PathBuf {
    dir.join(format!("{figure}.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
figure = "figX"
title = "t"
paper_claim = "c"
seeds = 2
[[panel]]
id = "a"
label = "A"
origin = "paper"
algo = "pg"
words = 100
bins = 100
schedule = "sample"
iterations = 10
[profile.smoke]
about = "tiny"
iterations = 2
max_words = 10
"#;

    #[test]
    fn parses_and_applies_a_profile() {
        let exp = Experiment::from_toml(MINIMAL, Path::new("x.toml")).unwrap();
        let (smoke, about) = exp.with_profile("smoke").unwrap();
        assert_eq!(about, "tiny");
        assert_eq!(smoke.panel[0].iterations, 2);
        assert_eq!((smoke.panel[0].words, smoke.panel[0].bins), (10, 10));
        assert_eq!(exp.panel[0].iterations, 10);
    }

    #[test]
    fn unknown_key_is_an_error_naming_key_file_and_line() {
        let text = MINIMAL.replace("iterations = 10", "iterations = 10\nlearning_rat = 3");
        let err = Experiment::from_toml(&text, Path::new("exp/fig.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("exp/fig.toml"), "{err}");
        assert!(err.contains("learning_rat"), "{err}");
        assert!(err.contains("line 15"), "{err}");
    }

    #[test]
    fn impossible_configs_are_rejected() {
        for (from, to, needle) in [
            ("bins = 100", "bins = 0", "bins"),
            ("iterations = 10", "iterations = 0", "iterations"),
            (
                "schedule = \"sample\"",
                "schedule = \"pool\"\npool = 5",
                "pool",
            ),
            (
                "schedule = \"sample\"",
                "schedule = \"batches\"\npool = 250",
                "positive multiple of `words` (100)",
            ),
            (
                "algo = \"pg\"\nwords = 100\nbins = 100\nschedule = \"sample\"",
                "algo = \"ac\"\nwords = 100\nbins = 100\nschedule = \"batches\"\npool = 300",
                "`pg` and `cem` only",
            ),
            ("seeds = 2", "seeds = 0", "seeds"),
            (
                "max_words = 10",
                "max_words = 10\nseeds = 0",
                "profile.smoke.seeds",
            ),
        ] {
            let err = Experiment::from_toml(&MINIMAL.replace(from, to), Path::new("f.toml"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(needle), "{from} -> {to}: {err}");
        }
    }

    #[test]
    fn names_that_become_paths_must_be_plain_and_are_found_by_line() {
        for (from, to, key, line) in [
            (
                "figure = \"figX\"",
                "figure = \"../../escape\"",
                "figure",
                "line 2",
            ),
            ("figure = \"figX\"", "figure = \"/abs\"", "figure", "line 2"),
            ("id = \"a\"", "id = \"a/b\"", "panel id", "line 7"),
            ("id = \"a\"", "id = \"\"", "panel id", "line 7"),
            (
                "[profile.smoke]",
                "[profile.\"..\"]",
                "profile name",
                "line 15",
            ),
        ] {
            let err =
                Experiment::from_toml(&MINIMAL.replace(from, to), Path::new("f.toml")).unwrap_err();
            assert!(matches!(err, Error::Name { .. }), "{to}: {err:?}");
            let message = err.to_string();
            assert!(
                message.starts_with(&format!("f.toml: {line}: {key} = ")),
                "{to}: {message}"
            );
        }
    }

    #[test]
    fn learner_params_are_checked_at_load_under_every_profile() {
        for (params, needle) in [
            (
                "[panel.params]\nlearning_rat = 3",
                "f.toml: line 16: panel `a` params.learning_rat: unknown field",
            ),
            (
                "[panel.params]\nlearning_rate = -1.0",
                "f.toml: line 16: panel `a` params.learning_rate: ",
            ),
            (
                // 4 divides the file's 100 bins, not the smoke profile's 10.
                "[panel.params.model]\nhead = \"factorized\"\nfactor_rows = 4",
                "f.toml: line 17: panel `a` params.model.factor_rows (with profile `smoke`)",
            ),
        ] {
            let text = MINIMAL.replace("iterations = 10", &format!("iterations = 10\n{params}"));
            let err = Experiment::from_toml(&text, Path::new("f.toml")).unwrap_err();
            assert!(matches!(err, Error::Params { .. }), "{params}: {err:?}");
            assert!(err.to_string().starts_with(needle), "{params}: {err}");
        }
        let text = MINIMAL.replace("iterations = 2", "iterations = 0");
        let err = Experiment::from_toml(&text, Path::new("f.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 15: profile `smoke` makes panel `a` impossible"),
            "{err}"
        );
    }

    #[test]
    fn every_experiment_file_passes_the_load_checks() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments");
        let mut loaded = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let exp = Experiment::from_path(&path).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(
                    Some(exp.figure.as_str()),
                    path.file_stem().and_then(|s| s.to_str())
                );
                loaded += 1;
            }
        }
        assert_eq!(loaded, 7);
    }

    #[test]
    fn unknown_profile_lists_the_known_ones() {
        let exp = Experiment::from_toml(MINIMAL, Path::new("x.toml")).unwrap();
        let err = exp.with_profile("papr").unwrap_err().to_string();
        assert!(err.contains("papr") && err.contains("smoke"), "{err}");
    }
}
