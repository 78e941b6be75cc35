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
