//! What each mode does, in order: cached credentials (re-checking the quota when due), else the
//! sign-in (cached id token, refresh token, browser), the quota check, STS or Cognito, cache.
//!
//! The fast path reads the cache without a lock (writes are atomic renames). Everything that
//! signs in or writes holds the profile's lock and reads the cache again under it, so
//! concurrent runs share one sign-in and one STS call.

use ccwb_api::CheckResponse;
use ccwb_api_client::signin;

use crate::cache::{Cache, Cached, Tokens};
use crate::config::{Federation, Loaded};
use crate::error::Error;
use crate::quota::{self, Notices, Outcome};
use crate::{federation, provider};
use ccwb_install::credentials::{Credentials, rfc3339};

/// Credentials with less than this left are renewed (AWS tools refresh about then as well).
pub const CREDENTIALS_MARGIN_SECS: i64 = 300;
/// An id token with less than this left is renewed before it is sent anywhere.
pub const TOKEN_MARGIN_SECS: i64 = 60;
/// What an id token printed for `otelHeadersHelper` must have left: Claude Code keeps the
/// helper's headers for about 29 minutes (`CLAUDE_CODE_OTEL_HEADERS_HELPER_DEBOUNCE_MS`,
/// default 1,740,000 ms) before it asks again, so a token with less would expire in use.
pub const OTEL_TOKEN_MARGIN_SECS: i64 = 35 * 60;
/// How long `--otel-headers` waits for another run that holds the lock (it may be signing in
/// in a browser) before giving up without a token.
const OTEL_LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

/// One run for one profile.
pub struct Flow {
    loaded: Loaded,
    cache: Cache,
    now: i64,
    notices: Notices,
}

fn waiting() {
    eprintln!("Waiting for another credential-process run to finish signing in…");
}

impl Flow {
    /// A run of `loaded` at Unix time `now`.
    pub fn new(loaded: Loaded, now: i64) -> Result<Self, Error> {
        let cache = Cache::new(&loaded.name, loaded.profile.storage)?;
        Ok(Self {
            loaded,
            cache,
            now,
            notices: Notices::Stderr,
        })
    }

    /// The same run, telling the developer about their quota through `notices`.
    pub fn with_notices(mut self, notices: Notices) -> Self {
        self.notices = notices;
        self
    }

    /// The profile this run is for.
    pub fn loaded(&self) -> &Loaded {
        &self.loaded
    }

    fn load(&self) -> Result<Cached, Error> {
        self.cache.load(&self.loaded.profile.fingerprint())
    }

    fn usable(&self, cached: &Cached) -> Option<Credentials> {
        cached
            .credentials
            .clone()
            .filter(|c| c.valid_for(self.now, CREDENTIALS_MARGIN_SECS))
    }

    fn token_usable(&self, cached: &Cached) -> Option<String> {
        cached
            .tokens
            .as_ref()
            .filter(|t| t.expires_at - self.now > TOKEN_MARGIN_SECS)
            .map(|t| t.id_token.clone())
    }

    fn quota_due(&self, cached: &Cached) -> bool {
        let profile = &self.loaded.profile;
        if profile.quota_api_endpoint.is_none() {
            return false;
        }
        let interval = profile.quota_check_interval_minutes as i64 * 60;
        interval == 0
            || cached
                .last_quota_check
                .is_none_or(|last| self.now - last >= interval || last > self.now)
    }

    /// AWS credentials for `credential_process`.
    pub async fn credentials(&self) -> Result<Credentials, Error> {
        let cached = self.load()?;
        if let Some(credentials) = self.usable(&cached)
            && !self.quota_due(&cached)
        {
            return Ok(credentials);
        }
        let _lock = self.cache.lock(waiting)?;
        let mut cached = self.load()?;
        let mut lifetime = None;
        if let Some(credentials) = self.usable(&cached) {
            if self.quota_due(&cached) {
                lifetime = self.enforce_quota(&mut cached).await?;
            }
            // Kept unless the check now allows a shorter life than they have left: then
            // new ones that end sooner, so the next check comes in time.
            if lifetime.is_none_or(|ttl| !credentials.valid_for(self.now, i64::from(ttl))) {
                return Ok(credentials);
            }
        } else if self.loaded.profile.quota_api_endpoint.is_some() {
            // Signs in first when needed, so the check has a token.
            lifetime = self.enforce_quota(&mut cached).await?;
        }
        let id_token = self.id_token(&mut cached).await?;
        let claims = signin::claims(&id_token)?;
        let seconds =
            federation::session_seconds(self.loaded.profile.max_session_duration, lifetime);
        let credentials =
            federation::credentials(&self.loaded.profile, &id_token, &claims, seconds).await?;
        cached.credentials = Some(credentials.clone());
        self.cache.save(&cached)?;
        Ok(credentials)
    }

