//! The table of upstream failure signatures: how each is recognised in a
//! log entry, the phase of the request it happened in, what it usually
//! means, and the rules that address it.
//!
//! Message texts are nginx's: `recv() failed` / `readv() failed`
//! (`ngx_unix_recv`, `ngx_readv_chain` in src/os/unix/), `writev() failed`,
//! `send() failed`, `sendfile() failed` (the send chains), `connect() failed`
//! (`ngx_http_upstream_test_connect`) and `connect() to PEER failed`
//! (`ngx_event_connect_peer`, src/event/ngx_event_connect.c, at `[crit]` for
//! errors other than refused/reset/unreachable), `upstream prematurely
//! closed connection`, `upstream timed out`, `upstream sent too big header`,
//! `no live upstreams` (src/http/ngx_http_upstream.c), `upstream sent
//! invalid header` (the proxy, FastCGI, uwsgi, SCGI and gRPC modules),
//! `upstream server temporarily disabled` (`[warn]`,
//! src/http/ngx_http_upstream_round_robin.c). The phase is the log action
//! nginx appends as ` while ACTION`: `connecting to upstream`, `sending
//! request to upstream`, `reading response header from upstream`, `reading
//! upstream` (the body; `ngx_event_pipe`, or the unbuffered path), `sending
//! to client`, `SSL handshaking to upstream`. Retry behaviour is
//! `ngx_http_upstream_next()`: see research notes §2.

use super::entry::{Entry, Level};

/// Where in the request's life the failure happened (the log action).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    Connecting,
    TlsHandshake,
    SendingRequest,
    ReadingHeader,
    ReadingBody,
    SendingToClient,
    ProxyingUpgraded,
}

impl Phase {
    /// Actions nginx logs, as ` while ACTION` at the end of the message.
    const ACTIONS: [(&'static [u8], Phase); 7] = [
        (
            b" while reading response header from upstream",
            Phase::ReadingHeader,
        ),
        (b" while connecting to upstream", Phase::Connecting),
        (b" while reading upstream", Phase::ReadingBody),
        (b" while sending to client", Phase::SendingToClient),
        (b" while sending request to upstream", Phase::SendingRequest),
        (b" while SSL handshaking to upstream", Phase::TlsHandshake),
        (
            b" while proxying upgraded connection",
            Phase::ProxyingUpgraded,
        ),
    ];

    /// The phase of a message and the message without its action.
    pub fn split(message: &[u8]) -> (Option<Phase>, &[u8]) {
        for (action, phase) in Phase::ACTIONS {
            if let Some(head) = message.strip_suffix(action) {
                return (Some(phase), head);
            }
        }
        (None, message)
    }

    /// Words for people.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Connecting => "connecting",
            Phase::TlsHandshake => "TLS handshake",
            Phase::SendingRequest => "sending request",
            Phase::ReadingHeader => "reading header",
            Phase::ReadingBody => "reading body",
            Phase::SendingToClient => "sending to client",
            Phase::ProxyingUpgraded => "upgraded connection",
        }
    }

    /// Whether the phase is on the upstream side.
    fn upstream(self) -> bool {
        !matches!(self, Phase::SendingToClient)
    }
}

/// What kind of trouble a signature is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The symptoms of reusing a pooled connection the backend had closed.
    StaleKeepalive,
    /// An upstream failure with another cause (backend down, slow, broken
    /// response, all servers marked down).
    Upstream,
    /// The client went away; not an upstream failure.
    Client,
    /// Upstream-related but not a failure (backend stderr, buffering).
    Info,
}

impl Kind {
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::StaleKeepalive => "stale-keepalive",
            Kind::Upstream => "upstream",
            Kind::Client => "client",
            Kind::Info => "info",
        }
    }

    /// Whether entries of this kind are upstream failures (exit status 1).
    pub(crate) fn is_failure(self) -> bool {
        matches!(self, Kind::StaleKeepalive | Kind::Upstream)
    }
}

/// What nginx does with the request after this failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// A failed cached connection gets a free retry, but only for methods
    /// other than POST, PATCH and LOCK (once the request was sent).
    IdempotentOnly,
    /// Nothing was sent yet: the next server is tried, whatever the method,
    /// if the upstream has one left; else 502.
    NextServer,
    /// The request was sent: idempotent methods go to the next server if
    /// there is one; POST/PATCH/LOCK do not.
    IdempotentNextServer,
    /// The response had started: no retry; the client got a truncated
    /// response.
    Never,
    /// Not a request failure.
    NotApplicable,
}

