//! The architecture's dependency rules, checked against the workspace manifests and `Cargo.lock` (see docs/ARCHITECTURE.md).

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// Internal edges the architecture allows: crate -> the nh crates it may depend on directly.
const ALLOWED: &[(&str, &[&str])] = &[
    ("nh-corpus", &[]),
    ("nh-env", &[]),
    ("nh-metrics", &[]),
    ("nh-encode", &["nh-corpus", "nh-env"]),
    // The query crate: opens saved models and hashes words, with no libtorch in its tree.
    ("nh-hash", &["nh-encode", "nh-env"]),
    (
        "nh-agents",
        &["nh-env", "nh-encode", "nh-metrics", "nh-hash"],
    ),
    (
        "nh-exp",
        &[
            "nh-corpus",
            "nh-encode",
            "nh-env",
            "nh-metrics",
            "nh-agents",
            "nh-hash",
        ],
    ),
    (
        "nh-bench",
        &[
            "nh-corpus",
            "nh-encode",
            "nh-env",
            "nh-metrics",
            "nh-agents",
            "nh-hash",
        ],
    ),
    (
        "nh-cli",
        &[
            "nh-exp",
            "nh-bench",
            "nh-corpus",
            "nh-encode",
            "nh-env",
            "nh-metrics",
            "nh-agents",
            "nh-hash",
        ],
    ),
    // The Python binding converts between Python and nh-env, and opens saved models through
    // nh-hash; it never reaches the learners or libtorch.
    ("nh-py", &["nh-env", "nh-corpus", "nh-encode", "nh-hash"]),
    ("xtask", &["nh-corpus"]),
];

struct Graph {
    /// package name -> names of its direct dependencies (all kinds: normal, dev, build).
    direct: BTreeMap<String, BTreeSet<String>>,
    /// package name -> names of the dependencies it links into its own code, for "in the tree"
    /// checks: a workspace member's normal dependencies; for any other package, everything
    /// `Cargo.lock` records for it (normal and build: a superset, so the checks stay safe).
    normal: BTreeMap<String, BTreeSet<String>>,
    workspace: BTreeSet<String>,
}

fn repo_root() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/..")
}

/// The dependency graph from what a fresh clone has: the workspace manifests (through
/// `cargo metadata --no-deps`, which reads no registry) and the committed `Cargo.lock` for every
/// package below them. A full `cargo metadata` would need the manifest of every locked package,
/// including those no build on this platform ever downloads.
fn graph() -> Graph {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(repo_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let mut direct = BTreeMap::new();
    let mut normal = BTreeMap::new();
    let mut workspace = BTreeSet::new();
    for package in meta["packages"].as_array().expect("packages") {
        let name = package["name"].as_str().expect("name").to_owned();
        let mut all = BTreeSet::new();
        let mut norm = BTreeSet::new();
        for dep in package["dependencies"].as_array().expect("dependencies") {
            let dep_name = dep["name"].as_str().expect("dependency name").to_owned();
            if dep["kind"].is_null() {
                norm.insert(dep_name.clone());
            }
            all.insert(dep_name);
        }
        workspace.insert(name.clone());
        direct.insert(name.clone(), all);
        normal.insert(name, norm);
    }
    let lock_path = format!("{}/Cargo.lock", repo_root());
    let lock: toml::Table = std::fs::read_to_string(&lock_path)
        .expect("Cargo.lock is committed")
        .parse()
        .expect("Cargo.lock is TOML");
    for package in lock["package"].as_array().expect("[[package]] entries") {
        let name = package["name"].as_str().expect("package name").to_owned();
        if workspace.contains(&name) {
            continue;
        }
        // A locked dependency reads "name" or "name version" (when several versions are locked).
        let deps = package
            .get("dependencies")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .map(|d| {
                let entry = d.as_str().expect("dependency entry");
                entry.split(' ').next().unwrap_or(entry).to_owned()
            });
        normal.entry(name).or_default().extend(deps);
    }
    Graph {
        direct,
        normal,
        workspace,
    }
}

fn normal_closure(g: &Graph, root: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![root.to_owned()];
    while let Some(name) = stack.pop() {
        for dep in g.normal.get(&name).into_iter().flatten() {
            if seen.insert(dep.clone()) {
                stack.push(dep.clone());
            }
        }
    }
    seen
}

#[test]
fn only_allowed_internal_edges_exist() {
    let g = graph();
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    for member in &g.workspace {
        let Some(ok) = allowed.get(member.as_str()) else {
            panic!("workspace member `{member}` is not described in the dependency rules");
        };
        for dep in &g.direct[member] {
            if g.workspace.contains(dep) {
                assert!(
                    ok.contains(&dep.as_str()),
                    "forbidden internal edge: {member} -> {dep}"
                );
            }
        }
    }
}

#[test]
fn only_nh_agents_depends_on_tch_directly() {
    let g = graph();
    for member in &g.workspace {
        let links = g.direct[member]
            .iter()
            .any(|d| d == "tch" || d == "torch-sys");
        assert_eq!(
            links,
            member == "nh-agents",
            "{member}: direct tch dependency = {links}"
        );
    }
}

#[test]
fn libtorch_stays_out_of_the_libraries_below_the_agents() {
    let g = graph();
    for krate in [
        "nh-env",
        "nh-hash",
        "nh-corpus",
        "nh-encode",
        "nh-metrics",
        "nh-py",
        "xtask",
    ] {
        let tree = normal_closure(&g, krate);
        assert!(
            !tree.contains("tch") && !tree.contains("torch-sys"),
            "{krate} has libtorch in its dependency tree"
        );
    }
}

#[test]
fn nh_env_depends_on_no_nh_crate_at_all() {
    let g = graph();
    let tree = normal_closure(&g, "nh-env");
    let nh: Vec<_> = tree.iter().filter(|d| g.workspace.contains(*d)).collect();
    assert!(nh.is_empty(), "nh-env depends on {nh:?}");
}

#[test]
fn the_graph_sees_libtorch_where_it_is() {
    // The checks above pass vacuously if the graph lost the packages below the workspace.
    let g = graph();
    for krate in ["nh-agents", "nh-exp", "nh-cli"] {
        assert!(
            normal_closure(&g, krate).contains("torch-sys"),
            "{krate}: libtorch missing from its tree"
        );
    }
}
