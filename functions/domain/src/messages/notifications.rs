//! What residents are told when an officer works their request (SPEC 5: every change, in Bahasa
//! Indonesia, with the ticket). Each notification has a free-text form (inside WhatsApp's 24-hour
//! window) and the parameters of a pre-approved template (outside it); the template names are
//! configuration, the parameter order is fixed here:
//!
//! - status update template: `{{1}}` ticket, `{{2}}` one-line summary of the change;
//! - officer message template: `{{1}}` ticket, `{{2}}` the officer's message on one line.

use crate::catalog::{ServiceDefinition, ServiceKind};
use crate::officer_actions::{OTHER_SLOT, RevisionItem};
use crate::reply::{Reply, clip};
use crate::{RequestStatus, TicketId};
use serde::{Deserialize, Serialize};

/// Which configured template carries the notification outside the 24-hour window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateKind {
    StatusUpdate,
    OfficerMessage,
}

impl Notification {
    /// A notice written as a reply (e.g. about a scan), with the status-update template as its
    /// form outside the 24-hour window: `{{2}}` is the text on one line.
    pub fn from_text(ticket: &TicketId, text: &str) -> Self {
        Notification {
            text: text.to_owned(),
            template: TemplateKind::StatusUpdate,
            template_params: vec![ticket.as_str().to_owned(), template_param(text)],
        }
    }
}

/// One message owed to a resident about one request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// The free-form text (24-hour window).
    pub text: String,
    pub template: TemplateKind,
    /// Body parameters of the template, already flattened to what WhatsApp accepts.
    pub template_params: Vec<String>,
}

impl Notification {
    pub fn reply(&self) -> Reply {
        Reply::text(&self.text)
    }
}

/// WhatsApp refuses template parameters with new lines, tabs or more than four consecutive
/// spaces; long ones are clipped.
pub const TEMPLATE_PARAM_MAX: usize = 1000;

pub fn template_param(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    clip(&flat, TEMPLATE_PARAM_MAX)
}

fn status_update(ticket: &TicketId, text: String, summary: &str) -> Notification {
    Notification {
        text,
        template: TemplateKind::StatusUpdate,
        template_params: vec![ticket.as_str().to_owned(), template_param(summary)],
    }
}

/// "permohonan KK baru", "aduan", "konsultasi": how the request is named in a sentence.
fn subject(service: &ServiceDefinition) -> String {
    match service.kind {
        ServiceKind::Registration => format!("permohonan {}", service.short_name),
        ServiceKind::Complaint => "aduan".to_owned(),
        ServiceKind::Consultation => "pertanyaan konsultasi".to_owned(),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub fn claimed(ticket: &TicketId, service: &ServiceDefinition) -> Notification {
    let summary = format!(
        "{} Bapak/Ibu sedang diperiksa oleh petugas.",
        capitalised(&subject(service))
    );
    status_update(
        ticket,
        format!(
            "{} Bapak/Ibu dengan nomor tiket *{}* sedang diperiksa oleh petugas Disdukcapil. Kami akan mengabari Bapak/Ibu melalui WhatsApp ini.",
            capitalised(&subject(service)),
            ticket.as_str()
        ),
        &summary,
    )
}

pub fn released(ticket: &TicketId, service: &ServiceDefinition) -> Notification {
    let summary = format!(
        "{} Bapak/Ibu kembali dalam antrean dan akan segera diperiksa petugas.",
        capitalised(&subject(service))
    );
    status_update(
        ticket,
        format!(
            "{} Bapak/Ibu dengan nomor tiket *{}* kembali dalam antrean dan akan segera diperiksa oleh petugas lain. Mohon kesabaran Bapak/Ibu.",
            capitalised(&subject(service)),
            ticket.as_str()
        ),
        &summary,
    )
}

/// Everything to fix, in one message (SPEC 5: the resident is told everything at once).
pub fn revision_requested(
    ticket: &TicketId,
    service: &ServiceDefinition,
    items: &[RevisionItem],
) -> Notification {
    let lines: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let label = if item.slot == OTHER_SLOT {
                "Lainnya"
            } else {
                service.slot(&item.slot).map_or("Dokumen", |s| s.label)
            };
            format!("{}. {}: {}", i + 1, label, item.reason.trim())
        })
        .collect();
    let summary = format!(
        "{} Bapak/Ibu perlu dilengkapi: {}. Silakan kirim perbaikannya melalui WhatsApp ini.",
        capitalised(&subject(service)),
        lines.join("; ")
    );
    status_update(
        ticket,
        format!(
            "Mohon maaf, Bapak/Ibu, {} dengan nomor tiket *{}* perlu dilengkapi atau diperbaiki:\n\n{}\n\nSilakan kirim dokumen perbaikan melalui WhatsApp ini. Setelah semuanya kami terima, permohonan akan kembali diperiksa.",
            subject(service),
            ticket.as_str(),
            lines.join("\n")
        ),
        &summary,
    )
}

