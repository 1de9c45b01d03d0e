//! What the main menu answers to free text (see [`crate::intent`]): a question about a service
//! answered from the catalog, services offered as buttons, an offer to ask an officer. Every
//! answer keeps the full menu one tap away ([`MENU_ID`]).

use std::collections::BTreeMap;

use super::{OFFICE_NAME, SERVICE_PREFIX, greeting};
use crate::TicketId;
use crate::catalog::{
    Availability, ServiceCode, ServiceDefinition, ServiceKind, service, services,
};
use crate::intent::{Asked, Intent, Reading, ServiceMatch};
use crate::reply::{BUTTON_TITLE_MAX, INTERACTIVE_BODY_MAX, ListRow, ListSection, Reply};

/// The "Menu lengkap" button: at the main menu any tap that is not a category or service shows
/// the menu, so this id needs no handling of its own there.
pub const MENU_ID: &str = "menu";

/// Who is answered, and what else they should be reminded of.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    pub display_name: Option<&'a str>,
    pub office: &'a crate::office::Office,
    /// The resident's first message: the answer starts with the greeting.
    pub first_message: bool,
    /// A draft left unfinished, which `lanjut` resumes.
    pub paused_draft: Option<TicketId>,
    /// The message is kept to be passed on as it is (a complaint it describes, see
    /// `conversation`'s `Unplaced`): the offers say so instead of asking to write it again.
    pub message_kept: bool,
}

/// The answer to a text at the main menu, or `None` when the main menu itself is the answer
/// (a greeting, thanks, or nothing readable). `availability` holds every service of
/// [`Reading::answered`] (the caller loads them); a missing one counts as its catalog default.
pub fn at_main_menu(
    reading: &Reading,
    context: &Context,
    availability: &BTreeMap<ServiceCode, Availability>,
) -> Option<Reply> {
    let reply = match reading.intent() {
        Intent::Menu => return None,
        Intent::Officer { complaint } => officer_offer(context, complaint),
        Intent::Question { asked, services } => {
            let answered: Vec<(&'static ServiceDefinition, Availability)> = services
                .iter()
                .flatten()
                .map(|m| {
                    let definition = service(m.code);
                    let state = availability
                        .get(&m.code)
                        .cloned()
                        .unwrap_or_else(|| definition.default_availability());
                    (definition, state)
                })
                .collect();
            if answered.is_empty() {
                general_answer(context, asked)
            } else {
                service_answer(context, asked, &answered)
            }
        }
        Intent::Status => status_hint(context),
        Intent::Services(matches) => {
            let offered: Vec<&ServiceMatch> = matches.iter().collect();
            service_offer(context, &offered)
        }
        Intent::Unknown => not_understood(context),
    };
    Some(reply)
}

/// A button title of at most 20 characters for each service: its short name when that fits,
/// otherwise a shorter form of it; complaints and consultations as what the resident does.
pub fn button_title(code: ServiceCode) -> &'static str {
    match code {
        ServiceCode::Complaint => "Sampaikan aduan",
        ServiceCode::Consultation => "Tanya petugas",
        _ => {
            let short = service(code).short_name;
            if short.chars().count() <= BUTTON_TITLE_MAX {
                return short;
            }
            match code {
                ServiceCode::KtpDataChange => "KTP-el ubah data",
                ServiceCode::KtpNew => "KTP-el baru",
                ServiceCode::MoveOut => "Surat Pindah",
                _ => "Mulai layanan ini",
            }
        }
    }
}

fn service_button(code: ServiceCode) -> (String, String) {
    (
        format!("{SERVICE_PREFIX}{}", code.as_str()),
        button_title(code).to_owned(),
    )
}

fn menu_button() -> (String, String) {
    (MENU_ID.to_owned(), "Menu lengkap".to_owned())
}

fn officer_button() -> (String, String) {
    service_button(ServiceCode::Consultation)
}

