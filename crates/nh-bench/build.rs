//! Build script: rpath and `--no-as-needed -ltorch` for this crate's tests.
//!
//! nh-agents (the only crate that links tch) re-exports libtorch's lib folder as
//! `DEP_NH_LIBTORCH_LIB`; with it, `nh` and the tests run without `LD_LIBRARY_PATH`, and CUDA
//! registers when libtorch has it (see crates/nh-agents/build.rs).

fn main() {
    println!("cargo::rerun-if-env-changed=DEP_NH_LIBTORCH_LIB");
    let Ok(lib) = std::env::var("DEP_NH_LIBTORCH_LIB") else {
        println!("cargo::warning=nh-agents did not report DEP_NH_LIBTORCH_LIB; no rpath emitted");
        return;
    };
    for arg in [
        format!("-Wl,-rpath,{lib}"),
        format!("-L{lib}"),
        "-Wl,--no-as-needed".to_owned(),
        "-ltorch".to_owned(),
        "-Wl,--as-needed".to_owned(),
    ] {
        println!("cargo::rustc-link-arg={arg}");
    }
}
