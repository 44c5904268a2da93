//! `nh info`: what libtorch this binary runs on.

use anyhow::Result;

/// Prints the libtorch version, intra-op threads, CUDA availability and the CPU facts that
/// decide how CPU kernels round.
pub fn run() -> Result<()> {
    let info = nh_agents::libtorch_info();
    println!("nh {}", env!("CARGO_PKG_VERSION"));
    println!("libtorch version: {}", info.version);
    println!("libtorch threads: {}", info.threads);
    println!("cuda available:   {}", info.cuda_available);
    println!("cuda devices:     {}", info.cuda_devices);
    println!("cpu:              {}", info.cpu.model);
    println!("cpu vector ext.:  {}", info.cpu.vector_extensions.join(" "));
    let variables: Vec<String> = nh_agents::KERNEL_VARIABLES
        .iter()
        .map(|name| match info.cpu.variables.get(*name) {
            Some(value) => format!("{name}={value}"),
            None => format!("{name} unset"),
        })
        .collect();
    println!("kernel variables: {}", variables.join(", "));
    Ok(())
}
