//! The CPU facts that decide how libtorch's kernels round: processor model, vector extensions
//! and the environment variables that pin kernel choices.
//!
//! libtorch picks its CPU kernels at run time from the processor's vector extensions (ATen's own
//! kernels, MKL's matrix products, oneDNN), and each choice rounds floats differently. Runs are
//! bit-identical only between machines that agree on everything recorded here (and on the
//! libtorch build and thread count, recorded in [`crate::LibtorchInfo`]).

use std::collections::BTreeMap;
use std::sync::Once;

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::config::Precision;

/// Environment variables that change which CPU kernels libtorch runs, or how many threads
/// share a reduction; each is recorded when set.
pub const KERNEL_VARIABLES: &[&str] = &[
    "ATEN_CPU_CAPABILITY",
    "MKL_CBWR",
    "MKL_ENABLE_INSTRUCTIONS",
    "MKL_NUM_THREADS",
    "ONEDNN_MAX_CPU_ISA",
    "DNNL_MAX_CPU_ISA",
    "OMP_NUM_THREADS",
];

/// Prefixes of the x86 `flags` that name a vector or matrix extension.
const X86_VECTOR_PREFIXES: &[&str] = &["sse", "ssse", "avx", "fma", "f16c", "amx"];

/// Prefixes of the ARM `Features` that name a vector or matrix extension.
const ARM_VECTOR_PREFIXES: &[&str] = &["asimd", "sve", "sme", "bf16"];

/// Extensions with bfloat16 arithmetic (x86: AVX-512 BF16, AMX BF16; ARM: BF16).
const BF16_EXTENSIONS: &[&str] = &["avx512_bf16", "amx_bf16", "bf16", "svebf16"];

/// The processor and kernel settings a CPU run's rounding depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuKernels {
    /// `model name` of the first processor in /proc/cpuinfo (`unknown` when unreadable).
    pub model: String,
    /// The vector and matrix extensions the processor reports, sorted (e.g. `avx2`,
    /// `avx512f`, `fma`).
    pub vector_extensions: Vec<String>,
    /// Every variable of [`KERNEL_VARIABLES`] that is set, with its value.
    pub variables: BTreeMap<String, String>,
    /// Whether denormal floats were flushed to zero ([`flush_denormals`]); false in records
    /// written before it existed.
    #[serde(default)]
    pub denormals_flushed: bool,
}

impl CpuKernels {
    /// Reads /proc/cpuinfo and the process environment.
    pub fn detect() -> CpuKernels {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let variables = KERNEL_VARIABLES
            .iter()
            .filter_map(|name| std::env::var(name).ok().map(|v| ((*name).to_owned(), v)))
            .collect();
        CpuKernels {
            denormals_flushed: denormals_flushed(),
            ..CpuKernels::from_cpuinfo(&cpuinfo, variables)
        }
    }

    /// Whether the processor has bfloat16 instructions. Without them libtorch emulates bfloat16
    /// products, which was measured 8x slower than float32 (10,000 words: 159 s against 20 s on
    /// an AMD EPYC without them), so `precision = "bf16"` runs in float32 there.
    pub fn has_bf16(&self) -> bool {
        self.vector_extensions
            .iter()
            .any(|e| BF16_EXTENSIONS.contains(&e.as_str()))
    }

    /// The facts of one /proc/cpuinfo text (its first processor) and the given variables
    /// (denormals not flushed).
    pub fn from_cpuinfo(cpuinfo: &str, variables: BTreeMap<String, String>) -> CpuKernels {
        let field = |key: &str| {
            cpuinfo
                .lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(name, _)| name.trim() == key)
                .map(|(_, value)| value.trim().to_owned())
        };
        let (flags, prefixes) = match (field("flags"), field("Features")) {
            (Some(x86), _) => (x86, X86_VECTOR_PREFIXES),
            (None, Some(arm)) => (arm, ARM_VECTOR_PREFIXES),
            (None, None) => (String::new(), X86_VECTOR_PREFIXES),
        };
        let mut vector_extensions: Vec<String> = flags
            .split_whitespace()
            .filter(|flag| prefixes.iter().any(|p| flag.starts_with(p)))
            .map(str::to_owned)
            .collect();
        vector_extensions.sort();
        vector_extensions.dedup();
        CpuKernels {
            model: field("model name").unwrap_or_else(|| "unknown".to_owned()),
            vector_extensions,
            variables,
            denormals_flushed: false,
        }
    }
}

/// Makes the calling thread, and every thread it starts from now on, flush denormal floats to
/// zero (x86-64: the MXCSR flush-to-zero and denormals-are-zero bits; other processors: nothing,
/// and [`denormals_flushed`] stays false). Call it first in `main`, before libtorch starts its
/// thread pool: `nh` does.
///
/// Why: a trained network's softmax gives the bins it rules out probabilities below 1e-38, and
/// MKL's matrix products slow down about a hundredfold on such denormal inputs; without this a
/// cross-entropy run got over twice as slow per iteration as it trained (docs/PERFORMANCE.md).
/// The price: values below 1.2e-38 (f32) or 2.2e-308 (f64) become zero, so runs record it in
/// [`CpuKernels::denormals_flushed`].
#[allow(unsafe_code, deprecated)]
pub fn flush_denormals() {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_getcsr, _mm_setcsr};
        // SAFETY: writes only the two denormal bits of this thread's MXCSR (bit 15 FTZ, bit 6
        // DAZ), which every x86-64 processor has. Rust's documentation counts changing them as
        // undefined behaviour because the compiler assumes IEEE denormals when it folds
        // constants; the only consequence is that such folded values and the run-time ones may
        // differ below the denormal threshold, no memory is touched.
        unsafe { _mm_setcsr(_mm_getcsr() | MXCSR_DENORMAL_BITS) };
    }
}

