//! A throwaway one-node Slurm cluster on localhost (munged, slurmctld, slurmd), for `cargo xtask test`.
//!
//! [`LocalSlurm::start`] installs Slurm and MUNGE with apt-get when they are missing (root only),
//! writes a `slurm.conf` and `cgroup.conf` into a fresh temp folder, starts the daemons in the
//! foreground (`-D`, as our own child processes, so we own their PIDs) and waits until the node
//! `localhost` is idle. Clients reach the cluster through [`LocalSlurm::env`] (`SLURM_CONF`, and
//! `PATH` with the folder of `sbatch`). Daemons are stopped by PID, in reverse start order (SIGTERM,
//! then SIGKILL after a grace period), by [`LocalSlurm::stop`] or, on any error path, on drop.
//! Ports 6817/6818 are Slurm's defaults and fixed here: another cluster there is refused.
//! A `munged` that already answers is used as it is and left running (it is not ours).

use std::fs::File;
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::proc::{capture, tail};
use crate::setup::run;
use crate::tempdir::TempDir;

/// slurmctld's and slurmd's ports (Slurm's defaults).
const PORTS: [u16; 2] = [6817, 6818];
/// The MUNGE key every MUNGE client and daemon on the host shares.
const MUNGE_KEY: &str = "/etc/munge/munge.key";
/// Where clients find munged (the default socket's folder).
const MUNGE_RUN_DIR: &str = "/run/munge";
/// How long a daemon gets to exit after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// How long a client command (`sinfo`, `squeue`, ...) may take.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);

/// The programs the cluster needs, found on `PATH` or in the usual system folders.
struct Tools {
    munged: PathBuf,
    munge: PathBuf,
    slurmctld: PathBuf,
    slurmd: PathBuf,
    /// The folder holding `sbatch`, `squeue`, `sinfo`, `scontrol`, `scancel`.
    client_dir: PathBuf,
}

impl Tools {
    fn find() -> Result<Tools> {
        let client_dir = find_program("sbatch")?
            .parent()
            .expect("a program path has a parent")
            .to_path_buf();
        for client in ["squeue", "sinfo", "scontrol", "scancel"] {
            if !client_dir.join(client).exists() {
                bail!(
                    "`{client}` is not beside sbatch in {}",
                    client_dir.display()
                );
            }
        }
        Ok(Tools {
            munged: find_program("munged")?,
            munge: find_program("munge")?,
            slurmctld: find_program("slurmctld")?,
            slurmd: find_program("slurmd")?,
            client_dir,
        })
    }
}

fn find_program(name: &str) -> Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .with_context(|| format!("`{name}` was not found on PATH or in /usr/sbin, /usr/bin"))
}

/// Fails unless we run as root: slurmd runs jobs as their submitter and munged as `munge`.
fn require_root() -> Result<()> {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .context("cannot run `id -u`")?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        bail!(
            "the local Slurm cluster needs root (apt-get installs slurm-wlm and munge; munged runs as \
             `munge`; slurmd runs jobs as their user), and this process is not root"
        );
    }
    Ok(())
}

/// Checks that the cluster can start here: we are root, and Slurm and MUNGE are installed
/// (installs them with apt-get when missing). [`LocalSlurm::start`] does this too.
pub fn ensure_installed() -> Result<()> {
    provision().map(|_| ())
}

