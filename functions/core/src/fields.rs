//! The fields every shape of a policy shares, declared once.
//!
//! A policy travels in four shapes: stored and answered ([`Policy`](crate::Policy)), replaced
//! ([`PolicyFields`](crate::PolicyFields), the body of `PUT`), patched
//! ([`PolicyPatch`](crate::PolicyPatch)) and imported (`ccwb_api::ImportRow`). Each refuses an
//! unknown field by name (`#[serde(deny_unknown_fields)]`: a misspelt limit must be an error, not
//! a policy without that limit), and serde cannot combine that with `#[serde(flatten)]`, so the
//! shared fields cannot live in one flattened struct. [`policy_struct!`] writes them into each
//! instead: a limit is added or renamed here once, and the four shapes, and the OpenAPI document
//! generated from them, cannot drift apart.

/// Declares a policy struct: its own leading fields, then the four limits (their types, serde
/// attribute and the end of their doc comments given), then the fields after the limits:
/// `settings: optional` for the three enforcement settings of a request (each absent by
/// default), or `settings { … }` with those fields written out.
///
/// ```
/// use ccwb_core::{TokenAmount, Usd};
///
/// ccwb_core::policy_struct! {
///     /// A named set of limits.
///     #[derive(Debug, Default, serde::Deserialize)]
///     #[serde(deny_unknown_fields)]
///     pub struct Named {
///         /// The name.
///         #[serde(default)]
///         pub name: String,
///     }
///     limits(Option<TokenAmount>, Option<Usd>, ".")
///     #[serde(default, skip_serializing_if = "Option::is_none")]
///     settings: optional
/// }
///
/// let named: Named = serde_json::from_str(r#"{"name": "a", "daily_token_limit": 5}"#).unwrap();
/// assert_eq!(named.daily_token_limit, Some(TokenAmount(5)));
/// assert!(serde_json::from_str::<Named>(r#"{"daily_limit": 5}"#).is_err());
/// ```
#[macro_export]
macro_rules! policy_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident { $($head:tt)* }
        limits($tokens:ty, $usd:ty, $note:literal)
        #[$serde:meta]
        settings: optional
    ) => {
        $crate::policy_struct! {
            $(#[$meta])*
            pub struct $name { $($head)* }
            limits($tokens, $usd, $note)
            #[$serde]
            settings {
                /// Monthly enforcement.
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub enforcement_mode: Option<$crate::Mode>,
                /// Daily enforcement.
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub daily_enforcement_mode: Option<$crate::Mode>,
                /// Whether the policy applies.
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub enabled: Option<bool>,
            }
        }
    };
    (
        $(#[$meta:meta])*
        pub struct $name:ident { $($head:tt)* }
        limits($tokens:ty, $usd:ty, $note:literal)
        #[$serde:meta]
        settings { $($settings:tt)* }
    ) => {
        $crate::policy_struct! {
            @emit [$(#[$meta])* pub struct $name { $($head)* }] [$($settings)*] #[$serde] $note
            monthly_token_limit: $tokens = "Tokens per month",
            daily_token_limit: $tokens = "Tokens per day",
            monthly_cost_limit: $usd = "USD per month",
            daily_cost_limit: $usd = "USD per day",
        }
    };
    (
        @emit [$(#[$meta:meta])* pub struct $name:ident { $($head:tt)* }] [$($settings:tt)*]
        #[$serde:meta] $note:literal $($field:ident: $ty:ty = $what:literal,)*
    ) => {
        $(#[$meta])*
        pub struct $name {
            $($head)*
            $(
                #[doc = concat!($what, $note)]
                #[$serde]
                pub $field: $ty,
            )*
            $($settings)*
        }
    };
}

/// The names of a policy's settings as clients send and files list them: the four limits, then
/// the three enforcement settings (what [`policy_struct!`] declares, in its order).
pub const SETTING_NAMES: [&str; 7] = [
    "monthly_token_limit",
    "daily_token_limit",
    "monthly_cost_limit",
    "daily_cost_limit",
    "enforcement_mode",
    "daily_enforcement_mode",
    "enabled",
];

#[cfg(test)]
mod tests {
    use super::SETTING_NAMES;
    use crate::{Mode, PolicyFields, TokenAmount, Usd};

    #[test]
    fn setting_names_are_the_fields_of_a_policy_body() {
        let every = PolicyFields {
            monthly_token_limit: Some(TokenAmount(1)),
            daily_token_limit: Some(TokenAmount(1)),
            monthly_cost_limit: Some(Usd::from_dollars(1.0).unwrap()),
            daily_cost_limit: Some(Usd::from_dollars(1.0).unwrap()),
            enforcement_mode: Some(Mode::Block),
            daily_enforcement_mode: Some(Mode::Block),
            enabled: Some(true),
        };
        let value = serde_json::to_value(every).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut sorted = SETTING_NAMES.to_vec();
        sorted.sort_unstable();
        assert_eq!(keys, sorted);
    }
}
