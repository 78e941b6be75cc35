//! Calling the API as a client does, one method per verb, and reading what it answers: the
//! message of an error, a field of every row of a list, the parts a page or output must show.

use reqwest::Method;
use serde_json::Value;

use crate::Local;

impl Local {
    /// `POST path` with the JSON `body` as `token`; returns status and JSON body.
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let (status, _, answer) = self.send(Method::POST, path, token, &[], Some(body)).await;
        (status, answer)
    }

    /// `PUT path` with the JSON `body` as `token`; returns status and JSON body.
    pub async fn put(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let (status, _, answer) = self.send(Method::PUT, path, token, &[], Some(body)).await;
        (status, answer)
    }

    /// `PUT path` of a policy that does not exist yet, with the JSON `body`, as `token`; asserts
    /// it was created (201) and returns it.
    pub async fn create_policy(&self, path: &str, token: &str, body: &Value) -> Value {
        let (status, created) = self.put(path, token, body).await;
        assert_eq!(status, 201, "PUT {path}: {created}");
        created
    }

    /// `DELETE path` as `token`; returns status and JSON body (`null` when there is none).
    pub async fn delete(&self, path: &str, token: &str) -> (u16, Value) {
        let (status, _, answer) = self.send(Method::DELETE, path, token, &[], None).await;
        (status, answer)
    }

    /// `POST /unblocks/{identity}` as `token`: an unblock for `duration` (`2h`, `7d`,
    /// `until-reset`) with `reason`; returns status and the record.
    pub async fn unblock(
        &self,
        token: &str,
        identity: &str,
        duration: &str,
        reason: &str,
    ) -> (u16, Value) {
        let body = serde_json::json!({"duration": duration, "reason": reason});
        self.post(&format!("/unblocks/{identity}"), token, &body)
            .await
    }

    /// Every page of the list at `path` (with its query, e.g. `/audit?limit=4`) as `token`, in
    /// order, following each page's `next` cursor; asserts that every page answers 200.
    pub async fn pages(&self, path: &str, token: &str) -> Vec<Value> {
        let mut pages = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let url = match &next {
                Some(cursor) => format!("{path}&next={cursor}"),
                None => path.to_owned(),
            };
            let (status, page) = self.get(&url, Some(token)).await;
            assert_eq!(status, 200, "{url}: {page}");
            next = page["next"].as_str().map(str::to_owned);
            pages.push(page);
            if next.is_none() {
                return pages;
            }
        }
    }

    /// Asserts that `GET` of each of `paths` as `token` answers `status` (400 for each malformed
    /// query of a list, say), showing the path and the answer otherwise.
    pub async fn assert_get_status(&self, paths: &[&str], token: &str, status: u16) {
        for path in paths {
            let (answered, body) = self.get(path, Some(token)).await;
            assert_eq!(answered, status, "{path}: {body}");
        }
    }

    /// `GET /me` with `token`: the status and the identity it names (`null` for nobody).
    pub async fn identity(&self, token: &str) -> (u16, Value) {
        let (status, me) = self.get("/me", Some(token)).await;
        (status, me["identity"].clone())
    }

    /// The id of the newest audit event, as an administrator with `token` reads it from
    /// `GET /audit`.
    pub async fn newest_audit_id(&self, token: &str) -> String {
        let (status, page) = self.get("/audit", Some(token)).await;
        assert_eq!(status, 200, "{page}");
        page["events"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no audit event: {page}"))
            .to_owned()
    }
}

/// `GET url` without credentials (a discovery document, a JWKS): its JSON body; panics when
/// there is none.
pub async fn get_json(url: &str) -> Value {
    let response = reqwest::get(url)
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    response
        .json()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: not JSON: {e}"))
}

/// The `error.message` of an API error body; panics, showing the body, when there is none.
pub fn error_message(body: &Value) -> &str {
    body["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no error message in {body}"))
}

/// What a `/check` answer decided: whether the caller may go on, and the reason.
pub fn decision(check: &Value) -> (Option<bool>, Option<&str>) {
    (check["allowed"].as_bool(), check["reason"].as_str())
}

/// The string `field` of every element of the JSON array `rows` (each event's `action`, each
/// result's `status`); panics, showing `rows`, when it is not an array of such objects.
pub fn strings<'a>(rows: &'a Value, field: &str) -> Vec<&'a str> {
    rows.as_array()
        .unwrap_or_else(|| panic!("not an array: {rows}"))
        .iter()
        .map(|row| {
            row[field]
                .as_str()
                .unwrap_or_else(|| panic!("no string {field} in {row}"))
        })
        .collect()
}

/// Asserts that `text` (a page, a command's output, a message) contains every one of `parts`;
/// shows the missing part and `text` otherwise.
#[track_caller]
pub fn assert_contains(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{part:?} missing from:\n{text}");
    }
}

/// Asserts that `actual` holds every field of `expected` with its value (objects compared field
/// by field, so `actual` may hold more; `null` expects the field absent).
#[track_caller]
pub fn assert_fields(actual: &Value, expected: &Value) {
    fn walk(actual: &Value, expected: &Value, path: &str) {
        match expected.as_object() {
            Some(fields) => {
                for (key, want) in fields {
                    let got = actual.get(key).unwrap_or(&Value::Null);
                    walk(got, want, &format!("{path}.{key}"));
                }
            }
            None => assert_eq!(actual, expected, "{path}"),
        }
    }
    walk(actual, expected, "");
}
