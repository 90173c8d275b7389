//! The `--first-attempt` choice of `lienthong api` and `lienthong bench`.

/// Where an agency call's first attempt runs; see [`lienthong_workflows::FirstAttempt`].
#[derive(clap::ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FirstAttempt {
    /// In the worker running the case, for steps whose attempt fits the local limit.
    #[default]
    Local,
    /// On the task queue, like every retry.
    Queued,
}

impl From<FirstAttempt> for lienthong_workflows::FirstAttempt {
    fn from(choice: FirstAttempt) -> Self {
        match choice {
            FirstAttempt::Local => Self::Local,
            FirstAttempt::Queued => Self::Queued,
        }
    }
}
