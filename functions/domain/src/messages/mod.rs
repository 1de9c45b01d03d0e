//! The message catalog: every sentence the system says to a resident, in Bahasa Indonesia, in the
//! polite "Bapak/Ibu" register. Nothing resident-facing is written anywhere else.

pub mod documents;
pub mod intent;
pub mod notifications;
mod tickets;
pub use tickets::*;

use crate::catalog::{AttachmentSlot, Category, ServiceDefinition, service, services_in};
use crate::office::Office;
use crate::region::Region;
use crate::reply::{ListRow, ListSection, Reply};
use crate::{NikError, Request, RequestStatus, ServiceCode, TicketId};
use time::Date;

/// Name of the service as residents know it, used in greetings.
pub const OFFICE_NAME: &str = "Disdukcapil";

/// Ids of the buttons and list rows the engine understands.
pub const SUBMIT_ID: &str = "submit";
pub const CANCEL_ID: &str = "cancel";
/// A button back to the main menu (from any step; a draft is kept for `lanjut`).
pub const MENU_ID: &str = "menu";
pub const CATEGORY_PREFIX: &str = "cat:";
pub const SERVICE_PREFIX: &str = "svc:";
pub const DISTRICT_PREFIX: &str = "kec:";
/// The "Lainnya…" row of a paged kecamatan list: `kecpage:<page to show>`.
pub const DISTRICT_PAGE_PREFIX: &str = "kecpage:";
pub const SLOT_PREFIX: &str = "slot:";
/// Buttons that act on one ticket carry it, so an old button never acts on a newer one.
pub const CANCEL_PREFIX: &str = "cancel:";
pub const KEEP_PREFIX: &str = "keep:";
pub const RESUBMIT_PREFIX: &str = "resubmit:";
pub const TICKET_PREFIX: &str = "tkt:";
/// `replace:<draft ticket>:<service code>`: cancel that draft and start the service.
pub const REPLACE_PREFIX: &str = "replace:";
/// `consent:<service code>`: agree to the privacy notice, then start the service.
pub const CONSENT_PREFIX: &str = "consent:";

const MONTHS: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// `5 Desember 2026`.
pub fn date(d: Date) -> String {
    format!(
        "{} {} {}",
        d.day(),
        MONTHS[usize::from(u8::from(d.month())) - 1],
        d.year()
    )
}

pub fn status_label(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Draft => "Belum dikirim (draf)",
        RequestStatus::Submitted => "Diterima, menunggu pemeriksaan",
        RequestStatus::InReview => "Sedang diperiksa petugas",
        RequestStatus::NeedsRevision => "Perlu perbaikan dari Bapak/Ibu",
        RequestStatus::Approved => "Disetujui, dokumen sedang diproses",
        RequestStatus::Completed => "Selesai",
        RequestStatus::Rejected => "Ditolak",
        RequestStatus::Cancelled => "Dibatalkan",
    }
}

/// Welcome naming the office (configuration).
pub fn greeting(display_name: Option<&str>, office: &Office) -> String {
    let who = match display_name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => format!("Bapak/Ibu {name}"),
        None => "Bapak/Ibu".to_owned(),
    };
    format!(
        "Selamat datang di layanan administrasi kependudukan {} melalui WhatsApp, {who}.",
        office.name
    )
}

/// The main menu: one row per category (always within WhatsApp's 10-row limit), with the same
/// choices numbered in the text for phones that do not show lists.
pub fn main_menu(
    display_name: Option<&str>,
    office: &Office,
    paused_draft: Option<TicketId>,
) -> Reply {
    let rows = Category::ALL
        .iter()
        .map(|category| ListRow {
            id: format!("{CATEGORY_PREFIX}{}", category.as_str()),
            title: category.title().to_owned(),
            description: Some(category.description().to_owned()),
        })
        .collect();
    let numbered: Vec<String> = Category::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{}. {}", i + 1, c.title()))
        .collect();
    let resume = paused_draft
        .map(|t| {
            format!(
                "\n\nPermohonan Bapak/Ibu dengan tiket *{}* belum selesai. Ketik *lanjut* untuk melanjutkannya.",
                t.as_str()
            )
        })
        .unwrap_or_default();
    Reply::list(
        format!(
            "{} Pesan dapat dikirim kapan saja; petugas menjawab pada jam kerja ({}).\n\nSilakan pilih jenis layanan (atau ketik nomornya). Semua layanan adminduk gratis.\n{}\n\nKetik *status* untuk melihat permohonan Bapak/Ibu, *bantuan* untuk petunjuk.{resume}",
            greeting(display_name, office),
            office.hours,
            numbered.join("\n")
        ),
        "Pilih layanan",
        vec![ListSection {
            title: "Jenis layanan".into(),
            rows,
        }],
    )
}

