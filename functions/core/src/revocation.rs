//! Revocation: the deny policies that stop a blocked developer's credentials already issued.
//! STS credentials cannot be recalled, but every request is authorised against the role's
//! policies as they are now, so a `Deny` on Bedrock for the blocked users' sessions (IAM's
//! `aws:userid` of an assumed-role session is `<role id>:<session name>`) ends them within
//! IAM's propagation delay. The sessions are sharded across customer-managed policies, each
//! within IAM's size limit, a session always in the same shard for a given shard count so
//! one more blocked user rewrites one document.

use std::collections::BTreeSet;

use serde_json::json;

use crate::SessionName;

/// Characters a customer-managed policy may hold (IAM counts them without whitespace; the
/// documents here have none). IAM's limit is 6,144; the rest is headroom.
pub const POLICY_CHARS: usize = 6_000;

/// The most deny policies a role carries. A role may have ten managed policies attached by
/// default; the rest are left to the administrator.
pub const MAX_SHARDS: usize = 8;

/// The `Sid` of the deny statement, so a document is recognisable in the console.
pub const STATEMENT_ID: &str = "CcwbBlockedDevelopers";

/// Why the blocked sessions cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevocationError {
    /// More sessions than [`MAX_SHARDS`] documents hold.
    #[error(
        "{sessions} blocked sessions do not fit in {MAX_SHARDS} deny policies of {POLICY_CHARS} characters"
    )]
    TooMany {
        /// How many sessions were to be denied.
        sessions: usize,
    },
}

/// The deny document for `sessions` (compact JSON, as IAM stores it less whitespace).
pub fn deny_document<'a>(sessions: impl IntoIterator<Item = &'a SessionName>) -> String {
    // StringLike on aws:userid: the role's unique id comes first, then ":<session>". Session
    // names cannot contain `*` or `?`, so the pattern matches that session exactly.
    let patterns: Vec<String> = sessions.into_iter().map(|s| format!("*:{s}")).collect();
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": STATEMENT_ID,
            "Effect": "Deny",
            "Action": "bedrock:*",
            "Resource": "*",
            "Condition": {"StringLike": {"aws:userid": patterns}},
        }],
    })
    .to_string()
}

/// The sessions a deny document names (`None` when it is not one of ours).
pub fn denied_sessions(document: &serde_json::Value) -> Option<BTreeSet<SessionName>> {
    let statement = document.get("Statement")?.as_array()?.first()?;
    if statement.get("Sid")?.as_str()? != STATEMENT_ID {
        return None;
    }
    let patterns = statement.pointer("/Condition/StringLike/aws:userid")?;
    let list = match patterns {
        serde_json::Value::Array(list) => list.iter().collect(),
        single => vec![single],
    };
    list.into_iter()
        .map(|p| p.as_str()?.strip_prefix("*:").and_then(SessionName::parse))
        .collect()
}

/// The shard `session` belongs to among `shards` (FNV-1a of its bytes: stable across
/// releases and processes, unlike the standard library's hasher).
pub fn shard_of(session: &SessionName, shards: usize) -> usize {
    let hash = session
        .as_str()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    usize::try_from(hash % shards.max(1) as u64).unwrap_or(0)
}

/// The documents that deny `sessions`: one per shard, `None` for a shard with no session (no
/// policy). The fewest shards whose documents all fit; no sessions, no shards.
pub fn plan(sessions: &BTreeSet<SessionName>) -> Result<Vec<Option<String>>, RevocationError> {
    if sessions.is_empty() {
        return Ok(Vec::new());
    }
    let overhead = deny_document(std::iter::empty()).len();
    // Each pattern costs its quotes, "*:" and a comma beside the name.
    let total: usize = sessions.iter().map(|s| s.as_str().len() + 5).sum();
    let fewest = total.div_ceil(POLICY_CHARS - overhead).max(1);
    for shards in fewest..=MAX_SHARDS {
        let mut buckets: Vec<Vec<&SessionName>> = vec![Vec::new(); shards];
        for session in sessions {
            buckets[shard_of(session, shards)].push(session);
        }
        let documents: Vec<Option<String>> = buckets
            .into_iter()
            .map(|b| (!b.is_empty()).then(|| deny_document(b)))
            .collect();
        if documents.iter().flatten().all(|d| d.len() <= POLICY_CHARS) {
            return Ok(documents);
        }
    }
    Err(RevocationError::TooMany {
        sessions: sessions.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize, len: usize) -> BTreeSet<SessionName> {
        (0..n)
            .map(|i| {
                let base = format!("{i:0>width$}", width = len);
                SessionName::parse(&base).unwrap()
            })
            .collect()
    }

    #[test]
    fn no_one_blocked_is_no_policy() {
        assert_eq!(plan(&BTreeSet::new()), Ok(Vec::new()));
    }

    #[test]
    fn a_document_denies_bedrock_to_exactly_its_sessions() {
        let sessions = names(2, 20);
        let doc = deny_document(&sessions);
        let value: serde_json::Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(value["Statement"][0]["Effect"], "Deny");
        assert_eq!(value["Statement"][0]["Action"], "bedrock:*");
        assert_eq!(
            value["Statement"][0]["Condition"]["StringLike"]["aws:userid"],
            json!(["*:00000000000000000000", "*:00000000000000000001"])
        );
        assert_eq!(denied_sessions(&value), Some(sessions));
        assert!(!doc.contains(' '), "compact: IAM counts what it stores");
    }

    #[test]
    fn someone_elses_document_is_not_read_as_ours() {
        let value = json!({"Statement": [{"Sid": "Other", "Condition": {}}]});
        assert_eq!(denied_sessions(&value), None);
    }

    #[test]
    fn five_hundred_long_session_names_fit_within_the_shards() {
        // Rows: (sessions, name length) → every document within IAM's limit.
        for (n, len) in [(1, 2), (100, 20), (500, 20), (500, 36), (500, 64)] {
            let sessions = names(n, len);
            let docs = plan(&sessions).unwrap();
            assert!(docs.len() <= MAX_SHARDS, "{n}×{len}: {} shards", docs.len());
            let mut seen = BTreeSet::new();
            for doc in docs.iter().flatten() {
                assert!(doc.len() <= POLICY_CHARS, "{n}×{len}: {} chars", doc.len());
                let value = serde_json::from_str(doc).unwrap();
                seen.extend(denied_sessions(&value).unwrap());
            }
            assert_eq!(seen, sessions, "{n}×{len}: every session denied once");
        }
    }

    #[test]
    fn one_more_session_rewrites_one_document() {
        let mut sessions = names(200, 20);
        let before = plan(&sessions).unwrap();
        sessions.insert(SessionName::parse("newcomer-0001").unwrap());
        let after = plan(&sessions).unwrap();
        assert_eq!(before.len(), after.len());
        let changed = before.iter().zip(&after).filter(|(a, b)| a != b).count();
        assert_eq!(changed, 1);
    }

    #[test]
    fn too_many_sessions_are_refused_not_truncated() {
        let err = plan(&names(1_000, 64)).unwrap_err();
        assert_eq!(err, RevocationError::TooMany { sessions: 1_000 });
    }
}
