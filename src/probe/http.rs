//! The HTTP/1.1 a probe speaks: one bodiless request, and the whole
//! response read by its framing (Content-Length, chunked, or until the
//! server closes), so the connection is idle, with nothing unread, when
//! the wait for its close starts.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use super::stream::Stream;
use super::ProbeError;

/// The most bytes of a response head.
const MAX_HEAD: usize = 64 * 1024;
/// The most bytes of a response body read (and discarded).
const MAX_BODY: u64 = 64 << 20;

/// What a probe learns from one response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// `HTTP/1.1`, `HTTP/1.0`.
    pub version: String,
    /// `Keep-Alive:` as sent (`timeout=5, max=100`).
    pub keep_alive: Option<String>,
    /// The response says the connection closes after it: `Connection:
    /// close`, or HTTP/1.0 without `Connection: keep-alive`.
    pub announces_close: bool,
    /// The body ran until the server closed the connection.
    pub closed_by_body: bool,
}

/// A connection with what has been read from it and not yet used.
pub struct Conn {
    stream: Stream,
    buf: Vec<u8>,
}

impl Conn {
    pub fn new(stream: Stream) -> Conn {
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    /// Send one request.
    pub fn send(&mut self, method: &str, path: &str, host: &str) -> Result<(), ProbeError> {
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: ngxfix-probe/{}\r\nAccept: */*\r\n\r\n",
            env!("CARGO_PKG_VERSION")
        );
        self.stream
            .write_all(request.as_bytes())
            .and_then(|()| self.stream.flush())
            .map_err(ProbeError::Send)
    }

    /// Read more into the buffer, before `deadline`; `Ok(0)` when the
    /// server closed.
    fn fill(&mut self, deadline: Instant) -> Result<usize, ProbeError> {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if is_timeout(&e) => {
                    if Instant::now() >= deadline {
                        return Err(ProbeError::Timeout("the response"));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if closed(&e) => return Ok(0),
                Err(e) => return Err(ProbeError::Receive(e)),
            }
        }
    }

    /// Read one whole response to `method`, within `timeout`.
    pub fn response(&mut self, method: &str, timeout: Duration) -> Result<Response, ProbeError> {
        let deadline = Instant::now() + timeout;
        loop {
            let head = self.head(deadline)?;
            let response = parse_head(&head)?;
            // An interim response (100 Continue, 103 Early Hints) is followed
            // by the real one.
            if (100..200).contains(&response.0.status) && response.0.status != 101 {
                continue;
            }
            let (mut response, framing) = response;
            let no_body = method == "HEAD"
                || response.status == 204
                || response.status == 304
                || response.status == 101;
            match framing {
                _ if no_body => {}
                Framing::Length(n) => self.skip(n, deadline)?,
                Framing::Chunked => self.chunked(deadline)?,
                Framing::UntilClose => {
                    self.until_close(deadline)?;
                    response.closed_by_body = true;
                }
            }
            return Ok(response);
        }
    }

    /// The bytes up to the blank line that ends a head.
    fn head(&mut self, deadline: Instant) -> Result<Vec<u8>, ProbeError> {
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head: Vec<u8> = self.buf.drain(..end + 4).collect();
                return Ok(head);
            }
            if self.buf.len() > MAX_HEAD {
                return Err(ProbeError::NotHttp(
                    "a response head of more than 64 KiB".into(),
                ));
            }
            if self.fill(deadline)? == 0 {
                return Err(if self.buf.is_empty() {
                    ProbeError::Closed
                } else {
                    ProbeError::NotHttp(format!(
                        "the connection closed inside a response head: {:?}",
                        String::from_utf8_lossy(&self.buf[..self.buf.len().min(80)])
                    ))
                });
            }
        }
    }

    /// Read past `n` body bytes.
    fn skip(&mut self, n: u64, deadline: Instant) -> Result<(), ProbeError> {
        if n > MAX_BODY {
            return Err(ProbeError::NotHttp(format!(
                "a body of {n} bytes: more than a probe reads"
            )));
        }
        let mut left = n as usize;
        loop {
            let take = left.min(self.buf.len());
            self.buf.drain(..take);
            left -= take;
            if left == 0 {
                return Ok(());
            }
            if self.fill(deadline)? == 0 {
                return Err(ProbeError::NotHttp(
                    "the connection closed inside the body".into(),
                ));
            }
        }
    }

    /// Read past a chunked body and its trailers.
    fn chunked(&mut self, deadline: Instant) -> Result<(), ProbeError> {
        let mut total: u64 = 0;
        loop {
            let line = self.line(deadline)?;
            let size = line.split(';').next().unwrap_or("").trim();
            let size = u64::from_str_radix(size, 16)
                .map_err(|_| ProbeError::NotHttp(format!("a chunk size of {size:?}")))?;
            total = total.saturating_add(size);
            if total > MAX_BODY {
                return Err(ProbeError::NotHttp(
                    "a chunked body larger than a probe reads".into(),
                ));
            }
            if size == 0 {
                // Trailers, up to an empty line.
                while !self.line(deadline)?.is_empty() {}
                return Ok(());
            }
            self.skip(size, deadline)?;
            if !self.line(deadline)?.is_empty() {
                return Err(ProbeError::NotHttp("a chunk without its CRLF".into()));
            }
        }
    }

    /// One CRLF-ended line, without its CRLF.
    fn line(&mut self, deadline: Instant) -> Result<String, ProbeError> {
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..end + 2).collect();
                return Ok(String::from_utf8_lossy(&line[..end]).into_owned());
            }
            if self.buf.len() > MAX_HEAD {
                return Err(ProbeError::NotHttp(
                    "a chunk line of more than 64 KiB".into(),
                ));
            }
            if self.fill(deadline)? == 0 {
                return Err(ProbeError::NotHttp(
                    "the connection closed inside a chunked body".into(),
                ));
            }
        }
    }

    /// Read until the server closes (a body without length).
    fn until_close(&mut self, deadline: Instant) -> Result<(), ProbeError> {
        let mut total = self.buf.len() as u64;
        self.buf.clear();
        loop {
            let n = self.fill(deadline)?;
            if n == 0 {
                return Ok(());
            }
            total += n as u64;
            self.buf.clear();
            if total > MAX_BODY {
                return Err(ProbeError::NotHttp(
                    "a body larger than a probe reads".into(),
                ));
            }
        }
    }

    /// Wait, at most `limit`, for the server to close the idle connection:
    /// how long it took, or `None` when it is still open. Data arriving
    /// meanwhile is an error: an idle connection stays silent.
    pub fn idle_close(&mut self, limit: Duration) -> Result<Option<Duration>, ProbeError> {
        let start = Instant::now();
        if !self.buf.is_empty() {
            return Err(ProbeError::NotHttp(
                "data after the response on an idle connection".into(),
            ));
        }
        self.stream
            .set_read_timeout(Some(Duration::from_millis(50)))
            .map_err(ProbeError::Receive)?;
        let mut chunk = [0u8; 512];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return Ok(Some(start.elapsed())),
                Ok(_) => {
                    return Err(ProbeError::NotHttp(
                        "data on an idle connection, with no request".into(),
                    ))
                }
                Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {
                    if start.elapsed() >= limit {
                        return Ok(None);
                    }
                }
                // A reset is a close too.
                Err(_) => return Ok(Some(start.elapsed())),
            }
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Errors that mean the peer closed (a TLS server may skip close_notify).
fn closed(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionAborted
    )
}

/// How a response's body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Length(u64),
    Chunked,
    UntilClose,
}

/// The status line and the headers that matter to a probe.
fn parse_head(head: &[u8]) -> Result<(Response, Framing), ProbeError> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    let status = parts.next().and_then(|s| s.parse::<u16>().ok());
    let (true, Some(status)) = (version.starts_with("HTTP/1."), status) else {
        return Err(ProbeError::NotHttp(format!(
            "not an HTTP/1 response: {:?}",
            &status_line[..status_line.len().min(80)]
        )));
    };
    let mut connection = Vec::new();
    let mut keep_alive = None;
    let mut framing = Framing::UntilClose;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "connection" => {
                connection.extend(value.split(',').map(|t| t.trim().to_ascii_lowercase()))
            }
            "keep-alive" => keep_alive = Some(value.to_string()),
            "transfer-encoding" if value.to_ascii_lowercase().ends_with("chunked") => {
                framing = Framing::Chunked;
            }
            "content-length" if framing != Framing::Chunked => {
                let n = value
                    .parse()
                    .map_err(|_| ProbeError::NotHttp(format!("a Content-Length of {value:?}")))?;
                framing = Framing::Length(n);
            }
            _ => {}
        }
    }
    let has = |token: &str| connection.iter().any(|t| t == token);
    let announces_close = has("close") || (version == "HTTP/1.0" && !has("keep-alive"));
    Ok((
        Response {
            status,
            version: version.to_string(),
            keep_alive,
            announces_close,
            closed_by_body: false,
        },
        framing,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_read_for_what_a_probe_needs() {
        let (r, f) =
            parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\nKeep-Alive: timeout=5\r\n\r\n")
                .unwrap();
        assert_eq!(
            (
                r.status,
                r.version.as_str(),
                r.keep_alive.as_deref(),
                r.announces_close
            ),
            (200, "HTTP/1.1", Some("timeout=5"), false)
        );
        assert_eq!(f, Framing::Length(12));
        let (r, f) = parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\nConnection: Close\r\n\r\n").unwrap();
        assert!(r.announces_close);
        assert_eq!(f, Framing::Chunked);
        let (r, f) = parse_head(b"HTTP/1.0 200 OK\r\n\r\n").unwrap();
        assert!(r.announces_close);
        assert_eq!(f, Framing::UntilClose);
        let (r, _) =
            parse_head(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")
                .unwrap();
        assert!(!r.announces_close);
        assert!(matches!(
            parse_head(b"SSH-2.0-OpenSSH\r\n\r\n"),
            Err(ProbeError::NotHttp(_))
        ));
        assert!(matches!(
            parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"),
            Err(ProbeError::NotHttp(_))
        ));
    }
}