fn service_row(definition: &ServiceDefinition) -> ListRow {
    ListRow {
        id: format!("{SERVICE_PREFIX}{}", definition.code.as_str()),
        title: definition.short_name.to_owned(),
        description: Some(definition.name.to_owned()),
    }
}

/// A list: the services, then the full menu and an officer.
fn service_list(body: String, offered: &[&ServiceDefinition]) -> Reply {
    let mut rows: Vec<ListRow> = offered.iter().map(|d| service_row(d)).collect();
    rows.push(ListRow {
        id: MENU_ID.to_owned(),
        title: "Menu lengkap".to_owned(),
        description: Some("Semua jenis layanan".to_owned()),
    });
    if !offered.iter().any(|d| d.code == ServiceCode::Consultation) {
        rows.push(ListRow {
            id: format!("{SERVICE_PREFIX}{}", ServiceCode::Consultation.as_str()),
            title: "Tanya petugas".to_owned(),
            description: Some("Sampaikan pertanyaan kepada petugas".to_owned()),
        });
    }
    Reply::list(
        body,
        "Pilih layanan",
        vec![ListSection {
            title: "Layanan yang sesuai".to_owned(),
            rows,
        }],
    )
}

/// The greeting on a first message, and the paused draft reminder, around `body`.
fn framed(context: &Context, body: &str) -> String {
    let greeting = if context.first_message {
        format!("{}\n\n", greeting(context.display_name, context.office))
    } else {
        String::new()
    };
    let paused = context
        .paused_draft
        .map(|t| {
            format!(
                "\n\nPermohonan Bapak/Ibu dengan tiket *{}* belum selesai. Ketik *lanjut* untuk melanjutkannya.",
                t.as_str()
            )
        })
        .unwrap_or_default();
    format!("{greeting}{body}{paused}")
}

fn start_hint(definition: &ServiceDefinition) -> String {
    format!(
        "Untuk melihat persyaratannya lebih dulu, ketik misalnya *syarat {}*.",
        definition.short_name
    )
}

/// Services the message is about, to start with one tap.
pub fn service_offer(context: &Context, offered: &[&ServiceMatch]) -> Reply {
    let definitions: Vec<&ServiceDefinition> = offered.iter().map(|m| service(m.code)).collect();
    match definitions.as_slice() {
        [] => not_understood(context),
        [one] if one.code == ServiceCode::Consultation => officer_offer(context, false),
        [one] if one.code == ServiceCode::Complaint => {
            // The complaint timeline (crate::complaint): taken up within 3 working days,
            // closed within 10 (the service's working days).
            let how = if context.message_kept {
                "Tekan *Sampaikan aduan*: pesan Bapak/Ibu tadi dapat langsung dikirim sebagai aduan, atau ditulis ulang"
            } else {
                "Tekan *Sampaikan aduan*, lalu tuliskan aduan Bapak/Ibu dalam satu pesan"
            };
            let body = format!(
                "Bapak/Ibu ingin menyampaikan aduan? {how}; foto atau PDF pendukung dapat dikirim sesudahnya. Petugas akan menindaklanjutinya paling lambat {} hari kerja dan menyelesaikannya paling lambat {} hari kerja.",
                crate::complaint::HANDLE_WITHIN_DAYS,
                one.max_working_days
            );
            Reply::buttons(
                framed(context, &body),
                [service_button(one.code), officer_button(), menu_button()],
            )
        }
        [one] => {
            let body = format!(
                "Layanan yang sesuai dengan pesan Bapak/Ibu: *{}*.\n\nTekan *{}* untuk memulai permohonan, atau *Menu lengkap* untuk melihat semua layanan. {}",
                one.name,
                button_title(one.code),
                start_hint(one)
            );
            Reply::buttons(
                framed(context, &body),
                [service_button(one.code), officer_button(), menu_button()],
            )
        }
        several => {
            let lines: Vec<String> = several.iter().map(|d| format!("• *{}*", d.name)).collect();
            let how = if several.len() <= 2 {
                "Tekan salah satu untuk memulai permohonan, atau *Menu lengkap* untuk melihat semua layanan."
            } else {
                "Tekan *Pilih layanan* untuk memulai salah satunya; di sana juga ada *Menu lengkap*."
            };
            let body = format!(
                "Layanan yang mungkin Bapak/Ibu maksud:\n{}\n\n{how} {}",
                lines.join("\n"),
                start_hint(several[0])
            );
            if several.len() <= 2 {
                let mut buttons: Vec<(String, String)> =
                    several.iter().map(|d| service_button(d.code)).collect();
                buttons.push(menu_button());
                Reply::buttons(framed(context, &body), buttons)
            } else {
                service_list(framed(context, &body), several)
            }
        }
    }
}

