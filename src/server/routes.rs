//! The twelve legacy endpoints.

use super::AppState;
use super::commit::Job;
use super::shapes::{
    AuditTrailResponse, CapabilityReport, DescriptorResponse, HealthResponse, IntegrityResponse,
    VaultStatus, iso_z, now_iso,
};
#[allow(unused_imports)] // the schema types are named in the OpenAPI attributes
use super::shapes::{
    CapabilityAnswer, Descriptor, Detail, Found, ProcessData, Pulse, TimeHistory, TimeVerdict,
    ValidationErrors,
};
use super::state::{Descriptors, StoredDescriptor, Verdict};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tokio::sync::oneshot;

/// The shared state as handlers take it.
pub type Shared = State<Arc<AppState>>;

/// `{"detail": text}` with `status`.
pub fn detail(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({ "detail": text }))).into_response()
}

/// A `FastAPI` validation error answer (422).
#[allow(clippy::needless_pass_by_value)] // callers build the list for this answer
pub fn invalid(errors: Vec<Value>) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({ "detail": errors })),
    )
        .into_response()
}

fn not_found() -> Response {
    detail(StatusCode::NOT_FOUND, "Descriptor not found")
}

fn time_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Clean => "CLEAN",
        Verdict::Failed => "VIOLATED",
        Verdict::Empty => "EMPTY",
    }
}

fn spice_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Failed => "FAILED",
        Verdict::Clean | Verdict::Empty => "VERIFIED",
    }
}

/// `GET /health`.
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, body = HealthResponse), (status = 503, description = "cannot answer now", body = Detail)))]
pub async fn health(State(s): Shared) -> Response {
    let Ok(live) = s.live.read() else {
        return detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "Health check failed: the verdict is unavailable",
        );
    };
    Json(HealthResponse {
        status: "healthy",
        forensic_chain_integrity: time_word(live.verdict.time_chain),
        spice_layer_integrity: spice_word(live.verdict.spice),
        vault_contamination: "NONE",
        constitutional_compliance: "VERIFIED",
        timestamp: now_iso(),
    })
    .into_response()
}

/// `GET /audit/verify/integrity`.
#[utoipa::path(get, path = "/audit/verify/integrity", tag = "audit", responses((status = 200, body = IntegrityResponse), (status = 503, description = "cannot answer now", body = Detail)))]
pub async fn integrity(State(s): Shared) -> Response {
    let Ok(live) = s.live.read() else {
        return detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "Integrity check failed: the verdict is unavailable",
        );
    };
    Json(IntegrityResponse {
        forensic_chain: time_word(live.verdict.time_chain),
        spice_layer: spice_word(live.verdict.spice),
        vault_contamination: "NONE",
        constitutional_compliance: "VERIFIED",
        last_verified: live.verified_at.clone(),
    })
    .into_response()
}

/// `GET /time/verify`: the correct verdict, in the legacy shape.
#[utoipa::path(get, path = "/time/verify", tag = "time", responses((status = 200, body = TimeVerdict), (status = 503, description = "cannot answer now", body = Detail)))]
pub async fn time_verify(State(s): Shared) -> Response {
    let pulses = s.pulses.read().map_or(0, |p| p.count);
    let Ok(live) = s.live.read() else {
        return detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "the verdict is unavailable",
        );
    };
    if live.verdict.time_chain == Verdict::Empty {
        return Json(json!({ "status": "EMPTY", "pulses": 0, "integrity": true })).into_response();
    }
    let clean = live.verdict.time_chain == Verdict::Clean;
    Json(json!({
        "status": if clean { "CLEAN" } else { "VIOLATED" },
        "pulses": pulses,
        "violations": live.time_violations,
        "integrity": clean,
        "last_verified": live.verified_at,
    }))
    .into_response()
}

