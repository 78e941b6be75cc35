//! `--show-claims`: the claims of the id token a run sends, and what the API makes of them: the
//! identity, the groups, and whether those make an administrator. The first thing to look at
//! when a policy does not apply.
//!
//! Nothing here decides anything: the identity is `ccwb_core`'s [`IdentityClaims`] rule, the
//! groups its [`groups_from_claims`], admin membership its [`AdminGroups`], each under the
//! deployment's settings as config.json copies them (else the API's defaults, see
//! [`ApiClaims`]). So what is shown is what `/me` answers for the same token.
//!
//! The token itself is never printed, only its claims: they are not secret, the token (and
//! its signature) is a credential.
//!
//! [`IdentityClaims`]: ccwb_core::IdentityClaims
//! [`AdminGroups`]: ccwb_core::AdminGroups

use ccwb_api_client::signin;
use ccwb_core::groups::groups_from_claims;
use ccwb_core::{Claims, Group, Identity};
use serde_json::{Map, Value, json};

use crate::config::ApiClaims;
use crate::error::Error;
use ccwb_install::credentials::rfc3339;

/// The claim that says whether the `email` claim is verified (OpenID Connect Core 5.1), which
/// the API's identity rule reads beside the claim that names the user.
const EMAIL_VERIFIED_CLAIM: &str = "email_verified";

/// What the API makes of one id token, at one moment.
#[derive(Debug, Clone)]
pub struct Reading<'a> {
    api: &'a ApiClaims,
    now: i64,
    claims: Map<String, Value>,
    identity: Option<Identity>,
    /// The claims the identity is read from: one, or several carrying the same address.
    identity_from: Vec<String>,
    groups: Vec<Group>,
    admin: bool,
    /// Why there is no identity.
    problem: Option<String>,
}

impl<'a> Reading<'a> {
    /// The reading of `id_token` by the API set up as `api`, at Unix time `now`.
    pub fn new(id_token: &str, api: &'a ApiClaims, now: i64) -> Result<Self, Error> {
        let Value::Object(claims) = signin::claims(id_token)? else {
            return Err(Error::SignIn(
                "the id token's claims are not an object".into(),
            ));
        };
        Ok(Self::of_claims(claims, api, now))
    }

    fn of_claims(claims: Map<String, Value>, api: &'a ApiClaims, now: i64) -> Self {
        let read = Claims::from_json(claims.clone());
        let identity = api.identity_claims.identity(&read);
        let groups = groups_from_claims(&read);
        let admin = api.admin_groups.admits(&groups);
        let identity_from = identity
            .as_ref()
            .map(|identity| sources(&claims, api, identity))
            .unwrap_or_default();
        let problem = identity.is_none().then(|| no_identity(&read, api));
        Self {
            api,
            now,
            claims,
            identity,
            identity_from,
            groups,
            admin,
            problem,
        }
    }

    /// `exp`, Unix seconds.
    fn expires_at(&self) -> Option<i64> {
        self.claims.get("exp").and_then(Value::as_i64)
    }

    /// The block people read.
    pub fn text(&self) -> String {
        let claims = serde_json::to_string_pretty(&self.claims).unwrap_or_default();
        let identity = match (&self.identity, &self.problem) {
            (Some(identity), _) => format!(
                "{identity}  (from claim{} {})",
                if self.identity_from.len() > 1 {
                    "s"
                } else {
                    ""
                },
                self.identity_from.join(", ")
            ),
            (None, problem) => format!("none  ({})", problem.as_deref().unwrap_or_default()),
        };
        let groups = if self.groups.is_empty() {
            "none".to_owned()
        } else {
            // Quoted, since a group name may hold commas and spaces (`CN=eng,OU=x`).
            let quoted: Vec<String> = self
                .groups
                .iter()
                .map(|g| Value::String(g.as_str().to_owned()).to_string())
                .collect();
            quoted.join(", ")
        };
        let expires = match self.expires_at() {
            Some(exp) => {
                let minutes = (exp - self.now).div_euclid(60);
                let when = rfc3339(exp).unwrap_or_else(|| exp.to_string());
                if exp > self.now {
                    format!("{when}  (expires in {minutes} min)")
                } else {
                    format!("{when}  (expired {} min ago)", -minutes)
                }
            }
            None => "unknown (no exp claim)".to_owned(),
        };
        format!(
            "Claims of the id token (the token and its signature are not shown):\n{claims}\n\n\
             identity: {identity}\n\
             groups:   {groups}\n\
             admin:    {}  (admin groups: {})\n\
             expires:  {expires}\n",
            if self.admin { "yes" } else { "no" },
            self.api.admin_groups_text,
        )
    }