fn slot_list(definition: &ServiceDefinition) -> String {
    if definition.slots.iter().all(|s| !s.required) && definition.kind != ServiceKind::Registration
    {
        return "Persyaratan: tidak ada dokumen wajib.".to_owned();
    }
    let lines: Vec<String> = definition
        .slots
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let optional = if s.required { "" } else { " (tidak wajib)" };
            format!("{}. {}{optional}", i + 1, s.label)
        })
        .collect();
    format!(
        "Persyaratan (foto atau PDF, dikirim lewat WhatsApp ini):\n{}",
        lines.join("\n")
    )
}

fn duration_line(definition: &ServiceDefinition) -> String {
    let mut line = format!(
        "Target selesai paling lambat {} hari kerja sejak permohonan diterima lengkap.",
        definition.max_working_days
    );
    if let Some(days) = definition.late_report_after_days {
        line.push_str(&format!(
            " Peristiwa sebaiknya dilaporkan dalam {days} hari; yang terlambat tetap diproses."
        ));
    }
    line
}

const COST_LINE: &str = "Biaya: tidak dipungut biaya. Petugas tidak pernah meminta bayaran.";

const REPRESENTATION: &str = "Siapa yang mengajukan: lewat WhatsApp ini permohonan boleh dikirim oleh pemohon sendiri atau keluarga yang membantu, dengan nama, NIK dan dokumen pemohon. Soal surat kuasa atau pengambilan dokumen oleh orang lain, silakan tanyakan kepada petugas.";

fn suspension(definition: &ServiceDefinition, availability: &Availability) -> Option<String> {
    availability.notice().map(|notice| {
        format!(
            "Catatan: layanan *{}* untuk sementara tidak dapat diajukan.\n{notice}",
            definition.name
        )
    })
}

/// A question about one or more services, answered from the catalog.
pub fn service_answer(
    context: &Context,
    asked: Asked,
    answered: &[(&ServiceDefinition, Availability)],
) -> Reply {
    let fits = |reply: &Reply| reply.body().chars().count() < INTERACTIVE_BODY_MAX;
    for n in (2..=answered.len().min(3)).rev() {
        let reply = several_answer(context, asked, &answered[..n]);
        if fits(&reply) {
            return reply;
        }
    }
    let Some((definition, availability)) = answered.first() else {
        return general_answer(context, asked);
    };
    let complete = one_answer(context, asked, definition, availability, true);
    if fits(&complete) {
        return complete;
    }
    one_answer(context, asked, definition, availability, false)
}