impl Retry {
    /// Words for people.
    pub fn text(self) -> &'static str {
        match self {
            Retry::IdempotentOnly => {
                "nginx retries GET/HEAD/PUT/DELETE/OPTIONS on another connection (the client usually got a response, the error is still logged); POST, PATCH and LOCK are not retried and became 502s"
            }
            Retry::NextServer => {
                "nothing was sent: nginx tries the next server of the upstream for any method, if one is left; otherwise the client got a 502"
            }
            Retry::IdempotentNextServer => {
                "the request was sent: GET/HEAD/PUT/DELETE go to the next server if the upstream has one; POST, PATCH and LOCK are not retried (502 or 504)"
            }
            Retry::Never => {
                "the response had already started: no retry is possible, the client got a truncated response"
            }
            Retry::NotApplicable => "",
        }
    }
}

/// A rule that addresses a signature, and why.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RuleRef {
    pub id: &'static str,
    pub why: &'static str,
}

/// One way to recognise a signature.
#[derive(Debug, Clone, Copy)]
struct Pattern {
    /// The message (without its action) starts with one of these.
    prefixes: &'static [&'static [u8]],
    /// The errno nginx appended, `(104: ...)`, is one of these (any when
    /// empty).
    errnos: &'static [u32],
    /// The action (any when `None`).
    phase: Option<Phase>,
}

/// A signature: an upstream failure (or neighbour) with its meaning.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Signature {
    /// Stable identifier (JSON, tests).
    pub id: &'static str,
    /// The message as nginx writes it.
    pub title: &'static str,
    pub kind: Kind,
    pub phase: Option<Phase>,
    pub retry: Retry,
    /// The likely cause, in plain words.
    pub cause: &'static str,
    pub rules: &'static [RuleRef],
    patterns: &'static [Pattern],
}

const RECV: &[&[u8]] = &[b"recv() failed", b"readv() failed"];
const SEND: &[&[u8]] = &[
    b"writev() failed",
    b"send() failed",
    b"sendfile() failed",
    b"sendmsg() failed",
];
const CONNECT: &[&[u8]] = &[b"connect() failed", b"connect() to "];
const CLOSED: &[&[u8]] = &[b"upstream prematurely closed connection"];
const TIMED_OUT: &[&[u8]] = &[b"upstream timed out"];

const fn pattern(
    prefixes: &'static [&'static [u8]],
    errnos: &'static [u32],
    phase: Option<Phase>,
) -> Pattern {
    Pattern {
        prefixes,
        errnos,
        phase,
    }
}

/// The rules for the stale-connection race, with why each matters.
const STALE_RULES: &[RuleRef] = &[
    RuleRef {
        id: "upstream-keepalive-timeout",
        why: "the upstream keeps idle connections (60s by default) longer than the backend does; its keepalive_timeout must be below the backend's idle timeout",
    },
    RuleRef {
        id: "upstream-backend-closes-silently",
        why: "a backend that closes after every response without `Connection: close` (uWSGI --http-socket) makes every reuse fail: `keepalive 0`",
    },
    RuleRef {
        id: "backend-timeout-unknown",
        why: "a declared backend whose idle timeout cannot be read: the ordering cannot be checked",
    },
    RuleRef {
        id: "next-upstream-off-pooled",
        why: "without `error` in proxy_next_upstream even GETs on a stale connection become 502s",
    },
    RuleRef {
        id: "next-upstream-non-idempotent",
        why: "`non_idempotent` hides the POST 502s by resending requests the backend may have run; fix the timeouts instead",
    },
    RuleRef {
        id: "request-buffering-off-pooled",
        why: "with proxy_request_buffering off a streamed body on a stale connection cannot be retried",
    },
];

const CASCADE_RULES: &[RuleRef] = &[
    RuleRef {
        id: "upstream-max-fails-pooled",
        why: "with max_fails=1 one stale-connection reset per server marks every server down for fail_timeout",
    },
    RuleRef {
        id: "upstream-keepalive-timeout",
        why: "stale pooled connections are the usual trigger when the servers themselves are up",
    },
];

