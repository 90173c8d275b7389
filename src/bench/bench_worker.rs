//! Where the bench's worker runs. By default a child process of its own, so its CPU time and
//! memory are read from `/proc` alone. `--in-process-worker` runs it in this process on the API's
//! Temporal client instead, as `lienthong dev` does: only then can the server hand a new case's
//! first workflow task back in the answer to its start (eager workflow start), so that is how
//! eager start is measured. The worker figures then describe this whole process.

use std::time::Duration;

use tokio::process::Child;

/// How long a stopping worker (and a profiler wrapping it) may take before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);

pub(super) enum BenchWorker {
    Child(Child),
    /// Run by the bench's own task beside the load, which notices if it stops.
    InProcess,
}

impl BenchWorker {
    /// The process whose CPU time and memory are reported as the worker's.
    pub(super) fn pid(&self) -> Option<u32> {
        match self {
            Self::Child(child) => child.id(),
            Self::InProcess => Some(std::process::id()),
        }
    }

    /// How the worker ended, if it has.
    pub(super) fn ended(&mut self) -> Option<String> {
        match self {
            Self::Child(child) => child.try_wait().ok().flatten().map(|s| s.to_string()),
            Self::InProcess => None,
        }
    }

    pub(super) fn label(&self) -> &'static str {
        match self {
            Self::Child(_) => "child",
            Self::InProcess => "in-process",
        }
    }

    /// Stops the worker's whole process group: a wrapper (`--worker-wrapper heaptrack`) runs
    /// the worker as its own child, which killing the wrapper alone left running. SIGTERM
    /// first, so a profiler writes its data; SIGKILL after a few seconds.
    pub(super) async fn stop(self) {
        use nix::sys::signal::{Signal, killpg};
        use nix::unistd::Pid;
        let Self::Child(mut child) = self else {
            return;
        };
        let Some(group) = child.id().and_then(|id| i32::try_from(id).ok()) else {
            return;
        };
        let _ = killpg(Pid::from_raw(group), Signal::SIGTERM);
        if tokio::time::timeout(STOP_GRACE, child.wait())
            .await
            .is_err()
        {
            let _ = child.kill().await;
        }
        // Whatever the wrapper started and left behind.
        let _ = killpg(Pid::from_raw(group), Signal::SIGKILL);
    }
}
