//! A TCP relay in front of the emulator and the fake Graph API that measures how long the
//! function under test waits on them: from the moment a request's first bytes arrive (the
//! relay's own connect upstream included) until the whole answer has come back, over every
//! connection (overlapping waits count once).
//! What remains of init + first invocation is the function's own time.
//!
//! "The whole answer": moto writes an answer's status line and headers, then its body, in two
//! sends some tens of microseconds apart (Python in between), and the function can do nothing
//! with the head without the body. The relay reads the HTTP/1.1 framing (`Content-Length`,
//! chunked, or until the connection closes) to know when an answer is complete. Until
//! 2026-11-29 the wait closed at the answer's first bytes, which counted moto's gap as the
//! function's own time (docs/bench/cold-start.md).
//!
//! "Arrive" and "come back" are the function's moments, not the relay's: a wait opens at the
//! kernel's arrival stamp of the request's first bytes (`SO_TIMESTAMPNS`), however late the
//! relay gets to read them, and closes once the answer's last bytes are written on to the
//! function. Before, the relay's own scheduling delays on both sides counted as the function's.

use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::{TcpListener, TcpStream};

#[derive(Default)]
struct State {
    outstanding: usize,
    since: Option<Instant>,
    /// When the last wait closed: a wait opened by bytes that arrived earlier starts here, so
    /// no stretch of time is counted twice.
    last_end: Option<Instant>,
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

    /// A request whose first bytes reached the relay's socket at `arrived`.
    fn begin(&self, arrived: Instant) {
        let mut state = self.lock();
        state.outstanding += 1;
        state.requests += 1;
        if state.outstanding == 1 {
            let since = match state.last_end {
                Some(end) if end > arrived => end,
                _ => arrived,
            };
            state.since = Some(since);
        }
    }

    fn end(&self) {
        let mut state = self.lock();
        state.outstanding = state.outstanding.saturating_sub(1);
        if state.outstanding == 0
            && let Some(since) = state.since.take()
        {
            let now = Instant::now();
            state.total += now.saturating_duration_since(since);
            state.last_end = Some(now);
        }
    }

