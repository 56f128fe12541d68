//! `GET /form` and `POST /form`: the public web form, a page of its own in Chinese or
//! English (`?lang=`, else the browser's `Accept-Language`). Its one script is ours, from
//! this server (`/form/suggest.js`: the help articles that may answer what is being typed,
//! from `GET /form/suggestions`); the policy allows nothing else, inline or from elsewhere,
//! and the form works the same without it. The rules are `ingest::form`'s.

use axum::Form;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::Error;
use crate::ingest::form::{self, FieldError, Submitted, WebForm};
use crate::state::AppState;

/// A submission's body: the longest message, in UTF-8, with room for the rest.
const BODY_LIMIT: usize = 128 * 1024;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/form", get(show).post(submit))
        .route("/form/suggest.js", get(script))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

#[derive(Debug, Default, serde::Deserialize)]
struct PageQuery {
    #[serde(default)]
    lang: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    Zh,
    En,
}

impl Lang {
    pub(super) fn pick(asked: &str, headers: &HeaderMap) -> Self {
        let asked = asked.trim().to_ascii_lowercase();
        if asked.starts_with("zh") {
            return Lang::Zh;
        }
        if asked.starts_with("en") {
            return Lang::En;
        }
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if accept.trim_start().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    pub(super) fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    fn t(self, key: &str) -> &'static str {
        let zh = self == Lang::Zh;
        match key {
            "title" => {
                if zh {
                    "联系客服"
                } else {
                    "Contact support"
                }
            }
            "lead" => {
                if zh {
                    "请描述您遇到的问题，我们会通过邮件回复您。涉及交易时，请附上交易哈希（TxID）。"
                } else {
                    "Tell us what happened and we will answer by email. For a transaction, include its hash (TxID)."
                }
            }
            "name" => {
                if zh {
                    "称呼"
                } else {
                    "Your name"
                }
            }
            "email" => {
                if zh {
                    "邮箱（必填，用于接收回复）"
                } else {
                    "Email (required, for our answer)"
                }
            }
            "subject" => {
                if zh {
                    "主题"
                } else {
                    "Subject"
                }
            }
            "message" => {
                if zh {
                    "问题描述（必填）"
                } else {
                    "Your question (required)"
                }
            }
            "warn" => {
                if zh {
                    "请勿填写助记词、私钥或密码：客服永远不会向您索要。"
                } else {
                    "Never write your recovery phrase, private key or password here: support will never ask for them."
                }
            }
            "send" => {
                if zh {
                    "提交"
                } else {
                    "Send"
                }
            }
            "other" => {
                if zh {
                    "English"
                } else {
                    "中文"
                }
            }
            "fix" => {
                if zh {
                    "请修改以下内容："
                } else {
                    "Please correct the following:"
                }
            }
            "thanks" => {
                if zh {
                    "已收到您的问题"
                } else {
                    "We have your question"
                }
            }
            "ticket" => {
                if zh {
                    "您的工单号是"
                } else {
                    "Your ticket number is"
                }
            }
            "reply_to" => {
                if zh {
                    "我们会回复到"
                } else {
                    "We will answer at"
                }
            }
            "keep" => {
                if zh {
                    "回复邮件时请保留主题中的工单号，方便我们找到您的问题。"
                } else {
                    "Keep the ticket number in the subject when you write back, so we find your question."
                }
            }
            "thanks_plain" => {
                if zh {
                    "感谢您的来信，我们会尽快回复。"
                } else {
                    "Thank you; we will answer soon."
                }
            }
            "slow" => {
                if zh {
                    "提交过于频繁，请稍后再试。"
                } else {
                    "Too many submissions; please try again in a minute."
                }
            }
            "may_answer" => {
                if zh {
                    "这些文章也许能解答您的问题："
                } else {
                    "These articles may answer your question:"
                }
            }
            "broken" => {
                if zh {
                    "暂时无法提交，请稍后再试。"
                } else {
                    "We could not take your question just now; please try again shortly."
                }
            }
            _ => "",
        }
    }

