//! Knowledge for the open ticket (DESIGN.md §11): the cache's suggestion, with each
//! article's public help-center address filled in for inserting a link.

use desk_core::search::KnowledgeSuggestions;

use crate::api::path_segment;
use crate::{Client, Result};

impl Client {
    /// KB articles and macros for the ticket `ticket_id`, best first, from the cache
    /// (offline too). `fallback_language` stands in for a ticket whose language is not
    /// known: the agent's own.
    pub fn suggest_knowledge(
        &self,
        ticket_id: &str,
        fallback_language: &str,
    ) -> Result<KnowledgeSuggestions> {
        let mut found = self.read(|s| s.suggest_knowledge(ticket_id, fallback_language))?;
        if let Some(account) = self.account()? {
            let server = account.server_url.trim_end_matches('/');
            for a in &mut found.articles {
                a.url = Some(help_url(server, &a.article_id, &a.language));
            }
        }
        Ok(found)
    }
}

/// The help center's page for one translation of an article.
fn help_url(server: &str, article_id: &str, language: &str) -> String {
    format!(
        "{server}/help/{}?lang={}",
        path_segment(article_id),
        path_segment(language)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn help_urls_escape_what_a_path_cannot_hold() {
        assert_eq!(
            super::help_url("https://desk.example", "kb-confirm", "zh-CN"),
            "https://desk.example/help/kb-confirm?lang=zh-CN"
        );
        assert_eq!(
            super::help_url("http://h", "a/b c", "en"),
            "http://h/help/a%2Fb%20c?lang=en"
        );
    }
}
