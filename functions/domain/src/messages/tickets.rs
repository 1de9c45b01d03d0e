//! What residents are told about the tickets that wait for them: which ticket a message went
//! to, what a revision still lacks, resubmission, and the confirmations that name a ticket.

use super::{
    CANCEL_PREFIX, CONSENT_PREFIX, KEEP_PREFIX, REPLACE_PREFIX, RESUBMIT_PREFIX, TICKET_PREFIX,
    date, documents::slot_label,
};
use crate::catalog::{ServiceDefinition, service};
use crate::officer_actions::OTHER_SLOT;
use crate::reply::{ListRow, ListSection, Reply};
use crate::{Request, RequestStatus, TicketId};
use time::Date;

/// Rows and numbers of the ticket list stay within one WhatsApp list.
const TICKETS_LISTED: usize = crate::reply::LIST_ROWS_MAX;

fn why_waiting(request: &Request) -> &'static str {
    match request.status {
        RequestStatus::NeedsRevision => "perlu perbaikan",
        _ if request.awaiting_resident_reply => "pesan petugas belum dijawab",
        _ => "masih terbuka",
    }
}

/// Several tickets wait for the resident: which one is this message for?
pub fn choose_ticket(waiting: &[&Request]) -> Reply {
    let listed = &waiting[..waiting.len().min(TICKETS_LISTED)];
    let lines: Vec<String> = listed
        .iter()
        .enumerate()
        .map(|(i, r)| {
            format!(
                "{}. {} – {} ({})",
                i + 1,
                r.ticket.as_str(),
                service(r.service).short_name,
                why_waiting(r)
            )
        })
        .collect();
    let rows = listed
        .iter()
        .map(|r| ListRow {
            id: format!("{TICKET_PREFIX}{}", r.ticket.as_str()),
            title: r.ticket.as_str().to_owned(),
            description: Some(format!(
                "{} – {}",
                service(r.service).short_name,
                why_waiting(r)
            )),
        })
        .collect();
    Reply::list(
        format!(
            "Bapak/Ibu memiliki beberapa tiket yang menunggu tanggapan:\n{}\n\nPesan ini untuk tiket yang mana? Pilih dari daftar atau ketik nomornya. Pesan Bapak/Ibu kami simpan sampai tiketnya dipilih.",
            lines.join("\n")
        ),
        "Pilih tiket",
        vec![ListSection {
            title: "Tiket Bapak/Ibu".to_owned(),
            rows,
        }],
    )
}

pub fn ticket_chosen(request: &Request) -> Reply {
    Reply::text(format!(
        "Baik. Pesan, foto atau PDF yang Bapak/Ibu kirim berikutnya akan kami teruskan ke tiket *{}* ({}).",
        request.ticket.as_str(),
        service(request.service).short_name
    ))
}

pub fn ticket_not_waiting(ticket: TicketId) -> Reply {
    Reply::text(format!(
        "Tiket *{}* saat ini tidak sedang menunggu tanggapan Bapak/Ibu. Ketik *status {}* untuk melihat perkembangannya, atau *menu* untuk layanan lain.",
        ticket.as_str(),
        ticket.as_str()
    ))
}

pub fn held_not_delivered(count: usize) -> Reply {
    Reply::text(format!(
        "Catatan: {count} pesan terakhir Bapak/Ibu belum kami teruskan ke petugas karena tiketnya belum dipilih atau tidak lagi menunggu tanggapan. Bila masih perlu, mohon kirim ulang pesan tersebut."
    ))
}

pub fn held_full() -> Reply {
    Reply::text(
        "Pesan ini belum kami simpan: mohon pilih tiketnya terlebih dahulu, lalu kirim kembali pesan tersebut.",
    )
}

/// A message (or several held ones) reached an open ticket.
pub fn delivered_to_ticket(request: &Request, count: usize) -> Reply {
    let what = if count > 1 {
        format!("{count} pesan Bapak/Ibu")
    } else {
        "Pesan Bapak/Ibu".to_owned()
    };
    Reply::text(format!(
        "{what} sudah kami teruskan ke petugas untuk tiket *{}* ({}). Jawaban petugas akan dikirim di sini. Ketik *menu* untuk layanan lain.",
        request.ticket.as_str(),
        service(request.service).short_name
    ))
}

