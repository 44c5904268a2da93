//! `nh info`: what libtorch this binary runs on.

use anyhow::Result;

/// Prints the libtorch version, intra-op threads and CUDA availability.
pub fn run() -> Result<()> {
    let info = nh_agents::libtorch_info();
    println!("nh {}", env!("CARGO_PKG_VERSION"));
    println!("libtorch version: {}", info.version);
    println!("libtorch threads: {}", info.threads);
    println!("cuda available:   {}", info.cuda_available);
    println!("cuda devices:     {}", info.cuda_devices);
    Ok(())
}