    /// Relays `127.0.0.1:<new port>` to `upstream`; returns the new address.
    pub async fn relay(&self, upstream: SocketAddr) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        // Accepted connections inherit the option.
        stamp_arrivals(&listener)?;
        stamps_are_live().await?;
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
                        match receive(&client, &mut probe, libc::MSG_PEEK).await {
                            Ok((n, arrived)) if n > 0 => {
                                meter.begin(arrived);
                                true
                            }
                            _ => false,
                        }
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

/// Copies both ways; a request opens a wait, the end of its answer closes it (or the end of the
/// connection). `waiting`: the first request's wait is already open.
async fn pipe(meter: WaitMeter, client: TcpStream, server: TcpStream, waiting: bool) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let waiting = Arc::new(AtomicBool::new(waiting));
    let (client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upstream = {
        let (meter, waiting) = (meter.clone(), waiting.clone());
        async move {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let (n, arrived) = match receive(client_read.as_ref(), &mut buf, 0).await {
                    Ok((0, _)) | Err(_) => break,
                    Ok(read) => read,
                };
                if !waiting.swap(true, Ordering::SeqCst) {
                    meter.begin(arrived);
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
        let mut answer = Answer::default();
        loop {
            let n = match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            // The wait closes once the answer's last bytes are in the function's socket: the
            // relay's forwarding is the relay's time, not the function's.
            let complete = answer.feed(&buf[..n]);
            let forwarded = client_write.write_all(&buf[..n]).await;
            if complete && waiting.swap(false, Ordering::SeqCst) {
                meter.end();
            }
            if forwarded.is_err() {
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

/// Asks the kernel to stamp every segment `socket` receives with its arrival time
/// (`SO_TIMESTAMPNS`): the relay task may run a fraction of a millisecond after the function's
/// bytes arrived (waking an idle vCPU of this VM), and that delay is the relay's, not the
/// function's.
fn stamp_arrivals(socket: &impl AsRawFd) -> std::io::Result<()> {
    let on: libc::c_int = 1;
    // SAFETY: a valid socket descriptor and an int option of the size given.
    let done = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_TIMESTAMPNS,
            (&raw const on).cast(),
            std::mem::size_of_val(&on) as libc::socklen_t,
        )
    };
    if done == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Returns once the kernel stamps loopback arrivals. It turns stamping on for the whole machine
/// some time after the first socket asks (Linux defers it to a work item), and until then
/// segments arrive unstamped, so [`receive`] would open their wait when the relay reads them:
/// CI once measured 1.4 ms for a request held up 30 ms. The caller keeps a stamping socket
/// open, which keeps stamping on. A kernel that never stamps within five seconds is an error:
/// the meter would be wrong, not merely slower.
async fn stamps_are_live() -> std::io::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        stamp_arrivals(&listener)?;
        let mut sender = TcpStream::connect(listener.local_addr()?).await?;
        sender.write_all(b".").await?;
        let (receiver, _) = listener.accept().await?;
        let mut byte = [0u8; 1];
        let (_, stamp) = receiver
            .async_io(Interest::READABLE, || {
                receive_now(receiver.as_raw_fd(), &mut byte, 0)
            })
            .await?;
        if stamp.is_some() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(std::io::Error::other(
                "the kernel does not stamp loopback arrivals (SO_TIMESTAMPNS)",
            ));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Reads (or, with `MSG_PEEK`, looks at) what `socket` has received, with the arrival time of
/// those bytes when the kernel stamped them (now, otherwise).
async fn receive(
    socket: &TcpStream,
    buf: &mut [u8],
    flags: libc::c_int,
) -> std::io::Result<(usize, Instant)> {
    let (n, arrived) = socket
        .async_io(Interest::READABLE, || {
            receive_now(socket.as_raw_fd(), buf, flags)
        })
        .await?;
    // The stamp is on the real-time clock; its distance from now carries over to `Instant`.
    let ago = arrived
        .and_then(|at| SystemTime::now().duration_since(at).ok())
        .unwrap_or_default();
    let now = Instant::now();
    Ok((n, now.checked_sub(ago).unwrap_or(now)))
}

/// One non-blocking `recvmsg(2)` and the `SCM_TIMESTAMPNS` it carries, if any.
fn receive_now(
    fd: std::os::fd::RawFd,
    buf: &mut [u8],
    flags: libc::c_int,
) -> std::io::Result<(usize, Option<SystemTime>)> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // u64s: control messages need the alignment of their headers.
    let mut control = [0u64; 16];
    // SAFETY: msghdr is plain data; every pointer set below outlives the call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &raw mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control);
    // SAFETY: `msg` describes live buffers of the lengths given.
    let n = unsafe { libc::recvmsg(fd, &raw mut msg, flags | libc::MSG_DONTWAIT) };
    if n < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let mut arrived = None;
    // SAFETY: the control buffer was filled by recvmsg and is walked with the CMSG macros,
    // which stay within `msg_controllen`.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&raw const msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_TIMESTAMPNS
            {
                let ts: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast());
                arrived = u32::try_from(ts.tv_nsec)
                    .ok()
                    .zip(u64::try_from(ts.tv_sec).ok())
                    .map(|(nanos, secs)| UNIX_EPOCH + Duration::new(secs, nanos));
            }
            cmsg = libc::CMSG_NXTHDR(&raw const msg, cmsg);
        }
    }
    Ok((n as usize, arrived))
}

/// How far one HTTP/1.1 answer has come, to tell when it is complete.
#[derive(Default)]
struct Answer {
    /// The status line and headers so far (the head is complete once it parses).
    head: Vec<u8>,
    /// The body still expected, known once the head is complete.
    body: Option<Body>,
}

enum Body {
    Length(usize),
    Chunked(Chunked),
    /// Neither a length nor chunked: the body ends with the connection.
    UntilClose,
}

/// Where a chunked body is: in a chunk-size line, in a chunk's data (its CRLF included), or in
/// the trailer section after the last chunk.
enum Chunked {
    SizeLine(Vec<u8>),
    Data(usize),
    Trailer(Vec<u8>),
}

impl Answer {
    /// Takes the next bytes of the answer; true when they complete it (the state then starts
    /// over for the next answer on the connection). An answer that is not HTTP is complete at
    /// its first bytes.
    fn feed(&mut self, bytes: &[u8]) -> bool {
        if self.body.is_some() {
            return self.feed_body(bytes);
        }
        self.head.extend_from_slice(bytes);
        loop {
            if !self.head.starts_with(&b"HTTP/"[..self.head.len().min(5)]) {
                *self = Self::default();
                return true;
            }
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut response = httparse::Response::new(&mut headers);
            let head_len = match response.parse(&self.head) {
                Ok(httparse::Status::Complete(len)) => len,
                Ok(httparse::Status::Partial) => return false,
                Err(_) => {
                    *self = Self::default();
                    return true;
                }
            };
            let code = response.code.unwrap_or(200);
            let header = |name: &str| {
                response
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case(name))
                    .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
            };
            let body = if (100..200).contains(&code) {
                // An interim answer (100 Continue): the real one follows.
                None
            } else if code == 204 || code == 304 {
                Some(Body::Length(0))
            } else if header("transfer-encoding").is_some_and(|v| v.ends_with("chunked")) {
                Some(Body::Chunked(Chunked::SizeLine(Vec::new())))
            } else if let Some(length) = header("content-length") {
                Some(Body::Length(length.parse().unwrap_or(0)))
            } else {
                Some(Body::UntilClose)
            };
            let rest = self.head.split_off(head_len);
            match body {
                None => self.head = rest,
                Some(body) => {
                    self.head.clear();
                    self.body = Some(body);
                    return self.feed_body(&rest);
                }
            }
        }
    }

    /// Body bytes; true when the body is complete. Bytes after its end (the next answer's, on
    /// a kept-alive connection) are fed to the next answer.
    fn feed_body(&mut self, bytes: &[u8]) -> bool {
        let Some(used) = self.body_end(bytes) else {
            return false;
        };
        *self = Self::default();
        if used < bytes.len() {
            self.feed(&bytes[used..]);
        }
        true
    }

    /// How many of `bytes` complete the body, if they do.
    fn body_end(&mut self, bytes: &[u8]) -> Option<usize> {
        match self.body.as_mut()? {
            Body::UntilClose => None,
            Body::Length(left) => {
                let used = (*left).min(bytes.len());
                *left -= used;
                (*left == 0).then_some(used)
            }
            Body::Chunked(state) => {
                let mut rest = bytes;
                loop {
                    match state {
                        Chunked::SizeLine(line) | Chunked::Trailer(line) => {
                            let Some(end) = rest.iter().position(|&b| b == b'\n') else {
                                line.extend_from_slice(rest);
                                return None;
                            };
                            line.extend_from_slice(&rest[..end]);
                            rest = &rest[end + 1..];
                            let text = String::from_utf8_lossy(line).trim().to_string();
                            *state = match state {
                                Chunked::SizeLine(_) => {
                                    let hex = text.split(';').next().unwrap_or("").trim();
                                    match usize::from_str_radix(hex, 16).unwrap_or(0) {
                                        0 => Chunked::Trailer(Vec::new()),
                                        size => Chunked::Data(size + 2),
                                    }
                                }
                                _ if text.is_empty() => return Some(bytes.len() - rest.len()),
                                _ => Chunked::Trailer(Vec::new()),
                            };
                        }
                        Chunked::Data(left) => {
                            let taken = (*left).min(rest.len());
                            *left -= taken;
                            rest = &rest[taken..];
                            if *left > 0 {
                                return None;
                            }
                            *state = Chunked::SizeLine(Vec::new());
                        }
                    }
                }
            }
        }
    }
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

    /// A server that answers every chunk it reads with an HTTP answer written the way moto
    /// writes it: the head, then after `gap` the body.
    async fn two_part_http_server(gap: Duration) -> SocketAddr {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                socket.set_nodelay(true).unwrap();
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = socket.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
                        if socket.write_all(head).await.is_err() {
                            break;
                        }
                        tokio::time::sleep(gap).await;
                        if socket.write_all(b"ok").await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        addr
    }

    #[tokio::test]
    async fn the_wait_lasts_until_the_whole_answer_is_in() {
        let gap = Duration::from_millis(3);
        let server = two_part_http_server(gap).await;
        let meter = WaitMeter::default();
        let relay = meter.relay(server).await.unwrap();
        let n = 5;
        for reconnect in [false, true] {
            meter.reset();
            let mut socket = TcpStream::connect(relay).await.unwrap();
            let head_and_body = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".len();
            for i in 0..n {
                if reconnect && i > 0 {
                    socket = TcpStream::connect(relay).await.unwrap();
                }
                socket.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
                let mut answer = vec![0u8; head_and_body];
                socket.read_exact(&mut answer).await.unwrap();
                assert!(answer.ends_with(b"ok"));
            }
            let (wait, requests) = meter.read();
            assert_eq!(requests, n);
            // Each wait spans the gap between the head and the body, which the function
            // spends waiting for the body.
            assert!(wait >= gap * n, "{wait:?} < {:?}", gap * n);
        }
    }

    /// Feeds `answer` to a fresh `Answer` in pieces of `piece` bytes; the byte counts at which
    /// it reported an answer complete.
    fn completions(answer: &[u8], piece: usize) -> Vec<usize> {
        let mut state = Answer::default();
        let mut done = Vec::new();
        let mut fed = 0;
        for part in answer.chunks(piece) {
            fed += part.len();
            if state.feed(part) {
                done.push(fed);
            }
        }
        done
    }

    /// The relay shares the machine's two vCPUs with moto and the function: it may read the
    /// function's request some time after the request arrived. That delay is the relay's, so the wait opens at the
    /// arrival (the kernel's stamp), not when the relay got to it.
    #[test]
    fn a_relay_that_reads_late_does_not_count_its_delay_against_the_function() {
        use std::io::{Read, Write};
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // Runs on the same runtime as the relay, so it is held up too: its time is waiting
        // either way.
        let upstream = runtime.block_on(answering_server(Duration::ZERO));
        let meter = WaitMeter::default();
        let relay = runtime.block_on(meter.relay(upstream)).unwrap();
        let (sent, request_sent) = std::sync::mpsc::channel();
        let function = std::thread::spawn(move || {
            // The kernel completes the connection before the relay accepts it.
            let mut socket = std::net::TcpStream::connect(relay).unwrap();
            socket.write_all(b"ping").unwrap();
            sent.send(()).unwrap();
            let mut answer = [0u8; 2];
            socket.read_exact(&mut answer).unwrap();
        });
        // The relay's tasks run only inside `block_on`: hold them up after the request is sent.
        request_sent.recv().unwrap();
        let held_up = Duration::from_millis(30);
        std::thread::sleep(held_up);
        runtime.block_on(async {
            tokio::task::spawn_blocking(move || function.join().unwrap())
                .await
                .unwrap();
        });
        let (wait, requests) = meter.read();
        assert_eq!(requests, 1);
        assert!(wait >= held_up, "{wait:?} < {held_up:?}");
    }

    #[test]
    fn answers_end_where_their_framing_says() {
        let length = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
            5\r\nhello\r\n1;ext=1\r\n!\r\n0\r\nTrailer: x\r\n\r\n";
        let interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
        for piece in [1, 3, 7, 1000] {
            assert_eq!(completions(length, piece), [length.len()], "piece {piece}");
            assert_eq!(
                completions(chunked, piece),
                [chunked.len()],
                "piece {piece}"
            );
            assert_eq!(
                completions(interim, piece),
                [interim.len()],
                "piece {piece}"
            );
            // Two answers on a kept-alive connection: each completes.
            let two = [&length[..], &length[..]].concat();
            assert_eq!(completions(&two, 5), [45, 86]);
            assert_eq!(completions(&two, 1), [43, 86]);
        }
        // Without a length the body runs to the end of the connection: never complete here.
        assert!(completions(b"HTTP/1.0 200 OK\r\n\r\nbody", 4).is_empty());
        // Not HTTP: complete at the first bytes, as before.
        assert_eq!(completions(b"ok", 2), [2]);
    }
}
