//! A TCP proxy on 127.0.0.1 that puts network latency between nginx and a
//! backend, so that the stale keepalive race can be reproduced on one
//! machine.
//!
//! On loopback nginx sees a backend's FIN within microseconds of the close,
//! and its keepalive module drops the cached connection before any request
//! can pick it. Between two hosts the FIN takes a one-way delay to arrive,
//! and a request sent in that window reaches a socket the backend has
//! closed, whose kernel answers with a reset. This proxy reproduces exactly
//! that: every chunk, in either direction, is forwarded `delay` after it
//! arrived (a timestamped queue, so chunks are not serialised behind each
//! other's sleeps); the backend's FIN is forwarded after the delay too; and
//! data from nginx that would reach the backend after it closed makes the
//! proxy reset the nginx side (SO_LINGER 0, then close), `delay` later, as
//! the backend's kernel would.
//!
//! One thread per proxied connection polls both sockets; it ends when the
//! connection ends, or within [`POLL_LIMIT`] of the proxy being dropped.

use std::collections::VecDeque;
use std::io::{ErrorKind, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The longest a proxy thread sleeps before it looks at the stop flag.
pub const POLL_LIMIT: Duration = Duration::from_millis(50);

/// Sockets get this write timeout, so a peer that stops reading cannot
/// hang a proxy thread.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// What nginx learns when the backend closes an idle connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendClose {
    /// The FIN reaches nginx `delay` later, as over a network path.
    Forward,
    /// Nothing reaches nginx, as when a NAT or firewall between them has
    /// dropped the idle flow: nginx keeps the connection cached and finds
    /// out only when its next request on it is reset.
    Hide,
}

/// What the proxy did, for the test output.
#[derive(Debug, Default)]
pub struct Stats {
    /// Connections nginx opened through the proxy.
    pub connections: AtomicUsize,
    /// Resets sent to nginx because its data met a closed backend socket.
    pub resets: AtomicUsize,
}

/// A running proxy from a port on 127.0.0.1 to a backend port on
/// 127.0.0.1; stopped (every thread joined) when dropped.
pub struct DelayProxy {
    port: u16,
    stop: Arc<AtomicBool>,
    stats: Arc<Stats>,
    acceptor: Option<JoinHandle<()>>,
}

impl DelayProxy {
    /// Listen on a free port of 127.0.0.1 and relay every accepted
    /// connection to 127.0.0.1:`backend`, `delay` each way.
    pub fn start(backend: u16, delay: Duration, close: BackendClose) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Stats::default());
        let acceptor = {
            let (stop, stats) = (stop.clone(), stats.clone());
            std::thread::spawn(move || accept_loop(listener, backend, delay, close, &stop, &stats))
        };
        Ok(Self {
            port,
            stop,
            stats,
            acceptor: Some(acceptor),
        })
    }

    /// The port nginx should connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.stats.connections.load(Ordering::Relaxed)
    }

    /// Resets sent to nginx so far.
    pub fn resets(&self) -> usize {
        self.stats.resets.load(Ordering::Relaxed)
    }
}

impl Drop for DelayProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept_loop(
    listener: TcpListener,
    backend: u16,
    delay: Duration,
    close: BackendClose,
    stop: &Arc<AtomicBool>,
    stats: &Arc<Stats>,
) {
    let mut relays: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        if !wait_readable(&[listener.as_raw_fd()], POLL_LIMIT) {
            continue;
        }
        let down = match listener.accept() {
            Ok((down, _)) => down,
            Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
            Err(_) => break,
        };
        let Ok(up) = TcpStream::connect_timeout(
            &std::net::SocketAddr::from(([127, 0, 0, 1], backend)),
            Duration::from_secs(2),
        ) else {
            // The backend is down: nginx sees the connection refused.
            reset(down);
            continue;
        };
        stats.connections.fetch_add(1, Ordering::Relaxed);
        let (stop, stats) = (stop.clone(), stats.clone());
        relays.retain(|relay| !relay.is_finished());
        relays.push(std::thread::spawn(move || {
            if let Ok(relay) = Relay::new(down, up, delay, close) {
                relay.run(&stop, &stats);
            }
        }));
    }
    for relay in relays {
        let _ = relay.join();
    }
}