/// Finds the Slurm and MUNGE programs; installs `slurm-wlm` and `munge` with apt-get if missing.
fn provision() -> Result<Tools> {
    require_root()?;
    if let Ok(tools) = Tools::find() {
        return Ok(tools);
    }
    let started = Instant::now();
    eprintln!(
        "xtask slurm: Slurm or MUNGE is missing; installing slurm-wlm and munge with apt-get"
    );
    let install = || {
        run(Command::new("apt-get")
            .args([
                "install",
                "-y",
                "--no-install-recommends",
                "slurm-wlm",
                "munge",
            ])
            .env("DEBIAN_FRONTEND", "noninteractive"))
    };
    if install().is_err() {
        eprintln!(
            "xtask slurm: apt-get install failed; running apt-get update and trying once more"
        );
        run(Command::new("apt-get")
            .arg("update")
            .env("DEBIAN_FRONTEND", "noninteractive"))
        .and_then(|()| install())
        .context(
            "apt-get could not install slurm-wlm and munge (is this Debian/Ubuntu with a reachable \
             package mirror?)",
        )?;
    }
    eprintln!(
        "xtask slurm: installed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Tools::find().context("slurm-wlm and munge were installed, but a program is still missing")
}

/// A process we started and must stop: its log holds its stdout and stderr.
struct Daemon {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn spawn(name: &'static str, cmd: &mut Command, log: PathBuf) -> Result<Daemon> {
        let out = File::create(&log).with_context(|| format!("cannot create {}", log.display()))?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("cannot start {name}"))?;
        eprintln!("xtask slurm: started {name} (pid {})", child.id());
        Ok(Daemon { name, child, log })
    }

    /// SIGTERM, then SIGKILL after [`STOP_GRACE`]; reaps the process either way.
    fn stop(&mut self) {
        let pid = self.child.id();
        if let Ok(Some(status)) = self.child.try_wait() {
            eprintln!(
                "xtask slurm: {} (pid {pid}) had already exited ({status})",
                self.name
            );
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                eprintln!("xtask slurm: stopped {} (pid {pid})", self.name);
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        eprintln!(
            "xtask slurm: killed {} (pid {pid}) after {} s without exiting on SIGTERM",
            self.name,
            STOP_GRACE.as_secs()
        );
    }
}

/// A running one-node cluster; its daemons stop when it is dropped (see the module docs).
pub struct LocalSlurm {
    dir: TempDir,
    conf: PathBuf,
    tools: Tools,
    /// Started daemons, in start order.
    daemons: Vec<Daemon>,
    stopped: bool,
}

impl LocalSlurm {
    /// Provisions, configures and starts the cluster; returns once node `localhost` is idle.
    pub fn start() -> Result<LocalSlurm> {
        let started = Instant::now();
        let tools = provision()?;
        for port in PORTS {
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            if TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok() {
                bail!(
                    "something already listens on port {port} (another Slurm cluster?): the local \
                     cluster needs ports {PORTS:?}; stop that cluster first"
                );
            }
        }
        let dir = TempDir::new("nh-slurm")?;
        let conf = write_config(dir.path())?;
        let mut cluster = LocalSlurm {
            dir,
            conf,
            tools,
            daemons: Vec::new(),
            stopped: false,
        };
        // From here on, an error drops `cluster`, which stops whatever was started.
        cluster.start_munged()?;
        let mut ctld = Command::new(&cluster.tools.slurmctld);
        ctld.arg("-D")
            .arg("-f")
            .arg(&cluster.conf)
            .env("SLURM_CONF", &cluster.conf);
        cluster.spawn("slurmctld", ctld)?;
        cluster.wait_until(
            "slurmctld accepts connections",
            Duration::from_secs(30),
            |_| {
                let addr = SocketAddr::from(([127, 0, 0, 1], PORTS[0]));
                Ok(TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok())
            },
        )?;
        let mut slurmd = Command::new(&cluster.tools.slurmd);
        slurmd
            .args(["-D", "-N", "localhost", "-f"])
            .arg(&cluster.conf)
            .env("SLURM_CONF", &cluster.conf);
        cluster.spawn("slurmd", slurmd)?;
        cluster.wait_until("node localhost is idle", Duration::from_secs(60), |c| {
            let state = c.client_output("sinfo", &["-h", "-n", "localhost", "-o", "%T"])?;
            Ok(state.trim() == "idle")
        })?;
        eprintln!(
            "xtask slurm: one-node cluster up in {:.1} s (SLURM_CONF={})",
            started.elapsed().as_secs_f64(),
            cluster.conf.display()
        );
        Ok(cluster)
    }

    /// The cluster's scratch folder (config, state, logs); removed by [`LocalSlurm::stop`].
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The environment Slurm clients need: `SLURM_CONF`, and `PATH` starting with the client folder.
    pub fn env(&self) -> Vec<(String, String)> {
        let path = std::env::var("PATH").unwrap_or_default();
        vec![
            ("SLURM_CONF".into(), self.conf.display().to_string()),
            (
                "PATH".into(),
                format!("{}:{path}", self.tools.client_dir.display()),
            ),
        ]
    }

    /// A Slurm client command (`sbatch`, `squeue`, ...) with [`LocalSlurm::env`] set.
    pub fn client(&self, name: &str) -> Command {
        let mut cmd = Command::new(self.tools.client_dir.join(name));
        cmd.envs(self.env());
        cmd
    }

    /// Runs a client with a timeout and returns its stdout; fails on a non-zero exit.
    pub fn client_output(&self, name: &str, args: &[&str]) -> Result<String> {
        let out = capture(self.client(name).args(args), CLIENT_TIMEOUT)?;
        match out.status {
            Some(status) if status.success() => Ok(out.stdout),
            Some(status) => bail!(
                "`{name} {}` failed with {status}: {}",
                args.join(" "),
                out.stderr.trim()
            ),
            None => bail!(
                "`{name} {}` did not finish within {} s",
                args.join(" "),
                CLIENT_TIMEOUT.as_secs()
            ),
        }
    }

    /// Polls `squeue -h` until no job is pending or running; on timeout prints the queue and the
    /// daemons' logs and fails. Fails at once if a daemon died.
    pub fn wait_for_empty_queue(&mut self, timeout: Duration) -> Result<()> {
        let started = Instant::now();
        self.wait_until("the queue is empty", timeout, |c| {
            Ok(c.client_output("squeue", &["-h"])?.trim().is_empty())
        })?;
        eprintln!(
            "xtask slurm: queue empty after {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }

    /// Fails, naming each job and its output's tail, unless every job the controller still
    /// remembers (finished jobs stay for `MinJobAge`, 300 s) ended COMPLETED.
    pub fn check_all_jobs_completed(&self) -> Result<()> {
        let listing = self.client_output("squeue", &["-h", "-t", "all", "-o", "%i|%T|%j|%r"])?;
        let bad: Vec<&str> = listing
            .lines()
            .filter(|l| l.split('|').nth(1) != Some("COMPLETED"))
            .collect();
        if bad.is_empty() {
            return Ok(());
        }
        let mut report = String::new();
        for line in &bad {
            let id = line.split('|').next().unwrap_or_default();
            report.push_str(&format!("  {line}\n"));
            let info = self
                .client_output("scontrol", &["show", "job", "-o", id])
                .unwrap_or_default();
            for key in ["StdOut=", "StdErr="] {
                if let Some(path) = info.split_whitespace().find_map(|w| w.strip_prefix(key)) {
                    report.push_str(&format!("    {key}{path}:\n{}", tail(Path::new(path), 15)));
                }
            }
        }
        bail!("Slurm jobs did not complete (id|state|name|reason):\n{report}");
    }

    /// Stops the daemons and removes the scratch folder (its logs are printed on failures).
    pub fn stop(mut self) -> Result<()> {
        self.shutdown();
        Ok(())
    }

    /// Cancels leftover jobs (so no job outlives the cluster), then stops the daemons by PID in
    /// reverse start order. Idempotent.
    fn shutdown(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let ctld_alive = self
            .daemons
            .iter_mut()
            .any(|d| d.name == "slurmctld" && matches!(d.child.try_wait(), Ok(None)));
        if ctld_alive {
            let queue = self.client_output("squeue", &["-h", "-o", "%i"]);
            if queue.is_ok_and(|q| !q.trim().is_empty()) {
                eprintln!("xtask slurm: cancelling the jobs still queued");
                let _ = self.client_output("scancel", &["--user=root"]);
                let deadline = Instant::now() + Duration::from_secs(15);
                while Instant::now() < deadline
                    && self
                        .client_output("squeue", &["-h"])
                        .is_ok_and(|q| !q.trim().is_empty())
                {
                    std::thread::sleep(Duration::from_millis(500));
                }
            }
        }
        for daemon in self.daemons.iter_mut().rev() {
            daemon.stop();
        }
    }

    fn spawn(&mut self, name: &'static str, mut cmd: Command) -> Result<()> {
        let log = self.dir().join(format!("{name}.stdio.log"));
        let daemon = Daemon::spawn(name, &mut cmd, log)?;
        self.daemons.push(daemon);
        Ok(())
    }

    /// Uses a munged that already answers; otherwise starts one as user `munge`.
    fn start_munged(&mut self) -> Result<()> {
        if self.munge_answers() {
            eprintln!("xtask slurm: using the munged that is already running");
            return Ok(());
        }
        let uid = id_of("-u")?;
        let gid = id_of("-g")?;
        if !Path::new(MUNGE_KEY).exists() {
            eprintln!("xtask slurm: creating {MUNGE_KEY}");
            let created = run(Command::new("mungekey").args(["--create", "--keyfile", MUNGE_KEY]))
                .or_else(|_| run(Command::new("create-munge-key").arg("-f")));
            created.context("cannot create the MUNGE key")?;
            std::os::unix::fs::chown(MUNGE_KEY, Some(uid), Some(gid))?;
            set_mode(Path::new(MUNGE_KEY), 0o400)?;
        }
        std::fs::create_dir_all(MUNGE_RUN_DIR)?;
        std::os::unix::fs::chown(MUNGE_RUN_DIR, Some(uid), Some(gid))?;
        set_mode(Path::new(MUNGE_RUN_DIR), 0o755)?;
        let mut cmd = Command::new(&self.tools.munged);
        cmd.arg("--foreground").uid(uid).gid(gid);
        self.spawn("munged", cmd)?;
        self.wait_until("munged answers", Duration::from_secs(15), |c| {
            Ok(c.munge_answers())
        })
    }

    fn munge_answers(&self) -> bool {
        capture(
            Command::new(&self.tools.munge).arg("-n"),
            Duration::from_secs(5),
        )
        .is_ok_and(|out| out.status.is_some_and(|s| s.success()))
    }

    /// Polls `ready` every half second until it holds; fails with the daemons' logs on timeout
    /// or as soon as one of our daemons has exited.
    fn wait_until(
        &mut self,
        what: &str,
        timeout: Duration,
        mut ready: impl FnMut(&LocalSlurm) -> Result<bool>,
    ) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let mut last_error = None;
        loop {
            for daemon in &mut self.daemons {
                if let Ok(Some(status)) = daemon.child.try_wait() {
                    let name = daemon.name;
                    bail!(
                        "{name} exited ({status}) while waiting until {what}\n{}",
                        self.diagnostics()
                    );
                }
            }
            match ready(self) {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(err) => last_error = Some(err),
            }
            if Instant::now() >= deadline {
                let last = last_error.map(|e| format!(" (last error: {e:#})"));
                bail!(
                    "timed out after {} s waiting until {what}{}\n{}",
                    timeout.as_secs(),
                    last.unwrap_or_default(),
                    self.diagnostics()
                );
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// The queue, the node and the tail of every log, for error messages.
    fn diagnostics(&self) -> String {
        let mut text = String::new();
        for (name, args) in [
            ("squeue", &["-t", "all"][..]),
            ("scontrol", &["show", "node", "localhost"][..]),
        ] {
            let out = self
                .client_output(name, args)
                .unwrap_or_else(|e| format!("{e:#}\n"));
            text.push_str(&format!("--- {name} {}\n{out}", args.join(" ")));
        }
        let mut logs: Vec<PathBuf> = self.daemons.iter().map(|d| d.log.clone()).collect();
        logs.extend(["slurmctld.log", "slurmd.log"].map(|f| self.dir().join(f)));
        for log in logs {
            text.push_str(&format!("--- tail {}\n{}", log.display(), tail(&log, 25)));
        }
        text
    }
}

impl Drop for LocalSlurm {
    fn drop(&mut self) {
        if !self.stopped {
            // Not stopped explicitly: an error path. Keep the logs for whoever reads the error.
            self.dir.keep();
            self.shutdown();
        }
    }
}

fn id_of(flag: &str) -> Result<u32> {
    let out = Command::new("id")
        .args([flag, "munge"])
        .output()
        .context("cannot run `id`")?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .with_context(|| format!("`id {flag} munge` failed: is the munge package installed?"))
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot chmod {}", path.display()))
}

/// Writes `slurm.conf` and `cgroup.conf` into `dir` (with `state/` and `spool/` beside them);
/// returns the `slurm.conf` path.
fn write_config(dir: &Path) -> Result<PathBuf> {
    for sub in ["state", "spool"] {
        std::fs::create_dir(dir.join(sub))?;
    }
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let conf = dir.join("slurm.conf");
    std::fs::write(&conf, slurm_conf(dir, cpus, real_memory_mib(&meminfo)))?;
    // 22.05 always loads a cgroup plugin; autodetection can die ("Hybrid mode is not supported").
    std::fs::write(dir.join("cgroup.conf"), "CgroupPlugin=cgroup/v1\n")?;
    Ok(conf)
}

/// Half the available memory in MiB (at least 256): safely below what slurmd measures.
fn real_memory_mib(meminfo: &str) -> u64 {
    let kib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .unwrap_or(0);
    (kib / 1024 / 2).max(256)
}

fn slurm_conf(dir: &Path, cpus: usize, memory_mib: u64) -> String {
    let d = dir.display();
    format!(
        "\
# Written by `cargo xtask`: a throwaway one-node cluster; see xtask/src/slurm.rs.
ClusterName=nh
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
MpiDefault=none
ReturnToService=2
KillWait=5
SchedulerParameters=sched_interval=2
DependencyParameters=kill_invalid_depend
NodeName=localhost NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory_mib} State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{real_memory_mib, slurm_conf};

    #[test]
    fn the_config_keeps_every_path_in_the_scratch_folder() {
        let conf = slurm_conf(Path::new("/tmp/x"), 3, 1000);
        assert!(conf.contains("NodeName=localhost NodeAddr=127.0.0.1 CPUs=3 RealMemory=1000 "));
        for line in conf
            .lines()
            .filter(|l| l.contains("Location=") || l.contains("Dir=") || l.contains("File="))
        {
            assert!(line.contains("=/tmp/x/"), "{line}");
        }
    }

    #[test]
    fn real_memory_is_half_the_available_memory() {
        let meminfo = "MemTotal: 24000000 kB\nMemAvailable:   2048000 kB\n";
        assert_eq!(real_memory_mib(meminfo), 1000);
        assert_eq!(real_memory_mib(""), 256);
    }
}
