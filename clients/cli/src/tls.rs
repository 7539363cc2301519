//! TLS for the device's connections: one rustls client configuration for HTTPS (reqwest) and WSS
//! (tokio-tungstenite), so the login, the token refresh and the sync trust exactly the same certificates.
//!
//! Trust is Mozilla's root store compiled into the binary (`webpki-roots`), plus the CA certificates given with
//! `--ca-cert` (a municipality's internal CA). Not the platform's store: a phone-like device or a minimal container
//! may have no CA bundle at all, and one build of tov should trust the same servers on every machine; a private CA
//! is named on purpose rather than picked up from whatever the machine's store happens to hold.
//!
//! The cryptography is rustls's `ring` provider: it builds with a C compiler alone, where aws-lc-rs wants cmake and
//! nasm besides.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{CertificateError, ClientConfig, RootCertStore};

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the CA certificate {path}: {reason}")]
    CaFile { path: PathBuf, reason: String },
    #[error("{0} holds no PEM certificate (a block starting -----BEGIN CERTIFICATE-----)")]
    NoCertificate(PathBuf),
    #[error("TLS setup failed: {0}")]
    Setup(String),
}

impl TlsError {
    /// Whether the user's input (the `--ca-cert` file) was at fault, rather than this build.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, Self::CaFile { .. } | Self::NoCertificate(_))
    }
}

/// The certificates the device trusts: the compiled-in public roots, and any extra CAs.
#[derive(Clone, Default)]
pub struct Trust {
    extra: Arc<[CertificateDer<'static>]>,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Trust(public roots + {} extra CA)", self.extra.len())
    }
}

impl Trust {
    /// Only the public roots (webpki-roots).
    pub fn public() -> Trust {
        Trust::default()
    }

    /// The public roots and every certificate in the PEM file at `path`, each checked to be usable as a trust
    /// anchor, so a wrong file is refused now rather than at the first connection.
    pub fn with_ca_file(path: &Path) -> Result<Trust, TlsError> {
        let bad = |reason: String| TlsError::CaFile {
            path: path.to_owned(),
            reason,
        };
        let certificates = CertificateDer::pem_file_iter(path)
            .map_err(|e| bad(e.to_string()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(e.to_string()))?;
        if certificates.is_empty() {
            return Err(TlsError::NoCertificate(path.to_owned()));
        }
        let mut check = RootCertStore::empty();
        for certificate in &certificates {
            check
                .add(certificate.clone())
                .map_err(|e| bad(format!("not a usable CA certificate: {e}")))?;
        }
        Ok(Trust {
            extra: certificates.into(),
        })
    }

    /// How many extra CA certificates are trusted beside the public roots.
    pub fn extra_cas(&self) -> usize {
        self.extra.len()
    }

    /// The client configuration for one connection: TLS 1.2 and 1.3 with rustls's safe defaults, no client
    /// certificate.
    pub(crate) fn client_config(&self) -> Result<ClientConfig, TlsError> {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for certificate in self.extra.iter() {
            roots
                .add(certificate.clone())
                .map_err(|e| TlsError::Setup(e.to_string()))?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Ok(ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Setup(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth())
    }
}

/// Why a connection failed, when it failed because the server's certificate was refused; `None` otherwise.
///
/// rustls's error reaches the caller wrapped: in an `io::Error` by tokio-rustls (whose `source` skips it, so the
/// wrapped error is looked at directly), and in hyper's and reqwest's errors above that.
pub(crate) fn certificate_problem(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut next = Some(error);
    while let Some(cause) = next {
        if let Some(problem) = as_certificate_problem(cause) {
            return Some(problem);
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(problem) = certificate_problem(inner)
        {
            return Some(problem);
        }
        next = cause.source();
    }
    None
}

fn as_certificate_problem(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let rustls::Error::InvalidCertificate(problem) = error.downcast_ref::<rustls::Error>()? else {
        return None;
    };
    let why = match problem {
        CertificateError::UnknownIssuer => "it is not signed by a CA tov trusts".to_owned(),
        // A CA of the same name as a trusted one, but another key: an impostor, or the wrong --ca-cert.
        CertificateError::BadSignature => {
            "its signature does not verify with the trusted CA of that name".to_owned()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            "it was not issued for this server's name".to_owned()
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => "it has expired".to_owned(),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "it is not valid yet (is this machine's clock right?)".to_owned()
        }
        CertificateError::Revoked => "it has been revoked".to_owned(),
        other => format!("{other:?}"),
    };
    Some(format!(
        "the server's TLS certificate is not trusted: {why}. If your municipality uses its own CA, give its \
         certificate with --ca-cert PATH (or TOV_CA_CERT)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_certificates_is_refused_as_bad_input() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").expect("writes");
        let error = Trust::with_ca_file(&path).expect_err("refused");
        assert!(matches!(error, TlsError::NoCertificate(_)), "{error}");
        assert!(error.is_bad_input());
        let missing = Trust::with_ca_file(&dir.path().join("missing.pem")).expect_err("refused");
        assert!(missing.is_bad_input(), "{missing}");
    }

    #[test]
    fn the_public_roots_make_a_configuration() {
        let config = Trust::public().client_config().expect("builds");
        assert!(
            config.alpn_protocols.is_empty(),
            "HTTP/1.1 only: the WebSocket needs it"
        );
    }

    #[test]
    fn a_refused_certificate_is_found_inside_an_io_error() {
        let rustls = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls);
        let problem = certificate_problem(&io).expect("found");
        assert!(problem.contains("not signed by a CA tov trusts"), "{problem}");
        assert!(problem.contains("--ca-cert"), "{problem}");
        let other = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(certificate_problem(&other), None);
    }
}
