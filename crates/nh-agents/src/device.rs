//! libtorch facts (version, threads, CUDA, CPU kernels) and the `cpu | cuda | auto` device choice.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{CpuKernels, Error, Result};

/// The libtorch version this crate is built against.
///
/// tch `=0.24.0` only builds against libtorch 2.11.0: its build script checks the version of the
/// libtorch it links and fails otherwise, so this constant is the linked version.
pub const LIBTORCH_VERSION: &str = "2.11.0";

/// What libtorch reports about this process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibtorchInfo {
    /// libtorch version, e.g. `2.11.0`.
    pub version: String,
    /// Intra-op threads libtorch uses for one operation.
    pub threads: i32,
    /// Whether a CUDA device is usable.
    pub cuda_available: bool,
    /// Number of CUDA devices.
    pub cuda_devices: i64,
    /// The processor and kernel variables that decide CPU rounding (absent in records written
    /// before it was recorded).
    #[serde(default)]
    pub cpu: CpuKernels,
}

impl fmt::Display for LibtorchInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "libtorch {} ({} intra-op threads, CUDA {})",
            self.version,
            self.threads,
            if self.cuda_available {
                format!("available, {} device(s)", self.cuda_devices)
            } else {
                "unavailable".to_owned()
            }
        )
    }
}

/// Queries libtorch for its version, thread count and CUDA devices.
pub fn libtorch_info() -> LibtorchInfo {
    LibtorchInfo {
        version: LIBTORCH_VERSION.to_owned(),
        threads: tch::get_num_threads(),
        cuda_available: tch::Cuda::is_available(),
        cuda_devices: tch::Cuda::device_count(),
        cpu: CpuKernels::detect(),
    }
}

/// Sets libtorch's intra-op thread count for the whole process.
///
/// When several seeds train at once on rayon threads, set this to 1 (or cores / seeds) so that
/// rayon workers and libtorch's pool do not oversubscribe the cores. CPU results are bitwise
/// reproducible for a fixed thread count; a different count may change float rounding.
///
/// # Errors
/// [`Error::Config`] when `threads` is 0.
pub fn set_libtorch_threads(threads: usize) -> Result<()> {
    let n = i32::try_from(threads)
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| Error::config("threads", threads, "must be between 1 and i32::MAX"))?;
    tch::set_num_threads(n);
    Ok(())
}

/// Where tensors live: chosen by the user, resolved against what libtorch sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// The CPU.
    #[default]
    Cpu,
    /// The first CUDA device; an error when there is none.
    Cuda,
    /// CUDA when available, otherwise the CPU.
    Auto,
}

impl DeviceChoice {
    /// The libtorch device for this choice.
    ///
    /// # Errors
    /// [`Error::CudaUnavailable`] for [`DeviceChoice::Cuda`] when libtorch sees no CUDA device.
    pub fn resolve(self) -> Result<tch::Device> {
        match self {
            DeviceChoice::Cpu => Ok(tch::Device::Cpu),
            DeviceChoice::Cuda if tch::Cuda::is_available() => Ok(tch::Device::Cuda(0)),
            DeviceChoice::Cuda => Err(Error::CudaUnavailable {
                version: LIBTORCH_VERSION.to_owned(),
                devices: tch::Cuda::device_count(),
            }),
            DeviceChoice::Auto => Ok(tch::Device::cuda_if_available()),
        }
    }
}

impl fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeviceChoice::Cpu => "cpu",
            DeviceChoice::Cuda => "cuda",
            DeviceChoice::Auto => "auto",
        })
    }
}

impl FromStr for DeviceChoice {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cpu" => Ok(DeviceChoice::Cpu),
            "cuda" | "gpu" => Ok(DeviceChoice::Cuda),
            "auto" => Ok(DeviceChoice::Auto),
            _ => Err(Error::UnknownDevice(s.to_owned())),
        }
    }
}

/// A short name for a resolved device, as written into metrics and logs: `cpu` or `cuda:0`.
pub fn device_name(device: tch::Device) -> String {
    match device {
        tch::Device::Cpu => "cpu".to_owned(),
        tch::Device::Cuda(i) => format!("cuda:{i}"),
        tch::Device::Mps => "mps".to_owned(),
        tch::Device::Vulkan => "vulkan".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_device_names() {
        assert_eq!("cpu".parse::<DeviceChoice>().unwrap(), DeviceChoice::Cpu);
        assert_eq!(
            " CUDA ".parse::<DeviceChoice>().unwrap(),
            DeviceChoice::Cuda
        );
        assert_eq!("auto".parse::<DeviceChoice>().unwrap(), DeviceChoice::Auto);
        let err = "tpu".parse::<DeviceChoice>().unwrap_err();
        assert!(err.to_string().contains("`tpu`"), "{err}");
        for choice in [DeviceChoice::Cpu, DeviceChoice::Cuda, DeviceChoice::Auto] {
            assert_eq!(choice.to_string().parse::<DeviceChoice>().unwrap(), choice);
        }
    }

    #[test]
    fn resolves_against_cuda_availability() {
        assert_eq!(DeviceChoice::Cpu.resolve().unwrap(), tch::Device::Cpu);
        let cuda = tch::Cuda::is_available();
        match DeviceChoice::Cuda.resolve() {
            Ok(device) => assert!(cuda && device == tch::Device::Cuda(0)),
            Err(err) => {
                assert!(!cuda);
                assert!(err.to_string().contains("CUDA is not available"), "{err}");
            }
        }
        let auto = DeviceChoice::Auto.resolve().unwrap();
        assert_eq!(auto.is_cuda(), cuda);
    }

    #[test]
    fn reports_libtorch_facts() {
        let info = libtorch_info();
        assert_eq!(info.version, LIBTORCH_VERSION);
        assert!(info.threads >= 1);
        assert_eq!(info.cuda_available, info.cuda_devices > 0);
        assert!(set_libtorch_threads(0).is_err());
    }
}
