//! Learner parameters (a panel's `params`, `nh train --params FILE`): read exactly as training
//! reads them and checked when they are loaded, so that a typo in the last panel fails before the
//! first one trains, with the file, the key and its line.

use std::path::{Path, PathBuf};

use nh_agents::{AcConfig, CemConfig, ModelConfig, PgConfig, SacConfig, SupervisedConfig};
use serde::de::DeserializeOwned;

use crate::config::{Algo, Panel};
use crate::spans::{dotted, key_line};
use crate::{Error, Result};

/// Reads a learner-parameters file (`nh train --params FILE`: keys of the learner's config) and
/// checks it for `panel`'s learner exactly as training will read it, before any work.
///
/// # Errors
/// An unreadable file, invalid TOML, or parameters training would reject: naming the file, the
/// key and its line.
pub fn read_params_file(path: &Path, panel: &Panel) -> Result<toml::Table> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let params: toml::Table = toml::from_str(&text).map_err(|e| Error::Config {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let with_params = Panel {
        params: params.clone(),
        ..panel.clone()
    };
    check_learner_params(&with_params).map_err(|problem| {
        let steps: Vec<_> = problem
            .key
            .as_deref()
            .into_iter()
            .flat_map(dotted)
            .collect();
        Error::Params {
            path: path.to_path_buf(),
            line: key_line(&text, &steps),
            key: problem.key.map_or_else(
                || "the learner's parameters".to_owned(),
                |k| format!("`{k}`"),
            ),
            message: problem.message,
        }
    })?;
    Ok(params)
}

/// A learner parameter that training would reject: the dotted key inside `params` at fault (when
/// one is) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParamsProblem {
    /// The key, e.g. `model.hidden`.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl ParamsProblem {
    /// `params.<key>`, or `params` when no single key is at fault.
    pub fn key_or_params(&self) -> String {
        self.key
            .as_ref()
            .map_or_else(|| "params".to_owned(), |k| format!("params.{k}"))
    }
}

/// Checks `panel`'s `params` exactly as training reads them (the same deserialization as
/// [`crate::run_task`], then the learner's own `validate()` and its output head for the panel's bins),
/// so that a typo fails when the file is read, not after earlier panels have trained.
pub(crate) fn check_learner_params(panel: &Panel) -> std::result::Result<(), ParamsProblem> {
    let (params, iterations) = (&panel.params, panel.iterations);
    let (model, checked) = match panel.algo {
        Algo::Pg => {
            let c: PgConfig = config_from_params(params, iterations, "iterations")?;
            (c.model.clone(), c.validate())
        }
        Algo::Ac => {
            let c: AcConfig = config_from_params(params, iterations, "iterations")?;
            (c.model.clone(), c.validate())
        }
        Algo::Sac => {
            let c: SacConfig = config_from_params(params, iterations, "iterations")?;
            (c.model.clone(), c.validate())
        }
        Algo::Cem => {
            let c: CemConfig = config_from_params(params, iterations, "iterations")?;
            (c.model.clone(), c.validate())
        }
        Algo::Supervised => {
            let mut c: SupervisedConfig = config_from_params(params, iterations, "epochs")?;
            c.bins = panel.bins;
            (c.model.clone(), c.validate())
        }
    };
    checked
        .and_then(|()| model.output_factors(panel.bins).map(drop))
        .map_err(|err| ParamsProblem {
            key: match &err {
                nh_agents::Error::Config { key, .. } => Some((*key).to_owned()),
                _ => None,
            },
            message: err.to_string(),
        })
}