    fn field_error(self, e: FieldError) -> String {
        let zh = self == Lang::Zh;
        let field = |f: &str| -> &'static str {
            match f {
                "name" => self.t("name"),
                "subject" => self.t("subject"),
                _ => {
                    if zh {
                        "问题描述"
                    } else {
                        "Your question"
                    }
                }
            }
        };
        match e {
            FieldError::EmailInvalid => {
                if zh {
                    "邮箱地址格式不正确".into()
                } else {
                    "The email address is not valid".into()
                }
            }
            FieldError::MessageEmpty => {
                if zh {
                    "请填写问题描述".into()
                } else {
                    "Please describe your question".into()
                }
            }
            FieldError::TooLong(f) => {
                if zh {
                    format!("{}过长", field(f))
                } else {
                    format!("{} is too long", field(f))
                }
            }
            FieldError::ControlCharacters(f) => {
                if zh {
                    format!("{}包含无法识别的字符", field(f))
                } else {
                    format!("{} holds characters we cannot read", field(f))
                }
            }
        }
    }
}

/// Text as HTML text or attribute value.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:16px/1.5 system-ui,-apple-system,'Noto Sans CJK SC','PingFang SC',sans-serif;\
margin:0;background:#f5f6f8;color:#1d232b}main{max-width:36rem;margin:2rem auto;padding:1.5rem 2rem;\
background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002}h1{font-size:1.4rem;margin:0 0 .5rem}\
label{display:block;margin:1rem 0 .25rem;font-weight:600}input,textarea{width:100%;box-sizing:border-box;\
font:inherit;padding:.5rem;border:1px solid #b8c0cc;border-radius:4px}input:focus,textarea:focus,\
button:focus,a:focus{outline:3px solid #2f6fde;outline-offset:1px}button{margin-top:1rem;font:inherit;\
padding:.5rem 1.5rem;background:#2f6fde;color:#fff;border:0;border-radius:4px;cursor:pointer}\
.warn{background:#fff4e0;border-left:4px solid #e59a00;padding:.5rem .75rem}.errors{background:#fdecec;\
border-left:4px solid #d33;padding:.5rem .75rem}.hp{position:absolute;left:-10000px;width:1px;height:1px;\
overflow:hidden}.number{font-size:2rem;font-weight:700}nav{margin-top:1.5rem}.suggest{margin-top:1rem;\
background:#eef4ff;border-left:4px solid #2f6fde;padding:.5rem .75rem}.suggest h2{font-size:1rem;margin:0 0 .25rem}\
.suggest ul{margin:0;padding-left:1.25rem}";

fn page(lang: Lang, status: StatusCode, body: &str) -> Response {
    titled_page(lang, status, lang.t("title"), body)
}

/// A public page of the desk (the form, the help center): its own markup and style only.
pub(super) fn titled_page(lang: Lang, status: StatusCode, title: &str, body: &str) -> Response {
    page_with_policy(lang, status, title, body, NO_SCRIPT)
}

/// No script, no frame, nothing from elsewhere: the page is its own markup and style.
const NO_SCRIPT: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";
/// The form's: that, and this server's own script file asking this server (no inline
/// script, so markup that slipped into a page could still run nothing).
const FORM_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn page_with_policy(
    lang: Lang,
    status: StatusCode,
    title: &str,
    body: &str,
    policy: &'static str,
) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        lang.tag(),
        escape(title)
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(policy),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn form_page(lang: Lang, status: StatusCode, values: &WebForm, problems: &[String]) -> Response {
    let errors = if problems.is_empty() {
        String::new()
    } else {
        let items: String = problems
            .iter()
            .map(|p| format!("<li>{}</li>", escape(p)))
            .collect();
        format!(
            "<div class=\"errors\" role=\"alert\"><p>{}</p><ul>{items}</ul></div>",
            lang.t("fix")
        )
    };
    let other = match lang {
        Lang::Zh => "en",
        Lang::En => "zh-CN",
    };
    let body = format!(
        "<h1>{title}</h1><p>{lead}</p>{errors}\
         <form method=\"post\" action=\"/form\" accept-charset=\"utf-8\">\
         <input type=\"hidden\" name=\"lang\" value=\"{tag}\">\
         <label for=\"name\">{name}</label>\
         <input id=\"name\" name=\"name\" maxlength=\"{line}\" autocomplete=\"name\" value=\"{v_name}\">\
         <label for=\"email\">{email}</label>\
         <input id=\"email\" name=\"email\" type=\"email\" required maxlength=\"254\" autocomplete=\"email\" value=\"{v_email}\">\
         <label for=\"subject\">{subject}</label>\
         <input id=\"subject\" name=\"subject\" maxlength=\"{line}\" value=\"{v_subject}\">\
         <label for=\"message\">{message}</label>\
         <textarea id=\"message\" name=\"message\" required rows=\"8\" maxlength=\"{max}\">{v_message}</textarea>\
         <section id=\"suggestions\" class=\"suggest\" data-lang=\"{tag}\" aria-live=\"polite\" hidden>\
         <h2>{may_answer}</h2><ul></ul></section>\
         <div class=\"hp\" aria-hidden=\"true\"><label for=\"website\">Website</label>\
         <input id=\"website\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></div>\
         <p class=\"warn\">{warn}</p>\
         <button type=\"submit\">{send}</button></form>\
         <nav><a href=\"/form?lang={other}\">{other_name}</a></nav>\
         <script src=\"/form/suggest.js\" defer></script>",
        title = lang.t("title"),
        lead = lang.t("lead"),
        tag = lang.tag(),
        name = lang.t("name"),
        email = lang.t("email"),
        subject = lang.t("subject"),
        message = lang.t("message"),
        warn = lang.t("warn"),
        send = lang.t("send"),
        may_answer = lang.t("may_answer"),
        other_name = lang.t("other"),
        line = form::MAX_LINE_CHARS,
        max = form::MAX_MESSAGE_CHARS,
        v_name = escape(&values.name),
        v_email = escape(&values.email),
        v_subject = escape(&values.subject),
        v_message = escape(&values.message),
    );
    page_with_policy(lang, status, lang.t("title"), &body, FORM_POLICY)
}

/// The form's script (see the module's note), the same bytes for every page.
async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("../../assets/form-suggest.js"),
    )
        .into_response()
}

async fn show(Query(query): Query<PageQuery>, headers: HeaderMap) -> Response {
    let lang = Lang::pick(&query.lang, &headers);
    form_page(lang, StatusCode::OK, &WebForm::default(), &[])
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(submission): Form<WebForm>,
) -> Response {
    let lang = Lang::pick(&submission.lang, &headers);
    let problems = form::check(&submission);
    if !problems.is_empty() {
        let texts: Vec<String> = problems.into_iter().map(|e| lang.field_error(e)).collect();
        return form_page(lang, StatusCode::UNPROCESSABLE_ENTITY, &submission, &texts);
    }
    match form::submit(&state, &submission).await {
        Ok(Submitted::Ticket { number, email }) => page(
            lang,
            StatusCode::OK,
            &format!(
                "<h1>{}</h1><p>{}</p><p class=\"number\">#{number}</p><p>{} {}</p><p>{}</p>",
                lang.t("thanks"),
                lang.t("ticket"),
                lang.t("reply_to"),
                escape(&email),
                lang.t("keep"),
            ),
        ),
        Ok(Submitted::Ignored) => page(
            lang,
            StatusCode::OK,
            &format!(
                "<h1>{}</h1><p>{}</p>",
                lang.t("thanks"),
                lang.t("thanks_plain")
            ),
        ),
        Err(Error::RateLimited { retry_after_secs }) => {
            let mut response = form_page(
                lang,
                StatusCode::TOO_MANY_REQUESTS,
                &submission,
                &[lang.t("slow").to_owned()],
            );
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
        Err(e) => {
            tracing::warn!(error = %e, "web form submission failed");
            let status = match e {
                Error::BadRequest(_) | Error::Conflict(_) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            form_page(lang, status, &submission, &[lang.t("broken").to_owned()])
        }
    }
}
