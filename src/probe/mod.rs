//! `ngxfix probe`: how long a backend really keeps an idle keep-alive
//! connection open, measured instead of taken from documentation. One
//! request on a fresh connection, the whole response read, then the time
//! until the server closes the idle connection.
//!
//! This sends real requests, so it stands with what touches the operating
//! system: never a body, never a redirect followed, and only to private
//! addresses unless the user allows public ones.

pub mod address;
pub mod cache;
mod http;
pub mod plan;
mod stream;
pub mod time;

use std::time::{Duration, SystemTime};

use crate::backends::kinds::Idle;
use crate::model::units;
use address::Address;

/// A close this soon after a response that did not announce it is the
/// server closing after every response (uWSGI `--http-socket`), not an
/// idle timeout.
const SILENT_CLOSE: Duration = Duration::from_millis(100);

/// Why an address could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("{0}")]
    Address(String),
    #[error("{0}")]
    Public(String),
    #[error("cannot connect: {0}")]
    Connect(std::io::Error),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("cannot send the request: {0}")]
    Send(std::io::Error),
    #[error("cannot read the response: {0}")]
    Receive(std::io::Error),
    #[error("not an HTTP server, or not one a probe understands: {0}")]
    NotHttp(String),
    #[error("no answer in time: waited for {0}")]
    Timeout(&'static str),
    #[error("not an HTTP server, or not one a probe understands: the connection closed without a response")]
    Closed,
    /// The error of the same address, measured once for several servers.
    #[error("{0}")]
    Again(String),
}

/// The request a probe sends, and how long it waits.
#[derive(Debug, Clone)]
pub struct Options {
    /// `GET` or `HEAD`.
    pub method: String,
    pub path: String,
    /// The `Host:` header; default: the server's host.
    pub host: Option<String>,
    /// How long to wait for the idle close.
    pub max_wait: Duration,
    /// Requests sent one after another on the connection, to see how many
    /// it serves (1: the idle timeout only).
    pub requests: u32,
    pub allow_public: bool,
    pub connect_timeout: Duration,
    /// For each response, from its request.
    pub response_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            method: "GET".into(),
            path: "/".into(),
            host: None,
            max_wait: Duration::from_secs(75),
            requests: 1,
            allow_public: false,
            connect_timeout: Duration::from_secs(5),
            response_timeout: Duration::from_secs(30),
        }
    }
}

/// One address to measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub address: Address,
    /// For `Host:` and the TLS server name.
    pub host: String,
    pub tls: bool,
}

/// When the server closed the idle connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleClose {
    /// After this long.
    After(Duration),
    /// Right after each response: said with `Connection: close` (or
    /// HTTP/1.0), or silently.
    EachResponse { announced: bool },
    /// Still open after the wait.
    StillOpen(Duration),
}

impl IdleClose {
    /// In the words of the report.
    pub fn describe(&self) -> String {
        match self {
            IdleClose::After(d) => format!("closes idle connections after {}", seconds(*d)),
            IdleClose::EachResponse { announced: true } => {
                "closes after every response (Connection: close)".into()
            }
            IdleClose::EachResponse { announced: false } => {
                "closes after every response, without saying so".into()
            }
            IdleClose::StillOpen(d) => format!("still open after {}", seconds(*d)),
        }
    }

    /// As a backend's idle behaviour for the rules. A measured time is
    /// rounded down (to 100 ms from a second up, else to 10 ms): it
    /// includes the network's delay, and the rules need a value the
    /// backend's timeout is not below. A connection still open after the
    /// wait is taken as closing then: the backend keeps it at least that
    /// long.
    pub fn idle(&self) -> Idle {
        match *self {
            IdleClose::After(d) | IdleClose::StillOpen(d) => {
                let ms = d.as_millis() as u64;
                let step = if ms >= 1000 { 100 } else { 10 };
                Idle::After(units::Duration::from_millis((ms / step * step).max(1)))
            }
            IdleClose::EachResponse { announced: true } => Idle::NoKeepalive,
            IdleClose::EachResponse { announced: false } => Idle::AfterEachResponse,
        }
    }
}

/// `2.00 s`, `750 ms`.
pub fn seconds(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// What one address showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub idle: IdleClose,
    /// The last response's status and HTTP version.
    pub status: u16,
    pub version: String,
    /// `Keep-Alive:` as the server sent it.
    pub keep_alive: Option<String>,
    /// With several requests asked: how many the connection served
    /// before the server closed it (`None`: all of them).
    pub served: Option<u32>,
    pub measured_at: SystemTime,
}

/// Measure one address: with `requests` above 1, first how many requests
/// one connection serves, then the idle close on a fresh connection (a
/// connection the server closed for its request limit says nothing of
/// its idle timeout).
pub fn probe(target: &Target, options: &Options) -> Result<Observed, ProbeError> {
    let served = if options.requests > 1 {
        let (served, _) = exchange(target, options, options.requests)?;
        served
    } else {
        None
    };
    let (_, (mut conn, response)) = exchange(target, options, 1)?;
    let measured_at = SystemTime::now();
    let idle = if response.closed_by_body {
        IdleClose::EachResponse {
            announced: response.announces_close,
        }
    } else {
        let closed = conn.idle_close(options.max_wait)?;
        idle_close(closed, response.announces_close, options.max_wait)
    };
    Ok(Observed {
        idle,
        status: response.status,
        version: response.version,
        keep_alive: response.keep_alive,
        served,
        measured_at,
    })
}

