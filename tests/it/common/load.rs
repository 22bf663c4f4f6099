//! The client side of the end-to-end tests: single HTTP/1.1 requests over
//! std `TcpStream`, and a sweep of idle gaps run on several lanes at once.
//!
//! Every request goes over a fresh client connection with
//! `Connection: close`. The race under test is on nginx's *upstream*
//! connections; a fresh client connection keeps the client side out of it
//! (no client keepalive state, and a 502 or a reset cannot spill over into
//! the next request), and on loopback it costs a few tens of microseconds.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Every client socket gets this connect, read and write timeout: a hung
/// nginx fails the request instead of blocking the test.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// `method path` with a small body (POST, PUT, PATCH) to nginx on
/// 127.0.0.1:`port`; the response's status code.
pub fn request(port: u16, method: &str, path: &str) -> Result<u16, String> {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&address, IO_TIMEOUT)
        .map_err(|e| format!("connect to nginx: {e}"))?;
    stream
        .set_read_timeout(Some(IO_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(IO_TIMEOUT)))
        .map_err(|e| e.to_string())?;
    let body: &[u8] = if matches!(method, "POST" | "PUT" | "PATCH") {
        b"order=42&qty=1"
    } else {
        b""
    };
    let mut message = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nUser-Agent: ngxfix-e2e\r\n"
    );
    if !body.is_empty() {
        message.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    message.push_str("\r\n");
    let mut bytes = message.into_bytes();
    bytes.extend_from_slice(body);
    stream
        .write_all(&bytes)
        .map_err(|e| format!("send {method} {path}: {e}"))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| format!("read the response to {method} {path}: {e}"))?;
    let head = String::from_utf8_lossy(&response[..response.len().min(64)]).into_owned();
    head.strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("no status line in the response to {method} {path}: {head:?}"))
}

/// One lane: requests to `path` with `method`, one at a time, through an
/// upstream no other lane uses.
#[derive(Clone, Debug)]
pub struct Lane {
    pub path: String,
    pub method: &'static str,
}

/// One probe's outcome.
#[derive(Clone, Debug)]
pub struct Probe {
    pub lane: usize,
    /// The idle gap before the probe, after the lane's previous response.
    pub gap: Duration,
    pub status: u16,
}

/// What a sweep saw.
#[derive(Clone, Debug, Default)]
pub struct Sweep {
    pub probes: Vec<Probe>,
    /// Statuses of the priming requests other than 200 (expected: none).
    pub prime_failures: Vec<u16>,
    pub wall: Duration,
}

impl Sweep {
    /// For each gap, how many probes there were and how many got 502.
    pub fn by_gap(&self) -> Vec<(Duration, usize, usize)> {
        let mut rows: std::collections::BTreeMap<Duration, (usize, usize)> = Default::default();
        for probe in &self.probes {
            let row = rows.entry(probe.gap).or_default();
            row.0 += 1;
            row.1 += usize::from(probe.status == 502);
        }
        rows.into_iter()
            .map(|(gap, (n, bad))| (gap, n, bad))
            .collect()
    }
}

/// Run `rounds` probes per gap, spread over `lanes` running in parallel.
///
/// Each probe is a priming request (which leaves the lane's upstream
/// connection freshly cached, or opens one), then the idle `gap`, then the
/// probe itself on the same lane, so every probe meets a cached connection
/// that has been idle for `gap`. nginx keeps one keepalive cache per
/// upstream and picks its most recently used connection, so lanes that
/// shared an upstream would reuse each other's fresh connections; each lane
/// therefore has an upstream of its own. Lanes start staggered so that
/// their requests do not all fall on the same instant.
pub fn sweep(port: u16, lanes: &[Lane], gaps: &[Duration], rounds: usize) -> Result<Sweep, String> {
    let started = Instant::now();
    let total = gaps.len() * rounds;
    let cycle = gaps.iter().max().copied().unwrap_or_default() + Duration::from_millis(60);
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = lanes
            .iter()
            .enumerate()
            .map(|(index, lane)| {
                let mine: Vec<Duration> = (index..total)
                    .step_by(lanes.len())
                    .map(|k| gaps[k % gaps.len()])
                    .collect();
                let stagger = cycle * index as u32 / lanes.len() as u32;
                scope.spawn(move || run_lane(port, index, lane, &mine, stagger))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a lane panicked".into())))
            .collect::<Vec<_>>()
    });
    let mut sweep = Sweep::default();
    for result in results {
        let (probes, prime_failures) = result?;
        sweep.probes.extend(probes);
        sweep.prime_failures.extend(prime_failures);
    }
    sweep.wall = started.elapsed();
    Ok(sweep)
}

type LaneResult = Result<(Vec<Probe>, Vec<u16>), String>;

fn run_lane(
    port: u16,
    index: usize,
    lane: &Lane,
    gaps: &[Duration],
    stagger: Duration,
) -> LaneResult {
    std::thread::sleep(stagger);
    let mut probes = Vec::with_capacity(gaps.len());
    let mut prime_failures = Vec::new();
    for &gap in gaps {
        let primed = request(port, lane.method, &lane.path)?;
        if primed != 200 {
            prime_failures.push(primed);
        }
        std::thread::sleep(gap);
        let status = request(port, lane.method, &lane.path)?;
        probes.push(Probe {
            lane: index,
            gap,
            status,
        });
    }
    Ok((probes, prime_failures))
}

/// Gaps from `from` to `to` (inclusive) every `step`.
pub fn gaps(from: Duration, to: Duration, step: Duration) -> Vec<Duration> {
    let mut out = Vec::new();
    let mut gap = from;
    while gap <= to {
        out.push(gap);
        gap += step;
    }
    out
}

/// `requests` requests on each lane, one after another with `gap` between a
/// response and the next request, the lanes in parallel; each request's
/// lane and status.
///
/// With `gap` well below the upstream's `keepalive_timeout` each request
/// finds the lane's connection still cached, so a pooling nginx opens about
/// one upstream connection per lane, not one per request.
pub fn bursts(
    port: u16,
    lanes: &[Lane],
    requests: usize,
    gap: Duration,
) -> Result<Vec<(usize, u16)>, String> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = lanes
            .iter()
            .enumerate()
            .map(|(index, lane)| {
                scope.spawn(move || {
                    (0..requests)
                        .map(|i| {
                            if i > 0 {
                                std::thread::sleep(gap);
                            }
                            request(port, lane.method, &lane.path).map(|status| (index, status))
                        })
                        .collect::<Result<Vec<_>, String>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(lanes.len() * requests);
        for handle in handles {
            out.extend(
                handle
                    .join()
                    .unwrap_or_else(|_| Err("a lane panicked".into()))?,
            );
        }
        Ok(out)
    })
}
