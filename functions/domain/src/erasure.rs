//! Object erasure (UU PDP right of erasure), as the `status` function schedules it and the
//! `documents` function carries it out. `status` erases a resident's table data but never touches
//! the bucket (it does not link the S3 SDK); it records, per erased ticket, which key prefixes
//! must lose every object version. Tickets only: nothing here identifies the resident.

use crate::TicketId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The top-level key areas of the bucket: supporting scans and finished documents. The
/// documents function builds every key under one of these (`documents::validate::Area`, which a
/// test keeps in step with this list).
pub const OBJECT_AREAS: [&str; 2] = ["requests", "results"];

/// Where a scheduled object erasure stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ObjectErasureState {
    /// Recorded by `status`; the documents function purges the prefixes from the table's stream.
    Pending,
    /// Every version and delete marker under the prefixes was deleted.
    Done,
}

/// The deletion of one ticket's objects, every version, owed after an erasure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectErasure {
    /// The erasure this belongs to (one erasure of a resident covers all their tickets).
    pub erasure_id: String,
    pub ticket: TicketId,
    /// `requests/<ticket>/` and `results/<ticket>/`.
    pub prefixes: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
}

/// A stored erasure asks for a prefix that is not one of its ticket's own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("prefix {prefix:?} is not an object prefix of ticket {ticket}")]
pub struct ForeignPrefix {
    pub ticket: String,
    pub prefix: String,
}

/// The key prefixes of one ticket's objects. The trailing `/` matters: without it a prefix
/// could also match a longer name that merely starts the same way.
pub fn ticket_prefixes(ticket: &TicketId) -> Vec<String> {
    OBJECT_AREAS
        .iter()
        .map(|area| format!("{area}/{}/", ticket.as_str()))
        .collect()
}

impl ObjectErasure {
    pub fn of_ticket(erasure_id: impl Into<String>, ticket: TicketId, at: OffsetDateTime) -> Self {
        Self {
            erasure_id: erasure_id.into(),
            ticket,
            prefixes: ticket_prefixes(&ticket),
            requested_at: at,
        }
    }

    /// The prefixes to purge, each checked to be one of the ticket's own. The purge deletes
    /// without asking, so a damaged or forged item naming `""` or `requests/` must never widen
    /// it to other residents' documents.
    pub fn checked_prefixes(&self) -> Result<&[String], ForeignPrefix> {
        let own = ticket_prefixes(&self.ticket);
        match self.prefixes.iter().find(|p| !own.contains(p)) {
            Some(prefix) => Err(ForeignPrefix {
                ticket: self.ticket.as_str().to_owned(),
                prefix: prefix.clone(),
            }),
            None => Ok(&self.prefixes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn ticket() -> TicketId {
        TicketId::parse("ABCD-EFGH").unwrap()
    }

    #[test]
    fn a_ticket_has_one_prefix_per_area_each_ending_in_a_slash() {
        let erasure = ObjectErasure::of_ticket("e1", ticket(), datetime!(2026-11-28 09:00 UTC));
        assert_eq!(
            erasure.checked_prefixes().unwrap(),
            ["requests/ABCD-EFGH/", "results/ABCD-EFGH/"]
        );
    }

    #[test]
    fn prefixes_outside_the_ticket_are_refused() {
        for foreign in ["", "requests/", "results/ABCD-EFG", "requests/WXYZ-2345/"] {
            let mut erasure =
                ObjectErasure::of_ticket("e1", ticket(), datetime!(2026-11-28 09:00 UTC));
            erasure.prefixes.push(foreign.to_owned());
            assert!(erasure.checked_prefixes().is_err(), "{foreign:?}");
        }
    }

    #[test]
    fn the_stored_form_names_states_like_the_stream_filter() {
        assert_eq!(
            serde_json::to_value(ObjectErasureState::Pending).unwrap(),
            "PENDING"
        );
        assert_eq!(
            serde_json::to_value(ObjectErasureState::Done).unwrap(),
            "DONE"
        );
    }
}
