//! A route table that remembers what it was given. Every capability builds its routes with
//! [`Routes`]; the server merges them, and the list of every method and path lets a test hold
//! the assembled router against the authorisation matrix, so that no route goes unchecked.

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::MethodRouter;

/// Routes under a common prefix, with the list of their methods and paths.
pub struct Routes<S = ()> {
    prefix: String,
    router: Router<S>,
    table: Vec<(Method, String)>,
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    /// Routes whose paths all start with `prefix` (`""` for pages, `"/api/v1"` for the API).
    pub fn new(prefix: &str) -> Self {
        Routes {
            prefix: prefix.to_string(),
            router: Router::new(),
            table: Vec::new(),
        }
    }

    /// `method` at `path`, answered by `route` (a method router, with its own layers).
    pub fn on(mut self, method: Method, path: &str, route: MethodRouter<S>) -> Self {
        let full = format!("{}{path}", self.prefix);
        self.router = self.router.route(&full, route);
        self.table.push((method, full));
        self
    }

    pub fn get<H: Handler<T, S>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.on(Method::GET, path, axum::routing::get(handler))
    }

    pub fn post<H: Handler<T, S>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.on(Method::POST, path, axum::routing::post(handler))
    }

    pub fn put<H: Handler<T, S>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.on(Method::PUT, path, axum::routing::put(handler))
    }

    pub fn delete<H: Handler<T, S>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.on(Method::DELETE, path, axum::routing::delete(handler))
    }

    /// Add the routes of `other` (under its own prefix).
    pub fn merge(mut self, other: Routes<S>) -> Self {
        let (router, table) = other.into_parts();
        self.table.extend(table);
        self.router = self.router.merge(router);
        self
    }

    /// Every method and path, with the prefix.
    pub fn table(&self) -> &[(Method, String)] {
        &self.table
    }

    /// The router (its paths under the prefix) and the table.
    pub fn into_parts(self) -> (Router<S>, Vec<(Method, String)>) {
        (self.router, self.table)
    }
}

/// Whether `path` (a concrete path, `/api/v1/users/7`) is an instance of `template`
/// (`/api/v1/users/{id}`). A `{…}` segment matches any one non-empty segment.
pub fn matches(template: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_concrete_paths() {
        assert!(matches("/api/v1/users/{id}", "/api/v1/users/7"));
        assert!(matches("/api/v1/users/{id}", "/api/v1/users/7?x=1"));
        assert!(!matches("/api/v1/users/{id}", "/api/v1/users/7/roles"));
        assert!(!matches("/api/v1/users/{id}", "/api/v1/users/"));
        assert!(matches("/", "/"));
    }

    #[test]
    fn the_table_names_every_route_with_its_prefix() {
        async fn h() {}
        let routes: Routes = Routes::new("/api/v1").get("/a", h).post("/a", h).delete("/b/{id}", h);
        assert_eq!(
            routes.table(),
            [
                (Method::GET, "/api/v1/a".to_string()),
                (Method::POST, "/api/v1/a".to_string()),
                (Method::DELETE, "/api/v1/b/{id}".to_string()),
            ]
        );
        let (_router, table) = routes.merge(Routes::new("").get("/", h)).into_parts();
        assert_eq!(table.len(), 4);
    }
}
