//! Input validation with errors that name the field.

use crate::PolicyType;

/// Longest identifier accepted (user e-mail, group name).
pub const MAX_IDENTIFIER_CHARS: usize = 256;

/// Bad input: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    /// The field, as named in the API (`identifier`, `monthly_token_limit`, …).
    pub field: String,
    /// What is wrong, and what is accepted.
    pub message: String,
}

impl ValidationError {
    /// An error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Checks and normalises a policy identifier: trimmed, non-empty, at most 256 characters, no
/// control characters; user identifiers lower-cased (as identities are); the default policy's
/// identifier is always `default`.
pub fn identifier(policy_type: PolicyType, raw: &str) -> Result<String, ValidationError> {
    // The bounds hold for what is stored: a lower case can be longer (`İ` is `i` and a dot).
    let value = match policy_type {
        PolicyType::User => raw.trim().to_lowercase(),
        PolicyType::Group | PolicyType::Default => raw.trim().to_owned(),
    };
    let error = |message: &str| ValidationError::new("identifier", message);
    if value.is_empty() {
        return Err(error("must not be empty"));
    }
    if value.chars().count() > MAX_IDENTIFIER_CHARS {
        return Err(error("must be at most 256 characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(error("must not contain control characters"));
    }
    match policy_type {
        PolicyType::Default if value != "default" => Err(error(
            "the default policy's identifier is always \"default\"",
        )),
        _ => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_checked_and_normalised() {
        assert_eq!(
            identifier(PolicyType::User, " A@X.io "),
            Ok("a@x.io".into())
        );
        assert_eq!(identifier(PolicyType::Group, "Eng"), Ok("Eng".into()));
        assert_eq!(
            identifier(PolicyType::Default, "default"),
            Ok("default".into())
        );
        assert!(identifier(PolicyType::Default, "other").is_err());
        assert!(identifier(PolicyType::Group, "  ").is_err());
        assert!(identifier(PolicyType::Group, "a\u{7}b").is_err());
        assert!(identifier(PolicyType::Group, &"x".repeat(257)).is_err());
        assert!(identifier(PolicyType::Group, &"é".repeat(256)).is_ok());
        assert!(
            identifier(PolicyType::User, &"İ".repeat(129)).is_err(),
            "258 characters once lower-cased"
        );
        assert_eq!(
            identifier(PolicyType::Group, "").unwrap_err().field,
            "identifier"
        );
    }
}
