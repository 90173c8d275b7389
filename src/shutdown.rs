use tokio::sync::watch;

/// A stop signal shared by every part of a process: Ctrl-C or SIGTERM trips it once, and every
/// part that holds a [`Stop`] sees it.
#[derive(Debug, Clone)]
pub struct Stop(watch::Receiver<bool>);

impl Stop {
    /// Trips on Ctrl-C (SIGINT) or SIGTERM.
    pub fn on_signals() -> Self {
        let (tx, rx) = watch::channel(false);
        tokio::spawn(async move {
            let ctrl_c = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                let mut term =
                    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    {
                        Ok(term) => term,
                        Err(_) => {
                            let _ = ctrl_c.await;
                            let _ = tx.send(true);
                            return;
                        }
                    };
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            #[cfg(not(unix))]
            let _ = ctrl_c.await;
            let _ = tx.send(true);
        });
        Self(rx)
    }

    /// Resolves once the stop signal has been given.
    pub async fn wait(mut self) {
        let _ = self.0.wait_for(|stopped| *stopped).await;
    }
}
