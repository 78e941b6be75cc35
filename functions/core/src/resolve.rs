//! Which policies apply to a user.

use crate::Policy;

/// The policies that govern a user, by the resolution rules.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// An enabled user policy: it alone applies, even if a group's is stricter.
    User(Policy),
    /// No user policy; every enabled policy of the user's groups applies (sorted by identifier),
    /// and the most restrictive outcome wins.
    Groups(Vec<Policy>),
    /// Neither; the enabled default policy applies.
    Default(Policy),
    /// No policy at all: usage is not limited.
    None,
}

impl Resolution {
    /// The policies to evaluate.
    pub fn policies(&self) -> &[Policy] {
        match self {
            Self::User(policy) | Self::Default(policy) => std::slice::from_ref(policy),
            Self::Groups(policies) => policies,
            Self::None => &[],
        }
    }
}

/// Resolves from the policies found for the user, their groups and the default. Disabled
/// policies are skipped, so a disabled user policy falls through to groups or the default.
pub fn resolve(user: Option<Policy>, groups: Vec<Policy>, default: Option<Policy>) -> Resolution {
    if let Some(policy) = user.filter(|p| p.enabled) {
        return Resolution::User(policy);
    }
    let mut groups: Vec<Policy> = groups.into_iter().filter(|p| p.enabled).collect();
    if !groups.is_empty() {
        // Sorted, so nothing downstream depends on claim or store order.
        groups.sort_by(|a, b| a.identifier.cmp(&b.identifier));
        groups.dedup_by(|a, b| a.identifier == b.identifier);
        return Resolution::Groups(groups);
    }
    match default.filter(|p| p.enabled) {
        Some(policy) => Resolution::Default(policy),
        None => Resolution::None,
    }
}

/// Why the deciding policy of `decision` is the one that counts, in a sentence.
pub fn explain(resolution: &Resolution, decision: &crate::Decision) -> String {
    let decided = decision
        .policy
        .as_ref()
        .map(|(_, id)| id.as_str())
        .unwrap_or_default();
    match resolution {
        Resolution::User(policy) => format!(
            "User policy {:?} applies: an enabled user policy overrides every group and the default policy.",
            policy.identifier
        ),
        Resolution::Groups(policies) if policies.len() == 1 => format!(
            "Group policy {decided:?} applies: there is no enabled user policy, and it is the only enabled policy of the user's groups."
        ),
        Resolution::Groups(policies) => {
            let why = if decision.allowed {
                "none blocks, and it is the closest to a limit (ties go to the first identifier)"
            } else {
                "it blocks (the most severe reason wins: monthly cost, daily cost, monthly tokens, daily tokens)"
            };
            format!(
                "{} group policies apply (no enabled user policy); the most restrictive outcome wins, and {decided:?} decides because {why}.",
                policies.len()
            )
        }
        Resolution::Default(_) => {
            "The default policy applies: there is no enabled user policy and no enabled policy for any of the user's groups.".to_owned()
        }
        Resolution::None => {
            "No policy applies (no enabled user, group or default policy): usage is not limited.".to_owned()
        }
    }
}