/// MXCSR's flush-to-zero (bit 15) and denormals-are-zero (bit 6) bits.
#[cfg(target_arch = "x86_64")]
const MXCSR_DENORMAL_BITS: u32 = 0x8040;

/// Whether the calling thread flushes denormals to zero ([`flush_denormals`]).
#[allow(unsafe_code, deprecated)]
pub fn denormals_flushed() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: reading MXCSR has no effect.
        let csr = unsafe { std::arch::x86_64::_mm_getcsr() };
        csr & MXCSR_DENORMAL_BITS == MXCSR_DENORMAL_BITS
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Calls each elementwise kernel the learners use (exp, log, sqrt, abs; f32 and f64) once on
/// a tensor too small to be split between threads, the first time any network is built.
///
/// The first call of such a kernel in a process may initialize its vector-math backend (MKL's
/// VML in the x86 builds) while two intra-op threads already run it, and that first call then
/// rounds differently: 2–6% of fresh processes computed the first `exp` of a 120 x 30 tensor
/// with 2 threads to other bits than every later call did. Running each kernel first on one
/// thread makes every call in the process round the same, so a unit trained alone in its own
/// process (a Slurm array task) equals the same unit trained in a longer run.
pub(crate) fn prime_elementwise_kernels() {
    static PRIMED: Once = Once::new();
    PRIMED.call_once(|| {
        for kind in [Kind::Float, Kind::Double] {
            let x = Tensor::from_slice(&[0.25f32, 0.5, 1.0, 2.0]).to_kind(kind);
            let _ = (x.exp(), x.log(), x.sqrt(), x.abs());
        }
    });
}

/// The products' format a run starts with: `requested`, except bfloat16 on a CPU without
/// bfloat16 instructions, where it would be slower than float32 (see [`CpuKernels::has_bf16`]).
pub(crate) fn products_precision(
    requested: Precision,
    device: tch::Device,
    cpu: &CpuKernels,
) -> Precision {
    if requested.is_f32() || device != tch::Device::Cpu || cpu.has_bf16() {
        return requested;
    }
    let warning = format!(
        "precision = \"bf16\": this CPU ({}) has no bfloat16 instructions, where bfloat16 products \
         run slower than float32; training in float32",
        cpu.model
    );
    tracing::warn!("{warning}");
    eprintln!("warning: {warning}");
    Precision::F32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bfloat16_products_run_only_where_the_cpu_has_bfloat16_instructions() {
        let cpu = |flags: &str| {
            CpuKernels::from_cpuinfo(&format!("flags\t: {flags}\n"), Default::default())
        };
        let (with, without) = (cpu("avx2 avx512f avx512_bf16"), cpu("avx2 avx512f"));
        let cpu_device = tch::Device::Cpu;
        assert_eq!(
            products_precision(Precision::Bf16, cpu_device, &with),
            Precision::Bf16
        );
        assert_eq!(
            products_precision(Precision::Bf16, cpu_device, &without),
            Precision::F32
        );
        assert_eq!(
            products_precision(Precision::F32, cpu_device, &with),
            Precision::F32
        );
        // A GPU's bfloat16 does not depend on the host CPU.
        let cuda = tch::Device::Cuda(0);
        assert_eq!(
            products_precision(Precision::Bf16, cuda, &without),
            Precision::Bf16
        );
    }

    #[test]
    fn reads_the_first_processor_and_keeps_only_vector_flags() {
        let cpuinfo = "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Platinum 8480C\n\
                       flags\t\t: fpu sse2 smep avx2 fma avx512f avx512_bf16 amx_tile lm\n\n\
                       processor\t: 1\nmodel name\t: other\nflags\t\t: fpu\n";
        let vars = BTreeMap::from([("MKL_CBWR".to_owned(), "COMPATIBLE".to_owned())]);
        let cpu = CpuKernels::from_cpuinfo(cpuinfo, vars.clone());
        assert_eq!(cpu.model, "Intel(R) Xeon(R) Platinum 8480C");
        assert_eq!(
            cpu.vector_extensions,
            ["amx_tile", "avx2", "avx512_bf16", "avx512f", "fma", "sse2"]
        );
        assert_eq!(cpu.variables, vars);
        assert!(cpu.has_bf16());
        let without = CpuKernels::from_cpuinfo("flags\t: sse2 avx2 fma avx512f\n", BTreeMap::new());
        assert!(!without.has_bf16());
        let arm = CpuKernels::from_cpuinfo("Features\t: fp asimd sve bf16\n", BTreeMap::new());
        assert_eq!(arm.vector_extensions, ["asimd", "bf16", "sve"]);
        assert!(arm.has_bf16());
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn flushing_denormals_turns_products_below_the_normal_range_into_zero() {
        // Each test runs on its own thread, so this leaves the other tests' threads alone.
        let tiny = || std::hint::black_box(1e-30f32) * std::hint::black_box(1e-10f32);
        assert!(tiny() > 0.0 && !denormals_flushed());
        flush_denormals();
        assert!(denormals_flushed());
        assert_eq!(tiny(), 0.0);
    }

    #[test]
    fn reads_arm_features_and_survives_an_empty_file() {
        let arm = CpuKernels::from_cpuinfo("Features\t: fp asimd sve sme crc32\n", BTreeMap::new());
        assert_eq!(arm.vector_extensions, ["asimd", "sme", "sve"]);
        assert_eq!(arm.model, "unknown");
        let empty = CpuKernels::from_cpuinfo("", BTreeMap::new());
        assert!(empty.vector_extensions.is_empty());
    }
}
