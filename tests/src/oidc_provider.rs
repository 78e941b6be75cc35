//! A third-party OpenID Provider for the sign-in tests: the npm package `oidc-provider`, run by
//! `tests/oidc-provider/server.mjs` with one public client, and a scripted "browser" that signs in
//! through its development login and consent forms.
//!
//! Accounts: any login and password work; the login becomes the id token's `email` and `sub`.

use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use reqwest::blocking::{Client, Response};
use reqwest::redirect::Policy;
use url::Url;

use crate::{npm_ci, repo_root, spawn_supervised, temp_dir};

/// How long the provider may take to print its ready line.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// How many redirects and forms a sign-in may go through before it is considered stuck.
const MAX_STEPS: usize = 20;

/// A running `oidc-provider`, stopped when dropped.
pub struct OidcProvider {
    /// The issuer, e.g. `http://127.0.0.1:40123`; discovery is at
    /// `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// The public client's id.
    pub client_id: String,
    /// Where its stderr goes (oidc-provider's warnings and server errors).
    pub log: PathBuf,
    child: Child,
    // Held open: the server exits when its stdin closes.
    stdin: Option<ChildStdin>,
}

impl OidcProvider {
    /// Starts a provider on a free port with one public client (`authorization_code` +
    /// `refresh_token`, PKCE S256 required). The client is a native one, so a loopback redirect
    /// URI such as `http://127.0.0.1/callback` also matches the same URI on any port.
    pub fn start(client_id: &str, redirect_uris: &[&str]) -> Self {
        Self::start_with(client_id, redirect_uris, &[])
    }

    /// Like [`OidcProvider::start`], with extra environment for `server.mjs`, e.g.
    /// `("GROUPS", "engineering,ccwb-admins")` for every account's `groups` claim.
    pub fn start_with(client_id: &str, redirect_uris: &[&str], env: &[(&str, &str)]) -> Self {
        let dir = install();
        let log = temp_dir("oidc-provider").join("oidc-provider.log");
        let mut command = Command::new("node");
        command
            .arg("server.mjs")
            .current_dir(&dir)
            .env("PORT", "0")
            .env("CLIENT_ID", client_id)
            .env("REDIRECT_URIS", redirect_uris.join(","))
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("oidc-provider log file"));
        let mut child = spawn_supervised(command).expect("start node (is Node.js installed?)");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout piped");

        let ready = crate::process::ready_lines(stdout, "oidc-provider ready on ");
        match ready.recv_timeout(READY_TIMEOUT) {
            Ok(issuer) => Self {
                issuer,
                client_id: client_id.to_owned(),
                log,
                child,
                stdin,
            },
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let stderr = std::fs::read_to_string(&log).unwrap_or_default();
                panic!(
                    "oidc-provider did not print its ready line within {READY_TIMEOUT:?}:\n{stderr}"
                );
            }
        }
    }

    /// Plays the browser: opens `authorize_url`, signs in as `login` on the login form, accepts
    /// the consent form if one is shown, and follows redirects until the provider sends the
    /// browser to the loopback `/callback`. Then requests that URL (which hands the code to
    /// whoever listens there) and returns it, e.g.
    /// `http://127.0.0.1:40124/callback?code=...&state=...&iss=...`.
    ///
    /// Blocking: call it from a plain thread (or `spawn_blocking`), not from async code.
    pub fn sign_in(&self, authorize_url: &str, login: &str) -> String {
        let browser = Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .expect("browser client");
        let mut url = Url::parse(authorize_url).expect("authorize URL");
        let mut response = browser.get(url.clone()).send().expect("GET authorize URL");
        for _ in 0..MAX_STEPS {
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_else(|| panic!("{status} from {url} without a Location"));
                url = url.join(location).expect("Location URL");
                if is_loopback_callback(&url) {
                    let delivered = browser.get(url.clone()).send();
                    if let Err(error) = delivered {
                        panic!("the loopback callback {url} did not answer: {error}");
                    }
                    return url.to_string();
                }
                response = browser.get(url.clone()).send().expect("follow redirect");
            } else if status.is_success() {
                let page = response.text().expect("interaction page");
                let form = Form::parse(&page)
                    .unwrap_or_else(|| panic!("no form on the page at {url}:\n{page}"));
                let action = url.join(&form.action).expect("form action URL");
                let fields = form.fill(login);
                url = action;
                response = browser
                    .post(url.clone())
                    .form(&fields)
                    .send()
                    .expect("submit form");
            } else {
                panic!("{} at {url}: {}", status, body(response));
            }
        }
        panic!(
            "sign-in did not reach the loopback callback within {MAX_STEPS} steps (last {url}); \
             provider log:\n{}",
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `tests/oidc-provider`, with its `node_modules` installed (`npm ci`, once per process).
fn install() -> PathBuf {
    static INSTALLED: Mutex<bool> = Mutex::new(false);
    let dir = repo_root().join("tests/oidc-provider");
    let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    if !*installed && !is_installed(&dir) {
        npm_ci(&dir, &[]);
    }
    *installed = true;
    dir
}

fn is_installed(dir: &Path) -> bool {
    dir.join("node_modules/oidc-provider/package.json").exists()
}

/// Whether the browser has been sent to a loopback redirect URI: `http://127.0.0.1:<port>/callback`.
fn is_loopback_callback(url: &Url) -> bool {
    url.scheme() == "http"
        && url.host_str() == Some("127.0.0.1")
        && url.port().is_some()
        && url.path() == "/callback"
}

fn body(response: Response) -> String {
    response.text().unwrap_or_default()
}

/// The first `<form>` of a page: where it posts and its inputs.
struct Form {
    action: String,
    /// `(type, name, value)` of each `<input>`.
    inputs: Vec<(String, String, String)>,
}

impl Form {
    /// Parses the first form of `html` (enough for oidc-provider's development views).
    fn parse(html: &str) -> Option<Self> {
        let start = html.find("<form")?;
        let end = html[start..]
            .find("</form>")
            .map_or(html.len(), |i| start + i);
        let form = &html[start..end];
        let tag = &form[..form.find('>')?];
        let action = attribute(tag, "action").unwrap_or_default();
        let method = attribute(tag, "method").unwrap_or_else(|| "get".into());
        assert!(
            method.eq_ignore_ascii_case("post"),
            "expected a POST form, got {tag}>"
        );
        let inputs = form
            .match_indices("<input")
            .filter_map(|(i, _)| {
                let tag = &form[i..i + form[i..].find('>')?];
                let name = attribute(tag, "name")?;
                let kind = attribute(tag, "type").unwrap_or_else(|| "text".into());
                Some((kind, name, attribute(tag, "value").unwrap_or_default()))
            })
            .collect();
        Some(Self { action, inputs })
    }

    /// The fields to submit: hidden ones as they are, `login` in the text field, any password.
    fn fill(&self, login: &str) -> Vec<(String, String)> {
        self.inputs
            .iter()
            .map(|(kind, name, value)| {
                let value = match kind.as_str() {
                    "text" | "email" => login.to_owned(),
                    "password" => "any-password".to_owned(),
                    _ => value.clone(),
                };
                (name.clone(), value)
            })
            .collect()
    }
}

/// The value of `name="..."` in a tag, HTML-unescaped.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
