//! The message catalog: every sentence the system says to a resident, in Bahasa Indonesia, in the
//! polite "Bapak/Ibu" register. Nothing resident-facing is written anywhere else.

pub mod appointments;
pub mod digest;
pub mod documents;
pub mod intent;
pub mod notifications;
pub mod survey;
mod tickets;
pub use tickets::*;

use crate::catalog::{
    AttachmentSlot, Category, EventDate, Field, FieldKind, OpenRequestKey, ServiceDefinition,
    service, services_in,
};
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
/// `esc:<ticket>`: the resident asks that a complaint past its deadline go to the supervisors.
pub const ESCALATE_PREFIX: &str = "esc:";
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
            "{} Pesan dapat dikirim kapan saja; petugas menjawab pada jam kerja ({}).\n\nSilakan pilih jenis layanan (atau ketik nomornya). Semua layanan adminduk tidak dipungut biaya.\n{}\n\nKetik *status* untuk melihat permohonan Bapak/Ibu, *bantuan* untuk petunjuk.{resume}",
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
         Dokumen dikirim sebagai foto (JPG/PNG) atau PDF. Semua layanan adminduk tidak dipungut biaya; petugas tidak pernah meminta bayaran.",
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

/// Who the name and NIK asked first belong to: the parent or relative who reports a birth or a
/// death, the applicant otherwise.
fn applicant_noun(service: &ServiceDefinition) -> &'static str {
    match service.code {
        ServiceCode::Birth => "pelapor (ayah atau ibu anak)",
        ServiceCode::Death => "pelapor (keluarga almarhum/almarhumah)",
        _ => "pemohon",
    }
}

pub fn draft_opened(ticket: TicketId, service: &ServiceDefinition) -> Reply {
    let note = service
        .note
        .map(|note| format!("\n\n{note}"))
        .unwrap_or_default();
    Reply::text(format!(
        "Permohonan *{}* dibuka dengan nomor tiket *{}*. Simpan nomor ini untuk mengecek status.{note}\n\nSilakan ketik *nama lengkap {}* sesuai KK.",
        service.name,
        ticket.as_str(),
        applicant_noun(service)
    ))
}

pub fn ask_name(service: &ServiceDefinition) -> Reply {
    Reply::text(format!(
        "Silakan ketik *nama lengkap {}* sesuai KK.",
        applicant_noun(service)
    ))
}

/// The answer to the name question was thanks or a greeting: the request waits for the name.
pub fn name_still_needed(service: &ServiceDefinition) -> Reply {
    Reply::text(format!(
        "Permohonan Bapak/Ibu belum selesai. Untuk melanjutkan, ketik *nama lengkap {}* sesuai KK. Ketik *batal* untuk membatalkan.",
        applicant_noun(service)
    ))
}

pub fn name_invalid() -> Reply {
    Reply::text("Mohon ketik nama lengkap dengan huruf (2 sampai 100 karakter).")
}

pub fn ask_nik(service: &ServiceDefinition, name: &str) -> Reply {
    let whose = match service.code {
        ServiceCode::Birth | ServiceCode::Death => "pelapor, ",
        _ => "",
    };
    Reply::text(format!(
        "Terima kasih. Sekarang ketik *NIK* (16 angka) {whose}atas nama {name}, sesuai KTP-el atau KK."
    ))
}

pub fn nik_invalid(err: &NikError) -> Reply {
    Reply::text(format!(
        "{}\n\nMohon periksa kembali dan ketik ulang NIK (16 angka).",
        err.resident_message()
    ))
}

/// One of the service's questions (`catalog::Field`).
pub fn ask_field(field: &Field) -> Reply {
    Reply::text(field.question)
}

