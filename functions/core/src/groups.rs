//! Group membership, read exactly from verified claims.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Claims;

/// Claims that carry group lists: the generic OIDC one and Cognito's.
const GROUP_CLAIMS: [&str; 2] = ["groups", "cognito:groups"];
/// Claim whose value becomes the group `department:<value>`.
const DEPARTMENT_CLAIM: &str = "custom:department";

/// A group name, trimmed; case is kept because identity providers treat it as significant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Group(String);

impl Group {
    /// A group from a raw name; `None` for a blank name.
    pub fn parse(raw: &str) -> Option<Self> {
        let name = raw.trim();
        (!name.is_empty()).then(|| Self(name.to_owned()))
    }

    /// The group name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Every group the claims name, deduplicated and sorted so that results never depend on the
/// order an identity provider happened to list them in. Each string of a group claim is one
/// group, never split: a group may be named `team ccwb-admins` or `CN=eng,OU=x`.
pub fn groups_from_claims(claims: &Claims) -> Vec<Group> {
    let mut groups: BTreeSet<Group> = GROUP_CLAIMS
        .iter()
        .flat_map(|name| claims.strings(name))
        .filter_map(Group::parse)
        .collect();
    if let Some(department) = claims.string(DEPARTMENT_CLAIM) {
        let department = department.trim();
        if !department.is_empty() {
            groups.extend(Group::parse(&format!("department:{department}")));
        }
    }
    groups.into_iter().collect()
}

/// Parses a comma-separated list of group names typed by an administrator (the `groups`
/// parameter of `/resolve` and `/usage/{email}`); blank entries are ignored.
pub fn parse_group_list(value: &str) -> Vec<Group> {
    value.split(',').filter_map(Group::parse).collect()
}

/// The groups whose members may use admin routes (deployment setting, default `ccwb-admins`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminGroups(BTreeSet<Group>);

impl AdminGroups {
    /// Parses a comma-separated list; `None` when it names no group (which would lock every
    /// administrator out, so callers must refuse it rather than run with it).
    pub fn parse(list: &str) -> Option<Self> {
        let groups: BTreeSet<Group> = list.split(',').filter_map(Group::parse).collect();
        (!groups.is_empty()).then_some(Self(groups))
    }

    /// Whether any of `groups` is an admin group.
    pub fn admits(&self, groups: &[Group]) -> bool {
        groups.iter().any(|group| self.0.contains(group))
    }
}

impl Default for AdminGroups {
    fn default() -> Self {
        Self(BTreeSet::from([Group("ccwb-admins".to_owned())]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(groups: &[Group]) -> Vec<&str> {
        groups.iter().map(Group::as_str).collect()
    }

    fn claims(value: serde_json::Value) -> Claims {
        Claims::from_json(value.as_object().unwrap().clone())
    }

    #[test]
    fn array_claims_ignore_non_strings() {
        let groups = groups_from_claims(&claims(
            json!({"groups": ["eng", 7, null, " ops ", {"a": 1}, ""]}),
        ));
        assert_eq!(names(&groups), ["eng", "ops"]);
    }

    #[test]
    fn a_group_name_is_never_split() {
        let groups = groups_from_claims(&claims(json!({
            "groups": ["team ccwb-admins", "\"ccwb-admins\""],
            "cognito:groups": "CN=eng,OU=x"
        })));
        assert_eq!(
            names(&groups),
            ["\"ccwb-admins\"", "CN=eng,OU=x", "team ccwb-admins"]
        );
        assert!(!AdminGroups::default().admits(&groups));
    }

    #[test]
    fn admin_comma_list() {
        assert_eq!(names(&parse_group_list(" eng, ops ,,")), ["eng", "ops"]);
        assert_eq!(names(&parse_group_list("eng")), ["eng"]);
        assert!(parse_group_list("  ").is_empty());
    }

    #[test]
    fn both_group_claims_and_department_are_merged_sorted_and_deduplicated() {
        let groups = groups_from_claims(&claims(json!({
            "groups": ["ops", "eng"],
            "cognito:groups": ["eng", "admins"],
            "custom:department": " Research "
        })));
        assert_eq!(
            names(&groups),
            ["admins", "department:Research", "eng", "ops"]
        );
    }

    #[test]
    fn blank_or_non_string_department_adds_nothing() {
        assert!(groups_from_claims(&claims(json!({"custom:department": " "}))).is_empty());
        assert!(groups_from_claims(&claims(json!({"custom:department": ["x"]}))).is_empty());
    }

    #[test]
    fn admin_groups_admit_members_only() {
        let admins = AdminGroups::parse("ccwb-admins, platform").unwrap();
        assert!(admins.admits(&parse_group_list("eng,platform")));
        assert!(!admins.admits(&parse_group_list("eng")));
        assert!(!admins.admits(&[]));
        assert_eq!(AdminGroups::parse(" , "), None);
        assert!(AdminGroups::default().admits(&parse_group_list("ccwb-admins")));
    }
}