const STALE_CAUSE: &str = "nginx reused a pooled keepalive connection the backend had already closed (its idle timeout is shorter than the upstream's keepalive_timeout, or it closes after every response); on uwsgi:// and scgi:// upstreams, which never pool, look at worker crashes instead";

/// Every signature, in the order they are tried and reported.
pub(crate) static SIGNATURES: &[Signature] = &[
    Signature {
        id: "reset-reading-header",
        title: "recv() failed (104: Connection reset by peer) while reading response header from upstream",
        kind: Kind::StaleKeepalive,
        phase: Some(Phase::ReadingHeader),
        retry: Retry::IdempotentOnly,
        cause: STALE_CAUSE,
        rules: STALE_RULES,
        patterns: &[pattern(RECV, &[104], Some(Phase::ReadingHeader))],
    },
    Signature {
        id: "closed-reading-header",
        title: "upstream prematurely closed connection while reading response header from upstream",
        kind: Kind::StaleKeepalive,
        phase: Some(Phase::ReadingHeader),
        retry: Retry::IdempotentOnly,
        cause: "the backend closed the connection without answering: usually a pooled connection it had just closed as idle (the same race as the reset), else a backend worker that crashed or was killed mid-request",
        rules: STALE_RULES,
        patterns: &[pattern(CLOSED, &[], Some(Phase::ReadingHeader))],
    },
    Signature {
        id: "reset-sending-request",
        title: "writev() failed (32: Broken pipe) while sending request to upstream",
        kind: Kind::StaleKeepalive,
        phase: Some(Phase::SendingRequest),
        retry: Retry::IdempotentOnly,
        cause: "the backend had closed the pooled connection before nginx finished writing the request (32: Broken pipe, 104: reset): the same idle-timeout race, seen while sending",
        rules: STALE_RULES,
        patterns: &[pattern(SEND, &[32, 104], Some(Phase::SendingRequest))],
    },
    Signature {
        id: "reset-reading-body",
        title: "readv() failed (104: Connection reset by peer) while reading upstream",
        kind: Kind::Upstream,
        phase: Some(Phase::ReadingBody),
        retry: Retry::Never,
        cause: "the backend reset the connection in the middle of its response: a worker that crashed, was killed (OOM, worker timeout such as gunicorn's --timeout) or restarted. Not a stale keepalive connection: those fail before the first response byte",
        rules: &[],
        patterns: &[pattern(RECV, &[104], Some(Phase::ReadingBody))],
    },
    Signature {
        id: "closed-reading-body",
        title: "upstream prematurely closed connection while reading upstream",
        kind: Kind::Upstream,
        phase: Some(Phase::ReadingBody),
        retry: Retry::Never,
        cause: "the backend closed the connection before sending the whole body its Content-Length (or chunked encoding) announced: a worker that died or timed out mid-response, or a body shorter than its header says. Not a stale keepalive connection",
        rules: &[],
        patterns: &[pattern(CLOSED, &[], Some(Phase::ReadingBody))],
    },
    Signature {
        id: "refused",
        title: "connect() failed (111: Connection refused) while connecting to upstream",
        kind: Kind::Upstream,
        phase: Some(Phase::Connecting),
        retry: Retry::NextServer,
        cause: "nothing listens on the backend's address: the backend is down, restarting, or the address or port is wrong. Not a keepalive problem",
        rules: &[],
        patterns: &[pattern(CONNECT, &[111], Some(Phase::Connecting))],
    },
    Signature {
        id: "reset-connecting",
        title: "connect() failed (104: Connection reset by peer) while connecting to upstream",
        kind: Kind::Upstream,
        phase: Some(Phase::Connecting),
        retry: Retry::NextServer,
        cause: "the backend reset new connections: its listen queue is full or it is shutting down. Not a keepalive problem",
        rules: &[],
        patterns: &[pattern(CONNECT, &[104], Some(Phase::Connecting))],
    },
    Signature {
        id: "socket-missing",
        title: "connect() to unix:/run/app.sock failed (2: No such file or directory) while connecting to upstream",
        kind: Kind::Upstream,
        phase: Some(Phase::Connecting),
        retry: Retry::NextServer,
        cause: "the backend's unix socket does not exist: the backend is not running or the path differs from the one in the configuration",
        rules: &[],
        patterns: &[pattern(CONNECT, &[2], Some(Phase::Connecting))],
    },
    Signature {
        id: "socket-permission",
        title: "connect() to unix:/run/app.sock failed (13: Permission denied) while connecting to upstream",
        kind: Kind::Upstream,
        phase: Some(Phase::Connecting),
        retry: Retry::NextServer,
        cause: "nginx's worker user may not open the backend's unix socket (socket or directory permissions, SELinux)",
        rules: &[],
        patterns: &[pattern(CONNECT, &[13], Some(Phase::Connecting))],
    },
    Signature {
        id: "socket-backlog-full",
        title: "connect() to unix:/run/app.sock failed (11: Resource temporarily unavailable) while connecting to upstream",
        kind: Kind::Upstream,
        phase: Some(Phase::Connecting),
        retry: Retry::NextServer,
        cause: "the backend's unix socket listen queue is full (Linux returns EAGAIN): the backend is overloaded or its backlog too small",
        rules: &[],
        patterns: &[pattern(CONNECT, &[11], Some(Phase::Connecting))],
    },
    Signature {
        id: "unreachable",
        title: "connect() failed (113: No route to host) while connecting to upstream",
        kind: Kind::Upstream,
        phase: Some(Phase::Connecting),
        retry: Retry::NextServer,
        cause: "the backend's host cannot be reached (113: no route to host, 101: network unreachable, 112: host down): the host is down, or a firewall or routing problem",
        rules: &[],
        patterns: &[pattern(CONNECT, &[113, 101, 112], Some(Phase::Connecting))],
    },
    Signature {
        id: "timeout-connecting",
        title: "upstream timed out (110: Connection timed out) while connecting to upstream",
        kind: Kind::Upstream,
        phase: Some(Phase::Connecting),
        retry: Retry::NextServer,
        cause: "the backend did not accept the connection within proxy_connect_timeout: host down behind a dropping firewall, or an overloaded backend. Not a keepalive problem",
        rules: &[],
        patterns: &[pattern(TIMED_OUT, &[], Some(Phase::Connecting))],
    },
    Signature {
        id: "timeout-sending-request",
        title: "upstream timed out (110: Connection timed out) while sending request to upstream",
        kind: Kind::Upstream,
        phase: Some(Phase::SendingRequest),
        retry: Retry::IdempotentNextServer,
        cause: "the backend stopped reading the request body for longer than proxy_send_timeout: an overloaded or stuck backend. Not a keepalive problem",
        rules: &[],
        patterns: &[pattern(TIMED_OUT, &[], Some(Phase::SendingRequest))],
    },
    Signature {
        id: "timeout-reading-header",
        title: "upstream timed out (110: Connection timed out) while reading response header from upstream",
        kind: Kind::Upstream,
        phase: Some(Phase::ReadingHeader),
        retry: Retry::IdempotentNextServer,
        cause: "the backend took longer than proxy_read_timeout (60s by default) to start its response: a slow backend or a stuck worker (504 to the client). Not a keepalive problem",
        rules: &[],
        patterns: &[pattern(TIMED_OUT, &[], Some(Phase::ReadingHeader))],
    },
    Signature {
        id: "timeout-reading-body",
        title: "upstream timed out (110: Connection timed out) while reading upstream",
        kind: Kind::Upstream,
        phase: Some(Phase::ReadingBody),
        retry: Retry::Never,
        cause: "the backend paused longer than proxy_read_timeout in the middle of its response (a slow stream or a stuck worker). Not a keepalive problem",
        rules: &[],
        patterns: &[pattern(TIMED_OUT, &[], Some(Phase::ReadingBody))],
    },
    Signature {
        id: "no-live-upstreams",
        title: "no live upstreams while connecting to upstream",
        kind: Kind::Upstream,
        phase: Some(Phase::Connecting),
        retry: Retry::NextServer,
        cause: "every server of the upstream was marked down (max_fails failures within fail_timeout) or already tried for this request: nginx answered 502 without trying. Look at the failures just before it; on a pooled upstream one stale connection per server is enough",
        rules: CASCADE_RULES,
        patterns: &[pattern(&[b"no live upstreams"], &[], None)],
    },
    Signature {
        id: "server-disabled",
        title: "upstream server temporarily disabled while connecting to upstream",
        kind: Kind::Upstream,
        phase: None,
        retry: Retry::NotApplicable,
        cause: "a server reached max_fails (1 by default) within fail_timeout and is skipped for fail_timeout (10s): a stale-connection reset counts as a failure like any other",
        rules: CASCADE_RULES,
        patterns: &[pattern(&[b"upstream server temporarily disabled"], &[], None)],
    },
    Signature {
        id: "too-big-header",
        title: "upstream sent too big header while reading response header from upstream",
        kind: Kind::Upstream,
        phase: Some(Phase::ReadingHeader),
        retry: Retry::NotApplicable,
        cause: "the backend's response headers (large cookies, long redirects) do not fit in proxy_buffer_size (fastcgi_buffer_size, ...; one page, 4k or 8k, by default): raise it. Not a keepalive problem",
        rules: &[],
        patterns: &[pattern(&[b"upstream sent too big header"], &[], None)],
    },
    Signature {
        id: "invalid-response",
        title: "upstream sent invalid header: \"...\" while reading response header from upstream",
        kind: Kind::Upstream,
        phase: Some(Phase::ReadingHeader),
        retry: Retry::NotApplicable,
        cause: "the backend's response is not valid HTTP (or FastCGI, uwsgi, gRPC): a bad header line, a bad status line, a body longer than its Content-Length, or a backend that speaks another protocol on that port",
        rules: &[],
        patterns: &[
            pattern(&[b"upstream sent "], &[], None),
            pattern(&[b"upstream prematurely closed FastCGI"], &[], None),
        ],
    },
    Signature {
        id: "tls-handshake",
        title: "SSL_do_handshake() failed (...) while SSL handshaking to upstream",
        kind: Kind::Upstream,
        phase: Some(Phase::TlsHandshake),
        retry: Retry::NextServer,
        cause: "the TLS handshake with the backend failed: protocol or cipher mismatch, a certificate nginx does not trust (proxy_ssl_verify), or a backend that does not speak TLS on that port",
        rules: &[],
        patterns: &[pattern(&[b""], &[], Some(Phase::TlsHandshake))],
    },
    Signature {
        id: "client-closed",
        title: "client prematurely closed connection / writev() failed (32: Broken pipe) while sending to client",
        kind: Kind::Client,
        phase: None,
        retry: Retry::NotApplicable,
        cause: "the client went away (closed the tab, a timeout in a load balancer or app in front): 499 in the access log. Not an upstream failure",
        rules: &[],
        patterns: &[
            pattern(
                &[
                    b"client prematurely closed connection",
                    b"epoll_wait() reported that client prematurely closed",
                    b"kevent() reported that client prematurely closed",
                    b"epoll_wait() reported that client closed",
                ],
                &[],
                None,
            ),
            pattern(SEND, &[], Some(Phase::SendingToClient)),
            pattern(&[b"SSL_write() failed"], &[], Some(Phase::SendingToClient)),
            pattern(&[b"client timed out"], &[], Some(Phase::SendingToClient)),
        ],
    },
    Signature {
        id: "fastcgi-stderr",
        title: "FastCGI sent in stderr: \"...\"",
        kind: Kind::Info,
        phase: None,
        retry: Retry::NotApplicable,
        cause: "the FastCGI application (PHP-FPM) wrote to its stderr; nginx logs it as an error. The application's own messages, often multi-line",
        rules: &[],
        patterns: &[pattern(&[b"FastCGI sent in stderr"], &[], None)],
    },
    Signature {
        id: "buffered-to-temp-file",
        title: "an upstream response is buffered to a temporary file",
        kind: Kind::Info,
        phase: Some(Phase::ReadingBody),
        retry: Retry::NotApplicable,
        cause: "a response larger than the proxy buffers was spooled to disk (proxy_buffers, proxy_max_temp_file_size). Not a failure",
        rules: &[],
        patterns: &[pattern(
            &[b"an upstream response is buffered to a temporary file"],
            &[],
            None,
        )],
    },
];

