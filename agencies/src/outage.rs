//! Outage windows: the agency's system goes away for a while, the way it does during
//! maintenance, so callers get no HTTP answer at all rather than an HTTP error.
//!
//! `POST /admin/faults {"operation": "*", "mode": "outage", "duration_ms": N}` asks the
//! simulator's serve loop (in `server.rs`) to close every connection it holds and, for `N` ms,
//! to cut each new one the moment it shows what it asks for (operations, `/acts`, `/health`).
//! Only the simulator's own `/admin` requests still get through, so whoever injected the
//! outage can look at it and end it early (`DELETE /admin/faults`). The register is untouched.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::api_error::ApiError;

/// The pause after a failed accept (too many open files, say) before the next.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// How long a new connection has to show its request line during an outage.
const REQUEST_LINE_PATIENCE: Duration = Duration::from_secs(2);

/// What the serve loop is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutageRequest {
    /// An outage of this long, from now.
    Begin(Duration),
    /// The outage (if one is on) ends now.
    End,
}

/// The handle request handlers use to start and end an outage of their own simulator.
#[derive(Debug, Clone)]
pub(crate) struct OutageSwitch {
    requests: mpsc::UnboundedSender<OutageRequest>,
}

impl OutageSwitch {
    /// The switch, and the receiver the serve loop listens on.
    pub fn new() -> (Self, mpsc::UnboundedReceiver<OutageRequest>) {
        let (requests, received) = mpsc::unbounded_channel();
        (OutageSwitch { requests }, received)
    }

    /// Asks for an outage of `duration`. Returns at once: the request that asked for it is
    /// already accepted and is answered before its connection closes.
    pub fn begin(&self, duration: Duration) -> Result<(), ApiError> {
        self.send(OutageRequest::Begin(duration))
    }

    /// Ends an outage early; nothing when none is on.
    pub fn end(&self) -> Result<(), ApiError> {
        self.send(OutageRequest::End)
    }

    fn send(&self, request: OutageRequest) -> Result<(), ApiError> {
        self.requests.send(request).map_err(|_| {
            tracing::error!("outage requested but the serve loop is gone");
            ApiError::internal()
        })
    }
}

/// A simulator's listening socket, held for its whole life: every connection comes through
/// here, and while the simulator is down only those whose first request is for `/admin` are
/// handed on; every other one is cut (a reset, no HTTP answer). The socket is never closed
/// for an outage, so there is no moment when `/admin` itself is refused.
pub(crate) struct Gate {
    admitted: Arc<Mutex<mpsc::Receiver<(TcpStream, SocketAddr)>>>,
    down: Arc<AtomicBool>,
    addr: SocketAddr,
    sorter: JoinHandle<()>,
}

impl Gate {
    pub fn new(listener: TcpListener) -> io::Result<Self> {
        let addr = listener.local_addr()?;
        let (admit, admitted) = mpsc::channel(64);
        let down = Arc::new(AtomicBool::new(false));
        let sorting = Arc::clone(&down);
        let sorter = tokio::spawn(async move {
            loop {
                let (stream, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        tracing::debug!(%error, "accept failed; trying again");
                        tokio::time::sleep(ACCEPT_PAUSE).await;
                        continue;
                    }
                };
                if !sorting.load(Ordering::Acquire) {
                    if admit.send((stream, peer)).await.is_err() {
                        return;
                    }
                    continue;
                }
                let admit = admit.clone();
                // Each connection is sorted on its own: one that sends nothing holds up no other.
                tokio::spawn(async move {
                    if asks_for_admin(&stream).await {
                        let _ = admit.send((stream, peer)).await;
                    } else {
                        cut(stream);
                    }
                });
            }
        });
        Ok(Self {
            admitted: Arc::new(Mutex::new(admitted)),
            down,
            addr,
            sorter,
        })
    }

    /// From now on, only `/admin` gets through (`true`), or everything again (`false`).
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::Release);
    }

    /// The listener one round of serving takes (rounds follow one another).
    pub fn round(&self) -> GateRound {
        GateRound {
            admitted: Arc::clone(&self.admitted),
            addr: self.addr,
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.sorter.abort();
    }
}

/// What `axum::serve` listens on for one round.
pub(crate) struct GateRound {
    admitted: Arc<Mutex<mpsc::Receiver<(TcpStream, SocketAddr)>>>,
    addr: SocketAddr,
}

impl axum::serve::Listener for GateRound {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.admitted.lock().await.recv().await {
            Some(admitted) => admitted,
            // The gate is gone only when the simulator stops.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

/// Whether the connection's first request line asks for `/admin…`, read without taking it off
/// the connection.
async fn asks_for_admin(stream: &TcpStream) -> bool {
    let deadline = Instant::now() + REQUEST_LINE_PATIENCE;
    let mut buffer = [0u8; 32];
    loop {
        let Ok(Ok(seen)) = tokio::time::timeout_at(deadline, stream.peek(&mut buffer)).await else {
            return false;
        };
        if seen == 0 {
            return false;
        }
        let line = &buffer[..seen];
        if let Some(verdict) = request_line_verdict(line) {
            return verdict;
        }
        if seen == buffer.len() {
            return false;
        }
        // Only part of the line so far: let more arrive.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// `Some(true)` for a request line to `/admin`, `Some(false)` for any other, `None` while the
/// path is not complete yet.
fn request_line_verdict(line: &[u8]) -> Option<bool> {
    let space = line.iter().position(|b| *b == b' ')?;
    let target = &line[space + 1..];
    const ADMIN: &[u8] = b"/admin/";
    if target.len() < ADMIN.len() {
        return if ADMIN.starts_with(target) {
            None
        } else {
            Some(false)
        };
    }
    Some(target.starts_with(ADMIN))
}

/// Closes with a reset, so the caller sees its connection cut rather than an answer.
// A zero linger never blocks the thread (the warning's case is a positive one): the kernel
// resets the connection at once.
#[allow(deprecated)]
fn cut(stream: TcpStream) {
    let _ = stream.set_linger(Some(Duration::ZERO));
    drop(stream);
}

#[cfg(test)]
mod tests {
    use super::request_line_verdict;

    #[test]
    fn only_a_request_for_admin_gets_through_and_a_partial_line_waits() {
        assert_eq!(
            request_line_verdict(b"DELETE /admin/faults HTTP/1.1"),
            Some(true)
        );
        assert_eq!(request_line_verdict(b"GET /admin/faults"), Some(true));
        assert_eq!(
            request_line_verdict(b"POST /operations/register-birth"),
            Some(false)
        );
        assert_eq!(request_line_verdict(b"GET /health HTTP/1.1"), Some(false));
        assert_eq!(request_line_verdict(b"GET /acts/KS-1%2Fbirth"), Some(false));
        assert_eq!(request_line_verdict(b"GET /adm"), None);
        assert_eq!(request_line_verdict(b"GE"), None);
        assert_eq!(request_line_verdict(b"GET /administrator"), Some(false));
    }
}
