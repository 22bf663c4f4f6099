//! A connection to one address: TCP, a UNIX socket, or TLS over TCP.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme, StreamOwned};

use super::address::Address;
use super::ProbeError;

/// An open connection.
pub enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Stream {
    /// Connect to `address` within `timeout`; over TLS with `host` as the
    /// server name when `tls`.
    pub fn connect(
        address: &Address,
        tls: bool,
        host: &str,
        timeout: Duration,
    ) -> Result<Stream, ProbeError> {
        let stream = match address {
            Address::Tcp(addr) => {
                let tcp = TcpStream::connect_timeout(addr, timeout).map_err(ProbeError::Connect)?;
                tcp.set_nodelay(true).map_err(ProbeError::Connect)?;
                if tls {
                    let name = ServerName::try_from(host.to_string())
                        .map_err(|e| ProbeError::Tls(format!("{host}: {e}")))?;
                    let connection = ClientConnection::new(tls_config(), name)
                        .map_err(|e| ProbeError::Tls(e.to_string()))?;
                    Stream::Tls(Box::new(StreamOwned::new(connection, tcp)))
                } else {
                    Stream::Tcp(tcp)
                }
            }
            Address::Unix(path) => {
                if tls {
                    return Err(ProbeError::Tls(
                        "TLS over a UNIX socket is not probed".into(),
                    ));
                }
                Stream::Unix(UnixStream::connect(path).map_err(ProbeError::Connect)?)
            }
        };
        stream
            .set_read_timeout(Some(timeout))
            .map_err(ProbeError::Connect)?;
        Ok(stream)
    }

    /// How long a read waits before it fails with `WouldBlock`/`TimedOut`.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_read_timeout(timeout),
            Stream::Unix(s) => s.set_read_timeout(timeout),
            Stream::Tls(s) => s.sock.set_read_timeout(timeout),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.flush(),
            Stream::Unix(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// The TLS client settings, made once. The certificate is not checked:
/// a probe sends one bodiless request without credentials and measures
/// when the connection closes, and backends behind nginx often present
/// certificates of a private CA (nginx itself does not verify them unless
/// `proxy_ssl_verify on`).
#[allow(
    deprecated,
    reason = "ring's provider lacks post-quantum key exchange, which a probe does not need; aws-lc-rs would need cmake to build"
)]
fn tls_config() -> Arc<ClientConfig> {
    static CONFIG: std::sync::OnceLock<Arc<ClientConfig>> = std::sync::OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .expect("ring supports the default protocol versions")
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth();
            Arc::new(config)
        })
        .clone()
}

/// Accepts any certificate, but still checks the handshake's signatures
/// (the connection must be a TLS one, not garbage).
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