/// What travels through a direction's queue.
enum Item {
    Data(Vec<u8>),
    Fin,
    Reset,
}

/// Items waiting for their time, oldest first.
type Queue = VecDeque<(Instant, Item)>;

/// One proxied connection: `down` is nginx's side, `up` the backend's.
struct Relay {
    down: Option<TcpStream>,
    up: TcpStream,
    delay: Duration,
    close: BackendClose,
    /// nginx's bytes and FIN on their way to the backend.
    to_up: Queue,
    /// The backend's bytes, FIN or reset on their way to nginx.
    to_down: Queue,
    /// Still reading from nginx / from the backend.
    reading_down: bool,
    reading_up: bool,
    /// The backend closed its socket: nginx's data would meet a reset.
    backend_closed: bool,
}

impl Relay {
    fn new(
        down: TcpStream,
        up: TcpStream,
        delay: Duration,
        close: BackendClose,
    ) -> std::io::Result<Self> {
        for stream in [&down, &up] {
            // Each chunk leaves as soon as it is due, never held back by Nagle.
            stream.set_nodelay(true)?;
            stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
        }
        Ok(Self {
            down: Some(down),
            up,
            delay,
            close,
            to_up: Queue::new(),
            to_down: Queue::new(),
            reading_down: true,
            reading_up: true,
            backend_closed: false,
        })
    }

    fn run(mut self, stop: &AtomicBool, stats: &Stats) {
        let mut buf = vec![0u8; 64 * 1024];
        while !stop.load(Ordering::Relaxed) {
            let Some(down) = self.down.as_ref() else {
                return;
            };
            let now = Instant::now();
            let next_due = [self.to_up.front(), self.to_down.front()]
                .into_iter()
                .flatten()
                .map(|(due, _)| due.saturating_duration_since(now))
                .min()
                .unwrap_or(POLL_LIMIT)
                .min(POLL_LIMIT);
            let mut fds = Vec::new();
            if self.reading_down {
                fds.push(down.as_raw_fd());
            }
            if self.reading_up {
                fds.push(self.up.as_raw_fd());
            }
            wait_readable(&fds, next_due);
            if self.reading_down && self.read_down(&mut buf).is_err() {
                // nginx reset the connection: nothing more to relay.
                return;
            }
            if self.reading_up {
                self.read_up(&mut buf);
            }
            self.deliver_up();
            if !self.deliver_down(stats) {
                return;
            }
            if !self.reading_down && self.to_up.is_empty() && self.to_down.is_empty() {
                // nginx closed its side (or is reset) and everything due
                // has been delivered.
                return;
            }
        }
    }

    /// Queue what nginx sent, if anything is waiting.
    fn read_down(&mut self, buf: &mut [u8]) -> Result<(), ()> {
        let Some(down) = self.down.as_ref() else {
            return Ok(());
        };
        match read_ready(down, buf) {
            Ready::Nothing => Ok(()),
            Ready::Data(n) => {
                let due = Instant::now() + self.delay;
                self.to_up.push_back((due, Item::Data(buf[..n].to_vec())));
                Ok(())
            }
            Ready::Eof => {
                self.reading_down = false;
                self.to_up
                    .push_back((Instant::now() + self.delay, Item::Fin));
                Ok(())
            }
            Ready::Failed => Err(()),
        }
    }