/// `GET /time/history?limit=N` (1 ≤ N ≤ 1000, default 100).
#[allow(clippy::implicit_hasher)] // axum builds the map
#[utoipa::path(get, path = "/time/history", tag = "time", params(("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "how many of the last pulses (default 100)")), responses((status = 200, body = TimeHistory), (status = 422, body = ValidationErrors), (status = 503, description = "cannot answer now", body = Detail)))]
pub async fn time_history(State(s): Shared, Query(q): Query<HashMap<String, String>>) -> Response {
    let limit = match q.get("limit") {
        None => 100,
        Some(text) => match text.trim().parse::<i64>() {
            Err(_) => {
                return invalid(vec![json!({
                    "type": "int_parsing",
                    "loc": ["query", "limit"],
                    "msg": "Input should be a valid integer, unable to parse string as an integer",
                    "input": text,
                })]);
            }
            Ok(n) if n < 1 => {
                return invalid(vec![json!({
                    "type": "greater_than_equal",
                    "loc": ["query", "limit"],
                    "msg": "Input should be greater than or equal to 1",
                    "input": text,
                    "ctx": { "ge": 1 },
                })]);
            }
            Ok(n) if n > 1000 => {
                return invalid(vec![json!({
                    "type": "less_than_equal",
                    "loc": ["query", "limit"],
                    "msg": "Input should be less than or equal to 1000",
                    "input": text,
                    "ctx": { "le": 1000 },
                })]);
            }
            Ok(n) => usize::try_from(n).unwrap_or(100),
        },
    };
    let Ok(p) = s.pulses.read() else {
        return detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "the pulses are unavailable",
        );
    };
    let from = p.list.len().saturating_sub(limit);
    let pulses: Vec<&Value> = p.list.iter().skip(from).map(|(_, v)| v).collect();
    Json(json!({ "pulses": pulses })).into_response()
}

