//! The development issuer's RSA signing key: generated at first start, kept (0600) in the state
//! directory so tokens stay valid across restarts.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::LocalError;

const KEY_FILE: &str = "dev-issuer-key.pem";

/// The signing key with its public JWK.
pub struct DevKey {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: Value,
}

impl DevKey {
    /// Loads the key from `state_dir`, generating and storing it on first use.
    pub fn load_or_create(state_dir: &Path) -> Result<Self, LocalError> {
        let path = state_dir.join(KEY_FILE);
        let pem_text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => create(state_dir, &path)?,
            Err(err) => return Err(LocalError::file("cannot read", &path, err)),
        };
        Self::from_pem(&pem_text)
    }

    /// Loads the key from `state_dir`; it must exist.
    pub fn load(state_dir: &Path) -> Result<Self, LocalError> {
        let path = state_dir.join(KEY_FILE);
        let text = fs::read_to_string(&path).map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => LocalError::NoDevIssuer(state_dir.to_owned()),
            _ => LocalError::file("cannot read", &path, err),
        })?;
        Self::from_pem(&text)
    }

    fn from_pem(text: &str) -> Result<Self, LocalError> {
        let parsed = pem::parse(text).map_err(|e| LocalError::Key(e.to_string()))?;
        let pair = KeyPair::from_pkcs8(parsed.contents())
            .map_err(|e| LocalError::Key(format!("not an RSA PKCS#8 key: {e}")))?;
        let public = pair.public_key();
        let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
        let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
        // RFC 7638 thumbprint: a kid that changes exactly when the key does.
        let thumbprint = Sha256::digest(format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#));
        let kid = URL_SAFE_NO_PAD.encode(thumbprint);
        let encoding = EncodingKey::from_rsa_pem(text.as_bytes())?;
        let decoding = DecodingKey::from_rsa_components(&n, &e)?;
        let jwk = json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": e});
        Ok(Self {
            kid,
            encoding,
            decoding,
            jwk,
        })
    }

    /// The key id tokens carry in their header.
    #[cfg(test)]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> &Value {
        &self.jwk
    }

    /// The public key for verification.
    pub fn decoding_key(&self) -> &DecodingKey {
        &self.decoding
    }

    /// Signs `claims` as an RS256 JWT.
    pub fn sign(&self, claims: &impl Serialize) -> Result<String, LocalError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &self.encoding)?)
    }
}

/// Generates a key and stores it without ever overwriting one a concurrent start wrote first.
fn create(state_dir: &Path, path: &PathBuf) -> Result<String, LocalError> {
    fs::create_dir_all(state_dir).map_err(|e| LocalError::file("cannot create", state_dir, e))?;
    let pair = KeyPair::generate(KeySize::Rsa2048)
        .map_err(|_| LocalError::Key("RSA key generation failed".into()))?;
    let der = pair
        .as_der()
        .map_err(|_| LocalError::Key("cannot encode the key".into()))?;
    let text = pem::encode(&pem::Pem::new("PRIVATE KEY", der.as_ref().to_vec()));

    let tmp = state_dir.join(format!("{KEY_FILE}.{}.tmp", std::process::id()));
    write_private(&tmp, &text)?;
    // A hard link fails if the key exists, so the first writer wins and nobody reads half a file.
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(text),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            fs::read_to_string(path).map_err(|e| LocalError::file("cannot read", path, e))
        }
        Err(err) => Err(LocalError::file("cannot write", path, err)),
    }
}

fn write_private(path: &Path, text: &str) -> Result<(), LocalError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| LocalError::file("cannot write", path, e))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| LocalError::file("cannot write", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_survives_a_restart_and_signs_verifiable_tokens() {
        let dir = std::env::temp_dir().join(format!("ccwb-devkey-{}", uuid::Uuid::new_v4()));
        let first = DevKey::load_or_create(&dir).unwrap();
        let again = DevKey::load(&dir).unwrap();
        assert_eq!(first.kid(), again.kid());

        let token = first
            .sign(&json!({"sub": "a", "exp": 4_102_444_800_u64}))
            .unwrap();
        let mut validation = jsonwebtoken::Validation::new(Algorithm::RS256);
        validation.validate_aud = false;
        let decoded =
            jsonwebtoken::decode::<Value>(&token, again.decoding_key(), &validation).unwrap();
        assert_eq!(decoded.claims["sub"], "a");

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn missing_key_names_the_command_to_run() {
        let dir = std::env::temp_dir().join("ccwb-devkey-missing");
        let err = DevKey::load(&dir).err().unwrap();
        assert!(err.to_string().contains("ccwb-local serve --dev-issuer"));
    }
}
