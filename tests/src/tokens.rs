//! Hand-made tokens for the authorizer tests: signed with the dev issuer's real key, with any
//! claims, header or algorithm a test needs.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::Local;

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// Signs tokens as a stack's dev issuer.
pub struct Signer {
    key: EncodingKey,
    /// The key id the issuer publishes.
    pub kid: String,
    /// The issuer URL.
    pub issuer: String,
    /// The audience (client id).
    pub audience: String,
    /// The public key in PEM form (what an attacker can fetch).
    pub public_pem: Vec<u8>,
}

impl Signer {
    /// Reads the issuer's key from the state directory and its kid from the JWKS.
    pub async fn for_local(local: &Local) -> Self {
        let pem = std::fs::read(local.state_dir.join("dev-issuer-key.pem")).expect("dev key");
        let info: Value = serde_json::from_slice(
            &std::fs::read(local.state_dir.join("dev-issuer.json")).expect("issuer info"),
        )
        .expect("issuer json");
        let jwks = crate::get_json(&format!("{}/.well-known/jwks.json", local.url)).await;
        Self {
            key: EncodingKey::from_rsa_pem(&pem).expect("rsa pem"),
            kid: jwks["keys"][0]["kid"].as_str().expect("kid").to_owned(),
            issuer: info["issuer"].as_str().expect("issuer").to_owned(),
            audience: info["audience"].as_str().expect("audience").to_owned(),
            public_pem: public_pem(&pem),
        }
    }

    /// Claims of a valid id token for `email`, to be altered by the test.
    pub fn claims(&self, email: &str) -> Value {
        json!({
            "iss": self.issuer, "aud": self.audience, "sub": email, "email": email,
            "iat": now(), "exp": now() + 600, "token_use": "id",
        })
    }

    /// [`claims`](Self::claims) without the claim `name`: a token that lacks it.
    pub fn claims_without(&self, email: &str, name: &str) -> Value {
        let mut claims = self.claims(email);
        if let Some(object) = claims.as_object_mut() {
            object.remove(name);
        }
        claims
    }

    /// Claims of a valid access token for `email`: no `aud`, and `client_id` naming the
    /// audience (as Cognito's access tokens do).
    pub fn access_claims(&self, email: &str) -> Value {
        let mut claims = self.claims_without(email, "aud");
        claims["client_id"] = json!(self.audience);
        claims
    }

    /// Signs `claims` with the issuer's key (RS256) and kid.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_kid(claims, Some(&self.kid))
    }

    /// Signs `claims` with the issuer's key under any `kid`.
    pub fn sign_with_kid(&self, claims: &Value, kid: Option<&str>) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &self.key).expect("sign")
    }
}

/// base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The SubjectPublicKeyInfo PEM of the private key in `private_pem`: the public key anyone can
/// derive from the JWKS, which an algorithm-confusion attack uses as an HMAC secret.
fn public_pem(private_pem: &[u8]) -> Vec<u8> {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::signature::KeyPair as _;
    use base64::Engine;
    let text = std::str::from_utf8(private_pem).expect("pem text");
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("pem base64");
    let pair = aws_lc_rs::rsa::KeyPair::from_pkcs8(&der).expect("pkcs8");
    let spki = pair.public_key().as_der().expect("spki");
    let encoded = base64::engine::general_purpose::STANDARD.encode(spki.as_ref());
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    )
    .into_bytes()
}
