//! A resident's request: the aggregate officers work on and residents ask about.

use crate::catalog::ServiceKind;
use crate::officer_actions::{OTHER_SLOT, RevisionItem};
use crate::{Nik, RequestStatus, ResidentId, ServiceCode, TicketId};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// The person the request is for (may differ from the resident who writes on WhatsApp, e.g. a
/// parent registering a birth).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub name: String,
    pub nik: Nik,
    /// Kecamatan code, e.g. `170804`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kecamatan: Option<String>,
}

/// The answer to one of the service's [`crate::catalog::Field`]s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldAnswer {
    pub field: String,
    pub value: String,
}

/// The identity the one-open-request guard is keyed on, as a string the webhook hashes with a
/// secret key (it is never stored in clear). For a NIK it is the 16 digits alone, so guards
/// written before children were keyed keep their ids.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpenRequestKey(String);

impl OpenRequestKey {
    pub fn nik(nik: &Nik) -> Self {
        Self(nik.as_str().to_owned())
    }

    /// A child by name and date of birth. The name is compared without case, punctuation or
    /// extra spaces ("Muhammad  Rizki." is "muhammad rizki"), so a retyped name is the same child.
    pub fn child(name: &str, born: Date) -> Self {
        let name: Vec<String> = name
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        Self(format!("child:{}:{born}", name.join(" ")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Never prints the NIK or the child's name.
impl std::fmt::Debug for OpenRequestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpenRequestKey(..)")
    }
}

/// A filled attachment slot: which document satisfies it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotFill {
    pub slot: String,
    pub document_id: String,
}

/// What an officer asked the resident to correct (`NEEDS_REVISION`). The named slots were emptied
/// when it was asked; it is cleared when the resident resubmits (the audit trail keeps it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub items: Vec<RevisionItem>,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// The resident wrote or sent something since: answers an item outside the slots
    /// ([`OTHER_SLOT`]), which no scan can fill.
    #[serde(default)]
    pub answered: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub ticket: TicketId,
    pub service: ServiceCode,
    pub status: RequestStatus,
    /// Optimistic-concurrency version, bumped by every change.
    pub version: u64,
    pub resident: ResidentId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant: Option<Applicant>,
    #[serde(default)]
    pub slots: Vec<SlotFill>,
    /// Answers to the service's questions (the child's name of a birth, the document and number
    /// of copies to legalise), in the order asked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<FieldAnswer>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub submitted_at: Option<OffsetDateTime>,
    #[serde(
        default,
        with = "iso_date_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub due_date: Option<Date>,
    /// The officer who claimed it (`IN_REVIEW`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub completed_at: Option<OffsetDateTime>,
    /// Date of the event being registered (birth, death, marriage, divorce), for the late-report
    /// flag of SPEC 3. Set by the conversation when it asks for it.
    #[serde(
        default,
        with = "iso_date_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub event_date: Option<Date>,
    /// What the resident must correct while `NEEDS_REVISION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<Revision>,
    /// An officer wrote on the ticket and the resident has not answered yet.
    #[serde(default, skip_serializing_if = "is_false")]
    pub awaiting_resident_reply: bool,
    /// Messages and attachments from the resident since an officer last wrote: the officers'
    /// "unanswered" flag and count.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unanswered_messages: u32,
    /// When the resident last sent the corrections back (`NEEDS_REVISION → SUBMITTED`).
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub resubmitted_at: Option<OffsetDateTime>,
    /// The applicant's NIK was issued outside the office's regency or city (a resident who
    /// moved in): allowed, and shown to officers as "NIK dari luar daerah". Set with the NIK.
    #[serde(default, skip_serializing_if = "is_false")]
    pub nik_from_elsewhere: bool,
    /// A complaint's deadlines and milestones (SP4N-LAPOR!); `None` for every other service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complaint: Option<crate::complaint::ComplaintTimeline>,
    /// The satisfaction survey offered when the request was completed (SKM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey: Option<crate::survey::Survey>,
}

impl Request {
    /// A new request in its first state, version 1.
    pub fn open(
        ticket: TicketId,
        service: ServiceCode,
        resident: ResidentId,
        now: OffsetDateTime,
    ) -> Self {
        let kind = crate::service(service).kind;
        Self {
            ticket,
            service,
            status: crate::initial_status(kind),
            version: 1,
            resident,
            applicant: None,
            slots: Vec::new(),
            answers: Vec::new(),
            created_at: now,
            updated_at: now,
            submitted_at: None,
            due_date: None,
            assigned_to: None,
            completed_at: None,
            event_date: None,
            revision: None,
            awaiting_resident_reply: false,
            unanswered_messages: 0,
            resubmitted_at: None,
            nik_from_elsewhere: false,
            complaint: None,
            survey: None,
        }
    }