/// The services of one category, numbered as well.
pub fn category_menu(category: Category) -> Reply {
    let services: Vec<&ServiceDefinition> = services_in(category).collect();
    let rows = services
        .iter()
        .map(|s| ListRow {
            id: format!("{SERVICE_PREFIX}{}", s.code.as_str()),
            title: s.short_name.to_owned(),
            description: Some(s.name.to_owned()),
        })
        .collect();
    let numbered: Vec<String> = services
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. {}", i + 1, s.name))
        .collect();
    Reply::list(
        format!(
            "Layanan {}. Silakan pilih (atau ketik nomornya):\n{}\n\nKetik *menu* untuk kembali.",
            category.title(),
            numbered.join("\n")
        ),
        "Pilih layanan",
        vec![ListSection {
            title: category.title().to_owned(),
            rows,
        }],
    )
}

pub fn help() -> Reply {
    Reply::text(
        "Petunjuk layanan WhatsApp Disdukcapil:\n\
         • *menu* — daftar layanan\n\
         • *status* — daftar permohonan Bapak/Ibu\n\
         • *status <nomor tiket>* — rincian satu permohonan\n\
         • *lanjut* — melanjutkan permohonan yang belum selesai\n\
         • *batal* — membatalkan permohonan yang sedang diisi\n\n\
         Dokumen dikirim sebagai foto (JPG/PNG) atau PDF. Semua layanan adminduk gratis; petugas tidak pernah meminta bayaran.",
    )
}

/// For stickers, voice notes, locations and anything else the service cannot read.
pub fn unsupported_input() -> Reply {
    Reply::text(
        "Mohon maaf, Bapak/Ibu, pesan jenis ini belum dapat kami proses. Silakan kirim teks, foto atau PDF. Ketik *menu* untuk melihat layanan.",
    )
}

pub fn session_expired(paused_draft: Option<TicketId>) -> Reply {
    let resume = match paused_draft {
        Some(t) => format!(
            " Data permohonan dengan tiket *{}* tetap tersimpan; ketik *lanjut* untuk melanjutkan.",
            t.as_str()
        ),
        None => String::new(),
    };
    Reply::text(format!(
        "Sesi percakapan sebelumnya telah berakhir karena tidak ada balasan.{resume} Ketik *menu* untuk melihat layanan."
    ))
}

pub fn service_suspended(service: &ServiceDefinition, notice: &str) -> Reply {
    Reply::text(format!(
        "Mohon maaf, layanan *{}* untuk sementara tidak tersedia.\n\n{notice}\n\nKetik *menu* untuk memilih layanan lain.",
        service.name
    ))
}

pub fn draft_opened(ticket: TicketId, service: &ServiceDefinition) -> Reply {
    Reply::text(format!(
        "Permohonan *{}* dibuka dengan nomor tiket *{}*. Simpan nomor ini untuk mengecek status.\n\nSilakan ketik *nama lengkap pemohon* sesuai KK.",
        service.name,
        ticket.as_str()
    ))
}

pub fn ask_name() -> Reply {
    Reply::text("Silakan ketik *nama lengkap pemohon* sesuai KK.")
}

pub fn name_invalid() -> Reply {
    Reply::text("Mohon ketik nama lengkap pemohon dengan huruf (2 sampai 100 karakter).")
}

pub fn ask_nik(name: &str) -> Reply {
    Reply::text(format!(
        "Terima kasih. Sekarang ketik *NIK* (16 digit) atas nama {name}, sesuai KTP-el atau KK."
    ))
}

pub fn nik_invalid(err: &NikError) -> Reply {
    Reply::text(format!(
        "{}\n\nMohon periksa kembali dan ketik ulang NIK (16 digit).",
        err.resident_message()
    ))
}

