//! `POST /attachments` (an agent uploads a file for a reply) and `GET /attachments/{sha256}`
//! (a console fetches a file a message carries). Files are content-addressed
//! (`desk_core::attachment`); a download is always a download, never a page: its type is
//! the sniffed one, only raster images keep theirs, and the response may run nothing.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use desk_core::attachment::{self, MAX_FILE_BYTES};
use desk_core::{Attachment, Role};

use super::extract::{AuthedAgent, needs};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::storage::NewBlob;

pub(super) fn routes(state: &AppState) -> Router<AppState> {
    let agent = |route| needs(state, Role::Agent, route);
    Router::new()
        .route("/attachments", agent(post(upload)))
        .route("/attachments/{sha256}", agent(get(download)))
        .layer(DefaultBodyLimit::max(MAX_FILE_BYTES as usize))
}

#[derive(Debug, serde::Deserialize)]
struct UploadQuery {
    /// The file's name as the agent's disk has it.
    #[serde(default)]
    name: String,
}

async fn upload(
    State(state): State<AppState>,
    caller: AuthedAgent,
    Query(query): Query<UploadQuery>,
    body: Bytes,
) -> Result<Json<Attachment>> {
    if body.is_empty() {
        return Err(Error::BadRequest("the file is empty".into()));
    }
    let described = attachment::describe(&query.name, &body);
    state
        .storage()
        .put_blob(NewBlob {
            sha256: described.sha256.clone(),
            content_type: described.content_type.clone(),
            data: body.to_vec(),
            now: state.now_ms(),
            uploaded_by: Some(caller.agent().id.clone()),
        })
        .await?;
    Ok(Json(described))
}

async fn download(
    State(state): State<AppState>,
    caller: AuthedAgent,
    Path(sha256): Path<String>,
) -> Result<Response> {
    let missing = || Error::NotFound(format!("no file {sha256:?}"));
    if !attachment::is_address(&sha256) {
        return Err(missing());
    }
    let blob = state
        .storage()
        .blob_for(&sha256, caller.agent())
        .await?
        .ok_or_else(missing)?;
    let content_type = if attachment::previewable(&blob.content_type) {
        blob.content_type.clone()
    } else if blob.content_type == "text/plain" {
        "text/plain; charset=utf-8".into()
    } else {
        "application/octet-stream".into()
    };
    let mut response = blob.data.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    // Content-addressed: the bytes at this address never change.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    Ok(response)
}