/// The policy network and the rows of one update's forward pass of `panel`'s learner, for the
/// memory estimate ([`crate::memory`]).
pub(crate) fn learner_shape(
    panel: &Panel,
) -> std::result::Result<(ModelConfig, f64), ParamsProblem> {
    let (params, iterations) = (&panel.params, panel.iterations);
    let words = panel.words as f64;
    Ok(match panel.algo {
        Algo::Pg => {
            let c: PgConfig = config_from_params(params, iterations, "iterations")?;
            (c.model, c.episodes_per_update as f64 * words)
        }
        Algo::Ac => {
            let c: AcConfig = config_from_params(params, iterations, "iterations")?;
            (c.model, c.episodes_per_update as f64 * words)
        }
        Algo::Sac => {
            let c: SacConfig = config_from_params(params, iterations, "iterations")?;
            (c.model, (c.batch_size as f64).max(words))
        }
        Algo::Cem => {
            let c: CemConfig = config_from_params(params, iterations, "iterations")?;
            (c.model, c.batch_size.map_or(words, |b| b as f64))
        }
        Algo::Supervised => {
            let c: SupervisedConfig = config_from_params(params, iterations, "epochs")?;
            (c.model, c.batch_size as f64)
        }
    })
}

/// The policy's shape of `panel`'s learner.
pub(crate) fn learner_model(panel: &Panel) -> Result<ModelConfig> {
    learner_shape(panel)
        .map(|(model, _)| model)
        .map_err(|problem| Error::Params {
            path: PathBuf::from(format!("panel `{}`", panel.id)),
            line: None,
            key: problem.key_or_params(),
            message: problem.message,
        })
}

/// Refuses a training of `panel` that cannot fit into this machine's available memory (on the
/// CPU), estimated from its configuration before anything is allocated.
///
/// # Errors
/// [`Error::Memory`] with the estimate, what is available and the keys that set the size.
pub fn check_memory(panel: &Panel) -> Result<()> {
    let Some(available) = crate::memory::available_memory() else {
        return Ok(());
    };
    let (model, rows) = learner_shape(panel).map_err(|problem| Error::Memory(problem.message))?;
    let need = crate::memory::training_need(
        panel,
        &crate::memory::LearnerShape {
            model: &model,
            rows,
        },
    );
    match crate::memory::refusal(panel, &need, available) {
        Some(message) => Err(Error::Memory(message)),
        None => Ok(()),
    }
}

/// The learner's config from `params` with the iteration budget `iterations` under `budget_key`:
/// the one deserialization that training ([`crate::run_task`]) and the checks use.
///
/// A deserialization error names the key at fault: the most specific key whose removal changes
/// the error (keys have defaults, so removing one never adds an error).
pub(crate) fn config_from_params<T: DeserializeOwned>(
    params: &toml::Table,
    iterations: usize,
    budget_key: &str,
) -> std::result::Result<T, ParamsProblem> {
    if params.contains_key(budget_key) {
        return Err(ParamsProblem {
            key: Some(budget_key.to_owned()),
            message: format!(
                "`{budget_key}` is set by the panel's `iterations` (and profiles); remove it from \
                 params"
            ),
        });
    }
    let parse = |table: &toml::Table| {
        let mut table = table.clone();
        table.insert(
            budget_key.to_owned(),
            toml::Value::Integer(i64::try_from(iterations).unwrap_or(i64::MAX)),
        );
        toml::Value::Table(table).try_into::<T>()
    };
    let err = match parse(params) {
        Ok(config) => return Ok(config),
        Err(err) => err.to_string(),
    };
    let key = key_paths(params, "")
        .into_iter()
        .rev()
        .filter(|path| {
            let mut without = params.clone();
            remove_path(&mut without, path);
            parse(&without).map_err(|e| e.to_string()).err().as_ref() != Some(&err)
        })
        // The deepest; the first in key order among equals (the iteration is reversed).
        .max_by_key(|path| path.matches('.').count());
    Err(ParamsProblem {
        key,
        message: err.trim_end().replace('\n', " "),
    })
}

/// Every key of `table` and of its nested tables, dotted, parents before children.
fn key_paths(table: &toml::Table, prefix: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for (key, value) in table {
        let path = format!("{prefix}{key}");
        if let toml::Value::Table(inner) = value {
            let children = key_paths(inner, &format!("{path}."));
            paths.push(path);
            paths.extend(children);
        } else {
            paths.push(path);
        }
    }
    paths
}