    /// A usable id token, for `--check-quota` and `--show-claims`: the cached one, else renewed
    /// with the refresh token, else a browser sign-in.
    pub async fn current_id_token(&self) -> Result<String, Error> {
        if let Some(token) = self.token_usable(&self.load()?) {
            return Ok(token);
        }
        let _lock = self.cache.lock(waiting)?;
        let mut cached = self.load()?;
        self.id_token(&mut cached).await
    }

    /// An id token for `--otel-headers` with more than [`OTEL_TOKEN_MARGIN_SECS`] left: the
    /// cached one, else renewed with the refresh token. Never a browser (the helper runs in
    /// the background) and never a long wait: with no silent renewal possible it fails, and
    /// Claude Code asks again later.
    pub async fn otel_id_token(&self) -> Result<String, Error> {
        let lasting = |cached: &Cached| {
            cached
                .tokens
                .as_ref()
                .filter(|t| t.expires_at - self.now > OTEL_TOKEN_MARGIN_SECS)
                .map(|t| t.id_token.clone())
        };
        if let Some(token) = lasting(&self.load()?) {
            return Ok(token);
        }
        let Some(_lock) = self.cache.try_lock_for(OTEL_LOCK_PATIENCE)? else {
            return Err(Error::SignIn(
                "another credential-process run is signing in; no token for the telemetry headers yet".into(),
            ));
        };
        let mut cached = self.load()?;
        if let Some(token) = lasting(&cached) {
            return Ok(token);
        }
        match self.renew(&mut cached).await {
            None => Err(Error::SignIn(format!(
                "no sign-in that can be renewed silently for profile {:?}; start claude (or run aws sts get-caller-identity --profile {}) to sign in",
                self.loaded.name, self.loaded.name
            ))),
            Some(Err(err)) => Err(err),
            // A provider whose tokens live less than the margin still gets its freshest token
            // used, unless even that one is expiring.
            Some(Ok(_)) => self.token_usable(&cached).ok_or_else(|| {
                Error::SignIn(
                    "the identity provider renewed the sign-in with a token that is already expiring"
                        .into(),
                )
            }),
        }
    }

    /// `GET /check` as is, for `--check-quota`.
    pub async fn check_quota(&self) -> Result<CheckResponse, Error> {
        let endpoint = self
            .loaded
            .profile
            .quota_api_endpoint
            .clone()
            .ok_or_else(|| {
                Error::Config(format!(
                    "profile {:?} has no quota_api_endpoint in {}",
                    self.loaded.name,
                    self.loaded.path.display()
                ))
            })?;
        let token = self.current_id_token().await?;
        quota::check(&endpoint, &token).await
    }

    /// Removes credentials and tokens: a real sign-out. `true` if there was anything.
    pub fn clear(&self) -> Result<bool, Error> {
        let _lock = self.cache.lock(waiting)?;
        self.cache.clear()
    }

    /// Checks the quota with the lock held; records an allowed check (and returns the
    /// credential lifetime it set), and on a block removes the cached credentials (the sign-in
    /// is kept, so an unblock takes effect at once).
    async fn enforce_quota(&self, cached: &mut Cached) -> Result<Option<u32>, Error> {
        let Some(endpoint) = self.loaded.profile.quota_api_endpoint.clone() else {
            return Ok(None);
        };
        let id_token = self.id_token(cached).await?;
        match quota::enforce(&self.loaded.profile, &endpoint, &id_token, self.notices).await? {
            Outcome::Allowed(lifetime) => {
                cached.last_quota_check = Some(self.now);
                self.cache.save(cached)?;
                Ok(lifetime)
            }
            Outcome::Unchecked => Ok(None),
            Outcome::Blocked(reason) => {
                cached.credentials = None;
                cached.last_quota_check = None;
                self.cache.save(cached)?;
                Err(Error::Blocked(reason))
            }
        }
    }

    /// A usable id token with the lock held: the cached one, else renewed with the refresh
    /// token, else a browser sign-in. New tokens are saved at once, so a later failure (STS,
    /// quota) never costs another browser window.
    async fn id_token(&self, cached: &mut Cached) -> Result<String, Error> {
        if let Some(token) = self.token_usable(cached) {
            return Ok(token);
        }
        match self.renew(cached).await {
            Some(Ok(token)) => return Ok(token),
            Some(Err(err)) => eprintln!("{err}; signing in again in the browser."),
            None => {}
        }
        let profile = &self.loaded.profile;
        let sign_in = provider::sign_in(profile).await?;
        eprintln!(
            "Signing in to {} for profile {:?} in your browser…",
            profile.base_url, self.loaded.name
        );
        let fresh = sign_in
            .run(|url| {
                if !signin::open_browser(url.as_str()) {
                    eprintln!("No browser could be opened. Open this address to sign in:\n  {url}");
                }
            })
            .await?;
        self.keep_tokens(cached, fresh, sign_in.token_endpoint)
    }

