//! nh-env's `Info` and `EpisodeStats` as Python dicts (single environment) and as dicts of numpy
//! arrays with Gymnasium's `_key` masks (vectorized environment).
//!
//! Key names: `placed`, `occupied_bins`, `next_word` (absent once the episode is over), the
//! fields of `Info::placement` flattened (`word`, `bin`, `collided`, `load`; absent after a
//! reset) and `Info::episode` as `episode_stats` (on the terminating step only). `episode` is
//! left to the wrappers that own it (Gymnasium's `RecordEpisodeStatistics`, Stable-Baselines3's
//! `Monitor`).

use nh_env::{EpisodeStats, Info};
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The keys of `EpisodeStats`, in declaration order.
const STATS_KEYS: [&str; 5] = [
    "total_reward",
    "collisions",
    "occupied_bins",
    "max_load",
    "max_collisions_in_bin",
];

/// One environment's info.
pub fn info_dict<'py>(py: Python<'py>, info: &Info) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("placed", info.placed)?;
    dict.set_item("occupied_bins", info.occupied_bins)?;
    if let Some(word) = info.next_word {
        dict.set_item("next_word", word)?;
    }
    if let Some(placement) = info.placement {
        dict.set_item("word", placement.word)?;
        dict.set_item("bin", placement.bin)?;
        dict.set_item("collided", placement.collided)?;
        dict.set_item("load", placement.load)?;
    }
    if let Some(stats) = info.episode {
        dict.set_item("episode_stats", stats_dict(py, &stats)?)?;
    }
    Ok(dict)
}

/// One episode's statistics.
pub fn stats_dict<'py>(py: Python<'py>, stats: &EpisodeStats) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(STATS_KEYS[0], stats.total_reward)?;
    dict.set_item(STATS_KEYS[1], stats.collisions)?;
    dict.set_item(STATS_KEYS[2], stats.occupied_bins)?;
    dict.set_item(STATS_KEYS[3], stats.max_load)?;
    dict.set_item(STATS_KEYS[4], stats.max_collisions_in_bin)?;
    Ok(dict)
}

/// Statistics of several environments: one array per key.
pub fn stats_arrays<'py>(py: Python<'py>, stats: &[EpisodeStats]) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    let column =
        |f: fn(&EpisodeStats) -> usize| PyArray1::from_iter(py, stats.iter().map(|s| f(s) as i64));
    dict.set_item(
        STATS_KEYS[0],
        PyArray1::from_iter(py, stats.iter().map(|s| s.total_reward)),
    )?;
    dict.set_item(STATS_KEYS[1], column(|s| s.collisions))?;
    dict.set_item(STATS_KEYS[2], column(|s| s.occupied_bins))?;
    dict.set_item(STATS_KEYS[3], column(|s| s.max_load))?;
    dict.set_item(STATS_KEYS[4], column(|s| s.max_collisions_in_bin))?;
    Ok(dict)
}

/// Infos of several environments, Gymnasium's vector form: for each key an array over the
/// environments and a boolean `_key` array saying which environments have it.
pub fn info_arrays<'py, 'a>(
    py: Python<'py>,
    infos: impl ExactSizeIterator<Item = &'a Info> + Clone,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    let put = |key: &str, values: Bound<'py, PyAny>, mask: Option<Vec<bool>>| {
        dict.set_item(key, values)?;
        let mask = mask.unwrap_or_else(|| vec![true; infos.len()]);
        dict.set_item(format!("_{key}"), PyArray1::from_vec(py, mask))
    };
    let count = |f: fn(&Info) -> usize| {
        PyArray1::from_iter(py, infos.clone().map(|i| f(i) as i64)).into_any()
    };
    put("placed", count(|i| i.placed), None)?;
    put("occupied_bins", count(|i| i.occupied_bins), None)?;
    put(
        "next_word",
        count(|i| i.next_word.unwrap_or(0)),
        Some(infos.clone().map(|i| i.next_word.is_some()).collect()),
    )?;
    if infos.clone().any(|i| i.placement.is_some()) {
        let has = Some(
            infos
                .clone()
                .map(|i| i.placement.is_some())
                .collect::<Vec<_>>(),
        );
        let field = |f: fn(&nh_env::Placement) -> usize| {
            PyArray1::from_iter(
                py,
                infos
                    .clone()
                    .map(|i| i.placement.as_ref().map_or(0, f) as i64),
            )
            .into_any()
        };
        put("word", field(|p| p.word), has.clone())?;
        put("bin", field(|p| p.bin), has.clone())?;
        let collided = infos
            .clone()
            .map(|i| i.placement.is_some_and(|p| p.collided));
        put(
            "collided",
            PyArray1::from_iter(py, collided).into_any(),
            has.clone(),
        )?;
        put("load", field(|p| p.load), has)?;
    }
    if infos.clone().any(|i| i.episode.is_some()) {
        let stats: Vec<EpisodeStats> = infos
            .clone()
            .map(|i| i.episode.unwrap_or_default())
            .collect();
        let mask = infos.clone().map(|i| i.episode.is_some()).collect();
        put(
            "episode_stats",
            stats_arrays(py, &stats)?.into_any(),
            Some(mask),
        )?;
    }
    Ok(dict)
}