/// Refuse a write unless the server writes and the request carries the token.
fn authorize(s: &AppState, headers: &HeaderMap) -> Result<(), Response> {
    let Some(token) = s.token.as_deref() else {
        return Err(detail(
            StatusCode::FORBIDDEN,
            "this server is read-only: start it with --write --token-file FILE to accept writes",
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let ok = given.is_some_and(|g| constant_time_eq(g.as_bytes(), token.as_bytes()));
    if ok {
        return Ok(());
    }
    let mut r = detail(
        StatusCode::UNAUTHORIZED,
        if given.is_none() {
            "Not authenticated: send Authorization: Bearer <token>"
        } else {
            "Invalid token"
        },
    );
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    Err(r)
}

/// Equal, in a time that does not depend on where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn sender(s: &AppState) -> Option<std::sync::mpsc::Sender<Job>> {
    s.writer.lock().ok().and_then(|w| w.clone())
}

/// `GET /time/pulse` and `POST /time/pulse`: append a pulse, answer it.
#[utoipa::path(method(get, post), path = "/time/pulse", tag = "time", security(("bearer" = [])), responses((status = 200, description = "the new pulse, durable", body = Pulse), (status = 401, body = Detail), (status = 403, description = "read-only server", body = Detail), (status = 503, description = "cannot answer now", body = Detail)))]
pub async fn time_pulse(State(s): Shared, headers: HeaderMap) -> Response {
    if let Err(r) = authorize(&s, &headers) {
        return r;
    }
    let Some(tx) = sender(&s) else {
        return detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is shutting down",
        );
    };
    let (reply, answer) = oneshot::channel();
    if tx.send(Job::Pulse(reply)).is_err() {
        return detail(StatusCode::SERVICE_UNAVAILABLE, "the writer has stopped");
    }
    match answer.await {
        Ok(Ok(line)) => {
            let p = s.pulses.read().ok();
            let found = p
                .as_ref()
                .and_then(|p| p.list.iter().rev().find(|(l, _)| *l == line));
            match found {
                Some((_, v)) => Json(v.clone()).into_response(),
                None => detail(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!("the pulse was appended at line {line} but cannot be read back"),
                ),
            }
        }
        Ok(Err(e)) => detail(StatusCode::SERVICE_UNAVAILABLE, &e.0),
        Err(_) => detail(StatusCode::SERVICE_UNAVAILABLE, "the writer has stopped"),
    }
}

/// `POST /spice/descriptor`.
#[utoipa::path(post, path = "/spice/descriptor", tag = "spice", security(("bearer" = [])), request_body = ProcessData, responses((status = 200, description = "appended, verified and durable", body = DescriptorResponse), (status = 401, body = Detail), (status = 403, description = "read-only server", body = Detail), (status = 413, description = "body too large", body = Detail), (status = 422, body = ValidationErrors), (status = 503, description = "cannot answer now", body = Detail)))]
pub async fn post_descriptor(
    State(s): Shared,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(r) = authorize(&s, &headers) {
        return r;
    }
    // A body over the limit (or one that could not be read) is answered
    // like every other error, not with axum's plain text.
    let body = match body {
        Ok(b) => b,
        Err(e) => {
            // The rest of the body was not read, so the connection cannot
            // carry another request: say so, or a client that pools
            // connections sends its next request into a closed socket.
            let mut r = detail(e.status(), &body_refused(&e, s.body_limit));
            r.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return r;
        }
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return invalid(vec![json!({
            "type": "missing", "loc": ["body"], "msg": "Field required", "input": null,
        })]);
    }
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            let at = byte_position(&body, e.line(), e.column());
            return invalid(super::process_data::json_invalid(&e.to_string(), at));
        }
    };
    let input = match super::process_data::check(&value) {
        Ok(d) => d,
        Err(errors) => return invalid(errors),
    };
    let Some(tx) = sender(&s) else {
        return detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is shutting down",
        );
    };
    let (reply, answer) = oneshot::channel();
    if tx.send(Job::Descriptor(Box::new(input), reply)).is_err() {
        return detail(StatusCode::SERVICE_UNAVAILABLE, "the writer has stopped");
    }
    match answer.await {
        Ok(Ok(done)) => Json(DescriptorResponse {
            descriptor_id: done.descriptor_id,
            created_at: iso_z(done.at_micros),
            constitutional_binding: "VERIFIED",
        })
        .into_response(),
        Ok(Err(e)) => detail(StatusCode::SERVICE_UNAVAILABLE, &e.0),
        Err(_) => detail(StatusCode::SERVICE_UNAVAILABLE, "the writer has stopped"),
    }
}

/// What to say about a body that was not taken.
fn body_refused(e: &BytesRejection, limit: usize) -> String {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "Request body too large: expected at most {limit} bytes (the server's --body-limit)"
        )
    } else {
        e.body_text()
    }
}

/// The 0-based byte offset of a 1-based line and column (`FastAPI`'s `loc`).
fn byte_position(body: &[u8], line: usize, column: usize) -> usize {
    let start: usize = body
        .split(|&b| b == b'\n')
        .take(line.saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum();
    start + column.saturating_sub(1)
}

/// A record's text could not be read back as verified: said, not guessed.
fn unreadable(e: &std::io::Error) -> Response {
    detail(StatusCode::SERVICE_UNAVAILABLE, &e.to_string())
}

fn raw(all: &Descriptors, d: &StoredDescriptor) -> Response {
    let text = match all.text(d) {
        Ok(t) => t,
        Err(e) => return unreadable(&e),
    };
    let mut r = ([(header::CONTENT_TYPE, "application/json")], text).into_response();
    // A record a violation excludes is still evidence: shown, and marked.
    let verdict = d
        .excluded
        .as_deref()
        .map_or_else(|| "verified".to_owned(), |why| format!("excluded: {why}"));
    if let Ok(v) = HeaderValue::from_str(&verdict) {
        r.headers_mut().insert("x-iss-verdict", v);
    }
    r
}

/// `GET /spice/descriptor/{id}`: the record exactly as stored.
#[utoipa::path(get, path = "/spice/descriptor/{id}", tag = "spice", params(("id" = String, Path, description = "descriptor_id")), responses((status = 200, body = Descriptor), (status = 404, body = Detail), (status = 503, description = "cannot answer now", body = Detail)))]
pub async fn get_descriptor(State(s): Shared, Path(id): Path<String>) -> Response {
    let Ok(d) = s.descriptors.read() else {
        return detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "the descriptors are unavailable",
        );
    };
    d.by_id(&id).map_or_else(not_found, |r| raw(&d, r))
}

