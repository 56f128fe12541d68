//! The storage conformance suite (DESIGN.md §6: two backends, one suite). Every case is an
//! `async fn(Arc<dyn Storage>)` that knows nothing of the backend; [`conformance!`] runs
//! each one against SQLite (a temp data dir) and PostgreSQL (a fresh database on the test
//! binary's shared cluster), as `conformance::{sqlite,postgres}::<module>::<case>`.
//!
//! A behaviour a client relies on belongs here, so the two backends cannot drift apart;
//! what only one backend has (files, migrations, concurrency on PostgreSQL) is tested next
//! to it, in `storage.rs` and `postgres/`.

mod accounts;
mod admin;
mod attachments;
pub mod audit;
mod delivery;
mod feed;
mod form;
mod groups;
mod http;
pub mod ingest;
mod invitations;
mod knowledge;
mod mail;
mod presence;
pub mod push;
mod realtime;
mod scope;

use std::sync::Arc;

use desk_core::wire::Change;
use desk_core::{Channel, Message, MessageKind, Priority, Ticket, TicketStatus};
use desk_server::feed::{FeedPosition, Scope};
use desk_server::{PgStorage, SqliteStorage, Storage};
use tempfile::TempDir;
use testsupport::Postgres;

/// A SQLite storage in a new temp dir; keep the dir alive as long as the storage.
pub fn open_sqlite() -> (Arc<dyn Storage>, TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let storage = SqliteStorage::open_in_dir(dir.path()).expect("open sqlite storage");
    (Arc::new(storage), dir)
}

/// A PostgreSQL storage on a new, empty database of the shared test cluster.
pub async fn open_postgres() -> Arc<dyn Storage> {
    let url = Postgres::shared().fresh_database();
    Arc::new(
        PgStorage::connect(&url)
            .await
            .expect("connect to the test database"),
    )
}

/// Instantiates every listed case once per backend.
macro_rules! conformance {
    ($($module:ident: [$($case:ident),* $(,)?]),* $(,)?) => {
        mod sqlite {
            $(mod $module {
                $(#[tokio::test]
                async fn $case() {
                    let (storage, _dir) = crate::conformance::open_sqlite();
                    crate::conformance::$module::$case(storage).await;
                })*
            })*
        }
        mod postgres {
            $(mod $module {
                $(#[tokio::test]
                async fn $case() {
                    let storage = crate::conformance::open_postgres().await;
                    crate::conformance::$module::$case(storage).await;
                })*
            })*
        }
    };
}