/// What an idle connection showed: closed after some time (`None`: still
/// open after `max_wait`), by a server that announced the close or not.
/// Times are kept in whole milliseconds, as `--probe-cache` keeps them: a
/// fresh measurement and the same one read back from the cache then say
/// the same (1005.7 ms prints as `1.01 s`, its cached 1005 ms as `1.00 s`).
pub(crate) fn idle_close(
    closed: Option<Duration>,
    announced: bool,
    max_wait: Duration,
) -> IdleClose {
    match closed {
        None => IdleClose::StillOpen(whole_ms(max_wait)),
        Some(after) if announced && after < Duration::from_millis(500) => {
            IdleClose::EachResponse { announced: true }
        }
        Some(after) if after < SILENT_CLOSE => IdleClose::EachResponse { announced: false },
        Some(after) => IdleClose::After(whole_ms(after)),
    }
}

/// A measured time in whole milliseconds.
fn whole_ms(d: Duration) -> Duration {
    Duration::from_millis(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Up to `requests` requests one after another on a fresh connection:
/// after how many the server said it would close (`None`: after none of
/// them), the connection, and the last response.
fn exchange(
    target: &Target,
    options: &Options,
    requests: u32,
) -> Result<(Option<u32>, (http::Conn, http::Response)), ProbeError> {
    let stream = stream::Stream::connect(
        &target.address,
        target.tls,
        &target.host,
        options.connect_timeout,
    )?;
    let mut conn = http::Conn::new(stream);
    let host = options.host.as_deref().unwrap_or(&target.host);
    let mut last: Option<http::Response> = None;
    for i in 1..=requests.max(1) {
        let answered = conn
            .send(&options.method, &options.path, host)
            .and_then(|()| conn.response(&options.method, options.response_timeout));
        let response = match (answered, last.take()) {
            (Ok(response), _) => response,
            // Closed after the previous response without saying so: that
            // is how many it serves.
            (
                Err(ProbeError::Closed | ProbeError::Send(_) | ProbeError::Receive(_)),
                Some(previous),
            ) => {
                return Ok((Some(i - 1), (conn, previous)));
            }
            (Err(e), _) => return Err(e),
        };
        if response.announces_close || response.closed_by_body {
            return Ok((Some(i), (conn, response)));
        }
        last = Some(response);
    }
    Ok((None, (conn, last.expect("at least one request is sent"))))
}

/// Probes at once, at most: each waits idle on its connection, so many
/// fit in a thread each, but not thousands.
const AT_ONCE: usize = 128;

/// Measure every target, [`AT_ONCE`] at a time, in the given order;
/// `done` is told each time one finishes.
pub fn probe_all(
    targets: &[Target],
    options: &Options,
    done: &(dyn Fn(usize) + Sync),
) -> Vec<Result<Observed, ProbeError>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Observed, ProbeError>>>> =
        Mutex::new((0..targets.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..targets.len().min(AT_ONCE) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(target) = targets.get(i) else {
                    return;
                };
                let result = probe(target, options);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
                done(finished.fetch_add(1, Ordering::SeqCst) + 1);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every target probed"))
        .collect()
}

/// The longest a probe of these options can take: connecting, the
/// responses (a second connection when counting requests), the wait.
pub fn bound(options: &Options) -> Duration {
    let counting = if options.requests > 1 {
        options.connect_timeout + options.response_timeout * options.requests
    } else {
        Duration::ZERO
    };
    counting + options.connect_timeout + options.response_timeout + options.max_wait
}

/// Measure `targets` (each distinct one once), taking fresh measurements
/// from `cache` and keeping new ones there; `done` counts the probes as
/// they finish. In the order of `targets`.
pub fn measure(
    targets: &[Target],
    options: &Options,
    mut cache: Option<&mut cache::Cache>,
    done: &(dyn Fn(usize, usize) + Sync),
) -> Vec<Result<Observed, ProbeError>> {
    let now = SystemTime::now();
    let mut results: Vec<Option<Result<Observed, ProbeError>>> = targets
        .iter()
        .map(|t| {
            cache
                .as_deref()
                .and_then(|c| c.get(t, options, now))
                .map(Ok)
        })
        .collect();
    let mut distinct: Vec<Target> = Vec::new();
    for (target, result) in targets.iter().zip(&results) {
        if result.is_none() && !distinct.contains(target) {
            distinct.push(target.clone());
        }
    }
    let total = distinct.len();
    let measured = probe_all(&distinct, options, &|n| done(n, total));
    for (target, result) in distinct.iter().zip(measured) {
        if let (Some(cache), Ok(observed)) = (cache.as_deref_mut(), &result) {
            cache.put(target, options, observed);
        }
        for (i, t) in targets.iter().enumerate() {
            if t == target && results[i].is_none() {
                results[i] = Some(match &result {
                    Ok(observed) => Ok(observed.clone()),
                    Err(e) => Err(ProbeError::Again(e.to_string())),
                });
            }
        }
    }
    results
        .into_iter()
        .map(|r| r.expect("every target measured or cached"))
        .collect()
}