/// The kecamatan question, one page of it: all kecamatan when they fit in one list, else
/// [`crate::region::DISTRICTS_PER_PAGE`] with a "Lainnya…" row to the next page (the last page's
/// leads back to the first). Numbers run on across pages (see [`Region::district_page`]).
pub fn ask_district(region: &Region, page: usize) -> Reply {
    let (first, districts) = region.district_page(page);
    let mut rows: Vec<ListRow> = districts
        .iter()
        .map(|d| ListRow {
            id: format!("{DISTRICT_PREFIX}{}", d.code),
            title: d.name.clone(),
            // A name longer than a row title is clipped there; the description shows it whole.
            description: (d.name.chars().count() > crate::reply::ROW_TITLE_MAX)
                .then(|| d.name.clone()),
        })
        .collect();
    let numbered: Vec<String> = districts
        .iter()
        .enumerate()
        .map(|(i, d)| format!("{}. {}", first + i, d.name))
        .collect();
    let pages = region.district_pages();
    let mut footer = String::new();
    if pages > 1 {
        let page = page % pages;
        let next = (page + 1) % pages;
        let (next_first, next_districts) = region.district_page(next);
        let next_last = next_first + next_districts.len() - 1;
        rows.push(ListRow {
            id: format!("{DISTRICT_PAGE_PREFIX}{next}"),
            title: "Lainnya…".into(),
            description: Some(if next == 0 {
                format!("Kembali ke kecamatan {next_first}-{next_last}")
            } else {
                format!(
                    "Kecamatan {next_first}-{next_last} dari {}",
                    region.districts.len()
                )
            }),
        });
        footer = format!(
            "\n\nHalaman {} dari {pages}. Kecamatan lain: pilih *Lainnya…* atau ketik *lainnya*. \
             Bapak/Ibu juga dapat langsung mengetik nama kecamatan.",
            page + 1
        );
    }
    Reply::list(
        format!(
            "Di kecamatan mana pemohon tinggal ({})? Pilih dari daftar atau ketik nomornya:\n{}{footer}",
            region.name,
            numbered.join("\n")
        ),
        "Pilih kecamatan",
        vec![ListSection {
            title: "Kecamatan".into(),
            rows,
        }],
    )
}

pub fn district_unknown(region: &Region) -> Reply {
    let more = if region.district_pages() > 1 {
        ", ketik *lainnya* untuk melihat kecamatan berikutnya, atau ketik nama kecamatannya"
    } else {
        ""
    };
    Reply::text(format!(
        "Kecamatan tidak dikenali. Mohon pilih dari daftar atau ketik nomor 1 sampai {}{more}.",
        region.districts.len()
    ))
}

pub fn ask_event_date(service: &ServiceDefinition) -> Reply {
    let event = match service.code {
        ServiceCode::Birth => "kelahiran",
        ServiceCode::Death => "kematian",
        ServiceCode::Marriage => "perkawinan",
        ServiceCode::Divorce => "perceraian (tanggal putusan pengadilan)",
        _ => "peristiwa",
    };
    Reply::text(format!(
        "Kapan tanggal {event}? Ketik dengan format *tanggal-bulan-tahun*, misalnya 17-08-2026."
    ))
}

pub fn event_date_invalid() -> Reply {
    Reply::text(
        "Tanggal tidak dapat dibaca atau berada di masa depan. Ketik dengan format tanggal-bulan-tahun, misalnya 17-08-2026.",
    )
}