pub fn field_invalid(field: &Field) -> Reply {
    let how = match field.kind {
        FieldKind::PersonName => {
            "Mohon ketik nama lengkap dengan huruf (2 sampai 100 karakter).".to_owned()
        }
        FieldKind::Text => {
            "Mohon jawab dengan teks singkat (paling banyak 200 karakter).".to_owned()
        }
        FieldKind::Count { max } => format!("Mohon ketik angkanya saja, 1 sampai {max}."),
    };
    Reply::text(format!("{how}\n\n{}", field.question))
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

/// A date example that is in the past whatever year the service runs in.
pub const DATE_EXAMPLE: &str = "17-08-2020";

pub fn ask_event_date(service: &ServiceDefinition) -> Reply {
    let question = match service.event_date {
        Some(EventDate::Birth) => "Kapan tanggal lahir anak?",
        Some(EventDate::Death) => "Kapan tanggal kematian?",
        Some(EventDate::Marriage) => "Kapan tanggal perkawinan?",
        Some(EventDate::DecisionFinal) => {
            "Kapan putusan perceraian dari pengadilan *berkekuatan hukum tetap*? Tanggal ini (bukan tanggal putusan dibacakan) tertulis pada putusan atau surat keterangan dari pengadilan; batas waktu pelaporan dihitung sejak tanggal ini."
        }
        None => "Kapan tanggal peristiwanya?",
    };
    Reply::text(format!(
        "{question} Ketik dengan format *tanggal-bulan-tahun*, misalnya {DATE_EXAMPLE}."
    ))
}

pub fn event_date_invalid() -> Reply {
    Reply::text(format!(
        "Tanggal tidak dapat dibaca atau berada di masa depan. Ketik dengan format tanggal-bulan-tahun, misalnya {DATE_EXAMPLE}."
    ))
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
            "Terima kasih, *{}* sudah kami terima (tiket *{}*).\n\nMasih diperlukan:\n{}",
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
    ready_to_submit(
        request,
        &format!(
            "Terima kasih, *{}* sudah kami terima.{optional}",
            slot.label
        ),
    )
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
        "Terima kasih, permohonan *{}* dengan nomor tiket *{}* sudah kami terima dan akan diperiksa petugas.\n\nTarget selesai paling lambat *{}* ({} hari kerja). Kami akan mengabari setiap perubahan status di sini. Ketik *status {}* kapan saja untuk mengecek.",
        service(request.service).name,
        request.ticket.as_str(),
        date(due),
        service(request.service).max_working_days,
        request.ticket.as_str()
    ))
}

