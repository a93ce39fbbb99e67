//! The route table: every route is added through it, so the list of routes it keeps is the
//! router's own — the test that every `/admin` route refuses anonymous requests walks it.

use crate::Shared;
use axum::Router;
use axum::handler::Handler;
use axum::routing::{get, post};

/// One route: its path (with `{parameters}`) and method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
}

#[derive(Default)]
pub struct Table {
    router: Router<Shared>,
    list: Vec<Route>,
}

impl Table {
    pub fn get<H, T>(&mut self, path: &'static str, handler: H)
    where
        H: Handler<T, Shared>,
        T: 'static,
    {
        self.router = std::mem::take(&mut self.router).route(path, get(handler));
        self.list.push(Route { method: "GET", path });
    }

    pub fn post<H, T>(&mut self, path: &'static str, handler: H)
    where
        H: Handler<T, Shared>,
        T: 'static,
    {
        self.router = std::mem::take(&mut self.router).route(path, post(handler));
        self.list.push(Route { method: "POST", path });
    }

    /// Adds routes that need their own layers (such as a larger body limit).
    pub fn nest_post<H, T>(&mut self, path: &'static str, handler: H, body_limit: usize)
    where
        H: Handler<T, Shared>,
        T: 'static,
    {
        let method_router = post(handler).layer(axum::extract::DefaultBodyLimit::max(body_limit));
        self.router = std::mem::take(&mut self.router).route(path, method_router);
        self.list.push(Route { method: "POST", path });
    }

    pub fn finish(self) -> (Router<Shared>, Vec<Route>) {
        (self.router, self.list)
    }
}