fn slot_lines(slots: &[&AttachmentSlot]) -> String {
    slots
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let optional = if s.required { "" } else { " (tidak wajib)" };
            format!("{}. {}{optional}", i + 1, s.label)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Everything still to send, listed at once (SPEC 1: never one item at a time).
pub fn documents_needed(request: &Request, late_report: bool) -> Reply {
    let missing: Vec<&AttachmentSlot> = request.missing_slots().collect();
    let late = if late_report {
        "\n\nCatatan: peristiwa ini dilaporkan melewati batas waktu pelaporan. Permohonan tetap diproses."
    } else {
        ""
    };
    Reply::text(format!(
        "Data pemohon tersimpan (tiket *{}*).{late}\n\nSilakan kirim foto (JPG/PNG) atau PDF dokumen berikut, satu per satu:\n{}\n\nSetelah semua terkirim, kami akan meminta konfirmasi pengiriman. Ketik *batal* untuk membatalkan.",
        request.ticket.as_str(),
        slot_lines(&missing)
    ))
}

/// Acknowledges one document and says what is still missing; offers to submit when complete.
pub fn document_received(request: &Request, slot: &AttachmentSlot) -> Reply {
    let missing: Vec<&AttachmentSlot> = request.missing_slots().collect();
    let required_missing = missing.iter().any(|s| s.required);
    if required_missing {
        return Reply::text(format!(
            "Diterima: {} (tiket *{}*).\n\nMasih diperlukan:\n{}",
            slot.label,
            request.ticket.as_str(),
            slot_lines(&missing)
        ));
    }
    let optional = if missing.is_empty() {
        String::new()
    } else {
        format!(
            "\n\nDokumen tambahan (tidak wajib) masih dapat dikirim:\n{}",
            slot_lines(&missing)
        )
    };
    ready_to_submit(request, &format!("Diterima: {}.{optional}", slot.label))
}

pub fn ready_to_submit(request: &Request, preface: &str) -> Reply {
    Reply::buttons(
        format!(
            "{preface}\n\nSemua dokumen wajib untuk tiket *{}* sudah lengkap. Kirim permohonan sekarang?",
            request.ticket.as_str()
        ),
        [
            (SUBMIT_ID.to_owned(), "Kirim permohonan".to_owned()),
            (CANCEL_ID.to_owned(), "Batalkan".to_owned()),
        ],
    )
}

pub fn submit_incomplete(request: &Request) -> Reply {
    let missing: Vec<&AttachmentSlot> = request.missing_slots().filter(|s| s.required).collect();
    Reply::text(format!(
        "Permohonan *{}* belum dapat dikirim. Dokumen yang masih diperlukan:\n{}",
        request.ticket.as_str(),
        slot_lines(&missing)
    ))
}

pub fn slot_selected(slot: &AttachmentSlot) -> Reply {
    Reply::text(format!("Silakan kirim foto atau PDF: {}.", slot.label))
}

pub fn no_open_slot(request: &Request) -> Reply {
    ready_to_submit(request, "Semua dokumen sudah kami terima.")
}

pub fn submitted(request: &Request, due: Date) -> Reply {
    Reply::text(format!(
        "Terima kasih, permohonan *{}* dengan nomor tiket *{}* sudah kami terima dan akan diperiksa petugas.\n\nPerkiraan selesai: *{}* (paling lambat {} hari kerja). Kami akan mengabari setiap perubahan status di sini. Ketik *status {}* kapan saja untuk mengecek.",
        service(request.service).name,
        request.ticket.as_str(),
        date(due),
        service(request.service).max_working_days,
        request.ticket.as_str()
    ))
}

pub fn duplicate_request(existing: TicketId, service: &ServiceDefinition) -> Reply {
    Reply::text(format!(
        "NIK tersebut sudah memiliki permohonan *{}* yang masih berjalan dengan nomor tiket *{}*. Permohonan baru tidak dibuat. Ketik *status {}* untuk melihat perkembangannya.",
        service.name,
        existing.as_str(),
        existing.as_str()
    ))
}

pub fn cancelled(ticket: TicketId) -> Reply {
    Reply::text(format!(
        "Permohonan dengan tiket *{}* telah dibatalkan. Ketik *menu* untuk memulai layanan lain.",
        ticket.as_str()
    ))
}

pub fn nothing_to_cancel() -> Reply {
    Reply::text("Tidak ada permohonan yang sedang diisi. Ketik *menu* untuk melihat layanan.")
}

pub fn nothing_to_resume() -> Reply {
    Reply::text("Tidak ada permohonan yang belum selesai. Ketik *menu* untuk melihat layanan.")
}

pub fn thread_prompt(service: &ServiceDefinition) -> Reply {
    let what = match service.code {
        ServiceCode::Complaint => "aduan Bapak/Ibu",
        _ => "pertanyaan Bapak/Ibu",
    };
    Reply::text(format!(
        "Silakan tuliskan {what} dalam satu pesan. Foto atau PDF pendukung dapat dikirim sesudahnya."
    ))
}

pub fn thread_opened(request: &Request, due: Date) -> Reply {
    Reply::text(format!(
        "Terima kasih. {} Bapak/Ibu sudah kami terima dengan nomor tiket *{}*. Petugas akan menjawab di sini paling lambat *{}*.\n\nPesan, foto atau PDF yang dikirim sekarang akan ditambahkan ke tiket ini. Ketik *selesai* bila sudah.",
        service(request.service).name,
        request.ticket.as_str(),
        date(due)
    ))
}

pub fn thread_appended(ticket: TicketId) -> Reply {
    Reply::text(format!(
        "Ditambahkan ke tiket *{}*. Ketik *selesai* bila sudah.",
        ticket.as_str()
    ))
}

pub fn thread_closed(ticket: TicketId) -> Reply {
    Reply::text(format!(
        "Baik. Jawaban petugas untuk tiket *{}* akan dikirim di sini. Ketik *menu* untuk layanan lain.",
        ticket.as_str()
    ))
}

pub fn media_without_request() -> Reply {
    Reply::text(
        "Dokumen belum dapat kami simpan karena belum ada permohonan yang sedang diisi. Silakan pilih layanan terlebih dahulu (ketik *menu*), lalu kirim dokumennya.",
    )
}

pub fn text_expected() -> Reply {
    Reply::text("Mohon jawab dengan teks. Ketik *batal* untuk membatalkan.")
}

/// `status`: the resident's requests still in progress.
pub fn status_list(requests: &[&Request]) -> Reply {
    if requests.is_empty() {
        return Reply::text(
            "Bapak/Ibu belum memiliki permohonan yang sedang berjalan. Ketik *menu* untuk mengajukan layanan.",
        );
    }
    let lines: Vec<String> = requests
        .iter()
        .map(|r| {
            let due = r
                .due_date
                .map(|d| format!(", perkiraan selesai {}", date(d)))
                .unwrap_or_default();
            format!(
                "• *{}* — {}: {}{due}",
                r.ticket.as_str(),
                service(r.service).short_name,
                status_label(r.status)
            )
        })
        .collect();
    Reply::text(format!(
        "Permohonan Bapak/Ibu:\n{}\n\nKetik *status <nomor tiket>* untuk rinciannya.",
        lines.join("\n")
    ))
}

/// `status <tiket>` for a request of this resident.
pub fn status_detail(request: &Request) -> Reply {
    let due = request
        .due_date
        .map(|d| format!("\nPerkiraan selesai: {}", date(d)))
        .unwrap_or_default();
    let missing: Vec<&AttachmentSlot> = request.missing_slots().filter(|s| s.required).collect();
    let todo = if request.status == RequestStatus::Draft && !missing.is_empty() {
        format!("\nDokumen yang belum dikirim:\n{}", slot_lines(&missing))
    } else {
        String::new()
    };
    Reply::text(format!(
        "Tiket *{}*\nLayanan: {}\nStatus: {}{due}{todo}",
        request.ticket.as_str(),
        service(request.service).name,
        status_label(request.status)
    ))
}

/// The same answer for a ticket that does not exist and one of another resident (SPEC 7).
pub fn status_not_found() -> Reply {
    Reply::text(
        "Nomor tiket tersebut tidak ditemukan di antara permohonan Bapak/Ibu. Periksa kembali penulisannya (contoh: ABCD-2345), atau ketik *status* untuk melihat semua permohonan Bapak/Ibu.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn main_menu_lists_every_category() {
        let Reply::List { sections, body, .. } = main_menu(Some("Siti"), &Office::default(), None)
        else {
            panic!("list expected")
        };
        assert!(body.contains("Bapak/Ibu Siti"));
        assert_eq!(sections[0].rows.len(), Category::ALL.len());
        // The office and its hours come from configuration.
        let office = Office {
            name: "Disdukcapil Kota Bengkulu".into(),
            address: "Jl. Contoh 1".into(),
            hours: "Senin–Jumat 08.00–16.00 WIB".into(),
            ..Office::default()
        };
        let body = main_menu(None, &office, None).body().to_owned();
        assert!(body.contains("Disdukcapil Kota Bengkulu") && body.contains("08.00–16.00"));
        assert!(body.chars().count() <= crate::reply::INTERACTIVE_BODY_MAX);
    }

    #[test]
    fn category_menus_fit_whatsapp_limits() {
        for category in Category::ALL {
            let Reply::List { sections, body, .. } = category_menu(category) else {
                panic!("list expected")
            };
            let rows: usize = sections.iter().map(|s| s.rows.len()).sum();
            assert!((1..=10).contains(&rows), "{category:?} has {rows} rows");
            assert!(body.chars().count() <= crate::reply::INTERACTIVE_BODY_MAX);
        }
    }

    #[test]
    fn dates_are_in_bahasa() {
        assert_eq!(date(date!(2026 - 12 - 05)), "5 Desember 2026");
    }
}
