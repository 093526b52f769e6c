//! Serves the built browser bundle (`--web-dir`): static files, and the app's
//! `index.html` for the page routes (`/`, `/p/{id}`).

use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

pub async fn index(State(app): State<AppState>) -> Response {
    let path = app.config.web_dir.join("index.html");
    match tokio::fs::read_to_string(&path).await {
        Ok(html) => {
            let csp = crate::headers::app_csp(&html);
            (
                [
                    (header::CACHE_CONTROL, "no-cache".to_owned()),
                    (header::CONTENT_SECURITY_POLICY, csp),
                ],
                Html(html),
            )
                .into_response()
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "The web bundle is not built ({} is missing). Start Casebook with `cargo xtask run`, \
                 which builds it, or pass --web-dir.",
                path.display()
            ),
        )
            .into_response(),
    }
}