fn list(all: &Descriptors, found: &[&StoredDescriptor]) -> Response {
    // Written by hand around the stored records: re-serialising them
    // through a `Value` would re-order their keys.
    let mut text = String::from("{\"descriptors\":[");
    for (i, d) in found.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        match all.text(d) {
            Ok(t) => text.push_str(&t),
            Err(e) => return unreadable(&e),
        }
    }
    text.push_str("],\"count\":");
    text.push_str(&found.len().to_string());
    text.push('}');
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// `GET /spice/find/glyph/{hash}`: records whose glyph range starts or ends there.
#[utoipa::path(get, path = "/spice/find/glyph/{hash}", tag = "spice", params(("hash" = String, Path, description = "a glyph hash the range starts or ends at")), responses((status = 200, body = Found), (status = 503, description = "cannot answer now", body = Detail)))]
pub async fn find_glyph(State(s): Shared, Path(hash): Path<String>) -> Response {
    let Ok(d) = s.descriptors.read() else {
        return detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "the descriptors are unavailable",
        );
    };
    list(&d, &d.by_glyph(&hash))
}

/// `GET /spice/find/apriori/{id}`: records listing that a-priori reference.
#[utoipa::path(get, path = "/spice/find/apriori/{id}", tag = "spice", params(("id" = String, Path, description = "an a-priori reference")), responses((status = 200, body = Found), (status = 503, description = "cannot answer now", body = Detail)))]
pub async fn find_apriori(State(s): Shared, Path(id): Path<String>) -> Response {
    let Ok(d) = s.descriptors.read() else {
        return detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "the descriptors are unavailable",
        );
    };
    list(&d, &d.by_apriori(&id))
}

/// `GET /spice/capability/report`: over the verified records only.
#[utoipa::path(get, path = "/spice/capability/report", tag = "spice", responses((status = 200, body = CapabilityAnswer), (status = 503, description = "cannot answer now", body = Detail)))]
pub async fn capability(State(s): Shared) -> Response {
    let Ok(d) = s.descriptors.read() else {
        return detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "the descriptors are unavailable",
        );
    };
    let verified: Vec<&StoredDescriptor> =
        d.records.iter().filter(|r| r.excluded.is_none()).collect();
    if verified.is_empty() {
        return Json(json!({ "status": "NO_DATA" })).into_response();
    }
    let total = verified.len() as u64;
    let mut distribution: BTreeMap<String, u64> = (0..=5).map(|l| (l.to_string(), 0)).collect();
    let mut sum = 0i64;
    let mut in_range = 0u64;
    let mut types: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in &verified {
        if (0..=5).contains(&r.level) {
            *distribution.entry(r.level.to_string()).or_default() += 1;
            sum += r.level;
            in_range += 1;
        }
        if seen.insert(&*r.process) {
            types.push(r.process.to_string());
        }
    }
    let percentages = distribution
        .iter()
        .map(|(k, &n)| (k.clone(), n as f64 * 100.0 / total as f64))
        .collect();
    Json(CapabilityReport {
        total_processes: total,
        capability_distribution: distribution,
        percentages,
        average_capability: if in_range == 0 {
            0.0
        } else {
            sum as f64 / in_range as f64
        },
        process_types: types,
        computed_at: now_iso(),
        chain_hash: d.head().unwrap_or_default().to_owned(),
    })
    .into_response()
}