/// Removes the dotted key `path` from `table`.
fn remove_path(table: &mut toml::Table, path: &str) {
    match path.split_once('.') {
        Some((head, rest)) => {
            if let Some(toml::Value::Table(inner)) = table.get_mut(head) {
                remove_path(inner, rest);
            }
        }
        None => {
            table.remove(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(text: &str) -> toml::Table {
        toml::from_str(text).expect("toml")
    }

    fn problem(text: &str) -> ParamsProblem {
        config_from_params::<PgConfig>(&params(text), 10, "iterations").expect_err("rejected")
    }

    #[test]
    fn the_key_at_fault_is_the_most_specific_one() {
        for (text, key) in [
            ("learning_rat = 1.0", "learning_rat"),
            (
                "learning_rate = \"fast\"\nentropy_coef = 0.0",
                "learning_rate",
            ),
            (
                "entropy_coef = 0.0\n[model]\nhidden = [8]\nhiden = [8]",
                "model.hiden",
            ),
            ("[model]\nhidden = [\"wide\"]", "model.hidden"),
            ("model = 3", "model"),
            ("iterations = 3", "iterations"),
        ] {
            assert_eq!(problem(text).key.as_deref(), Some(key), "{text}");
        }
        let message = problem("learning_rat = 1.0").message;
        assert!(
            message.contains("unknown field `learning_rat`"),
            "{message}"
        );
        assert!(!message.contains('\n'), "{message}");
        let config: PgConfig =
            config_from_params(&params("learning_rate = 0.5"), 7, "iterations").expect("valid");
        assert_eq!((config.learning_rate, config.iterations), (0.5, 7));
    }

    #[test]
    fn validation_and_the_output_head_are_checked_for_the_panels_bins() {
        let mut panel = Panel {
            id: "p".into(),
            label: "P".into(),
            origin: crate::Origin::Ours,
            algo: Algo::Cem,
            words: 10,
            bins: 12,
            schedule: crate::Schedule::Fixed,
            pool: 0,
            occupancy: false,
            iterations: 5,
            params: params("[model]\nhead = \"factorized\"\nfactor_rows = 4"),
            generalization: None,
            max_corpus: None,
        };
        assert_eq!(check_learner_params(&panel), Ok(()));
        panel.bins = 10;
        let err = check_learner_params(&panel).expect_err("4 does not divide 10");
        assert_eq!(err.key.as_deref(), Some("model.factor_rows"));
        panel.bins = 12;
        panel.params = params("[model]\nhidden = [0]");
        let err = check_learner_params(&panel).expect_err("zero width");
        assert_eq!(err.key.as_deref(), Some("model.hidden"));
        panel.algo = Algo::Supervised;
        panel.params = params("epochs = 3");
        let err = check_learner_params(&panel).expect_err("budget key");
        assert_eq!(err.key.as_deref(), Some("epochs"));
    }

    #[test]
    fn a_params_file_error_names_the_file_key_and_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("learner.toml");
        std::fs::write(&path, "# comment\n[model]\nhiden = [8]\n").expect("write");
        let panel = Panel {
            id: "train".into(),
            label: "t".into(),
            origin: crate::Origin::Ours,
            algo: Algo::Pg,
            words: 10,
            bins: 10,
            schedule: crate::Schedule::Sample,
            pool: 0,
            occupancy: false,
            iterations: 1,
            params: toml::Table::new(),
            generalization: None,
            max_corpus: None,
        };
        let message = read_params_file(&path, &panel)
            .expect_err("typo")
            .to_string();
        assert!(
            message.contains("learner.toml: line 3: `model.hiden`"),
            "{message}"
        );
        std::fs::write(&path, "learning_rate = 0.25\n").expect("write");
        let table = read_params_file(&path, &panel).expect("valid");
        assert_eq!(table["learning_rate"].as_float(), Some(0.25));
    }
}
