//! Experiment files (`experiments/figN.toml`): the figure, its panels, and the budget profiles.
//!
//! Every number an experiment uses is in its file. Unknown keys are errors that name the key and the
//! line (serde's `deny_unknown_fields` + toml's spans), prefixed with the file's path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// One experiment file: a paper figure made of panels, each trained over several seeds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Figure id, e.g. `fig5`; also the results folder name.
    pub figure: String,
    /// One-line title used on the plot.
    pub title: String,
    /// What the paper claims for this figure (copied into summaries and REPRODUCTION.md).
    pub paper_claim: String,
    /// Seeds per panel (`--seeds` overrides).
    pub seeds: usize,
    /// The panels (curves) of the figure.
    pub panel: Vec<Panel>,
    /// Budget profiles: `smoke` (CI), `default` (implicit: the panel values), `paper`.
    #[serde(default)]
    pub profile: BTreeMap<String, Profile>,
}

/// A learner on one problem: one set of curves in the figure.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    /// Short id, unique within the file (file names use it).
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
    /// Word schedule: fresh samples, one fixed list, or a fixed pool.
    pub schedule: Schedule,
    /// Pool size for `schedule = "pool"` (0 otherwise).
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

    /// Parses an experiment from TOML text; `path` names the source in errors.
    pub fn from_toml(text: &str, path: &Path) -> Result<Self> {
        let exp: Self = toml::from_str(text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        exp.validate().map_err(|message| Error::Config {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(exp)
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
            Schedule::Sample | Schedule::Fixed if self.pool != 0 => {
                Err("`pool` is only used with schedule = \"pool\"".into())
            }
            Schedule::Sample if self.algo == Algo::Cem => Err(
                "the cross-entropy method needs a fixed word set (schedule fixed or pool)".into(),
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
    fn unknown_profile_lists_the_known_ones() {
        let exp = Experiment::from_toml(MINIMAL, Path::new("x.toml")).unwrap();
        let err = exp.with_profile("papr").unwrap_err().to_string();
        assert!(err.contains("papr") && err.contains("smoke"), "{err}");
    }
}
