//! What the benchmark ran on: CPU, cores, memory, libtorch, commit and date.

use serde::{Deserialize, Serialize};

/// The machine and code behind one benchmark run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MachineInfo {
    /// `model name` of the first processor in /proc/cpuinfo (`unknown` elsewhere; the same as
    /// `libtorch.cpu.model`, kept for reports measured before that existed).
    pub cpu_model: String,
    /// Logical processors listed in /proc/cpuinfo (0 when unreadable).
    pub cpu_listed: usize,
    /// Cores this process may use (`std::thread::available_parallelism`).
    pub cores_available: usize,
    /// Memory in GiB from /proc/meminfo, when readable.
    pub memory_gib: Option<f64>,
    /// libtorch version, intra-op threads and CUDA devices.
    pub libtorch: nh_agents::LibtorchInfo,
    /// Name of the CUDA device the run used, when it used one.
    pub cuda_device: Option<String>,
    /// Git commit of the working tree (`-dirty` with uncommitted changes).
    pub commit: String,
    /// Start of the run, RFC 3339 UTC.
    pub date: String,
    /// /proc/loadavg's 1, 5 and 15 minute load averages when the run started: other processes
    /// competing for the cores show here.
    pub load_at_start: Option<String>,
}

impl MachineInfo {
    /// Reads /proc and libtorch; `commit` and `date` are the caller's.
    pub fn probe(commit: &str, date: &str) -> MachineInfo {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let libtorch = nh_agents::libtorch_info();
        MachineInfo {
            cpu_model: libtorch.cpu.model.clone(),
            cpu_listed: cpuinfo
                .lines()
                .filter(|l| l.starts_with("processor"))
                .count(),
            cores_available: std::thread::available_parallelism().map_or(1, usize::from),
            memory_gib: memory_gib(&meminfo),
            libtorch,
            cuda_device: None,
            commit: commit.to_owned(),
            date: date.to_owned(),
            load_at_start: load_average(),
        }
    }
}

/// The first three fields of /proc/loadavg, e.g. `0.52 0.80 1.10`.
pub fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let fields: Vec<&str> = text.split_whitespace().take(3).collect();
    (fields.len() == 3).then(|| fields.join(" "))
}

/// `MemTotal` (kB) in GiB.
fn memory_gib(meminfo: &str) -> Option<f64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / (1024.0 * 1024.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_meminfo() {
        let gib = memory_gib("MemTotal:        8388608 kB\nMemFree: 1 kB\n").unwrap();
        assert!((gib - 8.0).abs() < 1e-12);
        assert_eq!(memory_gib("nothing"), None);
    }
}