/// `GET /audit/trail/{id}`: all five keys of the legacy response model.
#[utoipa::path(get, path = "/audit/trail/{id}", tag = "audit", params(("id" = String, Path, description = "descriptor_id")), responses((status = 200, body = AuditTrailResponse), (status = 404, body = Detail), (status = 503, description = "cannot answer now", body = Detail)))]
pub async fn audit_trail(State(s): Shared, Path(id): Path<String>) -> Response {
    let Ok(d) = s.descriptors.read() else {
        return detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "the descriptors are unavailable",
        );
    };
    let Some(rec) = d.by_id(&id) else {
        return not_found();
    };
    let v: Value = match d.text(rec) {
        Ok(t) => serde_json::from_str(&t).unwrap_or(Value::Null),
        Err(e) => return unreadable(&e),
    };
    let f = |k: &str| v.get(k).cloned().unwrap_or(Value::Null);
    let text = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut pointers = BTreeMap::new();
    pointers.insert(
        "descriptor".to_owned(),
        format!("{} line {}", s.chain_name, rec.line),
    );
    pointers.insert("descriptor_hash".to_owned(), rec.hash.to_string());
    pointers.insert("glyph_range_start".to_owned(), text("glyph_range_start"));
    pointers.insert("glyph_range_end".to_owned(), text("glyph_range_end"));
    pointers.insert(
        "verdict".to_owned(),
        rec.excluded
            .as_deref()
            .map_or_else(|| "verified".to_owned(), |r| format!("excluded: {r}")),
    );
    Json(AuditTrailResponse {
        what_happened: json!({
            "process": f("process_name"),
            "version": f("process_version"),
            "outcome": f("process_outcome"),
            "glyph_range": format!("{}...{}", text("glyph_range_start"), text("glyph_range_end")),
            "glyph_count": f("glyph_count"),
        }),
        why_it_happened: json!({
            "apriori_constraints": f("apriori_refs"),
            "active_constraints": f("active_constraints"),
            "evidence_required": f("evidence_required"),
            "evidence_provided": f("evidence_provided"),
        }),
        how_it_happened: json!({
            "capability_level": f("capability_level"),
            "assessment_method": f("assessment_method"),
            "assessed_by": f("assessed_by"),
            "assessed_at": f("assessed_at"),
            "compliance_score": f("compliance_score"),
        }),
        what_was_learned: json!({
            "aposteriori_refs": f("aposteriori_refs"),
            "advisory_notes": f("advisory_notes"),
        }),
        vault_pointers: pointers,
    })
    .into_response()
}

/// `GET /vault/status`.
#[utoipa::path(get, path = "/vault/status", tag = "vault", responses((status = 200, body = VaultStatus)))]
pub async fn vault_status() -> Response {
    Json(VaultStatus {
        apriori_vault: "READ_ONLY_ACCESS",
        aposteriori_vault: "READ_ONLY_ACCESS",
        trace_vault: "READ_ONLY_ACCESS",
        contamination_status: "NONE",
        last_checked: now_iso(),
    })
    .into_response()
}

/// Any other path: `FastAPI`'s 404.
pub async fn fallback() -> Response {
    detail(StatusCode::NOT_FOUND, "Not Found")
}

/// `GET /metrics`: the writer's counters (batches are the fsyncs of the chain).
pub async fn metrics(State(s): Shared) -> Response {
    use std::sync::atomic::Ordering::Relaxed;
    let text = format!(
        "iss_commit_batches {}\niss_commit_records {}\niss_commit_pulses {}\n\
         iss_watch_reverifications {}\n",
        s.stats.batches.load(Relaxed),
        s.stats.records.load(Relaxed),
        s.stats.pulses.load(Relaxed),
        s.stats.reverifications.load(Relaxed)
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}