/// One service: what was asked, then (when `complete` and open) the rest.
fn one_answer(
    context: &Context,
    asked: Asked,
    definition: &ServiceDefinition,
    availability: &Availability,
    complete: bool,
) -> Reply {
    let open = availability.is_available();
    // What was asked comes first; the rest follows, so one answer tells everything (of a
    // suspended service, only what was asked besides who may apply: it cannot be applied for).
    let mut sections: Vec<String> = Vec::new();
    let mut order: Vec<Asked> = Asked::ALL
        .into_iter()
        .filter(|a| asked.contains(*a) && (open || *a != Asked::REPRESENTATION))
        .collect();
    if open && complete {
        order.extend(
            Asked::ALL
                .into_iter()
                .filter(|a| !asked.contains(*a) && *a != Asked::REPRESENTATION),
        );
    }
    for kind in order {
        sections.push(match kind {
            Asked::REQUIREMENTS => match definition.note {
                Some(note) => format!("{}\n\n{note}", slot_list(definition)),
                None => slot_list(definition),
            },
            Asked::DURATION => duration_line(definition),
            Asked::COST => COST_LINE.to_owned(),
            _ => REPRESENTATION.to_owned(),
        });
    }
    if let Some(note) = suspension(definition, availability) {
        sections.push(note);
    }
    let start = match (open, definition.kind) {
        (false, _) => "Tekan *Tanya petugas* bila ada pertanyaan lain.".to_owned(),
        (true, ServiceKind::Registration) => {
            "Tekan *Ajukan sekarang* untuk memulai permohonan, atau *Tanya petugas* bila ada pertanyaan lain.".to_owned()
        }
        (true, _) => format!("Tekan *{}* untuk memulai.", button_title(definition.code)),
    };
    let body = format!(
        "*{}*\n\n{}\n\n{start}",
        definition.name,
        sections.join("\n\n")
    );
    let mut buttons = Vec::new();
    if open {
        let title = match definition.kind {
            ServiceKind::Registration => "Ajukan sekarang".to_owned(),
            _ => button_title(definition.code).to_owned(),
        };
        buttons.push((
            format!("{SERVICE_PREFIX}{}", definition.code.as_str()),
            title,
        ));
    }
    if definition.code != ServiceCode::Consultation {
        buttons.push(officer_button());
    }
    buttons.push(menu_button());
    Reply::buttons(framed(context, &body), buttons)
}

/// Several services tied for a question: each one briefly, then what they share.
fn several_answer(
    context: &Context,
    asked: Asked,
    answered: &[(&ServiceDefinition, Availability)],
) -> Reply {
    let parts: Vec<String> = answered
        .iter()
        .map(|(d, availability)| {
            let labels: Vec<&str> = d.slots.iter().map(|s| s.label).collect();
            let documents = if labels.is_empty() {
                "tidak ada dokumen wajib".to_owned()
            } else {
                labels.join("; ")
            };
            let closed = if availability.is_available() {
                ""
            } else {
                " Untuk sementara tidak dapat diajukan."
            };
            format!(
                "*{}*\nPersyaratan: {documents}.\nTarget selesai paling lambat {} hari kerja.{closed}",
                d.name, d.max_working_days
            )
        })
        .collect();
    let mut shared = vec!["Semua layanan ini tidak dipungut biaya.".to_owned()];
    if asked.contains(Asked::REPRESENTATION) {
        shared.push(REPRESENTATION.to_owned());
    }
    let body = format!(
        "Layanan yang mungkin Bapak/Ibu maksud:\n\n{}\n\n{}\n\nTekan layanan yang sesuai untuk memulai permohonan.",
        parts.join("\n\n"),
        shared.join("\n\n")
    );
    let open: Vec<&ServiceDefinition> = answered
        .iter()
        .filter(|(_, a)| a.is_available())
        .map(|(d, _)| *d)
        .collect();
    if open.len() <= 2 {
        let mut buttons: Vec<(String, String)> =
            open.iter().map(|d| service_button(d.code)).collect();
        if buttons.len() < 2 {
            buttons.push(officer_button());
        }
        buttons.push(menu_button());
        Reply::buttons(framed(context, &body), buttons)
    } else {
        service_list(framed(context, &body), &open)
    }
}

