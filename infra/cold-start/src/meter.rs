//! A TCP relay in front of the emulator and the fake Graph API that measures how long the
//! function under test waits on them: from the moment a request's first bytes arrive (the
//! relay's own connect upstream included) until the first bytes of the answer come back, over
//! every connection (overlapping waits count once).
//! What remains of init + first invocation is the function's own time.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Default)]
struct State {
    outstanding: usize,
    since: Option<Instant>,
    total: Duration,
    requests: u32,
}

/// Time spent waiting on dependencies since the last [`WaitMeter::reset`].
#[derive(Clone, Default)]
pub struct WaitMeter {
    state: Arc<Mutex<State>>,
}

impl WaitMeter {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn reset(&self) {
        *self.lock() = State::default();
    }

    /// Total waiting time and number of requests so far.
    pub fn read(&self) -> (Duration, u32) {
        let state = self.lock();
        let open = match (state.outstanding, state.since) {
            (n, Some(since)) if n > 0 => since.elapsed(),
            _ => Duration::ZERO,
        };
        (state.total + open, state.requests)
    }

    fn begin(&self) {
        let mut state = self.lock();
        state.outstanding += 1;
        state.requests += 1;
        if state.outstanding == 1 {
            state.since = Some(Instant::now());
        }
    }

    fn end(&self) {
        let mut state = self.lock();
        state.outstanding = state.outstanding.saturating_sub(1);
        if state.outstanding == 0
            && let Some(since) = state.since.take()
        {
            state.total += since.elapsed();
        }
    }

    /// Relays `127.0.0.1:<new port>` to `upstream`; returns the new address.
    pub async fn relay(&self, upstream: SocketAddr) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let meter = self.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let meter = meter.clone();
                tokio::spawn(async move {
                    // The wait opens when the request's first bytes arrive, while the relay
                    // is still connecting upstream: that connect is the relay's cost, not the
                    // function's (which, direct, would only have made its own connect). moto
                    // closes every connection, so this happens for every request.
                    let sent = async {
                        let mut probe = [0u8; 1];
                        let sent = matches!(client.peek(&mut probe).await, Ok(n) if n > 0);
                        if sent {
                            meter.begin();
                        }
                        sent
                    };
                    let (sent, server) = tokio::join!(sent, TcpStream::connect(upstream));
                    match server {
                        Ok(server) => pipe(meter, client, server, sent).await,
                        Err(_) if sent => meter.end(),
                        Err(_) => {}
                    }
                });
            }
        });
        Ok(addr)
    }
}

/// Copies both ways; a request opens a wait, the first bytes of its answer close it. `waiting`:
/// the first request's wait is already open.
async fn pipe(meter: WaitMeter, client: TcpStream, server: TcpStream, waiting: bool) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let waiting = Arc::new(AtomicBool::new(waiting));
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upstream = {
        let (meter, waiting) = (meter.clone(), waiting.clone());
        async move {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match client_read.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                if !waiting.swap(true, Ordering::SeqCst) {
                    meter.begin();
                }
                if server_write.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
            let _ = server_write.shutdown().await;
        }
    };
    let downstream = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if waiting.swap(false, Ordering::SeqCst) {
                meter.end();
            }
            if client_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        if waiting.swap(false, Ordering::SeqCst) {
            meter.end();
        }
        let _ = client_write.shutdown().await;
    };
    tokio::join!(upstream, downstream);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that answers every chunk it reads with `ok`, after `delay`.
    async fn answering_server(delay: Duration) -> SocketAddr {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = socket.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        tokio::time::sleep(delay).await;
                        if socket.write_all(b"ok").await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        addr
    }

    /// `n` requests, each on a new connection when `reconnect` (moto closes every connection).
    async fn round_trips(addr: SocketAddr, n: u32, reconnect: bool) -> Duration {
        let connect = || async {
            let socket = TcpStream::connect(addr).await.unwrap();
            socket.set_nodelay(true).unwrap();
            socket
        };
        let mut socket = connect().await;
        let started = Instant::now();
        let mut buf = [0u8; 2];
        for i in 0..n {
            if reconnect && i > 0 {
                socket = connect().await;
            }
            socket.write_all(b"ping").await.unwrap();
            socket.read_exact(&mut buf).await.unwrap();
        }
        started.elapsed()
    }

    #[tokio::test]
    async fn waits_are_counted_once_per_request_and_the_relay_costs_little() {
        let server = answering_server(Duration::from_millis(2)).await;
        let meter = WaitMeter::default();
        let relay = meter.relay(server).await.unwrap();
        let n = 20;
        for reconnect in [false, true] {
            let direct = round_trips(server, n, reconnect).await;
            meter.reset();
            let relayed = round_trips(relay, n, reconnect).await;
            let (wait, requests) = meter.read();
            assert_eq!(requests, n);
            // Every request waited at least the server's 2 ms, and the wait is within the total.
            assert!(wait >= Duration::from_millis(2) * n, "{wait:?}");
            assert!(wait <= relayed, "{wait:?} > {relayed:?}");
            let overhead = relayed.saturating_sub(direct) / n;
            let unmeasured = relayed.saturating_sub(wait) / n;
            println!(
                "new connection per request: {reconnect}; per request: relay overhead \
                 {overhead:?}, time outside the measured wait {unmeasured:?}"
            );
        }
    }
}
