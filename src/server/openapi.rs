//! The `OpenAPI` document, generated from the handlers' and shapes' own
//! annotations (utoipa), served at `/openapi.json`; and `/docs`, a page
//! rendered from the same document (no assets fetched from anywhere).

use super::routes;
use super::shapes;
use axum::response::{Html, IntoResponse, Response};
use std::fmt::Write as _;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "ISS Module v2.0 API (iss serve)",
        description = "The legacy ISS HTTP API, served by iss over a verified ledger. Writes need --write and a bearer token."
    ),
    paths(
        routes::health,
        routes::integrity,
        routes::time_pulse,
        routes::time_verify,
        routes::time_history,
        routes::post_descriptor,
        routes::get_descriptor,
        routes::find_glyph,
        routes::find_apriori,
        routes::capability,
        routes::audit_trail,
        routes::vault_status,
    ),
    components(schemas(
        shapes::HealthResponse,
        shapes::IntegrityResponse,
        shapes::DescriptorResponse,
        shapes::CapabilityReport,
        shapes::AuditTrailResponse,
        shapes::VaultStatus,
        shapes::Detail,
        shapes::ValidationItem,
        shapes::ValidationErrors,
        shapes::Descriptor,
        shapes::ProcessData,
        shapes::Pulse,
        shapes::TimeHistory,
        shapes::TimeVerdict,
        shapes::Found,
        shapes::NoData,
        shapes::CapabilityAnswer,
    )),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// `GET /openapi.json`.
pub async fn openapi_json() -> Response {
    axum::Json(ApiDoc::openapi()).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `GET /docs`: every operation of the document, with its parameters and
/// answers, on one page; the schema itself at `/openapi.json`.
pub async fn docs() -> Response {
    let doc = ApiDoc::openapi();
    let mut html = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>ISS API</title>\
         <style>body{font-family:sans-serif;max-width:60em;margin:2em auto}code{background:#eee}\
         h2{margin-top:1.5em}</style></head><body>",
    );
    let _ = write!(
        html,
        "<h1>{}</h1><p>{}</p><p>The schema: <a href=\"/openapi.json\">/openapi.json</a></p>",
        escape(&doc.info.title),
        escape(doc.info.description.as_deref().unwrap_or_default())
    );
    let value = serde_json::to_value(&doc).unwrap_or_default();
    if let Some(paths) = value["paths"].as_object() {
        for (path, ops) in paths {
            for (method, op) in ops.as_object().into_iter().flatten() {
                let _ = write!(
                    html,
                    "<h2><code>{} {}</code></h2><p>{}</p><ul>",
                    method.to_uppercase(),
                    escape(path),
                    escape(
                        op["description"]
                            .as_str()
                            .or(op["summary"].as_str())
                            .unwrap_or("")
                    )
                );
                for (status, r) in op["responses"].as_object().into_iter().flatten() {
                    let schema = r["content"]["application/json"]["schema"]["$ref"]
                        .as_str()
                        .map(|s| s.rsplit('/').next().unwrap_or(s).to_owned())
                        .unwrap_or_default();
                    let _ = write!(
                        html,
                        "<li>{status} {} <code>{}</code></li>",
                        escape(r["description"].as_str().unwrap_or("")),
                        escape(&schema)
                    );
                }
                html.push_str("</ul>");
            }
        }
    }
    html.push_str("</body></html>");
    Html(html).into_response()
}