/// For a card collected in person (issue #19 §3): how to pick the day, said when the request is
/// approved or completed.
fn appointment_hint(service: &ServiceDefinition) -> &'static str {
    match crate::appointment::visit_for(service.code) {
        Some(crate::appointment::Visit::CardCollection) => {
            " Ketik *janji temu* untuk memilih hari dan jam pengambilan."
        }
        _ => "",
    }
}

pub fn approved(ticket: &TicketId, service: &ServiceDefinition) -> Notification {
    let hint = appointment_hint(service);
    let summary = format!(
        "{} Bapak/Ibu telah disetujui dan sedang diproses.{hint}",
        capitalised(&subject(service))
    );
    status_update(
        ticket,
        format!(
            "Kabar baik, Bapak/Ibu. {} dengan nomor tiket *{}* telah disetujui dan sedang diproses. Kami akan mengabari Bapak/Ibu setelah dokumen selesai.{hint}",
            capitalised(&subject(service)),
            ticket.as_str()
        ),
        &summary,
    )
}

pub fn rejected(ticket: &TicketId, service: &ServiceDefinition, reason: &str) -> Notification {
    let summary = format!(
        "Mohon maaf, {} Bapak/Ibu tidak dapat diproses. Alasan: {}",
        subject(service),
        reason.trim()
    );
    status_update(
        ticket,
        format!(
            "Mohon maaf, Bapak/Ibu, {} dengan nomor tiket *{}* tidak dapat kami proses.\n\nAlasan: {}\n\nBapak/Ibu dapat mengajukan permohonan baru melalui WhatsApp ini. Ketik *menu* untuk melihat layanan.",
            subject(service),
            ticket.as_str(),
            reason.trim()
        ),
        &summary,
    )
}

pub fn completed(ticket: &TicketId, service: &ServiceDefinition) -> Notification {
    let (text, summary) = match service.kind {
        ServiceKind::Registration => (
            format!(
                "Kabar baik, Bapak/Ibu. {} dengan nomor tiket *{}* telah selesai. Dokumen dapat Bapak/Ibu terima sesuai petunjuk petugas.{} Terima kasih telah menggunakan layanan Disdukcapil.",
                capitalised(&subject(service)),
                ticket.as_str(),
                appointment_hint(service)
            ),
            format!(
                "{} Bapak/Ibu telah selesai.",
                capitalised(&subject(service))
            ),
        ),
        ServiceKind::Complaint | ServiceKind::Consultation => (
            format!(
                "{} Bapak/Ibu dengan nomor tiket *{}* telah selesai kami tangani. Terima kasih, Bapak/Ibu. Ketik *menu* bila ada hal lain yang dapat kami bantu.",
                capitalised(&subject(service)),
                ticket.as_str()
            ),
            format!(
                "{} Bapak/Ibu telah selesai ditangani.",
                capitalised(&subject(service))
            ),
        ),
    };
    status_update(ticket, text, &summary)
}

/// The notification for an officer action that moved a request to `to`.
pub fn for_status(
    ticket: &TicketId,
    service: &ServiceDefinition,
    from: RequestStatus,
    to: RequestStatus,
    reason: Option<&str>,
    revision: &[RevisionItem],
) -> Notification {
    match to {
        RequestStatus::InReview => claimed(ticket, service),
        RequestStatus::Submitted if from == RequestStatus::InReview => released(ticket, service),
        RequestStatus::NeedsRevision => revision_requested(ticket, service, revision),
        RequestStatus::Approved => approved(ticket, service),
        RequestStatus::Rejected => rejected(ticket, service, reason.unwrap_or("-")),
        RequestStatus::Completed => completed(ticket, service),
        other => status_update(
            ticket,
            format!(
                "Status {} Bapak/Ibu dengan nomor tiket *{}* kini: {}.",
                subject(service),
                ticket.as_str(),
                status_label(other)
            ),
            &format!(
                "Status {} Bapak/Ibu kini: {}.",
                subject(service),
                status_label(other)
            ),
        ),
    }
}