    /// The same for scripts: `identity`, `groups` and `admin` as `/me` names them.
    pub fn json(&self) -> String {
        let value = json!({
            "claims": self.claims,
            "identity": self.identity,
            "identity_from": self.identity_from,
            "groups": self.groups,
            "admin": self.admin,
            "identity_claims": self.api.identity_claims_text.text,
            "admin_groups": self.api.admin_groups_text.text,
            "unverified_email": self.api.unverified_email_text.text,
            "expires_at": self.expires_at().and_then(rfc3339),
            "expires_in_seconds": self.expires_at().map(|exp| exp - self.now),
            "problem": self.problem,
        });
        serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
    }

    /// `Ok` when the token names someone; else the reason, naming the claim.
    pub fn outcome(&self) -> Result<(), Error> {
        match &self.problem {
            Some(problem) => Err(Error::NoIdentity(problem.clone())),
            None => Ok(()),
        }
    }
}

/// The claims the API read `identity` from. Its rule does not say which claim it used, so it is
/// asked about each claim alone (with [`EMAIL_VERIFIED_CLAIM`], which decides whether an
/// `email` counts): a claim it does not name, or whose value it passes over, gives no identity
/// alone. Several claims answer only when they carry the same address.
fn sources(claims: &Map<String, Value>, api: &ApiClaims, identity: &Identity) -> Vec<String> {
    claims
        .iter()
        .filter(|(name, value)| {
            let mut alone = Map::from_iter([((*name).clone(), (*value).clone())]);
            if let Some(flag) = claims.get(EMAIL_VERIFIED_CLAIM) {
                alone.insert(EMAIL_VERIFIED_CLAIM.to_owned(), flag.clone());
            }
            api.identity_claims
                .identity(&Claims::from_json(alone))
                .as_ref()
                == Some(identity)
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// Why `claims` name nobody, naming the claim: an `email` the provider marks unverified (which
/// the same rule, accepting unverified addresses, would take), or none of the identity claims.
fn no_identity(claims: &Claims, api: &ApiClaims) -> String {
    let accepting = api.identity_claims.clone().accepting_unverified_email(true);
    if accepting.identity(claims).is_some() {
        format!(
            "the id token's \"email\" is marked \"{EMAIL_VERIFIED_CLAIM}\": false, and an unverified address names nobody (unverified_email: {}); have the address verified at the identity provider",
            api.unverified_email_text
        )
    } else {
        format!(
            "the id token has none of the claims the API names users by as a non-blank string (identity_claims: {}); the identity provider must send one",
            api.identity_claims_text
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The API's reading as config.json's `keys` set it up.
    fn api(keys: Value) -> ApiClaims {
        let mut profile = json!({"issuer": "https://idp.example.com", "client_id": "c",
            "aws_region": "us-east-1", "federated_role_arn": "arn:aws:iam::1:role/r"});
        for (key, value) in keys.as_object().unwrap() {
            profile[key] = value.clone();
        }
        let text = json!({"ClaudeCode": profile}).to_string();
        crate::config::parse(&text, "ClaudeCode", std::path::Path::new("config.json"))
            .unwrap()
            .profile
            .api_claims
    }

    const NOW: i64 = 1_800_000_000;

    fn read<'a>(api: &'a ApiClaims, claims: Value) -> Reading<'a> {
        Reading::of_claims(claims.as_object().unwrap().clone(), api, NOW)
    }

    #[test]
    fn identity_groups_and_admin_are_the_apis() {
        let api = api(json!({}));
        let reading = read(
            &api,
            json!({"sub": "00u1", "email": "Dev@Example.COM", "email_verified": true,
                "groups": ["team ccwb-admins", "eng"], "cognito:groups": "CN=ops,OU=x",
                "exp": NOW + 3599}),
        );
        let text = reading.text();
        // A group name is never split.
        for line in [
            "identity: dev@example.com  (from claim email)\n",
            "groups:   \"CN=ops,OU=x\", \"eng\", \"team ccwb-admins\"\n",
            "admin:    no  (admin groups: ccwb-admins, the API's default)\n",
            "expires:  2027-01-15T08:59:59Z  (expires in 59 min)\n",
        ] {
            assert!(text.contains(line), "{line:?} missing from {text}");
        }
        assert!(reading.outcome().is_ok());

        let admin = read(&api, json!({"email": "a@x.io", "groups": "ccwb-admins"}));
        assert!(admin.text().contains("admin:    yes"), "{}", admin.text());
    }

    #[test]
    fn the_deployments_settings_decide() {
        let api = api(json!({"identity_claims": "upn,email", "admin_groups": "platform, sre"}));
        let claims = json!({"email": "a@x.io", "upn": "U@Corp.Example", "groups": ["sre"]});
        let reading = read(&api, claims);
        let text = reading.text();
        for line in [
            "identity: u@corp.example  (from claim upn)",
            "admin:    yes  (admin groups: platform, sre)",
        ] {
            assert!(text.contains(line), "{line:?} missing from {text}");
        }
        let value: Value = serde_json::from_str(&reading.json()).unwrap();
        assert_eq!(value["identity"], "u@corp.example");
        assert_eq!(value["identity_from"], json!(["upn"]));
        assert_eq!(value["groups"], json!(["sre"]));
        assert_eq!(value["admin"], true);
        assert_eq!(value["admin_groups"], "platform, sre");
        assert_eq!(value["problem"], Value::Null);
    }

    #[test]
    fn claims_with_the_same_address_are_all_named() {
        let api = api(json!({"identity_claims": "email,upn"}));
        let reading = read(
            &api,
            json!({"email": "a@x.io", "upn": "A@X.io", "sub": "a@x.io"}),
        );
        assert_eq!(reading.identity_from, ["email", "upn"], "sub is not named");
    }

    #[test]
    fn an_unverified_email_is_no_identity_unless_accepted() {
        let claims = json!({"email": "a@x.io", "email_verified": false, "sub": "a@x.io"});
        let denying = api(json!({}));
        let reading = read(&denying, claims.clone());
        let err = reading.outcome().unwrap_err().to_string();
        assert!(
            err.starts_with(
                "no identity: the id token's \"email\" is marked \"email_verified\": false"
            ),
            "{err}"
        );
        assert!(
            err.contains("unverified_email: deny, the API's default"),
            "{err}"
        );
        assert!(reading.text().contains("identity: none  (the id token's"));

        let accepting = api(json!({"unverified_email": "accept"}));
        let reading = read(&accepting, claims);
        assert!(reading.outcome().is_ok());
        assert_eq!(reading.identity_from, ["email"]);
    }

    #[test]
    fn a_token_without_the_identity_claim_names_the_claim() {
        let api = api(json!({}));
        for claims in [
            json!({"sub": "a@x.io"}),
            json!({"email": ["a@x.io"]}),
            json!({"email": "  "}),
        ] {
            let reading = read(&api, claims.clone());
            let err = reading.outcome().unwrap_err().to_string();
            assert!(
                err.contains("(identity_claims: email, the API's default)"),
                "{claims}: {err}"
            );
            let value: Value = serde_json::from_str(&reading.json()).unwrap();
            assert_eq!(value["identity"], Value::Null);
            assert_eq!(value["problem"].as_str(), err.strip_prefix("no identity: "));
        }
    }

    #[test]
    fn the_token_itself_is_never_shown() {
        let api = api(json!({}));
        let part = |v: Value| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let token = format!(
            "{}.{}.c2lnbmF0dXJl",
            part(json!({"alg": "RS256"})),
            part(json!({"email": "a@x.io", "exp": NOW - 120}))
        );
        let reading = Reading::new(&token, &api, NOW).unwrap();
        for shown in [reading.text(), reading.json()] {
            assert!(
                !shown.contains("c2lnbmF0dXJl") && !shown.contains(&token),
                "{shown}"
            );
        }
        assert!(reading.text().contains("(expired 2 min ago)"));
    }
}
