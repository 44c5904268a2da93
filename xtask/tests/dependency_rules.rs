//! The architecture's dependency rules, checked against `cargo metadata` (see docs/ARCHITECTURE.md).

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// Internal edges the architecture allows: crate -> the nh crates it may depend on directly.
const ALLOWED: &[(&str, &[&str])] = &[
    ("nh-corpus", &[]),
    ("nh-env", &[]),
    ("nh-metrics", &[]),
    ("nh-encode", &["nh-corpus", "nh-env"]),
    ("nh-agents", &["nh-env", "nh-encode", "nh-metrics"]),
    (
        "nh-exp",
        &[
            "nh-corpus",
            "nh-encode",
            "nh-env",
            "nh-metrics",
            "nh-agents",
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
        ],
    ),
    ("xtask", &["nh-corpus"]),
];

struct Graph {
    /// package name -> names of its direct dependencies (all kinds: normal, dev, build).
    direct: BTreeMap<String, BTreeSet<String>>,
    /// package name -> names of its normal (non-dev) dependencies, for "in the tree" checks.
    normal: BTreeMap<String, BTreeSet<String>>,
    workspace: BTreeSet<String>,
}

fn graph() -> Graph {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let name_of: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().expect("id"),
                p["name"].as_str().expect("name"),
            )
        })
        .collect();
    let workspace = meta["workspace_members"]
        .as_array()
        .expect("workspace_members")
        .iter()
        .map(|id| name_of[id.as_str().expect("member id")].to_owned())
        .collect();
    let mut direct = BTreeMap::new();
    let mut normal = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().expect("resolve nodes") {
        let name = name_of[node["id"].as_str().expect("node id")].to_owned();
        let mut all = BTreeSet::new();
        let mut norm = BTreeSet::new();
        for dep in node["deps"].as_array().expect("deps") {
            let dep_name = name_of[dep["pkg"].as_str().expect("dep pkg")].to_owned();
            let is_normal = dep["dep_kinds"]
                .as_array()
                .expect("dep_kinds")
                .iter()
                .any(|k| k["kind"].is_null());
            if is_normal {
                norm.insert(dep_name.clone());
            }
            all.insert(dep_name);
        }
        direct.insert(name.clone(), all);
        normal.insert(name, norm);
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
    for krate in ["nh-env", "nh-corpus", "nh-encode", "nh-metrics", "xtask"] {
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
