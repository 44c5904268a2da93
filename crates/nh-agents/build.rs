//! Build script: lets binaries and tests find libtorch at run time without `LD_LIBRARY_PATH`.
//!
//! torch-sys reports libtorch's lib folder to its direct dependents as `DEP_TCH_LIBTORCH_LIB`.
//! We (1) add it as an rpath to this crate's own tests, (2) keep `libtorch.so` as a needed
//! library so that `libtorch_cuda.so` is loaded and CUDA registers (tch-rs issues 907/980), and
//! (3) re-export the folder as `DEP_NH_LIBTORCH_LIB` so that nh-exp and nh-cli do the same for their
//! binaries and tests with `nh_link_args.rs`-style build scripts.

fn main() {
    println!("cargo::rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        println!("cargo::warning=torch-sys did not report DEP_TCH_LIBTORCH_LIB; no rpath emitted");
        return;
    };
    println!("cargo::metadata=lib={lib}");
    for arg in libtorch_link_args(&lib) {
        println!("cargo::rustc-link-arg={arg}");
    }
}

/// Linker arguments for an artifact that links libtorch from `lib`.
fn libtorch_link_args(lib: &str) -> Vec<String> {
    vec![
        format!("-Wl,-rpath,{lib}"),
        format!("-L{lib}"),
        "-Wl,--no-as-needed".to_owned(),
        "-ltorch".to_owned(),
        "-Wl,--as-needed".to_owned(),
    ]
}