/// A question that names no service.
pub fn general_answer(context: &Context, asked: Asked) -> Reply {
    let registrations = || {
        services()
            .iter()
            .filter(|s| s.kind == ServiceKind::Registration)
    };
    let fastest = registrations()
        .map(|s| s.max_working_days)
        .min()
        .unwrap_or(1);
    let slowest = registrations()
        .map(|s| s.max_working_days)
        .max()
        .unwrap_or(14);
    let mut parts = Vec::new();
    if asked.contains(Asked::REQUIREMENTS) {
        parts.push(
            "Persyaratan berbeda untuk setiap layanan. Sebutkan layanannya, misalnya *syarat KK baru* atau *syarat akta kelahiran*, atau pilih dari *Menu lengkap*.".to_owned(),
        );
    }
    if asked.contains(Asked::DURATION) {
        parts.push(format!(
            "Target penyelesaian berbeda untuk setiap layanan: {fastest} sampai {slowest} hari kerja sejak permohonan diterima lengkap. Sebutkan layanannya, misalnya *berapa lama akta kelahiran*. Untuk permohonan yang sudah diajukan, ketik *status*."
        ));
    }
    if asked.contains(Asked::COST) {
        parts.push(format!(
            "Semua layanan administrasi kependudukan {OFFICE_NAME}, termasuk lewat WhatsApp ini, tidak dipungut biaya. Petugas tidak pernah meminta bayaran; bila ada yang meminta, mohon sampaikan aduan."
        ));
    }
    if asked.contains(Asked::REPRESENTATION) {
        parts.push(REPRESENTATION.to_owned());
    }
    let mut buttons = Vec::new();
    if asked.contains(Asked::COST) {
        buttons.push(service_button(ServiceCode::Complaint));
    }
    buttons.push(officer_button());
    buttons.push(menu_button());
    Reply::buttons(framed(context, &parts.join("\n\n")), buttons)
}

/// "Talk to an officer": a consultation, one tap away.
pub fn officer_offer(context: &Context, complaint: bool) -> Reply {
    let days = service(ServiceCode::Consultation).max_working_days;
    let how = if context.message_kept {
        "tekan *Tanya petugas*, dan pesan Bapak/Ibu tadi kami teruskan kepada petugas"
    } else {
        "tekan *Tanya petugas*, lalu tuliskan pertanyaan Bapak/Ibu dalam satu pesan"
    };
    let mut body = format!(
        "Baik, Bapak/Ibu dapat bertanya langsung kepada petugas melalui layanan *Konsultasi*: {how}. Petugas akan menjawab di sini paling lambat {days} hari kerja."
    );
    let mut buttons = vec![officer_button()];
    if complaint {
        body.push_str(if context.message_kept {
            " Untuk menyampaikannya sebagai aduan, tekan *Sampaikan aduan*."
        } else {
            " Untuk menyampaikan aduan, tekan *Sampaikan aduan*."
        });
        buttons.push(service_button(ServiceCode::Complaint));
    }
    buttons.push(menu_button());
    Reply::buttons(framed(context, &body), buttons)
}

/// A message that matched nothing: never silence, never only the menu.
pub fn not_understood(context: &Context) -> Reply {
    Reply::buttons(
        framed(
            context,
            "Mohon maaf, Bapak/Ibu, pesan tersebut belum dapat kami kenali secara otomatis. Bapak/Ibu dapat menanyakannya langsung kepada petugas: tekan *Tanya petugas*, dan pesan tadi kami teruskan kepada petugas sebagai pertanyaan Bapak/Ibu. Untuk memilih layanan sendiri, tekan *Menu lengkap*.",
        ),
        [officer_button(), menu_button()],
    )
}