conformance! {
    admin: [
        ticket_actions_need_their_role_on_the_ticket_as_the_server_finds_it,
        admins_manage_agents_and_every_console_sees_it,
        the_audit_log_reads_by_agent_ticket_action_and_time_and_exports,
    ],
    audit: [
        a_realistic_run_leaves_an_intact_chain,
    ],
    invitations: [
        an_invited_agent_with_skills_chooses_a_password_and_is_signed_in_once,
        a_lost_or_expired_invitation_is_replaced_and_the_old_code_stops_working,
    ],
    groups: [
        admins_write_groups_that_reach_every_console_and_keep_those_in_use,
    ],
    knowledge: [
        supervisors_write_macros_and_articles_that_reach_every_console,
        the_help_center_shows_published_articles_and_finds_short_chinese_queries,
        the_web_form_suggests_articles_from_what_the_customer_types,
    ],
    ingest: [
        platform_events_become_records_consoles_pull,
        forged_stale_replayed_and_tampered_requests_are_refused,
        expired_nonces_are_forgotten,
        messages_thread_onto_their_conversations_open_ticket,
        hostile_content_is_refused_or_kept_as_plain_text,
        secrets_in_messages_are_redacted_and_the_customer_warned,
        floods_are_held_back_per_conversation_and_customer,
    ],
    accounts: [
        agents_are_unique_by_email_case_insensitively,
        new_agents_ride_the_feed,
        passwords_change_and_disabling_signs_devices_out,
        refresh_tokens_rotate_and_a_reused_one_revokes_the_device,
        a_refresh_whose_answer_was_lost_is_retried_until_its_pair_is_used,
        access_tokens_expire_and_die_with_their_device,
    ],
    feed: [
        ticket_numbers_are_the_servers,
        messages_are_append_only,
        agents_are_not_written_as_records,
        a_refused_write_leaves_nothing_behind,
        macros_kb_incidents_and_sla_policies_are_stored_and_fed,
        pull_pages_in_commit_order_and_keeps_the_latest_change_per_record,
        a_bootstraps_pull_trims_old_closed_conversations,
        seeding_is_deterministic,
    ],
    http: [
        login_then_pull_pages_through_a_seeded_feed,
        refresh_over_http_rotates_and_reuse_signs_the_device_out,
        a_counted_pull_says_how_many_changes_remain,
        a_tickets_whole_conversation_can_be_fetched,
    ],
    push: [
        a_push_applies_once_and_a_replay_changes_nothing,
        mutations_apply_in_seq_order_per_client,
        claims_are_compare_and_set_and_assign_is_last_writer_wins,
        rejections_do_not_block_later_mutations,
        tags_merge_as_sets,
        a_delete_wins_over_concurrent_edits,
        a_reply_is_held_when_someone_else_wrote_meanwhile,
        only_the_signed_in_agents_mutations_are_applied,
        an_agent_opens_a_ticket_and_the_server_numbers_it,
        the_pull_carries_the_devices_answers,
        bad_push_input_is_a_4xx_never_a_5xx,
        nul_in_plain_text_is_bad_input_not_an_internal_error,
        concurrent_claims_have_exactly_one_winner,
    ],
    attachments: [
        files_are_typed_by_their_bytes_and_fetched_only_by_who_may_see_them,
        a_replys_files_go_with_its_mail,
        a_reply_carries_only_files_the_server_holds_as_it_holds_them,
    ],
    delivery: [
        a_public_reply_is_queued_with_its_message_and_a_note_is_not,
        due_deliveries_are_claimed_once_and_settled_only_by_their_attempt,
        concurrent_claims_never_take_the_same_delivery,
        an_agent_retries_a_failed_delivery_on_a_corrected_address,
        a_bridge_receives_signed_replies_and_its_refusal_fails_the_delivery,
        an_email_reply_reaches_a_real_mail_server_threaded_to_its_ticket,
    ],
    form: [
        a_customer_opens_a_ticket_from_the_form_and_is_answered_by_email,
        bots_floods_and_bad_input_are_held_off,
    ],
    mail: [
        mail_becomes_tickets_that_thread_only_for_their_customer,
        one_instance_at_a_time_fetches_a_mailbox,
        every_corpus_mail_is_stored_or_passed_over,
    ],
    presence: [
        two_agents_see_each_other_until_their_presence_lapses,
        presence_needs_a_real_ticket_and_a_token_and_stays_out_of_the_feed,
    ],
    scope: [
        agents_with_groups_pull_their_groups_and_ungrouped_tickets,
        what_an_agent_does_not_receive_it_cannot_change_or_fetch,
        a_change_of_groups_makes_the_consoles_pull_again,
        a_moved_ticket_leaves_the_old_groups_consoles_and_reaches_the_new_ones,
    ],
    realtime: [
        answers_past_retention_are_pruned_and_old_cursors_rebootstrap,
        event_streams_poke_when_the_feed_moves,
        a_busy_feed_pokes_each_stream_at_a_bounded_rate,
        pokes_space_out_as_more_streams_connect,
    ],
}

pub fn ticket(id: &str, number: Option<i64>) -> Ticket {
    Ticket {
        id: id.into(),
        number,
        subject: "充值未到账".into(),
        customer_id: "c1".into(),
        channel: Channel::Wechat,
        status: TicketStatus::New,
        priority: Priority::High,
        category: desk_core::Category::FundsNotArrived,
        tags: vec![],
        assignee_id: None,
        group: None,
        language: "zh-CN".into(),
        first_response_due_at: None,
        resolution_due_at: None,
        linked_transaction_ids: vec![],
        incident_id: None,
        merged_into: None,
        csat: None,
        created_at: 1,
        updated_at: 1,
        last_message_at: 1,
        deleted_at: None,
        secret_exposed_at: None,
    }
}

pub fn message(id: &str, text: &str) -> Message {
    Message {
        id: id.into(),
        ticket_id: "t1".into(),
        kind: MessageKind::PublicReply,
        author: desk_core::Author {
            kind: desk_core::AuthorKind::Customer,
            id: None,
            name: "王芳".into(),
        },
        body_text: text.into(),
        body_html: None,
        attachments: vec![],
        created_at: 2,
        quoted: None,
    }
}

/// The whole feed from zero, with positions.
pub async fn feed_from_zero(storage: &dyn Storage) -> Vec<(FeedPosition, Change)> {
    let page = storage
        .pull(FeedPosition::ZERO, 100_000, &Scope::All)
        .await
        .expect("pull from zero");
    assert!(!page.has_more, "the test feeds fit one page of 100k");
    page.decoded_changes().expect("decode the feed")
}

/// The whole feed from zero, changes only.
pub async fn everything(storage: &dyn Storage) -> Vec<Change> {
    feed_from_zero(storage)
        .await
        .into_iter()
        .map(|(_, change)| change)
        .collect()
}