    /// Queue what the backend sent, if anything is waiting.
    fn read_up(&mut self, buf: &mut [u8]) {
        let due = Instant::now() + self.delay;
        match read_ready(&self.up, buf) {
            Ready::Nothing => {}
            Ready::Data(n) => self.to_down.push_back((due, Item::Data(buf[..n].to_vec()))),
            Ready::Eof => {
                self.reading_up = false;
                self.backend_closed = true;
                if self.close == BackendClose::Forward {
                    self.to_down.push_back((due, Item::Fin));
                }
            }
            Ready::Failed => {
                self.reading_up = false;
                self.backend_closed = true;
                self.to_down.push_back((due, Item::Reset));
            }
        }
    }

    /// Send nginx's due items to the backend. Data that arrives after the
    /// backend closed is answered with a reset, which travels back to nginx
    /// with the delay like everything else.
    fn deliver_up(&mut self) {
        let now = Instant::now();
        while self.to_up.front().is_some_and(|(due, _)| *due <= now) {
            let Some((_, item)) = self.to_up.pop_front() else {
                break;
            };
            match item {
                Item::Data(data) => {
                    if self.backend_closed || self.up.write_all(&data).is_err() {
                        self.backend_closed = true;
                        self.reading_down = false;
                        self.to_up.clear();
                        self.to_down.push_back((now + self.delay, Item::Reset));
                    }
                }
                Item::Fin => {
                    let _ = self.up.shutdown(Shutdown::Write);
                }
                Item::Reset => {}
            }
        }
    }

    /// Send the backend's due items to nginx; false once nginx's side is
    /// reset or cannot be written.
    fn deliver_down(&mut self, stats: &Stats) -> bool {
        let now = Instant::now();
        while self.to_down.front().is_some_and(|(due, _)| *due <= now) {
            let Some((_, item)) = self.to_down.pop_front() else {
                break;
            };
            let Some(down) = self.down.as_mut() else {
                return false;
            };
            match item {
                Item::Data(data) => {
                    if down.write_all(&data).is_err() {
                        return false;
                    }
                }
                Item::Fin => {
                    let _ = down.shutdown(Shutdown::Write);
                }
                Item::Reset => {
                    if let Some(down) = self.down.take() {
                        reset(down);
                        stats.resets.fetch_add(1, Ordering::Relaxed);
                    }
                    return false;
                }
            }
        }
        true
    }
}

/// The outcome of reading a socket that poll may have marked readable.
enum Ready {
    Nothing,
    Data(usize),
    Eof,
    Failed,
}

fn read_ready(stream: &TcpStream, buf: &mut [u8]) -> Ready {
    // MSG_DONTWAIT: poll said that one of the sockets is ready, not
    // necessarily this one.
    // SAFETY: recv(2) into `buf`, at most its length.
    let n = unsafe {
        libc::recv(
            stream.as_raw_fd(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            libc::MSG_DONTWAIT,
        )
    };
    match n {
        0 => Ready::Eof,
        n if n > 0 => Ready::Data(n as usize),
        _ => match std::io::Error::last_os_error().kind() {
            ErrorKind::WouldBlock | ErrorKind::Interrupted => Ready::Nothing,
            _ => Ready::Failed,
        },
    }
}

/// Wait at most `limit` until one of `fds` is readable (or closed);
/// whether one is.
fn wait_readable(fds: &[i32], limit: Duration) -> bool {
    let mut polls: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // Round up, so that an item due in 0.3 ms is not polled for in a busy loop.
    let millis = limit.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
    if polls.is_empty() {
        std::thread::sleep(limit);
        return false;
    }
    // SAFETY: `polls` is a valid array of `polls.len()` pollfd structs.
    let ready = unsafe { libc::poll(polls.as_mut_ptr(), polls.len() as libc::nfds_t, millis) };
    ready > 0
}

/// Close `stream` with a reset instead of a FIN (SO_LINGER with a zero
/// timeout), as a kernel answers data for a socket that no longer exists.
fn reset(stream: TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: setsockopt on a socket this function owns, with a pointer to
    // a linger struct and its size.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
    drop(stream);
}
