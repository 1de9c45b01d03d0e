//! The satisfaction survey (SKM) as the resident reads it: one list per element, then an
//! optional comment.

use crate::reply::{ListRow, ListSection, Reply};
use crate::survey::ELEMENTS;
use crate::{Request, TicketId, service};

/// `skm:<ticket>`: start the survey of that ticket; `skmno:<ticket>`: decline it.
pub const START_PREFIX: &str = "skm:";
pub const DECLINE_PREFIX: &str = "skmno:";
/// `skmv:<1-4>`, or `skmv:0` for "not applicable": the answer to the element asked.
pub const ANSWER_PREFIX: &str = "skmv:";
/// Finish without a comment.
pub const SKIP_COMMENT_ID: &str = "skmskip";

pub fn offer(request: &Request) -> Reply {
    let ticket = request.ticket.as_str();
    Reply::buttons(
        format!(
            "Permohonan *{ticket}* ({}) sudah selesai. Bersediakah Bapak/Ibu mengisi survei kepuasan singkat (9 pertanyaan, sekitar 1 menit)? Penilaian Bapak/Ibu membantu kami memperbaiki pelayanan dan dilaporkan tanpa identitas Bapak/Ibu.",
            service(request.service).name
        ),
        [
            (format!("{START_PREFIX}{ticket}"), "Isi survei".to_owned()),
            (
                format!("{DECLINE_PREFIX}{ticket}"),
                "Tidak, terima kasih".to_owned(),
            ),
        ],
    )
}

/// Element `index` (0-8).
pub fn question(index: usize) -> Reply {
    let Some(element) = ELEMENTS.get(index) else {
        return comment_prompt();
    };
    let mut rows: Vec<ListRow> = element
        .answers
        .iter()
        .enumerate()
        .map(|(i, answer)| ListRow {
            id: format!("{ANSWER_PREFIX}{}", i + 1),
            title: (*answer).to_owned(),
            description: Some(format!("Nilai {}", i + 1)),
        })
        .collect();
    if element.allows_not_applicable {
        rows.push(ListRow {
            id: format!("{ANSWER_PREFIX}0"),
            title: "Tidak berlaku".to_owned(),
            description: Some("Layanan daring, tidak datang ke kantor".to_owned()),
        });
    }
    let typed = if element.allows_not_applicable {
        "ketik angkanya (1 sampai 4, atau 0 bila tidak berlaku)"
    } else {
        "ketik angkanya (1 sampai 4)"
    };
    Reply::list(
        format!(
            "Survei kepuasan ({}/{})\n\n{}\n\nPilih jawaban, atau {typed}.",
            index + 1,
            ELEMENTS.len(),
            element.question
        ),
        "Pilih jawaban",
        vec![ListSection {
            title: element.name.to_owned(),
            rows,
        }],
    )
}

pub fn answer_invalid() -> Reply {
    Reply::text(
        "Mohon pilih salah satu jawaban dari daftar, atau ketik angkanya saja. Ketik *menu* untuk keluar dari survei.",
    )
}

pub fn comment_prompt() -> Reply {
    Reply::buttons(
        "Terakhir: adakah saran atau komentar untuk pelayanan kami? Silakan ketik, atau pilih *Lewati*.",
        [(SKIP_COMMENT_ID.to_owned(), "Lewati".to_owned())],
    )
}

pub fn thanks() -> Reply {
    Reply::text(
        "Terima kasih atas penilaian Bapak/Ibu. Masukan ini kami gunakan untuk memperbaiki pelayanan. Ketik *menu* untuk layanan lain.",
    )
}

pub fn declined() -> Reply {
    Reply::text("Baik, terima kasih. Ketik *menu* bila memerlukan layanan lain.")
}

pub fn already_answered(ticket: TicketId) -> Reply {
    Reply::text(format!(
        "Survei untuk tiket *{}* sudah diisi. Terima kasih. Ketik *menu* untuk layanan lain.",
        ticket.as_str()
    ))
}

pub fn unavailable() -> Reply {
    Reply::text("Survei ini tidak tersedia lagi. Terima kasih. Ketik *menu* untuk layanan lain.")
}