fn label(definition: &ServiceDefinition, slot: &str) -> String {
    if slot == OTHER_SLOT {
        "keterangan lainnya".to_owned()
    } else {
        slot_label(definition, slot)
    }
}

/// After each correction: what was received, what is still missing, or the button that sends
/// the corrections back to the officer.
pub fn revision_progress(request: &Request, received: &[String]) -> Reply {
    let definition = service(request.service);
    let ticket = request.ticket.as_str();
    let preface = if received.is_empty() {
        format!("Tiket *{ticket}* menunggu perbaikan dari Bapak/Ibu.")
    } else {
        format!(
            "Terima kasih, *{}* untuk tiket *{ticket}* sudah kami terima.",
            received.join(", ")
        )
    };
    if request.revision_complete() {
        return Reply::buttons(
            format!(
                "{preface}\n\nSemua perbaikan yang diminta petugas sudah lengkap. Kirim perbaikan sekarang agar permohonan diperiksa kembali?"
            ),
            [
                (
                    format!("{RESUBMIT_PREFIX}{ticket}"),
                    "Kirim perbaikan".to_owned(),
                ),
                (super::MENU_ID.to_owned(), "Nanti saja".to_owned()),
            ],
        );
    }
    let mut missing: Vec<String> = request
        .revision_missing()
        .iter()
        .map(|slot| format!("- {}", label(definition, slot)))
        .collect();
    if request
        .revision
        .as_ref()
        .is_some_and(|r| !r.answered && r.items.iter().any(|i| i.slot == OTHER_SLOT))
    {
        missing.push("- jawaban atas catatan petugas (ketik di sini)".to_owned());
    }
    let notes: Vec<String> = request
        .revision
        .iter()
        .flat_map(|r| r.items.iter())
        .map(|i| format!("- {}: {}", label(definition, &i.slot), i.reason))
        .collect();
    Reply::text(format!(
        "{preface}\n\nCatatan petugas:\n{}\n\nYang masih kami perlukan:\n{}\n\nSilakan kirim foto (JPG/PNG) atau PDF-nya di sini.",
        notes.join("\n"),
        missing.join("\n")
    ))
}

/// The resident tapped "send corrections" while a scan is still being checked or was refused.
pub fn revision_still_checking(request: &Request, slots: &[&str]) -> Reply {
    let definition = service(request.service);
    let list: Vec<String> = slots
        .iter()
        .map(|s| format!("- {}", label(definition, s)))
        .collect();
    Reply::buttons(
        format!(
            "Dokumen berikut untuk tiket *{}* masih kami periksa:\n{}\n\nMohon tunggu sebentar, lalu tekan *Kirim perbaikan* lagi. Bila ada dokumen yang perlu dikirim ulang, kami akan memberi tahu di sini.",
            request.ticket.as_str(),
            list.join("\n")
        ),
        [(
            format!("{RESUBMIT_PREFIX}{}", request.ticket.as_str()),
            "Kirim perbaikan".to_owned(),
        )],
    )
}

pub fn resubmitted(request: &Request, due: Date) -> Reply {
    Reply::text(format!(
        "Terima kasih, Bapak/Ibu. Perbaikan untuk tiket *{}* sudah kami terima dan permohonan kembali masuk antrean pemeriksaan.\n\nTarget selesai paling lambat *{}*. Ketik *status {}* kapan saja untuk mengecek.",
        request.ticket.as_str(),
        date(due),
        request.ticket.as_str()
    ))
}

