//! Where a probe connects: an `upstream{}` `server` argument (`host:port`,
//! `[v6]:port`, a port-less host, `unix:/path`) resolved as nginx resolves
//! it when it reads the configuration (every address a name has is a peer
//! of its own), and refused when it is not private unless asked.

use std::fmt;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

use super::ProbeError;

/// One place to connect to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Address {
    Tcp(SocketAddr),
    Unix(PathBuf),
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp(addr) => addr.fmt(f),
            Address::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// The host (for `Host:` and TLS's server name) and the addresses of a
/// server argument. A port-less host gets 80, or 443 over TLS.
pub fn resolve(
    server: &str,
    tls: bool,
    allow_public: bool,
) -> Result<(String, Vec<Address>), ProbeError> {
    if let Some(path) = server.strip_prefix("unix:") {
        return Ok(("localhost".into(), vec![Address::Unix(PathBuf::from(path))]));
    }
    let default_port = if tls { 443 } else { 80 };
    let (host, port) = split_port(server, default_port)
        .ok_or_else(|| ProbeError::Address(format!("{server}: not host:port")))?;
    let found: Vec<SocketAddr> = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| ProbeError::Address(format!("{server}: {e}")))?
        .collect();
    if found.is_empty() {
        return Err(ProbeError::Address(format!("{server}: no address")));
    }
    if !allow_public {
        if let Some(public) = found.iter().find(|a| !is_private(a.ip())) {
            return Err(ProbeError::Public(format!(
                "{server} is {}, not a private address: probing sends real requests, so give --allow-public to probe it",
                public.ip()
            )));
        }
    }
    let mut addresses: Vec<Address> = found.into_iter().map(Address::Tcp).collect();
    addresses.dedup();
    Ok((host, addresses))
}

/// `host` and port of `host:port`, `[v6]:port`, `host` or `[v6]`.
fn split_port(server: &str, default_port: u16) -> Option<(String, u16)> {
    if let Some(rest) = server.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(port) => port.parse().ok()?,
            None if after.is_empty() => default_port,
            None => return None,
        };
        return Some((host.to_string(), port));
    }
    match server.rsplit_once(':') {
        // A bare IPv6 address has colons and no brackets: no port.
        Some((host, _)) if host.contains(':') => Some((server.to_string(), default_port)),
        Some((host, port)) => Some((host.to_string(), port.parse().ok()?)),
        None => Some((server.to_string(), default_port)),
    }
}

/// Loopback, RFC 1918, link-local, carrier-grade NAT (100.64/10), and
/// IPv6 unique-local (fc00::/7) and link-local (fe80::/10) addresses.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_arguments_split_as_nginx_reads_them() {
        assert_eq!(
            split_port("127.0.0.1:8000", 80),
            Some(("127.0.0.1".into(), 8000))
        );
        assert_eq!(
            split_port("app.internal", 80),
            Some(("app.internal".into(), 80))
        );
        assert_eq!(split_port("[::1]:9000", 80), Some(("::1".into(), 9000)));
        assert_eq!(split_port("[::1]", 443), Some(("::1".into(), 443)));
        assert_eq!(split_port("::1", 80), Some(("::1".into(), 80)));
        assert_eq!(split_port("host:port", 80), None);
        assert_eq!(split_port("[::1]x", 80), None);
    }

    #[test]
    fn only_private_addresses_are_probed_unless_asked() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.1.1",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_private(private.parse().unwrap()), "{private}");
        }
        for public in [
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2001:4860::8888",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_private(public.parse().unwrap()), "{public}");
        }
        assert!(matches!(
            resolve("8.8.8.8:80", false, false),
            Err(ProbeError::Public(_))
        ));
        let (_, found) = resolve("8.8.8.8:80", false, true).unwrap();
        assert_eq!(found, [Address::Tcp("8.8.8.8:80".parse().unwrap())]);
        let (host, found) = resolve("unix:/run/app.sock", false, false).unwrap();
        assert_eq!(
            (host.as_str(), found),
            ("localhost", vec![Address::Unix("/run/app.sock".into())])
        );
        let (_, found) = resolve("127.0.0.1", true, false).unwrap();
        assert_eq!(found, [Address::Tcp("127.0.0.1:443".parse().unwrap())]);
    }
}
