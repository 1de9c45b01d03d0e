//! The conversation engine: a pure function from (state, inbound message, now) to (new state,
//! replies). No I/O: the webhook loads the state, calls `step`, and commits the outcome in one
//! transaction.

use crate::catalog::Category;
use crate::messages;
use crate::reply::Reply;
use crate::resident::ResidentId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub resident: ResidentId,
    /// Bumped by every committed step; the store's optimistic check uses it.
    pub version: u64,
    pub step: Step,
    #[serde(with = "time::serde::rfc3339")]
    pub last_inbound_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Shown the main menu, waiting for a category.
    MainMenu,
    /// Shown the services of one category.
    ChoosingService { category: Category },
}

/// One inbound message, reduced to what the engine decides on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inbound {
    Text {
        body: String,
    },
    /// A tap on a reply button or list row (`id` is ours), or a template quick-reply.
    Choice {
        id: String,
        title: String,
    },
    /// A photo or document (what the documents function will fetch).
    Media,
    /// Anything the service does not read: sticker, voice note, location, reaction, ...
    Unsupported,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub conversation: Conversation,
    pub replies: Vec<Reply>,
}

/// Advances a resident's conversation by one inbound message.
pub fn step(
    state: Option<&Conversation>,
    resident: &ResidentId,
    display_name: Option<&str>,
    inbound: &Inbound,
    now: OffsetDateTime,
) -> Outcome {
    let (next, replies) = match inbound {
        Inbound::Choice { id, .. } => match id.strip_prefix("cat:").and_then(|c| c.parse().ok()) {
            Some(category) => (
                Step::ChoosingService { category },
                vec![messages::category_menu(category)],
            ),
            None => (Step::MainMenu, vec![messages::main_menu(display_name)]),
        },
        Inbound::Text { .. } => (Step::MainMenu, vec![messages::main_menu(display_name)]),
        Inbound::Media | Inbound::Unsupported => (
            state.map(|s| s.step.clone()).unwrap_or(Step::MainMenu),
            vec![messages::unsupported_input()],
        ),
    };
    Outcome {
        conversation: Conversation {
            resident: resident.clone(),
            version: state.map_or(1, |s| s.version + 1),
            step: next,
            last_inbound_at: now,
        },
        replies,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn resident() -> ResidentId {
        ResidentId::Phone("6281234567890".into())
    }

    #[test]
    fn first_text_gets_the_main_menu() {
        let now = datetime!(2026-11-28 09:00 UTC);
        let out = step(
            None,
            &resident(),
            Some("Siti"),
            &Inbound::Text {
                body: "halo".into(),
            },
            now,
        );
        assert_eq!(out.conversation.version, 1);
        assert_eq!(out.conversation.step, Step::MainMenu);
        assert!(matches!(out.replies.as_slice(), [Reply::List { .. }]));
    }

    #[test]
    fn choosing_a_category_lists_its_services_and_bumps_version() {
        let now = datetime!(2026-11-28 09:00 UTC);
        let first = step(
            None,
            &resident(),
            None,
            &Inbound::Text { body: "x".into() },
            now,
        );
        let out = step(
            Some(&first.conversation),
            &resident(),
            None,
            &Inbound::Choice {
                id: "cat:kartu_keluarga".into(),
                title: "Kartu Keluarga".into(),
            },
            now,
        );
        assert_eq!(out.conversation.version, 2);
        assert_eq!(
            out.conversation.step,
            Step::ChoosingService {
                category: Category::KartuKeluarga
            }
        );
    }

    #[test]
    fn unsupported_input_gets_a_polite_hint_and_keeps_the_step() {
        let now = datetime!(2026-11-28 09:00 UTC);
        let out = step(None, &resident(), None, &Inbound::Unsupported, now);
        assert!(out.replies[0].body().contains("teks, foto atau PDF"));
    }
}