/// A status as residents read it.
pub fn status_label(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Draft => "belum lengkap (draf)",
        RequestStatus::Submitted => "menunggu pemeriksaan",
        RequestStatus::InReview => "sedang diperiksa",
        RequestStatus::NeedsRevision => "perlu dilengkapi",
        RequestStatus::Approved => "disetujui, sedang diproses",
        RequestStatus::Completed => "selesai",
        RequestStatus::Rejected => "ditolak",
        RequestStatus::Cancelled => "dibatalkan",
    }
}

/// An officer writes to the resident (answers to complaints and consultations).
pub fn officer_message(ticket: &TicketId, text: &str) -> Notification {
    Notification {
        text: format!(
            "Pesan dari petugas Disdukcapil untuk tiket *{}*:\n\n{}\n\nBapak/Ibu dapat membalas pesan ini melalui WhatsApp ini.",
            ticket.as_str(),
            text.trim()
        ),
        template: TemplateKind::OfficerMessage,
        template_params: vec![ticket.as_str().to_owned(), template_param(text)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ServiceCode;

    fn ticket() -> TicketId {
        TicketId::parse("ABCD-EFGH").unwrap()
    }

    #[test]
    fn every_officer_transition_names_the_ticket_politely() {
        for code in ServiceCode::ALL {
            let service = crate::service(code);
            for from in RequestStatus::ALL {
                for to in RequestStatus::ALL {
                    let n = for_status(&ticket(), service, from, to, Some("alasan"), &[]);
                    assert!(n.text.contains("ABCD-EFGH"), "{code} {to}");
                    assert!(n.text.contains("Bapak/Ibu"), "{code} {to}");
                    assert_eq!(n.template_params[0], "ABCD-EFGH");
                    assert!(!n.template_params[1].contains('\n'));
                }
            }
        }
    }

    #[test]
    fn revision_lists_every_item_in_one_message() {
        let service = crate::service(ServiceCode::KkNew);
        let slot = service.slots[0];
        let items = vec![
            RevisionItem {
                slot: slot.id.into(),
                reason: "foto buram".into(),
            },
            RevisionItem {
                slot: OTHER_SLOT.into(),
                reason: "lampirkan\nsurat nikah".into(),
            },
        ];
        let n = revision_requested(&ticket(), service, &items);
        assert!(n.text.contains(&format!("1. {}: foto buram", slot.label)));
        assert!(n.text.contains("2. Lainnya: lampirkan"));
        assert!(!n.template_params[1].contains('\n'));
        assert!(n.template_params[1].contains("lampirkan surat nikah"));
    }

    #[test]
    fn template_params_are_flat_and_bounded() {
        assert_eq!(template_param("a\n\tb     c"), "a b c");
        assert_eq!(
            template_param(&"x".repeat(5000)).chars().count(),
            TEMPLATE_PARAM_MAX
        );
        let n = officer_message(&ticket(), "Silakan datang\nhari Senin");
        assert!(n.text.contains("Silakan datang\nhari Senin"));
        assert_eq!(n.template, TemplateKind::OfficerMessage);
        assert_eq!(n.template_params[1], "Silakan datang hari Senin");
    }

    #[test]
    fn a_card_to_collect_says_how_to_book_the_visit() {
        for code in [ServiceCode::Kia, ServiceCode::KtpLostDamaged] {
            let service = crate::service(code);
            for n in [approved(&ticket(), service), completed(&ticket(), service)] {
                assert!(n.text.contains("*janji temu*"), "{}", n.text);
            }
            assert!(approved(&ticket(), service).template_params[1].contains("janji temu"));
        }
        let birth = crate::service(ServiceCode::Birth);
        assert!(!approved(&ticket(), birth).text.contains("janji temu"));
        assert!(!completed(&ticket(), birth).text.contains("janji temu"));
    }
}