pub fn duplicate_request(existing: TicketId, service: &ServiceDefinition) -> Reply {
    let who = match service.open_request_key {
        OpenRequestKey::ApplicantNik => "NIK tersebut",
        OpenRequestKey::Child => "Anak dengan nama dan tanggal lahir tersebut",
    };
    Reply::text(format!(
        "{who} sudah memiliki permohonan *{}* yang masih berjalan dengan nomor tiket *{}*. Permohonan baru tidak dibuat. Ketik *status {}* untuk melihat perkembangannya.",
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

/// `thread:earlier`: the message the resident wrote before choosing to complain is sent as the
/// complaint.
pub const USE_EARLIER_ID: &str = "thread:earlier";

/// The complaint prompt when the resident already described the problem: that message, quoted,
/// can be sent as it is with one tap, or a new one typed.
pub fn complaint_prompt_with_earlier(earlier: &str) -> Reply {
    Reply::buttons(
        format!(
            "Silakan tuliskan aduan Bapak/Ibu dalam satu pesan, atau tekan *Kirim pesan tadi* untuk menyampaikan pesan Bapak/Ibu sebelumnya sebagai aduan:\n\n\u{201c}{}\u{201d}\n\nFoto atau PDF pendukung dapat dikirim sesudahnya.",
            crate::reply::clip(earlier.trim(), 600)
        ),
        [(USE_EARLIER_ID.to_owned(), "Kirim pesan tadi".to_owned())],
    )
}

pub fn thread_opened(request: &Request, due: Date) -> Reply {
    if let Some(timeline) = &request.complaint {
        return complaint_opened(request, timeline);
    }
    Reply::text(format!(
        "Terima kasih. {} Bapak/Ibu sudah kami terima dengan nomor tiket *{}*. Petugas akan menjawab di sini paling lambat *{}*.\n\nPesan, foto atau PDF yang dikirim sekarang akan ditambahkan ke tiket ini. Ketik *selesai* bila sudah.",
        service(request.service).name,
        request.ticket.as_str(),
        date(due)
    ))
}

/// A complaint is acknowledged with its three deadlines (SP4N-LAPOR!).
fn complaint_opened(request: &Request, timeline: &crate::complaint::ComplaintTimeline) -> Reply {
    Reply::text(format!(
        "Terima kasih. Aduan Bapak/Ibu sudah kami terima dengan nomor tiket *{}*. Sesuai standar pengelolaan pengaduan pelayanan publik, aduan ini:\n• ditindaklanjuti petugas paling lambat *{}*,\n• dijawab di sini paling lambat *{}*,\n• diselesaikan paling lambat *{}*.\n\nPesan, foto atau PDF yang dikirim sekarang akan ditambahkan ke tiket ini. Ketik *selesai* bila sudah.",
        request.ticket.as_str(),
        date(timeline.handle_by),
        date(timeline.answer_by),
        date(timeline.close_by)
    ))
}

/// A complaint's answer (or closing) deadline has passed: the resident may have it escalated.
pub fn escalation_offer(
    request: &Request,
    timeline: &crate::complaint::ComplaintTimeline,
) -> Reply {
    let (what, due) = if timeline.answered_at.is_none() {
        ("dijawab", timeline.answer_by)
    } else {
        ("diselesaikan", timeline.close_by)
    };
    Reply::buttons(
        format!(
            "Mohon maaf, aduan *{}* belum {what} sampai batas waktunya ({}). Bila Bapak/Ibu setuju, aduan ini kami teruskan kepada pimpinan agar segera ditangani.",
            request.ticket.as_str(),
            date(due)
        ),
        [
            (
                format!("{ESCALATE_PREFIX}{}", request.ticket.as_str()),
                "Teruskan ke pimpinan".to_owned(),
            ),
            (MENU_ID.to_owned(), "Tidak perlu".to_owned()),
        ],
    )
}

pub fn escalated(ticket: TicketId) -> Reply {
    Reply::text(format!(
        "Aduan *{}* sudah kami teruskan kepada pimpinan. Jawaban tetap kami kirim di sini.",
        ticket.as_str()
    ))
}

/// Escalation asked for when it is not (or no longer) possible.
pub fn escalation_unavailable(
    request: &Request,
    timeline: &crate::complaint::ComplaintTimeline,
) -> Reply {
    let ticket = request.ticket.as_str();
    if let Some(at) = timeline.escalated_at {
        return Reply::text(format!(
            "Aduan *{ticket}* sudah diteruskan kepada pimpinan pada {}. Jawaban tetap kami kirim di sini.",
            date(crate::calendar::jakarta_date(at))
        ));
    }
    if !request.status.is_open() {
        return Reply::text(format!(
            "Aduan *{ticket}* sudah selesai. Ketik *menu* bila ada hal lain yang ingin disampaikan."
        ));
    }
    Reply::text(format!(
        "Aduan *{ticket}* masih dalam batas waktu: petugas menjawab paling lambat *{}* dan menyelesaikannya paling lambat *{}*. Bila sampai tanggal itu belum ada jawaban, Bapak/Ibu dapat meminta aduan diteruskan kepada pimpinan.",
        date(timeline.answer_by),
        date(timeline.close_by)
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
                .map(|d| format!(", target selesai paling lambat {}", date(d)))
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
        .map(|d| format!("\nTarget selesai paling lambat {}", date(d)))
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

    /// Every text the catalog can render, over every service, slot, field and error, in every
    /// state it depends on.
    fn every_rendered_text() -> Vec<String> {
        use crate::officer_actions::RevisionItem;
        use crate::resident::ResidentId;
        use crate::{KkError, NikError};
        use time::macros::datetime;

        let office = Office::default();
        let region = Region::load("1708").unwrap();
        let now = datetime!(2026 - 12 - 03 09:00 +7);
        let due = date!(2026 - 12 - 10);
        let ticket = TicketId::from_random(7);
        let mut texts: Vec<String> = Vec::new();
        let rendered = |reply: Reply| reply.body().to_owned();
        texts.push(rendered(main_menu(Some("Siti"), &office, Some(ticket))));
        texts.push(rendered(main_menu(None, &office, None)));
        texts.extend(appointments::every_text());
        for category in Category::ALL {
            texts.push(rendered(category_menu(category)));
        }
        texts.push(rendered(help()));
        texts.push(rendered(unsupported_input()));
        texts.push(rendered(session_expired(Some(ticket))));
        texts.push(rendered(session_expired(None)));
        texts.push(rendered(name_invalid()));
        for i in 0..crate::survey::ELEMENTS.len() {
            texts.push(rendered(survey::question(i)));
        }
        texts.push(rendered(survey::answer_invalid()));
        texts.push(rendered(survey::comment_prompt()));
        texts.push(rendered(survey::thanks()));
        texts.push(rendered(survey::declined()));
        texts.push(rendered(survey::already_answered(ticket)));
        texts.push(rendered(survey::unavailable()));
        for code in ServiceCode::ALL {
            texts.push(rendered(name_still_needed(crate::catalog::service(code))));
        }
        texts.push(rendered(ask_district(&region, 0)));
        texts.push(rendered(district_unknown(&region)));
        texts.push(rendered(event_date_invalid()));
        texts.push(rendered(cancelled(ticket)));
        texts.push(rendered(nothing_to_cancel()));
        texts.push(rendered(nothing_to_resume()));
        texts.push(rendered(media_without_request()));
        texts.push(rendered(text_expected()));
        texts.push(rendered(status_not_found()));
        texts.push(rendered(status_list(&[])));
        texts.push(rendered(held_not_delivered(2)));
        texts.push(rendered(held_full()));
        texts.push(rendered(cancel_stale(ticket)));
        texts.push(rendered(ticket_not_waiting(ticket)));
        texts.push(rendered(voice_is_not_a_document()));
        for err in [
            NikError::Length { found: 15 },
            NikError::NotDigits,
            NikError::Province { code: 99 },
            NikError::Day,
            NikError::Month,
            NikError::Date,
            NikError::FutureDate,
            NikError::Serial,
        ] {
            texts.push(rendered(nik_invalid(&err)));
        }
        for err in [
            KkError::Length { found: 3 },
            KkError::NotDigits,
            KkError::Province { code: 99 },
            KkError::ZeroTail,
        ] {
            texts.push(err.resident_message());
        }
        for definition in crate::catalog::services() {
            let mut request = Request::open(
                ticket,
                definition.code,
                ResidentId::Phone("6281234567890".into()),
                now,
            );
            texts.push(rendered(service_suspended(
                definition,
                "Ditutup sementara.",
            )));
            texts.push(rendered(draft_opened(ticket, definition)));
            texts.push(rendered(ask_name(definition)));
            texts.push(rendered(ask_nik(definition, "Siti Aminah")));
            texts.push(rendered(ask_event_date(definition)));
            texts.push(rendered(thread_prompt(definition)));
            texts.push(rendered(complaint_prompt_with_earlier(
                "KTP saya sudah tiga bulan belum jadi juga",
            )));
            texts.push(rendered(privacy_notice(definition)));
            texts.push(rendered(duplicate_request(ticket, definition)));
            for field in definition.fields {
                texts.push(rendered(ask_field(field)));
                texts.push(rendered(field_invalid(field)));
            }
            texts.push(rendered(documents_needed(&request, true)));
            texts.push(rendered(submit_incomplete(&request)));
            texts.push(rendered(status_detail(&request)));
            texts.push(rendered(confirm_cancel(&request)));
            texts.push(rendered(confirm_replace_draft(&request, definition)));
            for slot in definition.slots {
                texts.push(rendered(slot_selected(slot)));
                texts.push(rendered(document_received(&request, slot)));
                texts.push(rendered(documents::item_received(&request, slot.id)));
                for reason in [
                    documents::ResendReason::WrongType,
                    documents::ResendReason::TooLarge { max_mb: 5 },
                    documents::ResendReason::Damaged,
                    documents::ResendReason::Unavailable,
                ] {
                    texts.push(rendered(documents::resend_item(&request, slot.id, reason)));
                }
                request.slots.push(crate::SlotFill {
                    slot: slot.id.to_owned(),
                    document_id: slot.id.to_owned(),
                });
            }
            texts.push(rendered(no_open_slot(&request)));
            texts.push(rendered(submitted(&request, due)));
            texts.push(rendered(thread_opened(&request, due)));
            texts.push(rendered(survey::offer(&request)));
            if request.service == ServiceCode::Complaint {
                let mut complaint = request.clone();
                let mut timeline = crate::complaint::ComplaintTimeline::filed(now, &[]);
                complaint.complaint = Some(timeline.clone());
                texts.push(rendered(thread_opened(&complaint, due)));
                texts.push(rendered(escalation_offer(&complaint, &timeline)));
                texts.push(rendered(escalation_unavailable(&complaint, &timeline)));
                timeline.record_answer(now);
                texts.push(rendered(escalation_offer(&complaint, &timeline)));
                timeline.escalated_at = Some(now);
                texts.push(rendered(escalation_unavailable(&complaint, &timeline)));
                texts.push(rendered(escalated(ticket)));
            }
            texts.push(rendered(thread_appended(ticket)));
            texts.push(rendered(thread_closed(ticket)));
            texts.push(rendered(consultation_joined(&request)));
            texts.push(rendered(ticket_chosen(&request)));
            texts.push(rendered(delivered_to_ticket(&request, 2)));
            texts.push(rendered(revision_progress(
                &request,
                &["KTP-el".to_owned()],
            )));
            texts.push(rendered(revision_progress(&request, &[])));
            texts.push(rendered(revision_still_checking(&request, &["kk"])));
            texts.push(rendered(resubmitted(&request, due)));
            texts.push(rendered(choose_ticket(&[&request])));
            texts.push(rendered(status_list(&[&request])));
            request.due_date = Some(due);
            texts.push(rendered(status_detail(&request)));
            texts.push(rendered(status_list(&[&request])));
            let items = [RevisionItem {
                slot: definition
                    .slots
                    .first()
                    .map_or("lainnya", |s| s.id)
                    .to_owned(),
                reason: "foto buram".into(),
            }];
            let n = &notifications::revision_requested(&ticket, definition, &items);
            for notification in [
                notifications::claimed(&ticket, definition),
                notifications::released(&ticket, definition),
                n.clone(),
                notifications::approved(&ticket, definition),
                notifications::rejected(&ticket, definition, "data tidak sesuai"),
                notifications::completed(&ticket, definition),
                notifications::officer_message(&ticket, "Mohon datang ke kantor."),
            ] {
                texts.push(notification.text.clone());
                texts.extend(notification.template_params.clone());
            }
            if definition.kind == crate::catalog::ServiceKind::Registration {
                texts.push(documents::result_caption(&request, &office));
            }
        }
        for status in [
            RequestStatus::Draft,
            RequestStatus::Submitted,
            RequestStatus::InReview,
            RequestStatus::NeedsRevision,
            RequestStatus::Approved,
            RequestStatus::Completed,
            RequestStatus::Rejected,
            RequestStatus::Cancelled,
        ] {
            texts.push(status_label(status).to_owned());
            texts.push(notifications::status_label(status).to_owned());
        }
        texts
    }

    #[test]
    fn every_rendered_text_follows_the_wording_rules() {
        let texts = every_rendered_text();
        assert!(texts.len() > 500, "{}", texts.len());
        for text in &texts {
            // Residents are "Bapak/Ibu", never "Anda".
            assert!(
                !text
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w.eq_ignore_ascii_case("anda")),
                "{text}"
            );
            // "16 angka", "Legalisasi", "tidak dipungut biaya", "Target selesai paling lambat".
            assert!(!text.contains("digit"), "{text}");
            assert!(!text.to_lowercase().contains("legalisir"), "{text}");
            assert!(!text.to_lowercase().contains("gratis"), "{text}");
            assert!(!text.to_lowercase().contains("perkiraan selesai"), "{text}");
            assert!(!text.starts_with("Diterima:"), "{text}");
            // A date example is in the past whatever the year (no "misalnya 17-08-2026").
            for year in 2021..2100 {
                assert!(!text.contains(&format!("-{year}.")), "{text}");
                assert!(!text.contains(&format!("-{year} ")), "{text}");
            }
        }
        // SPTJM and F-1.03 are spelled out where they first appear in a message.
        for text in &texts {
            for (short, long) in [
                ("SPTJM", "Surat Pernyataan Tanggung Jawab Mutlak (SPTJM)"),
                (
                    "F-1.03",
                    "F-1.03 (Formulir Pendaftaran Perpindahan Penduduk)",
                ),
            ] {
                if let Some(first) = text.find(short) {
                    let spelled = text.find(long);
                    assert!(
                        spelled.is_some_and(|at| at <= first),
                        "{short} not spelled out first in: {text}"
                    );
                }
            }
        }
        // The receipt of a document says thanks and names it.
        let birth = service(ServiceCode::Birth);
        let request = Request::open(
            TicketId::from_random(1),
            ServiceCode::Birth,
            crate::resident::ResidentId::Phone("62812".into()),
            time::macros::datetime!(2026 - 12 - 03 09:00 +7),
        );
        let body = document_received(&request, &birth.slots[0])
            .body()
            .to_owned();
        assert!(
            body.starts_with(&format!(
                "Terima kasih, *{}* sudah kami terima.",
                birth.slots[0].label
            )) || body.starts_with(&format!(
                "Terima kasih, *{}* sudah kami terima (",
                birth.slots[0].label
            )),
            "{body}"
        );
        let body = submitted(&request, date!(2026 - 12 - 10)).body().to_owned();
        assert!(
            body.contains("Target selesai paling lambat *10 Desember 2026*"),
            "{body}"
        );
    }

    #[test]
    fn dates_are_in_bahasa() {
        assert_eq!(date(date!(2026 - 12 - 05)), "5 Desember 2026");
    }
}