    /// Past its due date and still open.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.status.is_open() && self.due_date.is_some_and(|due| due < today)
    }

    /// The answer to the field `id`, if given.
    pub fn answer(&self, id: &str) -> Option<&str> {
        self.answers
            .iter()
            .find(|a| a.field == id)
            .map(|a| a.value.as_str())
    }

    /// The first of the service's questions not answered yet.
    pub fn next_field(&self) -> Option<&'static crate::catalog::Field> {
        crate::service(self.service)
            .fields
            .iter()
            .find(|f| self.answer(f.id).is_none())
    }

    /// What the one-open-request guard of this request is keyed on, once it is known: the
    /// applicant's NIK, or for a birth the child's name and date of birth.
    pub fn open_request_key(&self) -> Option<OpenRequestKey> {
        match crate::service(self.service).open_request_key {
            crate::catalog::OpenRequestKey::ApplicantNik => {
                self.applicant.as_ref().map(|a| OpenRequestKey::nik(&a.nik))
            }
            crate::catalog::OpenRequestKey::Child => {
                let name = self.answer(crate::catalog::CHILD_NAME_FIELD)?;
                Some(OpenRequestKey::child(name, self.event_date?))
            }
        }
    }

    pub fn is_filled(&self, slot: &str) -> bool {
        self.slots.iter().any(|s| s.slot == slot)
    }

    /// Attachment slots of the service not yet filled, in the order they are asked for.
    pub fn missing_slots(&self) -> impl Iterator<Item = &'static crate::AttachmentSlot> + '_ {
        crate::service(self.service)
            .slots
            .iter()
            .filter(|slot| !self.is_filled(slot.id))
    }

    /// True when every required slot is filled.
    pub fn is_complete(&self) -> bool {
        crate::service(self.service)
            .required_slots()
            .all(|slot| self.is_filled(slot.id))
    }

    /// Whether what the resident sends now belongs to this ticket: corrections are asked for, an
    /// officer's message waits for an answer, or a complaint or consultation is still open.
    pub fn is_waiting_for_resident(&self) -> bool {
        match self.status {
            RequestStatus::NeedsRevision => true,
            RequestStatus::Draft => false,
            status if status.is_terminal() => false,
            _ => {
                self.awaiting_resident_reply
                    || crate::service(self.service).kind != ServiceKind::Registration
            }
        }
    }

    /// Slots named by the pending revision that hold no document yet, in the officer's order.
    pub fn revision_missing(&self) -> Vec<&str> {
        self.revision.as_ref().map_or_else(Vec::new, |revision| {
            let mut missing: Vec<&str> = Vec::new();
            for item in &revision.items {
                let slot = item.slot.as_str();
                if slot != OTHER_SLOT && !self.is_filled(slot) && !missing.contains(&slot) {
                    missing.push(slot);
                }
            }
            missing
        })
    }

    /// Every correction asked for has been sent: each named slot holds a document and an item
    /// outside the slots has had an answer.
    pub fn revision_complete(&self) -> bool {
        self.revision.as_ref().is_some_and(|revision| {
            let other_ok =
                revision.answered || !revision.items.iter().any(|i| i.slot == OTHER_SLOT);
            other_ok && self.revision_missing().is_empty()
        })
    }

    /// The late-report flag (SPEC 3): reported later than the service's limit after the event.
    pub fn is_late_report(&self) -> bool {
        let reported = crate::jakarta_date(self.submitted_at.unwrap_or(self.created_at));
        self.event_date
            .is_some_and(|event| crate::service(self.service).is_late_report(event, reported))
    }
}

/// Calendar dates as ISO 8601 (`2026-12-08`) wherever a request is written: the table and the
/// officer API. (`time`'s own serde form is `[2026, 342]`, year and day of the year, which no
/// client reads as a date.) The old form is still read, so items stored before stay readable.
pub mod iso_date {
    use serde::{Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
        super::iso_date_option::serialize(&Some(*date), s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        super::iso_date_option::deserialize(d)?
            .ok_or_else(|| serde::de::Error::custom("a date is required"))
    }
}

/// [`iso_date`] for an optional date.
pub mod iso_date_option {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;
    use time::macros::format_description;

    const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
        format_description!("[year]-[month]-[day]");

    pub fn serialize<S: Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => {
                let text = date.format(FORMAT).map_err(serde::ser::Error::custom)?;
                s.serialize_str(&text)
            }
            None => s.serialize_none(),
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Iso(String),
        YearAndOrdinal(Date),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        match Option::<Stored>::deserialize(d)? {
            None => Ok(None),
            Some(Stored::YearAndOrdinal(date)) => Ok(Some(date)),
            Some(Stored::Iso(text)) => Date::parse(&text, FORMAT)
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod iso_date_tests {
    use super::iso_date_option;
    use serde::{Deserialize, Serialize};
    use time::macros::date;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Holder {
        #[serde(default, with = "iso_date_option")]
        due: Option<time::Date>,
    }

    #[test]
    fn dates_are_written_as_iso_8601_and_the_old_form_is_still_read() {
        let h = Holder {
            due: Some(date!(2026 - 12 - 08)),
        };
        assert_eq!(
            serde_json::to_string(&h).unwrap(),
            r#"{"due":"2026-12-08"}"#
        );
        let old: Holder = serde_json::from_str(r#"{"due":[2026,342]}"#).unwrap();
        assert_eq!(old, h);
        let none: Holder = serde_json::from_str(r#"{"due":null}"#).unwrap();
        assert_eq!(none.due, None);
        assert!(serde_json::from_str::<Holder>(r#"{"due":"08-12-2026"}"#).is_err());
    }
}