/// `batal` asks before cancelling, naming the draft.
pub fn confirm_cancel(draft: &Request) -> Reply {
    let ticket = draft.ticket.as_str();
    Reply::buttons(
        format!(
            "Batalkan permohonan *{}* dengan tiket *{ticket}*? Data dan dokumen yang sudah dikirim untuk tiket ini tidak akan diproses.",
            service(draft.service).name
        ),
        [
            (
                format!("{CANCEL_PREFIX}{ticket}"),
                "Ya, batalkan".to_owned(),
            ),
            (
                format!("{KEEP_PREFIX}{ticket}"),
                "Tidak, lanjutkan".to_owned(),
            ),
        ],
    )
}

/// A cancel button of a draft that is no longer the one being filled in.
pub fn cancel_stale(ticket: TicketId) -> Reply {
    Reply::text(format!(
        "Tiket *{}* sudah tidak dalam pengisian, jadi tidak ada yang dibatalkan. Ketik *status {}* untuk melihat keadaannya.",
        ticket.as_str(),
        ticket.as_str()
    ))
}

/// Starting another service while a draft is open: keep it or replace it.
pub fn confirm_replace_draft(draft: &Request, next: &ServiceDefinition) -> Reply {
    let ticket = draft.ticket.as_str();
    Reply::buttons(
        format!(
            "Bapak/Ibu masih mengisi permohonan *{}* (tiket *{ticket}*). Untuk memulai *{}*, permohonan tersebut akan dibatalkan. Lanjutkan yang lama atau mulai yang baru?",
            service(draft.service).name,
            next.name
        ),
        [
            (
                format!("{KEEP_PREFIX}{ticket}"),
                "Lanjutkan yang lama".to_owned(),
            ),
            (
                format!("{REPLACE_PREFIX}{ticket}:{}", next.code.as_str()),
                "Mulai yang baru".to_owned(),
            ),
        ],
    )
}

/// The resident asks for an officer while a consultation is still open: it continues there.
pub fn consultation_joined(request: &Request) -> Reply {
    let due = request
        .due_date
        .map(|d| {
            format!(
                " Petugas menjawab paling lambat *{}*, pada jam kerja.",
                date(d)
            )
        })
        .unwrap_or_default();
    Reply::text(format!(
        "Bapak/Ibu masih memiliki konsultasi yang terbuka dengan tiket *{}*. Silakan tulis pesan Bapak/Ibu di sini; pesan, foto atau PDF akan kami teruskan ke petugas pada tiket tersebut.{due}",
        request.ticket.as_str()
    ))
}

/// Version of the privacy notice below: raise it when its content changes, and every resident
/// reads and agrees to the new one before giving personal data again.
pub const PRIVACY_NOTICE_VERSION: u32 = 1;

/// What is collected, why, for how long, the resident's rights and whom to ask (UU 27/2022
/// Pelindungan Data Pribadi), before the first personal data is asked.
pub fn privacy_notice(service: &ServiceDefinition) -> Reply {
    Reply::buttons(
        format!(
            "Sebelum memulai *{}*, mohon baca pemberitahuan pelindungan data pribadi (UU 27/2022):\n\n• Yang kami kumpulkan: nama, NIK, kecamatan, tanggal peristiwa, foto/PDF dokumen dan pesan yang Bapak/Ibu kirim.\n• Untuk apa: hanya untuk memproses permohonan ini oleh petugas Disdukcapil.\n• Berapa lama: dokumen pendukung disimpan 90 hari sampai 5 tahun menurut jenis layanan, lalu dihapus.\n• Hak Bapak/Ibu: meminta salinan atau penghapusan data melalui WhatsApp ini atau di kantor Disdukcapil.\n\nTekan *Setuju* untuk melanjutkan.",
            service.name
        ),
        [
            (
                format!("{CONSENT_PREFIX}{}", service.code.as_str()),
                "Setuju".to_owned(),
            ),
            (super::MENU_ID.to_owned(), "Tidak, kembali".to_owned()),
        ],
    )
}

/// A voice note where a document is asked for.
pub fn voice_is_not_a_document() -> Reply {
    Reply::text(
        "Mohon maaf, pesan suara tidak dapat dipakai sebagai dokumen persyaratan. Silakan kirim foto (JPG/PNG) atau PDF dokumennya.",
    )
}
