//! The public help center (DESIGN.md §11): published knowledge-base articles in Chinese
//! and English, searched (one- and two-character Chinese queries too), each article a
//! page; and from every page, the web form for a question the articles do not answer.
//! Plain server-rendered pages like the form's: no script, nothing from elsewhere. And
//! `GET /form/suggestions`, the articles the web form's script lists while a customer
//! types.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::form::{Lang, escape, titled_page};
use crate::help::{HelpArticle, MAX_QUERY_CHARS};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/help", get(index))
        .route("/help/{id}", get(article))
        .route("/form/suggestions", get(suggestions))
}

#[derive(Debug, Default, serde::Deserialize)]
struct SuggestQuery {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    message: String,
}

/// One article the form suggests: what its script shows, and the help center's page.
#[derive(Debug, serde::Serialize)]
struct Suggestion<'a> {
    id: &'a str,
    language: &'a str,
    title: &'a str,
    summary: &'a str,
    /// This server's path of the article, in the reader's language.
    url: String,
}

/// `{"articles": [...]}`: what the customer's words point to, best first; none while the
/// snapshot cannot be read (the form is not held up by its suggestions).
async fn suggestions(
    State(state): State<AppState>,
    Query(query): Query<SuggestQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::pick(&query.lang, &headers);
    let index = match state.help().get(&state).await {
        Ok(index) => index,
        Err(e) => {
            tracing::warn!(error = %e, "help center: no suggestions, articles could not be read");
            return Json(serde_json::json!({ "articles": [] })).into_response();
        }
    };
    let hits = index.suggest(&query.subject, &query.message, lang.tag());
    let articles: Vec<Suggestion<'_>> = hits
        .iter()
        .map(|a| Suggestion {
            id: &a.id,
            language: &a.language,
            title: &a.title,
            summary: &a.summary,
            url: format!("/help/{}?lang={}", encode(&a.id), lang.tag()),
        })
        .collect();
    let mut response = Json(serde_json::json!({ "articles": articles })).into_response();
    // What a customer typed is in the address: keep it out of shared caches.
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

#[derive(Debug, Default, serde::Deserialize)]
struct HelpQuery {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    q: String,
}

fn text(lang: Lang, key: &str) -> &'static str {
    let zh = lang == Lang::Zh;
    match (key, zh) {
        ("title", true) => "帮助中心",
        ("title", false) => "Help center",
        ("search", true) => "搜索",
        ("search", false) => "Search",
        ("placeholder", true) => "例如：提币 确认",
        ("placeholder", false) => "e.g. withdrawal confirm",
        ("none", true) => "没有找到相关文章。",
        ("none", false) => "No article matches.",
        ("empty", true) => "还没有发布的文章。",
        ("empty", false) => "No articles are published yet.",
        ("ask", true) => "没有找到答案？提交问题，客服会回复您。",
        ("ask", false) => "Didn't find your answer? Ask us, and a person will reply.",
        ("back", true) => "返回帮助中心",
        ("back", false) => "Back to the help center",
        ("other", true) => "English",
        ("other", false) => "中文",
        ("missing", true) => "没有这篇文章。",
        ("missing", false) => "There is no such article.",
        ("slow", true) => "帮助中心暂时无法打开，请稍后再试。",
        ("slow", false) => "The help center cannot be shown just now; please try again shortly.",
        _ => "",
    }
}

fn other(lang: Lang) -> Lang {
    match lang {
        Lang::Zh => Lang::En,
        Lang::En => Lang::Zh,
    }
}

/// Query text as a URL query value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

fn ask_link(lang: Lang) -> String {
    format!(
        "<p class=\"warn\"><a href=\"/form?lang={}\">{}</a></p>",
        lang.tag(),
        text(lang, "ask")
    )
}

fn unavailable(lang: Lang) -> Response {
    titled_page(
        lang,
        StatusCode::SERVICE_UNAVAILABLE,
        text(lang, "title"),
        &format!(
            "<h1>{}</h1><p>{}</p>",
            text(lang, "title"),
            text(lang, "slow")
        ),
    )
}

/// The instance's articles, or the page saying they cannot be read just now.
async fn snapshot(
    state: &AppState,
    lang: Lang,
) -> Result<std::sync::Arc<crate::help::HelpIndex>, Response> {
    state.help().get(state).await.map_err(|e| {
        tracing::warn!(error = %e, "help center: articles could not be read");
        unavailable(lang)
    })
}

fn item(a: &HelpArticle, lang: Lang) -> String {
    format!(
        "<li><a href=\"/help/{}?lang={}\">{}</a><br><small>{}</small></li>",
        encode(&a.id),
        lang.tag(),
        escape(&a.title),
        escape(&a.summary)
    )
}

async fn index(
    State(state): State<AppState>,
    Query(query): Query<HelpQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::pick(&query.lang, &headers);
    let index = match snapshot(&state, lang).await {
        Ok(index) => index,
        Err(page) => return page,
    };
    let q: String = query.q.trim().chars().take(MAX_QUERY_CHARS).collect();
    let hits = index.search(&q, lang.tag());
    let mut body = format!(
        "<h1>{title}</h1>\
         <form method=\"get\" action=\"/help\" role=\"search\">\
         <input type=\"hidden\" name=\"lang\" value=\"{tag}\">\
         <label for=\"q\">{search}</label>\
         <input id=\"q\" name=\"q\" type=\"search\" value=\"{q}\" placeholder=\"{placeholder}\" maxlength=\"{max}\">\
         <button type=\"submit\">{search}</button></form>",
        title = text(lang, "title"),
        tag = lang.tag(),
        search = text(lang, "search"),
        q = escape(&q),
        placeholder = text(lang, "placeholder"),
        max = MAX_QUERY_CHARS,
    );
    if hits.is_empty() {
        let none = if q.is_empty() { "empty" } else { "none" };
        body.push_str(&format!("<p data-results=\"0\">{}</p>", text(lang, none)));
    } else {
        body.push_str(&format!("<ul data-results=\"{}\">", hits.len()));
        for a in &hits {
            body.push_str(&item(a, lang));
        }
        body.push_str("</ul>");
    }
    body.push_str(&ask_link(lang));
    body.push_str(&format!(
        "<nav><a href=\"/help?lang={}&amp;q={}\">{}</a></nav>",
        other(lang).tag(),
        encode(&q),
        text(lang, "other")
    ));
    titled_page(lang, StatusCode::OK, text(lang, "title"), &body)
}

async fn article(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HelpQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::pick(&query.lang, &headers);
    let index = match snapshot(&state, lang).await {
        Ok(index) => index,
        Err(page) => return page,
    };
    let back = format!(
        "<nav><a href=\"/help?lang={}\">{}</a></nav>",
        lang.tag(),
        text(lang, "back")
    );
    let Some(a) = index.article(&id, lang.tag()) else {
        return titled_page(
            lang,
            StatusCode::NOT_FOUND,
            text(lang, "title"),
            &format!(
                "<h1>{}</h1><p>{}</p>{back}",
                text(lang, "title"),
                text(lang, "missing")
            ),
        );
    };
    // The article's own language, when the reader's was not there.
    let body = format!(
        "<article lang=\"{}\"><h1>{}</h1>{}</article>{}{back}",
        escape(&a.language),
        escape(&a.title),
        a.html(),
        ask_link(lang),
    );
    titled_page(lang, StatusCode::OK, &a.title, &body)
}
