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
