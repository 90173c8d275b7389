//! Outage windows: the whole simulator goes away for a while, the way an agency system does
//! during maintenance, so callers see "connection refused" rather than an HTTP error.
//!
//! `POST /admin/faults {"operation": "*", "mode": "outage", "duration_ms": N}` asks the
//! simulator's serve loop (in `server.rs`) to close its listening socket, wait `N` ms and bind
//! the same address again. Requests already accepted finish; the register is untouched.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::api_error::ApiError;

/// How long a rebind keeps trying: the port is normally free at once (the listener was ours),
/// but the kernel or another process may hold it a moment.
const REBIND_PATIENCE: Duration = Duration::from_secs(10);
const REBIND_PAUSE: Duration = Duration::from_millis(50);

/// The handle request handlers use to start an outage of their own simulator.
#[derive(Debug, Clone)]
pub(crate) struct OutageSwitch {
    requests: mpsc::UnboundedSender<Duration>,
}

impl OutageSwitch {
    /// The switch, and the receiver the serve loop listens on.
    pub fn new() -> (Self, mpsc::UnboundedReceiver<Duration>) {
        let (requests, received) = mpsc::unbounded_channel();
        (OutageSwitch { requests }, received)
    }

    /// Asks for an outage of `duration`. Returns at once: the request that asked for it is
    /// already accepted and is answered before its connection closes.
    pub fn begin(&self, duration: Duration) -> Result<(), ApiError> {
        self.requests.send(duration).map_err(|_| {
            tracing::error!("outage requested but the serve loop is gone");
            ApiError::internal()
        })
    }
}

/// Binds `addr` again after an outage, retrying for a short while if the port is not free yet.
pub(crate) async fn rebind(addr: SocketAddr) -> io::Result<TcpListener> {
    let deadline = Instant::now() + REBIND_PATIENCE;
    loop {
        match TcpListener::bind(addr).await {
            Ok(listener) => return Ok(listener),
            Err(error) if Instant::now() < deadline => {
                tracing::debug!(%addr, error = %error, "port not free yet; retrying the bind");
                tokio::time::sleep(REBIND_PAUSE).await;
            }
            Err(error) => return Err(error),
        }
    }
}
