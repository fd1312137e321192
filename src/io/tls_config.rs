//! Building rustls client configurations: once per distinct setting, then shared,
//! so a connection without TLS pays nothing and one with TLS pays only the handshake.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, CipherSuite, ClientConfig, DigitallySignedStruct, Error, RootCertStore,
    SignatureScheme,
};

/// How much of the server's identity to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verify {
    /// Encrypt only: any certificate is accepted (the handshake signature is still checked).
    Nothing,
    /// The chain must lead to a trusted CA; the name is not checked.
    Chain,
    /// The chain and the host name.
    ChainAndName,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TlsSettings {
    pub verify: Verify,
    /// PEM file of trusted CAs. Without it (and without `ca_dir`) VERIFY_IDENTITY
    /// trusts the bundled public web roots; VERIFY_CA is refused (see `roots`).
    pub ca_file: Option<PathBuf>,
    /// A directory of PEM files of trusted CAs.
    pub ca_dir: Option<PathBuf>,
    /// Client certificate chain and key (PEM) for certificate authentication.
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    /// `ssl={"cipher": ...}` / `ssl-cipher`: only these suites are offered (see
    /// `restricted`); None offers all of rustls' suites.
    pub ciphers: Option<String>,
}

fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// The configuration for `settings`, built once and reused while the files it reads
/// are unchanged (a rotated certificate is picked up by the next connection).
pub fn client_config(settings: &TlsSettings) -> Result<Arc<ClientConfig>, String> {
    type Cache = Mutex<HashMap<TlsSettings, (Vec<Option<SystemTime>>, Arc<ClientConfig>)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let stamps = file_stamps(settings);
    let cache = CACHE.get_or_init(Default::default);
    if let Some((seen, config)) = cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(settings)
    {
        if *seen == stamps {
            return Ok(config.clone());
        }
    }
    let config = Arc::new(build(settings)?);
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(settings.clone(), (stamps, config.clone()));
    Ok(config)
}

fn file_stamps(s: &TlsSettings) -> Vec<Option<SystemTime>> {
    [&s.ca_file, &s.ca_dir, &s.cert_file, &s.key_file]
        .iter()
        .map(|p| {
            p.as_ref()
                .and_then(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        })
        .collect()
}

fn build(s: &TlsSettings) -> Result<ClientConfig, String> {
    let provider = match &s.ciphers {
        None => provider(),
        Some(list) => Arc::new(restricted(list)?),
    };
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let verifier: Arc<dyn ServerCertVerifier> = match s.verify {
        Verify::Nothing => Arc::new(AcceptAnyCertificate(provider)),
        Verify::Chain | Verify::ChainAndName => {
            let roots = Arc::new(roots(s)?);
            let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider)
                .build()
                .map_err(|e| e.to_string())?;
            if s.verify == Verify::Chain {
                Arc::new(IgnoreName(webpki))
            } else {
                webpki
            }
        }
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    match (&s.cert_file, &s.key_file) {
        (Some(cert), key) => {
            let chain = read_certs(cert)?;
            let key_path = key.as_deref().unwrap_or(cert);
            let key = PrivateKeyDer::from_pem_file(key_path)
                .map_err(|e| format!("cannot read private key {}: {e}", key_path.display()))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| e.to_string())
        }
        (None, Some(_)) => Err("a client key was given without a certificate".into()),
        (None, None) => Ok(builder.with_no_client_auth()),
    }
}

/// OpenSSL's names for rustls' suites: the names `ssl-cipher` lists in MySQL's clients.
const OPENSSL_NAMES: &[(CipherSuite, &str)] = &[
    (
        CipherSuite::TLS13_AES_256_GCM_SHA384,
        "TLS_AES_256_GCM_SHA384",
    ),
    (
        CipherSuite::TLS13_AES_128_GCM_SHA256,
        "TLS_AES_128_GCM_SHA256",
    ),
    (
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
        "TLS_CHACHA20_POLY1305_SHA256",
    ),
    (
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        "ECDHE-ECDSA-AES256-GCM-SHA384",
    ),
    (
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        "ECDHE-ECDSA-AES128-GCM-SHA256",
    ),
    (
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        "ECDHE-ECDSA-CHACHA20-POLY1305",
    ),
    (
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        "ECDHE-RSA-AES256-GCM-SHA384",
    ),
    (
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        "ECDHE-RSA-AES128-GCM-SHA256",
    ),
    (
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        "ECDHE-RSA-CHACHA20-POLY1305",
    ),
];

/// The provider offering only the suites `list` names (`:`, `,` or space separated,
/// OpenSSL or rustls/IANA names, any case). Names of suites rustls lacks are skipped,
/// so the driver never offers more than the list allows; OpenSSL's cipher-string
/// operators (`!x`, `+x`, `-x`, `@STRENGTH`) cannot be honoured and are refused, as is
/// a list that leaves nothing to offer.
fn restricted(list: &str) -> Result<CryptoProvider, String> {
    let all = rustls::crypto::ring::default_provider();
    let mut wanted = Vec::new();
    for token in list.split([':', ',', ' ']).filter(|t| !t.is_empty()) {
        if token.starts_with(['!', '+', '-', '@']) {
            return Err(format!(
                "ssl cipher {token:?}: OpenSSL cipher-string operators are not \
                 supported; list the suites to allow by name"
            ));
        }
        wanted.push(token.to_ascii_uppercase());
    }
    let named = |suite: CipherSuite| {
        let ours = format!("{suite:?}");
        let openssl = OPENSSL_NAMES.iter().find(|(s, _)| *s == suite).map(|p| p.1);
        wanted
            .iter()
            .any(|w| *w == ours || Some(w.as_str()) == openssl)
    };
    let cipher_suites: Vec<_> = all
        .cipher_suites
        .iter()
        .copied()
        .filter(|s| named(s.suite()))
        .collect();
    if cipher_suites.is_empty() {
        let offered: Vec<&str> = OPENSSL_NAMES.iter().map(|p| p.1).collect();
        return Err(format!(
            "ssl cipher {list:?} names none of the suites this driver offers ({})",
            offered.join(":")
        ));
    }
    Ok(CryptoProvider {
        cipher_suites,
        ..all
    })
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("cannot read certificates from {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("no certificate found in {}", path.display()));
    }
    Ok(certs)
}