/// The number of signatures; index [`SIGNATURES`] with a [`Class::Known`].
pub(crate) const COUNT: usize = 23;

/// How an entry is classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// One of [`SIGNATURES`] (its index).
    Known(usize),
    /// An upstream error no signature describes.
    OtherUpstream,
    /// Not about an upstream.
    NotUpstream,
}

/// The errno nginx appended to a message: `104` in `... (104: Connection
/// reset by peer)`.
fn errno(head: &[u8]) -> Option<u32> {
    let open = memchr::memrchr(b'(', head)?;
    let digits = head[open + 1..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 || digits > 5 || head.get(open + 1 + digits) != Some(&b':') {
        return None;
    }
    std::str::from_utf8(&head[open + 1..open + 1 + digits])
        .ok()?
        .parse()
        .ok()
}

impl Pattern {
    fn matches(&self, head: &[u8], phase: Option<Phase>) -> bool {
        (self.phase.is_none() || self.phase == phase)
            && self.prefixes.iter().any(|p| head.starts_with(p))
            && (self.errnos.is_empty() || errno(head).is_some_and(|e| self.errnos.contains(&e)))
    }
}

/// Classify an entry. Debug lines are never upstream errors (they are
/// nginx's trace, full of the word "upstream").
pub(crate) fn classify(entry: &Entry<'_>) -> Class {
    if entry.level == Level::Debug {
        return Class::NotUpstream;
    }
    let (phase, head) = Phase::split(entry.message);
    // Quick exit: every pattern's message starts with one of these bytes,
    // or needs an upstream phase.
    let first = head.first().copied().unwrap_or(0);
    if phase.is_none() && !b"ucnFaek".contains(&first) {
        return other_or_not(entry, phase, head);
    }
    for (index, signature) in SIGNATURES.iter().enumerate() {
        if signature.patterns.iter().any(|p| p.matches(head, phase)) {
            return Class::Known(index);
        }
    }
    other_or_not(entry, phase, head)
}

/// An unrecognised message of level warn or worse is an upstream error
/// when it names an upstream or happened in an upstream phase.
fn other_or_not(entry: &Entry<'_>, phase: Option<Phase>, head: &[u8]) -> Class {
    let upstream_phase = phase.is_some_and(Phase::upstream);
    let mentions = || memchr::memmem::find(head, b"upstream").is_some();
    if entry.level <= Level::Warn && (entry.upstream.is_some() || upstream_phase || mentions()) {
        Class::OtherUpstream
    } else {
        Class::NotUpstream
    }
}

/// Whether nginx retries a method after a failure on a connection it had
/// sent the request on: not POST, PATCH, LOCK (`ngx_http_upstream_next`:
/// `NGX_HTTP_UPSTREAM_FT_NON_IDEMPOTENT`).
pub(crate) fn retried_method(method: &[u8]) -> bool {
    !matches!(method, b"POST" | b"PATCH" | b"LOCK")
}

/// The signature with this id.
#[cfg(test)]
pub(crate) fn by_id(id: &str) -> Option<usize> {
    SIGNATURES.iter().position(|s| s.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::entry::parse;

    fn id(line: &str) -> &'static str {
        match classify(&parse(line.as_bytes()).unwrap()) {
            Class::Known(i) => SIGNATURES[i].id,
            Class::OtherUpstream => "other",
            Class::NotUpstream => "none",
        }
    }

    const FIELDS: &str = ", client: 1.2.3.4, server: _, request: \"POST /api HTTP/1.1\", upstream: \"http://10.0.0.1:8000/api\", host: \"h\"";

    fn line(level: &str, message: &str) -> String {
        format!("2026/11/24 13:39:35 [{level}] 1#1: *7 {message}{FIELDS}")
    }

    #[test]
    fn count_matches_table() {
        assert_eq!(SIGNATURES.len(), COUNT);
        let mut ids: Vec<_> = SIGNATURES.iter().map(|s| s.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), COUNT, "ids are unique");
    }

    #[test]
    fn each_signature_from_its_message() {
        let cases = [
            ("error", "recv() failed (104: Connection reset by peer) while reading response header from upstream", "reset-reading-header"),
            ("error", "readv() failed (104: Connection reset by peer) while reading upstream", "reset-reading-body"),
            ("error", "recv() failed (104: Connection reset by peer) while reading upstream", "reset-reading-body"),
            ("error", "upstream prematurely closed connection while reading response header from upstream", "closed-reading-header"),
            ("error", "upstream prematurely closed connection while reading upstream", "closed-reading-body"),
            ("error", "writev() failed (32: Broken pipe) while sending request to upstream", "reset-sending-request"),
            ("error", "send() failed (104: Connection reset by peer) while sending request to upstream", "reset-sending-request"),
            ("error", "connect() failed (111: Connection refused) while connecting to upstream", "refused"),
            ("error", "connect() to unix:/run/a.sock failed (111: Connection refused) while connecting to upstream", "refused"),
            ("error", "connect() failed (104: Connection reset by peer) while connecting to upstream", "reset-connecting"),
            ("crit", "connect() to unix:/run/a.sock failed (2: No such file or directory) while connecting to upstream", "socket-missing"),
            ("crit", "connect() to unix:/run/a.sock failed (13: Permission denied) while connecting to upstream", "socket-permission"),
            ("error", "connect() to unix:/run/a.sock failed (11: Resource temporarily unavailable) while connecting to upstream", "socket-backlog-full"),
            ("error", "connect() failed (113: No route to host) while connecting to upstream", "unreachable"),
            ("error", "upstream timed out (110: Connection timed out) while connecting to upstream", "timeout-connecting"),
            ("error", "upstream timed out (110: Connection timed out) while sending request to upstream", "timeout-sending-request"),
            ("error", "upstream timed out (110: Connection timed out) while reading response header from upstream", "timeout-reading-header"),
            ("error", "upstream timed out (110: Operation timed out) while reading upstream", "timeout-reading-body"),
            ("error", "no live upstreams while connecting to upstream", "no-live-upstreams"),
            ("warn", "upstream server temporarily disabled while connecting to upstream", "server-disabled"),
            ("error", "upstream sent too big header while reading response header from upstream", "too-big-header"),
            ("error", "upstream sent invalid header: \"Bad\\x01...\" while reading response header from upstream", "invalid-response"),
            ("error", "upstream sent no valid HTTP/1.0 header while reading response header from upstream", "invalid-response"),
            ("error", "upstream prematurely closed FastCGI stdout while reading response header from upstream", "invalid-response"),
            ("error", "SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number) while SSL handshaking to upstream", "tls-handshake"),
            ("info", "client prematurely closed connection while reading upstream", "client-closed"),
            ("info", "epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too while reading response header from upstream", "client-closed"),
            ("info", "writev() failed (32: Broken pipe) while sending to client", "client-closed"),
            ("error", "FastCGI sent in stderr: \"PHP message: x\" while reading response header from upstream", "fastcgi-stderr"),
            ("warn", "an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/1/00/0000000001 while reading upstream", "buffered-to-temp-file"),
            ("error", "upstream sent unexpected frame while reading upstream", "invalid-response"),
            ("error", "recv() failed (111: Connection refused) while reading response header from upstream", "other"),
            ("error", "memcached sent invalid trailer while reading upstream", "other"),
            ("error", "open() \"/srv/x\" failed (2: No such file or directory)", "other"),
            ("notice", "recv() failed (104: Connection reset by peer) while proxying upgraded connection", "none"),
            ("debug", "http upstream request: \"/x\"", "none"),
        ];
        for (level, message, want) in cases {
            assert_eq!(id(&line(level, message)), want, "{message}");
        }
        // Without an upstream field, a plain error is not upstream.
        assert_eq!(
            id("2026/11/24 13:39:35 [error] 1#1: *7 access forbidden by rule, client: 1.2.3.4, server: _, request: \"GET / HTTP/1.1\", host: \"h\""),
            "none"
        );
    }

    #[test]
    fn errnos() {
        assert_eq!(
            errno(b"recv() failed (104: Connection reset by peer)"),
            Some(104)
        );
        assert_eq!(errno(b"SSL_do_handshake() failed (SSL: error)"), None);
        assert_eq!(errno(b"no errno"), None);
        assert_eq!(errno(b"x (1234567: y)"), None);
    }

    #[test]
    fn methods() {
        assert!(retried_method(b"GET"));
        assert!(retried_method(b"DELETE"));
        assert!(!retried_method(b"POST"));
        assert!(!retried_method(b"PATCH"));
        assert!(!retried_method(b"LOCK"));
    }

    #[test]
    fn keepalive_rules_only_for_keepalive_signatures() {
        for s in SIGNATURES {
            let keepalive = s.rules.iter().any(|r| r.id == "upstream-keepalive-timeout");
            let expected = matches!(s.kind, Kind::StaleKeepalive)
                || matches!(s.id, "no-live-upstreams" | "server-disabled");
            assert_eq!(keepalive, expected, "{}", s.id);
        }
    }
}
