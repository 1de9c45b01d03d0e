//! The supervisors' daily e-mail of complaints past a deadline (officer-facing, in Bahasa
//! Indonesia). Tickets, dates and officer ids only: the e-mail leaves the system, so it carries no
//! resident's name, phone number, NIK or words.

use super::date;
use crate::complaint::{DigestEntry, Milestone};
use time::Date;

/// An e-mail: SNS takes a subject of under 100 ASCII characters without line breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestMail {
    pub subject: String,
    pub body: String,
}

fn milestone(m: Milestone) -> &'static str {
    match m {
        Milestone::Handled => "ditindaklanjuti",
        Milestone::Answered => "dijawab",
        Milestone::Closed => "diselesaikan",
    }
}

/// `None` when no complaint needs a supervisor today (no e-mail is sent then).
pub fn complaint_digest(entries: &[DigestEntry], today: Date, office: &str) -> Option<DigestMail> {
    if entries.is_empty() {
        return None;
    }
    let escalated = entries.iter().filter(|e| e.escalated_at.is_some()).count();
    let subject = format!(
        "[{}] {} aduan melewati batas waktu ({})",
        crate::reply::clip(office, 40),
        entries.len(),
        date(today)
    );
    let mut body = format!(
        "Ringkasan aduan per {} yang belum tertangani sesuai batas waktu pengelolaan pengaduan (ditindaklanjuti 3, dijawab 5, diselesaikan 10 hari kerja).\n\nJumlah: {} aduan, {} di antaranya diteruskan oleh warga kepada pimpinan.\n",
        date(today),
        entries.len(),
        escalated
    );
    for (i, entry) in entries.iter().enumerate() {
        body.push_str(&format!("\n{}. Tiket {}", i + 1, entry.ticket.as_str()));
        if let Some(at) = entry.escalated_at {
            body.push_str(&format!(
                " - DITERUSKAN WARGA pada {}",
                date(crate::calendar::jakarta_date(at))
            ));
        }
        body.push('\n');
        for (m, due) in entry.missed_milestones.iter().zip(&entry.missed) {
            body.push_str(&format!(
                "   - belum {} (batas {})\n",
                milestone(*m),
                date(*due)
            ));
        }
        if entry.working_days_late > 0 {
            body.push_str(&format!(
                "   - terlambat {} hari kerja\n",
                entry.working_days_late
            ));
        }
        body.push_str(&format!(
            "   - petugas: {}\n",
            entry.assigned_to.as_deref().unwrap_or("belum diambil")
        ));
    }
    body.push_str(
        "\nBuka antrean petugas dengan filter batas waktu terlewat (deadline=missed) atau aduan yang diteruskan (escalated=true) untuk menindaklanjuti.\n",
    );
    // The subject is ASCII already except an office name typed with other letters.
    let subject: String = subject
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                '?'
            }
        })
        .take(99)
        .collect();
    Some(DigestMail { subject, body })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TicketId;
    use time::macros::{date, datetime};

    #[test]
    fn nothing_to_report_sends_nothing() {
        assert_eq!(
            complaint_digest(&[], date!(2026 - 12 - 07), "Disdukcapil"),
            None
        );
    }

    #[test]
    fn the_mail_names_tickets_deadlines_and_officers_only() {
        let entries = [
            DigestEntry {
                ticket: TicketId::from_random(4),
                assigned_to: None,
                missed: vec![],
                missed_milestones: vec![],
                escalated_at: Some(datetime!(2026-12-07 07:00 +7)),
                working_days_late: 0,
            },
            DigestEntry {
                ticket: TicketId::from_random(1),
                assigned_to: Some("officer-1".into()),
                missed: vec![date!(2026 - 12 - 02), date!(2026 - 12 - 04)],
                missed_milestones: vec![Milestone::Handled, Milestone::Answered],
                escalated_at: None,
                working_days_late: 3,
            },
        ];
        let office = "Disdukcapil Kabupaten Kepahiang — Provinsi Bengkulu, kantor pusat dan UPT";
        let mail = complaint_digest(&entries, date!(2026 - 12 - 07), office).unwrap();
        assert!(mail.subject.len() < 100, "{}", mail.subject);
        assert!(mail.subject.is_ascii() && !mail.subject.contains('\n'));
        assert!(mail.subject.contains("2 aduan"), "{}", mail.subject);
        let body = &mail.body;
        assert!(body.contains("1 di antaranya diteruskan"), "{body}");
        assert!(
            body.contains(&format!(
                "1. Tiket {} - DITERUSKAN WARGA pada 7 Desember 2026",
                entries[0].ticket.as_str()
            )),
            "{body}"
        );
        assert!(
            body.contains("belum ditindaklanjuti (batas 2 Desember 2026)"),
            "{body}"
        );
        assert!(
            body.contains("belum dijawab (batas 4 Desember 2026)"),
            "{body}"
        );
        assert!(body.contains("terlambat 3 hari kerja"), "{body}");
        assert!(body.contains("petugas: officer-1") && body.contains("petugas: belum diambil"));
        assert!(!body.contains("Anda"));
    }
}
