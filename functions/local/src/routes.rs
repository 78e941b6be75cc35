//! The route table: which function serves which API route, as the HTTP API's routes and
//! integrations say in AWS. A Lambda crate joins with one line in [`api_routes`].

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::http::Method;
use ccwb_api::routes::{CATALOGUE, Function};
use ccwb_lambda::State;
use ccwb_lambda::settings::Settings;
use ccwb_lambda::state::FromAws;
use ccwb_store::ResourceNames;
use ccwb_store::aws::SdkConfig;
use lambda_http::{Body, Request, Response};

/// What a handler returns: a response, or an error that API Gateway turns into a 500.
pub type HandlerResult = Result<Response<Body>, lambda_http::Error>;
/// A handler bound to its function's state.
pub type Handler =
    Arc<dyn Fn(Request) -> Pin<Box<dyn Future<Output = HandlerResult> + Send>> + Send + Sync>;

/// Binds a function's `handle(&State, Request)` to its state, giving a [`Handler`].
#[macro_export]
macro_rules! lambda {
    ($state:expr, $handler:path) => {{
        let state = ::std::sync::Arc::clone(&$state);
        let handler: $crate::routes::Handler = ::std::sync::Arc::new(move |req| {
            let state = ::std::sync::Arc::clone(&state);
            Box::pin(async move { $handler(&state, req).await })
        });
        handler
    }};
}

/// Every function's state, each built from the environment as its Lambda would build it.
pub struct Functions {
    /// The `check` function (`/check`, `/me`).
    pub check: Arc<ccwb_check::State>,
    /// The `admin` function (`/policies…`, `/resolve`, `/usage…`).
    pub admin: Arc<ccwb_admin::State>,
    /// The `unblock` function (`/unblocks…`, `/audit`).
    pub unblock: Arc<ccwb_unblock::State>,
    /// The `ingest` function (`/v1/metrics`).
    pub ingest: Arc<ccwb_ingest::State>,
    /// The `status` function (`/status`).
    pub status: Arc<ccwb_status::State>,
    /// The `distribution` function (`/distributions…`).
    pub distribution: Arc<ccwb_distribution::State>,
}

impl Functions {
    /// Every function's state from one deployment's settings and resources.
    pub fn new(settings: &Settings, sdk: &SdkConfig, names: &ResourceNames) -> Self {
        fn state<S: FromAws>(
            settings: &Settings,
            sdk: &SdkConfig,
            names: &ResourceNames,
        ) -> Arc<State<S>> {
            Arc::new(State::new(settings.clone(), sdk, names.clone()))
        }
        Self {
            check: state(settings, sdk, names),
            admin: state(settings, sdk, names),
            unblock: state(settings, sdk, names),
            ingest: state(settings, sdk, names),
            status: state(settings, sdk, names),
            distribution: state(settings, sdk, names),
        }
    }
}

/// The API's routes: every catalogue entry (`ccwb_api::routes::CATALOGUE`) integrated with the
/// dispatcher of the function that serves it, as the HTTP API integrates each route in AWS.
pub fn api_routes(functions: &Functions) -> Result<RouteTable, String> {
    let handler = |function: Function| -> Handler {
        match function {
            Function::Check => lambda!(functions.check, ccwb_check::route),
            Function::Admin => lambda!(functions.admin, ccwb_admin::route),
            Function::Unblock => lambda!(functions.unblock, ccwb_unblock::route),
            Function::Ingest => lambda!(functions.ingest, ccwb_ingest::route),
            Function::Status => lambda!(functions.status, ccwb_status::route),
            Function::Distribution => lambda!(functions.distribution, ccwb_distribution::route),
        }
    };
    let mut table = RouteTable::default();
    for entry in &CATALOGUE {
        let method = Method::from_bytes(entry.method.as_bytes())
            .map_err(|_| format!("route {} has no valid method", entry.key()))?;
        table.route(method, entry.path, handler(entry.route.function()))?;
    }
    Ok(table)
}

/// Routes by method and path template (`/policies/{type}/{id}`, API Gateway's syntax).
#[derive(Default)]
pub struct RouteTable {
    router: matchit::Router<usize>,
    templates: Vec<(String, Vec<(Method, Handler)>)>,
}

/// A matched route.
pub struct Matched {
    /// `METHOD /template`, as API Gateway's `routeKey`.
    pub route_key: String,
    /// Values of the template's `{parameters}`.
    pub path_parameters: BTreeMap<String, String>,
    /// The handler to call.
    pub handler: Handler,
}

impl RouteTable {
    /// Adds `method template`; a duplicate is a programming error reported at start.
    pub fn route(
        &mut self,
        method: Method,
        template: &str,
        handler: Handler,
    ) -> Result<(), String> {
        let index = match self.templates.iter().position(|(t, _)| t == template) {
            Some(index) => index,
            None => {
                self.router
                    .insert(template, self.templates.len())
                    .map_err(|e| format!("route {template}: {e}"))?;
                self.templates.push((template.to_owned(), Vec::new()));
                self.templates.len() - 1
            }
        };
        let methods = &mut self.templates[index].1;
        if methods.iter().any(|(m, _)| *m == method) {
            return Err(format!("route {method} {template} is defined twice"));
        }
        methods.push((method, handler));
        Ok(())
    }

    /// The route for `method path`; `None` when API Gateway would answer 404.
    pub fn find(&self, method: &Method, path: &str) -> Option<Matched> {
        let found = self.router.at(path).ok()?;
        let (template, methods) = &self.templates[*found.value];
        let handler = methods.iter().find(|(m, _)| m == method)?.1.clone();
        Some(Matched {
            route_key: format!("{method} {template}"),
            path_parameters: found
                .params
                .iter()
                // API Gateway hands functions decoded values (`a%40x.io` → `a@x.io`).
                .map(|(k, v)| {
                    let value = percent_encoding::percent_decode_str(v).decode_utf8_lossy();
                    (k.to_owned(), value.into_owned())
                })
                .collect(),
            handler,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok_handler() -> Handler {
        Arc::new(|_req| Box::pin(async { Ok(Response::new(Body::Empty)) }))
    }

    #[test]
    fn templates_match_with_parameters_and_methods_are_separate() {
        let mut table = RouteTable::default();
        table
            .route(Method::GET, "/policies/{type}/{id}", ok_handler())
            .unwrap();
        table
            .route(Method::PUT, "/policies/{type}/{id}", ok_handler())
            .unwrap();
        let found = table.find(&Method::PUT, "/policies/user/a%40x.io").unwrap();
        assert_eq!(found.route_key, "PUT /policies/{type}/{id}");
        assert_eq!(found.path_parameters["id"], "a@x.io");
        assert!(table.find(&Method::DELETE, "/policies/user/a").is_none());
        assert!(table.find(&Method::GET, "/nothing").is_none());
        assert!(
            table
                .route(Method::GET, "/policies/{type}/{id}", ok_handler())
                .is_err()
        );
    }
}