/// Asking after a request already made.
pub fn status_hint(context: &Context) -> Reply {
    Reply::buttons(
        framed(
            context,
            "Untuk melihat perkembangan permohonan, ketik *status* (semua permohonan Bapak/Ibu) atau *status* diikuti nomor tiket, misalnya *status ABCD-2345*. Bila permohonan sudah melewati target selesai, Bapak/Ibu dapat menyampaikan aduan.",
        ),
        [
            service_button(ServiceCode::Complaint),
            officer_button(),
            menu_button(),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intent::read;
    use crate::reply::{BUTTONS_MAX, ROW_TITLE_MAX};

    static OFFICE: std::sync::LazyLock<crate::office::Office> =
        std::sync::LazyLock::new(crate::office::Office::default);
    static FIRST: std::sync::LazyLock<Context<'static>> = std::sync::LazyLock::new(|| Context {
        display_name: Some("Siti"),
        office: &OFFICE,
        first_message: true,
        paused_draft: None,
        message_kept: false,
    });

    fn reply(text: &str) -> Option<Reply> {
        at_main_menu(&read(text), &FIRST, &BTreeMap::new())
    }

    fn ids(reply: &Reply) -> Vec<String> {
        match reply {
            Reply::Text { .. } => Vec::new(),
            Reply::Buttons { buttons, .. } => buttons.iter().map(|b| b.id.clone()).collect(),
            Reply::List { sections, .. } => sections
                .iter()
                .flat_map(|s| s.rows.iter().map(|r| r.id.clone()))
                .collect(),
        }
    }

    fn check_shape(reply: &Reply) {
        let body = reply.body();
        assert!(
            body.chars().count() < INTERACTIVE_BODY_MAX,
            "clipped: {body}"
        );
        assert!(!body.contains("Anda"), "{body}");
        assert!(body.contains("Bapak/Ibu"), "{body}");
        match reply {
            Reply::Buttons { buttons, .. } => {
                assert!(buttons.len() <= BUTTONS_MAX);
                for b in buttons {
                    assert!(b.title.chars().count() <= BUTTON_TITLE_MAX, "{}", b.title);
                    assert!(!b.title.ends_with('…'), "{}", b.title);
                }
            }
            Reply::List { sections, .. } => {
                for r in sections.iter().flat_map(|s| &s.rows) {
                    assert!(!r.title.ends_with('…') && r.title.chars().count() <= ROW_TITLE_MAX);
                }
            }
            Reply::Text { .. } => panic!("an interactive reply was expected"),
        }
        assert!(
            ids(reply).iter().any(|id| id == MENU_ID),
            "menu one tap away"
        );
    }

    #[test]
    fn button_titles_fit() {
        for s in services() {
            let title = button_title(s.code);
            assert!(title.chars().count() <= BUTTON_TITLE_MAX, "{title}");
            assert_ne!(
                title, "Mulai layanan ini",
                "{}: give it a short form",
                s.code
            );
        }
    }

    #[test]
    fn asking_for_the_requirements_of_each_service_by_its_name_answers_it() {
        for s in services() {
            for text in [
                format!("syarat {}", s.name),
                format!("syarat {}", s.short_name),
            ] {
                let reading = read(&text);
                let answered: Vec<ServiceCode> = reading
                    .answered()
                    .iter()
                    .flatten()
                    .map(|m| m.code)
                    .collect();
                assert_eq!(answered, [s.code], "{text}: {}", reading.explain());
            }
        }
    }

    #[test]
    fn every_answer_fits_whatsapp_and_offers_the_menu() {
        let all = Asked::ALL
            .into_iter()
            .fold(Asked::default(), |a, b| a.with(b));
        for s in services() {
            for asked in Asked::ALL.into_iter().chain([all]) {
                for availability in [
                    Availability::Available,
                    s.default_availability(),
                    Availability::Suspended {
                        notice: "Ditutup sementara untuk pemeliharaan sistem.".into(),
                    },
                ] {
                    let r = service_answer(&FIRST, asked, &[(s, availability.clone())]);
                    check_shape(&r);
                    if availability.is_available() {
                        assert!(ids(&r).contains(&format!("svc:{}", s.code.as_str())));
                    } else if s.code != ServiceCode::Consultation {
                        assert!(!ids(&r).contains(&format!("svc:{}", s.code.as_str())));
                    }
                }
            }
            let m = ServiceMatch {
                code: s.code,
                score: 1,
                words: Default::default(),
            };
            check_shape(&service_offer(&FIRST, &[&m]));
        }
        // Any three services tied, with everything asked: shortened until it fits.
        let all_services: Vec<&ServiceDefinition> = services().iter().collect();
        for a in &all_services {
            for b in &all_services {
                let r = service_answer(
                    &FIRST,
                    all,
                    &[
                        (a, Availability::Available),
                        (b, Availability::Available),
                        (service(ServiceCode::Birth), Availability::Available),
                    ],
                );
                check_shape(&r);
            }
        }
        for asked in Asked::ALL.into_iter().chain([all]) {
            check_shape(&general_answer(&FIRST, asked));
        }
        check_shape(&officer_offer(&FIRST, true));
        let kept = Context {
            message_kept: true,
            ..*FIRST
        };
        check_shape(&officer_offer(&kept, true));
        let complaint = crate::intent::read("saya mau komplain").services;
        check_shape(&service_offer(&kept, &complaint.iter().collect::<Vec<_>>()));
        check_shape(&not_understood(&FIRST));
        check_shape(&status_hint(&FIRST));
    }

    #[test]
    fn answers_of_the_issue() {
        let r =
            reply("Selamat siang, syarat pindah domisili ke luar kabupaten apa saja ya?").unwrap();
        assert!(r.body().contains("Surat Pindah (SKPWNI)"), "{}", r.body());
        assert!(r.body().contains("Formulir F-1.03"));
        assert!(r.body().contains("tidak dipungut biaya"));
        assert!(r.body().starts_with("Selamat datang"));
        assert_eq!(ids(&r), ["svc:MOVE_OUT", "svc:CONSULTATION", "menu"]);

        let r = reply("syarat akta kelahiran").unwrap();
        assert!(r.body().contains("Surat keterangan kelahiran"));
        assert!(r.body().contains("5 hari kerja"));
        // Both parents' KTP-el, each on its own line (the father's when there is one); SPTJM
        // spelled out.
        assert!(r.body().contains("KTP-el ayah") && r.body().contains("KTP-el ibu"));
        assert!(
            r.body()
                .contains("Surat Pernyataan Tanggung Jawab Mutlak (SPTJM)")
        );
        assert_eq!(ids(&r)[0], "svc:BIRTH");

        // Legalisation: what TTE documents with a QR code need (nothing) is said with its requirements.
        let r = reply("syarat legalisir akta").unwrap();
        assert!(r.body().contains("*Legalisasi dokumen*"), "{}", r.body());
        assert!(
            r.body().contains("(TTE)") && r.body().contains("kode QR"),
            "{}",
            r.body()
        );

        let r = reply("ktp saya hilang").unwrap();
        assert_eq!(
            ids(&r),
            ["svc:KTP_LOST_DAMAGED", "svc:CONSULTATION", "menu"]
        );

        let r = reply("hubungi petugas").unwrap();
        assert_eq!(ids(&r), ["svc:CONSULTATION", "menu"]);

        let r = reply("asdfgh").unwrap();
        assert_eq!(ids(&r), ["svc:CONSULTATION", "menu"]);

        assert_eq!(reply("halo"), None);
        assert_eq!(reply("terima kasih"), None);
    }

    #[test]
    fn suspended_services_are_answered_with_their_notice() {
        let mut availability = BTreeMap::new();
        let notice = service(ServiceCode::KtpNew).default_availability();
        availability.insert(ServiceCode::KtpNew, notice.clone());
        let r = at_main_menu(&read("syarat rekam ktp"), &FIRST, &availability).unwrap();
        assert!(r.body().contains(notice.notice().unwrap()));
        assert!(!ids(&r).contains(&"svc:KTP_NEW".to_owned()));
    }

    #[test]
    fn a_paused_draft_is_mentioned() {
        let ticket = TicketId::parse("ABCD-2345").unwrap();
        let context = Context {
            display_name: None,
            office: &OFFICE,
            first_message: false,
            paused_draft: Some(ticket),
            message_kept: false,
        };
        let r = at_main_menu(&read("kk hilang"), &context, &BTreeMap::new()).unwrap();
        assert!(r.body().contains("ABCD-2345"));
        assert!(r.body().contains("*lanjut*"));
        assert!(!r.body().starts_with("Selamat datang"));
    }
}
