//! Measuring a real server's idle keepalive timeout on 127.0.0.1: start
//! it, send one request on a fresh connection, and time how long the server
//! keeps the connection open afterwards.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// A server process, killed (with its process group) when dropped.
pub struct Server {
    child: Child,
}

impl Server {
    /// Start `command` in its own process group and wait (at most
    /// `startup`) until `port` accepts connections.
    pub fn start(mut command: Command, port: u16, startup: Duration) -> Result<Server, String> {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {command:?}: {e}"))?;
        let mut server = Server { child };
        let deadline = Instant::now() + startup;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("{command:?} exited at start: {status}"));
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(server);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "{command:?} did not listen on 127.0.0.1:{port} within {startup:?}"
        ))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group this struct started.
        unsafe {
            libc::kill(-(self.child.id() as i32), libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// What happened to a keepalive connection after one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closed {
    /// The response said `Connection: close` (or was HTTP/1.0 without
    /// keep-alive) and the server closed right away.
    Announced,
    /// The server closed the idle connection after this long.
    After(Duration),
    /// Still open after the limit.
    NotWithin(Duration),
}

/// Send `GET /` on a fresh connection to 127.0.0.1:`port`, read the whole
/// response, then wait (at most `limit`) for the server to close the idle
/// connection; the time counts from the end of the response.
pub fn idle_close(port: u16, limit: Duration) -> Result<Closed, String> {
    let mut stream =
        TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ngxfix-test\r\n\r\n")
        .map_err(|e| format!("send: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let (head, body_len, mut extra) = read_head(&mut stream)?;
    let lower = head.to_ascii_lowercase();
    let announced = lower.contains("\r\nconnection: close")
        || (lower.starts_with("http/1.0") && !lower.contains("\r\nconnection: keep-alive"));
    // The rest of the body.
    let mut buf = [0u8; 4096];
    while extra < body_len {
        let n = stream.read(&mut buf).map_err(|e| format!("body: {e}"))?;
        if n == 0 {
            return Err("closed before the body ended".into());
        }
        extra += n;
    }
    let Some(after) = wait_for_close(&mut stream, limit)? else {
        let _ = stream.shutdown(Shutdown::Both);
        return Ok(Closed::NotWithin(limit));
    };
    Ok(if announced && after < Duration::from_millis(500) {
        Closed::Announced
    } else {
        Closed::After(after)
    })
}

/// Wait, at most `limit` from now, for the server to close `stream`, which
/// must stay silent meanwhile: how long it took (a reset counts), or
/// `None` when it is still open.
pub fn wait_for_close(stream: &mut TcpStream, limit: Duration) -> Result<Option<Duration>, String> {
    let done = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .map_err(|e| e.to_string())?;
    let mut buf = [0u8; 64];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => return Err("unexpected data on an idle connection".into()),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                if done.elapsed() >= limit {
                    return Ok(None);
                }
            }
            // A reset is a close too.
            Err(_) => break,
        }
    }
    Ok(Some(done.elapsed()))
}

/// [`idle_close`], measured once more on a fresh connection when the
/// first result does not satisfy `agrees`: a timer that fires late on a
/// loaded two-core machine is noise, a misread setting fails both times.
/// Returns the first agreeing result, else the second.
pub fn idle_close_twice(
    port: u16,
    limit: Duration,
    agrees: impl Fn(&Closed) -> bool,
) -> Result<Closed, String> {
    let first = idle_close(port, limit)?;
    if agrees(&first) {
        return Ok(first);
    }
    eprintln!("127.0.0.1:{port}: measured {first:?}, measuring once more");
    idle_close(port, limit)
}

/// The response head, its Content-Length, and how many body bytes came
/// with the head.
fn read_head(stream: &mut TcpStream) -> Result<(String, usize, usize), String> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream
            .read(&mut buf)
            .map_err(|e| format!("response: {e}"))?;
        if n == 0 {
            return Err(format!(
                "closed before the response head ended: {:?}",
                String::from_utf8_lossy(&data)
            ));
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end + 2]).into_owned();
            let length = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.trim()
                        .eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .ok_or_else(|| format!("no Content-Length in {head:?}"))?;
            return Ok((head, length, data.len() - end - 4));
        }
        if data.len() > 64 * 1024 {
            return Err("response head over 64 KiB".into());
        }
    }
}