/// Refused: VERIFY_CA (chain, no name) over the public web roots. Anyone holding a
/// public certificate for any domain would pass, so it proves nothing about the server
/// (libpq refuses `sslrootcert=system` without a full check for the same reason).
pub const VERIFY_CA_NEEDS_CA: &str = "ssl_mode VERIFY_CA needs a CA of your own (ssl ca or \
     capath): against the public web roots it would accept any public certificate for any \
     host; name a CA, or use VERIFY_IDENTITY to check the host name against the public roots";

fn roots(s: &TlsSettings) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    if s.ca_file.is_none() && s.ca_dir.is_none() {
        if s.verify == Verify::Chain {
            return Err(VERIFY_CA_NEEDS_CA.into());
        }
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok(store);
    }
    if let Some(file) = &s.ca_file {
        for cert in read_certs(file)? {
            store
                .add(cert)
                .map_err(|e| format!("bad CA certificate in {}: {e}", file.display()))?;
        }
    }
    if let Some(dir) = &s.ca_dir {
        let entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            // Anything that is not a PEM certificate (hash links to the same file, other
            // files) is skipped, as OpenSSL's capath lookup would never match it.
            if let Ok(certs) = read_certs(&entry.path()) {
                store.add_parsable_certificates(certs);
            }
        }
    }
    if store.is_empty() {
        return Err("no usable CA certificate".into());
    }
    Ok(store)
}

/// REQUIRED / PREFERRED: encryption without identity. The handshake signature is
/// still checked against the presented certificate's key.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(
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
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(
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

/// VERIFY_CA: the full WebPKI check except the host name.
#[derive(Debug)]
struct IgnoreName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for IgnoreName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// The name to check the certificate against: an IP address or a DNS name.
pub fn server_name(host: &str) -> Result<ServerName<'static>, String> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(host.to_string()).map_err(|e| format!("invalid server name {host:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(verify: Verify, ca_file: Option<PathBuf>) -> TlsSettings {
        TlsSettings {
            verify,
            ca_file,
            ca_dir: None,
            cert_file: None,
            key_file: None,
            ciphers: None,
        }
    }

    fn suites(list: &str) -> Result<Vec<String>, String> {
        Ok(restricted(list)?
            .cipher_suites
            .iter()
            .map(|s| format!("{:?}", s.suite()))
            .collect())
    }

    #[test]
    fn cipher_lists_restrict_the_offer() {
        assert_eq!(
            suites("ECDHE-RSA-AES128-GCM-SHA256").unwrap(),
            ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]
        );
        assert_eq!(
            suites("tls_aes_256_gcm_sha384, TLS13_CHACHA20_POLY1305_SHA256").unwrap(),
            ["TLS13_AES_256_GCM_SHA384", "TLS13_CHACHA20_POLY1305_SHA256"]
        );
        // A suite rustls lacks is skipped, never replaced by another.
        assert_eq!(
            suites("DHE-RSA-AES256-SHA:ECDHE-ECDSA-AES256-GCM-SHA384").unwrap(),
            ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"]
        );
    }

    #[test]
    fn cipher_lists_we_cannot_honour_are_refused() {
        for list in [
            "HIGH",
            "AES128-SHA:DHE-RSA-AES256-SHA",
            "",
            "HIGH:!aNULL",
            "@STRENGTH",
        ] {
            let err = suites(list).unwrap_err();
            assert!(err.starts_with("ssl cipher"), "{list}: {err}");
        }
        let mut s = settings(Verify::Nothing, None);
        s.ciphers = Some("ECDHE-RSA-AES128-GCM-SHA256".into());
        assert!(build(&s).is_ok());
        s.ciphers = Some("RC4-MD5".into());
        assert!(build(&s).err().unwrap().contains("RC4-MD5"));
    }

    #[test]
    fn verify_ca_without_a_ca_is_refused() {
        let err = build(&settings(Verify::Chain, None)).err().unwrap();
        assert_eq!(err, VERIFY_CA_NEEDS_CA);
    }

    #[test]
    fn verify_identity_without_a_ca_uses_the_public_roots() {
        assert!(build(&settings(Verify::ChainAndName, None)).is_ok());
        assert!(build(&settings(Verify::Nothing, None)).is_ok());
    }

    #[test]
    fn verify_ca_with_a_ca_file_is_not_refused_for_lack_of_one() {
        // A missing file fails on reading it, not with the "needs a CA" refusal.
        let missing = PathBuf::from("/nonexistent/unshaken-ca.pem");
        let err = build(&settings(Verify::Chain, Some(missing)))
            .err()
            .unwrap();
        assert!(err.contains("unshaken-ca.pem"), "{err}");
    }
}