    /// Renews the sign-in with the saved refresh token and saves the new tokens; `None` when
    /// there is no refresh token.
    async fn renew(&self, cached: &mut Cached) -> Option<Result<String, Error>> {
        let old = cached.tokens.clone()?;
        let refresh_token = old.refresh_token.clone()?;
        let profile = &self.loaded.profile;
        Some(
            match signin::refresh(
                &old.token_endpoint,
                &profile.client_id,
                profile.client_secret.as_deref(),
                &refresh_token,
            )
            .await
            {
                Ok(fresh) => self.keep_tokens(cached, fresh, old.token_endpoint),
                Err(err) => Err(Error::SignIn(format!(
                    "the saved sign-in could not be renewed ({err})"
                ))),
            },
        )
    }

    /// Saves a sign-in's (or refresh's) tokens at once; returns the id token.
    fn keep_tokens(
        &self,
        cached: &mut Cached,
        fresh: signin::Tokens,
        token_endpoint: String,
    ) -> Result<String, Error> {
        cached.tokens = Some(Tokens {
            id_token: fresh.id_token.clone(),
            expires_at: fresh.expires_at,
            refresh_token: fresh.refresh_token,
            token_endpoint,
        });
        self.cache.save(cached)?;
        Ok(fresh.id_token)
    }

    /// `--explain`: which file, which profile, the cache's state and what a run would do now.
    /// Never a token or key.
    pub fn explain(&self) -> String {
        let p = &self.loaded.profile;
        let mut lines = vec![
            format!("Config file:   {}", self.loaded.path.display()),
            format!(
                "Profile:       {} ({} provider {}, client {})",
                self.loaded.name,
                p.provider_type.as_str(),
                p.base_url,
                p.client_id
            ),
            match &p.federation {
                Federation::Direct { role_arn } => format!(
                    "Federation:    STS AssumeRoleWithWebIdentity into {role_arn} ({}, sessions of up to {} s (shorter near a block limit), session name {})",
                    p.aws_region,
                    p.max_session_duration,
                    match p.role_session_name_claim {
                        Some(claim) => format!("= the token's {} claim exactly", claim.as_str()),
                        None => "from the e-mail, else the subject".to_owned(),
                    }
                ),
                Federation::Cognito { identity_pool_id } => format!(
                    "Federation:    Cognito identity pool {identity_pool_id} ({})",
                    p.aws_region
                ),
            },
            format!("Cache:         {}", self.cache.location()),
        ];
        let cached = match self.load() {
            Ok(cached) => cached,
            Err(err) => {
                lines.push(format!("Cache state:   unreadable ({err})"));
                Cached::default()
            }
        };
        let at = |secs: i64| rfc3339(secs).unwrap_or_else(|| secs.to_string());
        lines.push(match &cached.credentials {
            Some(c) if self.usable(&cached).is_some() => format!(
                "Credentials:   valid until {} ({} min left)",
                c.expiration,
                (c.expires_at() - self.now) / 60
            ),
            Some(c) => format!("Credentials:   expired or expiring ({})", c.expiration),
            None => "Credentials:   none cached".to_owned(),
        });
        lines.push(match &cached.tokens {
            Some(t) => format!(
                "Sign-in:       id token {} {}; {}",
                if self.token_usable(&cached).is_some() {
                    "valid until"
                } else {
                    "expired at"
                },
                at(t.expires_at),
                if t.refresh_token.is_some() {
                    "refresh token saved"
                } else {
                    "no refresh token"
                }
            ),
            None => "Sign-in:       not signed in".to_owned(),
        });
        lines.push(match &p.quota_api_endpoint {
            Some(endpoint) => format!(
                "Quota check:   {endpoint} every {} min (fail mode {}); last allowed {}",
                p.quota_check_interval_minutes,
                match p.quota_fail_mode {
                    crate::config::FailMode::Open => "open",
                    crate::config::FailMode::Closed => "closed",
                },
                cached
                    .last_quota_check
                    .map(at)
                    .unwrap_or_else(|| "never".to_owned())
            ),
            None => "Quota check:   none (no quota_api_endpoint)".to_owned(),
        });
        let sign_in = if self.token_usable(&cached).is_some() {
            "use the saved id token"
        } else if cached
            .tokens
            .as_ref()
            .is_some_and(|t| t.refresh_token.is_some())
        {
            "renew the sign-in with the refresh token"
        } else {
            "sign in through the browser"
        };
        let next = match (self.usable(&cached).is_some(), self.quota_due(&cached)) {
            (true, false) => "print the cached credentials".to_owned(),
            (true, true) => format!("{sign_in}, check the quota, print the cached credentials"),
            (false, due) => format!(
                "{sign_in}, {}get new credentials, cache and print them",
                if due || p.quota_api_endpoint.is_some() {
                    "check the quota, "
                } else {
                    ""
                }
            ),
        };
        lines.push(format!("Next run:      {next}"));
        for warning in &self.loaded.warnings {
            lines.push(format!("Warning:       {warning}"));
        }
        lines.join("\n") + "\n"
    }
}
