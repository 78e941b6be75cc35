//! Running the real `credential-process` as a developer's machine would: its own home, config
//! and cache directories, and a "browser" that only writes down the addresses it is asked to
//! open, so the test can play the browser itself.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::cli::Run;
use crate::{bin, temp_dir};

/// One developer machine.
pub struct Developer {
    /// `$HOME`.
    pub home: PathBuf,
    /// Where the config file goes (`$XDG_CONFIG_HOME/claude-code-with-bedrock/config.json`).
    pub config_path: PathBuf,
    /// The cache directory (`$XDG_CACHE_HOME/claude-code-with-bedrock`).
    pub cache_dir: PathBuf,
    /// The AWS endpoint (`AWS_ENDPOINT_URL`) STS and Cognito are reached at.
    pub aws_endpoint: String,
    browser_log: PathBuf,
}

impl Developer {
    /// A machine whose AWS calls go to `aws_endpoint`.
    pub fn new(aws_endpoint: &str) -> Self {
        let home = temp_dir("developer");
        let browser_log = home.join("browser.log");
        let script = home.join("browser.sh");
        std::fs::write(
            &script,
            format!("#!/bin/sh\necho \"$1\" >> '{}'\n", browser_log.display()),
        )
        .expect("write browser script");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
                .expect("chmod browser script");
        }
        Self {
            config_path: home
                .join("config")
                .join("claude-code-with-bedrock")
                .join("config.json"),
            cache_dir: home.join("cache").join("claude-code-with-bedrock"),
            aws_endpoint: aws_endpoint.to_owned(),
            browser_log,
            home,
        }
    }

    /// Writes `config.json` with `profiles` as the `profiles` object.
    pub fn write_config(&self, profiles: Value) {
        self.write_config_text(&json!({ "profiles": profiles }).to_string());
    }

    /// Writes `config.json` as given.
    pub fn write_config_text(&self, text: &str) {
        std::fs::create_dir_all(self.config_path.parent().expect("config dir"))
            .expect("create config dir");
        std::fs::write(&self.config_path, text).expect("write config");
    }

    /// The command, ready to run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(bin("credential-process"));
        command
            .args(args)
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("XDG_CACHE_HOME", self.home.join("cache"))
            .env("BROWSER", self.home.join("browser.sh"))
            .env("AWS_ENDPOINT_URL", &self.aws_endpoint)
            .env("AWS_CONFIG_FILE", self.home.join("aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.home.join("aws-credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .stdin(Stdio::null());
        command
    }

    /// Runs to completion (for runs that need no sign-in).
    pub fn run(&self, args: &[&str]) -> Run {
        self.command(args)
            .output()
            .expect("run credential-process")
            .into()
    }

    /// Starts a run in the background (for runs that sign in).
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn credential-process")
    }

    /// The addresses the "browser" was asked to open so far.
    pub fn browser_opened(&self) -> Vec<String> {
        std::fs::read_to_string(&self.browser_log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Waits until the browser has been asked to open `count` addresses; returns the last.
    pub fn wait_for_browser(&self, count: usize) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let opened = self.browser_opened();
            if opened.len() >= count {
                return opened[count - 1].clone();
            }
            assert!(
                Instant::now() < deadline,
                "no browser sign-in was started (opened so far: {opened:?})"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Plays the browser against ccwb-local's dev issuer: its authorize endpoint signs in at
    /// once and redirects to the loopback callback, which is then requested. Returns the
    /// callback's page.
    pub fn play_dev_issuer(&self, authorize_url: &str) -> String {
        let client = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let response = client.get(authorize_url).send().expect("authorize");
        let location = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_else(|| panic!("authorize did not redirect: {}", response.status()))
            .to_owned();
        client
            .get(&location)
            .send()
            .and_then(|r| r.text())
            .expect("callback")
    }

    /// Signs in through `child`'s browser request with the dev issuer and waits for it.
    pub fn finish_with_dev_issuer(&self, child: Child, browser_count: usize) -> Run {
        let url = self.wait_for_browser(browser_count);
        self.sign_in_at(&url, child)
    }

    /// Signs in through `child`'s browser request as `email` in `groups`, with the dev
    /// issuer's `login_hint` and its test-only `groups` parameter, and waits for it.
    pub fn finish_with_dev_issuer_as(
        &self,
        child: Child,
        browser_count: usize,
        email: &str,
        groups: &[&str],
    ) -> Run {
        let mut url = url::Url::parse(&self.wait_for_browser(browser_count)).expect("URL");
        url.query_pairs_mut()
            .append_pair("login_hint", email)
            .append_pair("groups", &groups.join(","));
        self.sign_in_at(url.as_str(), child)
    }

    fn sign_in_at(&self, authorize_url: &str, child: Child) -> Run {
        let page = self.play_dev_issuer(authorize_url);
        assert!(page.contains("Signed in"), "{page}");
        wait(child)
    }

    /// Makes `id_token` the profile's cached sign-in, valid for ten more minutes, and drops the
    /// cached credentials: as if the identity provider had just issued it (the profile must
    /// have signed in once, so the cache is there).
    pub fn cache_id_token(&self, profile: &str, id_token: &str) {
        let mut cache = self.cache(profile);
        cache["tokens"]["id_token"] = json!(id_token);
        cache["tokens"]["expires_at"] = json!(crate::tokens::now() + 600);
        if let Some(cache) = cache.as_object_mut() {
            cache.remove("credentials");
        }
        std::fs::write(
            self.cache_dir.join(format!("{profile}.json")),
            cache.to_string(),
        )
        .expect("write cache");
    }

    /// The profile's cache file, parsed.
    pub fn cache(&self, profile: &str) -> Value {
        let text = std::fs::read_to_string(self.cache_dir.join(format!("{profile}.json")))
            .expect("cache file");
        serde_json::from_str(&text).expect("cache JSON")
    }
}

/// Waits for a spawned run.
pub fn wait(child: Child) -> Run {
    child
        .wait_with_output()
        .expect("wait for credential-process")
        .into()
}
