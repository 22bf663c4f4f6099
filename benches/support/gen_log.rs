//! A deterministic generator of realistic nginx error logs for the
//! `diagnose` benchmark: mostly lines that are not upstream failures
//! (access denied, missing files, client closes, rate limiting, buffering
//! warnings, TLS handshakes, notices), with upstream failures of every
//! signature spread over 60 backend addresses, multi-line FastCGI stderr,
//! and long request lines. Written in the format of real nginx (see the
//! fixtures in tests/fixtures/error-logs/).
#![allow(dead_code)]

use std::io::{self, Write};

/// Bump when the generated text changes, so stale files are not reused.
pub const VERSION: u32 = 1;

/// xorshift64*: small, fast, the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const UPSTREAM_ERRORS: &[&str] = &[
    "recv() failed (104: Connection reset by peer) while reading response header from upstream",
    "recv() failed (104: Connection reset by peer) while reading response header from upstream",
    "upstream prematurely closed connection while reading response header from upstream",
    "writev() failed (32: Broken pipe) while sending request to upstream",
    "readv() failed (104: Connection reset by peer) while reading upstream",
    "upstream prematurely closed connection while reading upstream",
    "connect() failed (111: Connection refused) while connecting to upstream",
    "connect() failed (113: No route to host) while connecting to upstream",
    "upstream timed out (110: Connection timed out) while connecting to upstream",
    "upstream timed out (110: Connection timed out) while reading response header from upstream",
    "upstream timed out (110: Connection timed out) while reading upstream",
    "no live upstreams while connecting to upstream",
    "upstream sent too big header while reading response header from upstream",
    "upstream sent invalid header: \"X-Bad\\x01...\" while reading response header from upstream",
];

const PATHS: &[&str] = &[
    "/",
    "/api/v1/orders",
    "/api/v1/users/42",
    "/login",
    "/static/app.js",
    "/checkout",
    "/search?q=nginx+502&page=2",
    "/upload",
];

const METHODS: &[&str] = &[
    "GET", "GET", "GET", "GET", "GET", "POST", "POST", "PUT", "PATCH", "DELETE", "HEAD",
];

/// Write about `bytes` bytes of log to `out`.
pub fn generate(out: &mut dyn Write, bytes: u64) -> io::Result<()> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut written = 0u64;
    let mut second = 0u64;
    let mut connection = 1u64;
    let mut line = Vec::with_capacity(4096);
    while written < bytes {
        line.clear();
        // About 40 lines a second of log time.
        if rng.below(40) == 0 {
            second += 1;
        }
        connection += 1 + rng.below(3);
        let (day, rest) = (1 + second / 86_400 % 28, second % 86_400);
        let pid = 2100 + rng.below(4);
        write!(
            line,
            "2026/11/{day:02} {:02}:{:02}:{:02} ",
            rest / 3600,
            rest / 60 % 60,
            rest % 60
        )?;
        let client = format!(
            "{}.{}.{}.{}",
            10 + rng.below(200),
            rng.below(256),
            rng.below(256),
            1 + rng.below(254)
        );
        let method = rng.pick(METHODS);
        let path = rng.pick(PATHS);
        let host = "shop.example.com";
        let fields = |line: &mut Vec<u8>, upstream: Option<&str>| -> io::Result<()> {
            write!(
                line,
                ", client: {client}, server: {host}, request: \"{method} {path} HTTP/1.1\""
            )?;
            if let Some(upstream) = upstream {
                write!(line, ", upstream: \"{upstream}{path}\"")?;
            }
            write!(line, ", host: \"{host}\"")
        };
        let backend = format!("http://10.0.{}.{}:8000", rng.below(3), 10 + rng.below(20));
        match rng.below(100) {
            0..=24 => {
                // Upstream failures, every signature.
                let message = rng.pick(UPSTREAM_ERRORS);
                write!(line, "[error] {pid}#{pid}: *{connection} {message}")?;
                let upstream = if message.starts_with("no live") {
                    "http://app".to_string()
                } else {
                    backend.clone()
                };
                fields(&mut line, Some(&upstream))?;
            }
            25..=27 => {
                write!(line, "[warn] {pid}#{pid}: *{connection} upstream server temporarily disabled while reading response header from upstream")?;
                fields(&mut line, Some(&backend))?;
            }
            28..=29 => {
                write!(line, "[crit] {pid}#{pid}: *{connection} connect() to unix:/run/php/php8.2-fpm.sock failed (2: No such file or directory) while connecting to upstream")?;
                fields(&mut line, Some("fastcgi://unix:/run/php/php8.2-fpm.sock:"))?;
            }
            30..=39 => {
                write!(
                    line,
                    "[error] {pid}#{pid}: *{connection} access forbidden by rule"
                )?;
                fields(&mut line, None)?;
            }
            40..=54 => {
                write!(line, "[error] {pid}#{pid}: *{connection} open() \"/var/www/html{path}favicon.ico\" failed (2: No such file or directory)")?;
                fields(&mut line, None)?;
            }
            55..=66 => {
                write!(
                    line,
                    "[info] {pid}#{pid}: *{connection} client {client} closed keepalive connection"
                )?;
            }
            67..=71 => {
                write!(line, "[info] {pid}#{pid}: *{connection} client prematurely closed connection while sending to client")?;
                fields(&mut line, Some(&backend))?;
            }
            72..=76 => {
                write!(line, "[warn] {pid}#{pid}: *{connection} an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/{}/00/00000{} while reading upstream", rng.below(10), rng.below(100_000))?;
                fields(&mut line, Some(&backend))?;
            }
            77..=84 => {
                write!(line, "[error] {pid}#{pid}: *{connection} limiting requests, excess: 0.{} by zone \"api\"", rng.below(1000))?;
                fields(&mut line, None)?;
            }
            85..=88 => {
                write!(line, "[info] {pid}#{pid}: *{connection} SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL handshaking, client: {client}, server: 0.0.0.0:443")?;
            }
            89..=90 => {
                // Multi-line FastCGI stderr.
                write!(line, "[error] {pid}#{pid}: *{connection} FastCGI sent in stderr: \"PHP message: PHP Fatal error:  Uncaught Error: Call to undefined function foo() in /var/www/html/index.php:{}\nStack trace:\n#0 {{main}}\n  thrown in /var/www/html/index.php on line {}\" while reading response header from upstream", rng.below(300), rng.below(300))?;
                fields(&mut line, Some("fastcgi://unix:/run/php/php8.2-fpm.sock:"))?;
            }
            91..=92 => {
                // A long request line (1.5 KB query string).
                let query: String = (0..1500)
                    .map(|_| char::from(b'a' + rng.below(26) as u8))
                    .collect();
                write!(line, "[error] {pid}#{pid}: *{connection} upstream timed out (110: Connection timed out) while reading response header from upstream, client: {client}, server: {host}, request: \"GET /report?q={query} HTTP/1.1\", upstream: \"{backend}/report?q={query}\", host: \"{host}\", referrer: \"https://{host}/reports\"")?;
            }
            93..=95 => {
                write!(line, "[warn] {pid}#{pid}: *{connection} a client request body is buffered to a temporary file /var/cache/nginx/client_temp/00000{}", rng.below(100_000))?;
                fields(&mut line, None)?;
            }
            _ => {
                write!(line, "[notice] {pid}#{pid}: signal process started")?;
            }
        }
        line.push(b'\n');
        out.write_all(&line)?;
        written += line.len() as u64;
    }
    Ok(())
}
