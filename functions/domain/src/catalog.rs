//! The service catalog (SPEC section 3) as static data.
//!
//! Codes are ours and stable (they are stored); names, labels and notices are what residents
//! see, so they are in Bahasa Indonesia. Availability can be changed by a supervisor at run
//! time; the catalog only provides the default.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Code of one service. Serialised as the exact SPEC code, e.g. `KTP_LOST_DAMAGED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceCode {
    KtpLostDamaged,
    KtpDataChange,
    KtpMoveIn,
    KtpNew,
    KkNew,
    KkAddMember,
    KkDataChange,
    KkSplit,
    KkLostDamaged,
    Birth,
    Death,
    MoveOut,
    MoveIn,
    Kia,
    Legalization,
    Marriage,
    Divorce,
    Correction,
    Complaint,
    Consultation,
}

impl ServiceCode {
    /// Every code, in SPEC table order (also the order of [`services()`]).
    pub const ALL: [ServiceCode; 20] = [
        ServiceCode::KtpLostDamaged,
        ServiceCode::KtpDataChange,
        ServiceCode::KtpMoveIn,
        ServiceCode::KtpNew,
        ServiceCode::KkNew,
        ServiceCode::KkAddMember,
        ServiceCode::KkDataChange,
        ServiceCode::KkSplit,
        ServiceCode::KkLostDamaged,
        ServiceCode::Birth,
        ServiceCode::Death,
        ServiceCode::MoveOut,
        ServiceCode::MoveIn,
        ServiceCode::Kia,
        ServiceCode::Legalization,
        ServiceCode::Marriage,
        ServiceCode::Divorce,
        ServiceCode::Correction,
        ServiceCode::Complaint,
        ServiceCode::Consultation,
    ];

    /// The stored/wire form, identical to the serde representation.
    pub const fn as_str(self) -> &'static str {
        match self {
            ServiceCode::KtpLostDamaged => "KTP_LOST_DAMAGED",
            ServiceCode::KtpDataChange => "KTP_DATA_CHANGE",
            ServiceCode::KtpMoveIn => "KTP_MOVE_IN",
            ServiceCode::KtpNew => "KTP_NEW",
            ServiceCode::KkNew => "KK_NEW",
            ServiceCode::KkAddMember => "KK_ADD_MEMBER",
            ServiceCode::KkDataChange => "KK_DATA_CHANGE",
            ServiceCode::KkSplit => "KK_SPLIT",
            ServiceCode::KkLostDamaged => "KK_LOST_DAMAGED",
            ServiceCode::Birth => "BIRTH",
            ServiceCode::Death => "DEATH",
            ServiceCode::MoveOut => "MOVE_OUT",
            ServiceCode::MoveIn => "MOVE_IN",
            ServiceCode::Kia => "KIA",
            ServiceCode::Legalization => "LEGALIZATION",
            ServiceCode::Marriage => "MARRIAGE",
            ServiceCode::Divorce => "DIVORCE",
            ServiceCode::Correction => "CORRECTION",
            ServiceCode::Complaint => "COMPLAINT",
            ServiceCode::Consultation => "CONSULTATION",
        }
    }

    /// The catalog entry for this code.
    pub fn definition(self) -> &'static ServiceDefinition {
        service(self)
    }
}

impl fmt::Display for ServiceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Returned when a string is not a service code. Carries no input (it may be resident text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown service code")]
pub struct UnknownServiceCode;

impl FromStr for ServiceCode {
    type Err = UnknownServiceCode;

    /// Case-insensitive, surrounding whitespace ignored (codes come back from list replies,
    /// URLs and officer input).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        ServiceCode::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
            .ok_or(UnknownServiceCode)
    }
}

/// How a request of this service is handled (drives the lifecycle, see `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceKind {
    /// A civil-registration product with documents (DRAFT → … → COMPLETED).
    Registration,
    /// Free-text complaint with optional attachments.
    Complaint,
    /// Free-text question, no attachments.
    Consultation,
}

impl ServiceKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            ServiceKind::Registration => "REGISTRATION",
            ServiceKind::Complaint => "COMPLAINT",
            ServiceKind::Consultation => "CONSULTATION",
        }
    }
}

impl fmt::Display for ServiceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Top-level WhatsApp menu groups. WhatsApp lists allow at most 10 rows in total, so the
/// 20 services are split into categories of at most 10 services each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    KtpEl,
    KartuKeluarga,
    AktaCatatanSipil,
    Pindah,
    Lainnya,
    AduanKonsultasi,
}

impl Category {
    /// Every category, in menu order.
    pub const ALL: [Category; 6] = [
        Category::KtpEl,
        Category::KartuKeluarga,
        Category::AktaCatatanSipil,
        Category::Pindah,
        Category::Lainnya,
        Category::AduanKonsultasi,
    ];

    /// Stable id, usable as a list-row id (same as the serde form).
    pub const fn as_str(self) -> &'static str {
        match self {
            Category::KtpEl => "ktp_el",
            Category::KartuKeluarga => "kartu_keluarga",
            Category::AktaCatatanSipil => "akta_catatan_sipil",
            Category::Pindah => "pindah",
            Category::Lainnya => "lainnya",
            Category::AduanKonsultasi => "aduan_konsultasi",
        }
    }

    /// Resident-facing title, at most 24 characters (WhatsApp list row title).
    pub const fn title(self) -> &'static str {
        match self {
            Category::KtpEl => "KTP-el",
            Category::KartuKeluarga => "Kartu Keluarga",
            Category::AktaCatatanSipil => "Akta Catatan Sipil",
            Category::Pindah => "Pindah Domisili",
            Category::Lainnya => "KIA & Legalisasi",
            Category::AduanKonsultasi => "Aduan & Konsultasi",
        }
    }

    /// Resident-facing description, at most 72 characters (WhatsApp list row description).
    pub const fn description(self) -> &'static str {
        match self {
            Category::KtpEl => "KTP-el hilang/rusak, perubahan data, pindah datang, perekaman baru",
            Category::KartuKeluarga => {
                "KK baru, tambah anggota, perubahan data, pecah KK, hilang/rusak"
            }
            Category::AktaCatatanSipil => {
                "Akta kelahiran, kematian, perkawinan, perceraian, pembetulan"
            }
            Category::Pindah => "Surat pindah (SKPWNI) dan pindah datang",
            Category::Lainnya => "Kartu Identitas Anak (KIA) dan legalisasi dokumen",
            Category::AduanKonsultasi => "Sampaikan aduan atau pertanyaan kepada petugas",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Returned when a string is not a category id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown category")]
pub struct UnknownCategory;

impl FromStr for Category {
    type Err = UnknownCategory;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Category::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
            .ok_or(UnknownCategory)
    }
}

/// One document the resident sends for a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AttachmentSlot {
    /// Stable snake_case id (stored with each document); unique within a service.
    pub id: &'static str,
    /// Bahasa text telling the resident what to send.
    pub label: &'static str,
    /// Whether the request can be submitted without it.
    pub required: bool,
}

/// What kind of answer a [`Field`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// A person's name (letters, spaces and `.'-,`; 2-100 characters).
    PersonName,
    /// A short free text (1-200 characters).
    Text,
    /// A whole number from 1 to `max`.
    Count { max: u8 },
}

/// A question a service asks besides the applicant and the documents (the child's name of a
/// birth, the document to legalise and its copies), asked in order after the kecamatan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Field {
    /// Stable snake_case id (stored with each answer); unique within a service.
    pub id: &'static str,
    /// Short Bahasa name of the answer, for summaries (`Nama anak`).
    pub label: &'static str,
    /// The Bahasa question asked to the resident.
    pub question: &'static str,
    pub kind: FieldKind,
}

/// What the event date of a service is (the late-report limit counts from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventDate {
    Birth,
    Death,
    Marriage,
    /// The day the court's divorce decision became final (berkekuatan hukum tetap), not the day
    /// it was pronounced: a civil-registry divorce can only be recorded from then on.
    DecisionFinal,
}

/// What "one open request per person and service" identifies the person by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpenRequestKey {
    /// The applicant's NIK.
    ApplicantNik,
    /// The child being registered: the answer to the field `CHILD_NAME_FIELD`, normalised, with
    /// the date of birth. One parent may file twins and siblings; the same child twice is refused.
    Child,
}

/// The field holding the name of the child a birth is registered for.
pub const CHILD_NAME_FIELD: &str = "child_name";

/// Whether residents may open new requests of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Availability {
    Available,
    /// Residents who pick the service get `notice` and no request is opened.
    Suspended {
        notice: String,
    },
}

impl Availability {
    pub fn is_available(&self) -> bool {
        matches!(self, Availability::Available)
    }

    /// The notice to show when suspended.
    pub fn notice(&self) -> Option<&str> {
        match self {
            Availability::Available => None,
            Availability::Suspended { notice } => Some(notice),
        }
    }
}

/// How long a service's supporting scans are kept (SPEC 8: "scans carry a retention period per
/// service and are deleted after it"). Only the class is catalog data; the number of days per
/// class is deployment configuration (template parameters), so the office can follow its
/// archive rules without a code change. Finished documents are not scans and have their own
/// (longer) period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanRetention {
    /// Attachments to complaints and questions: only useful while the case is open.
    Short,
    /// Most registrations: kept for checks and objections after the product is issued.
    Standard,
    /// Civil-status events (birth, death, marriage, divorce, correction): the source documents
    /// behind a civil-status deed, which officers may have to re-check years later.
    Long,
}

impl ScanRetention {
    /// Every class, shortest first.
    pub const ALL: [ScanRetention; 3] = [
        ScanRetention::Short,
        ScanRetention::Standard,
        ScanRetention::Long,
    ];

    /// Stable value (same as the serde form): stored on every scan as its retention tag and
    /// matched by the bucket's lifecycle rules, so it must never change for an existing class.
    pub const fn as_str(self) -> &'static str {
        match self {
            ScanRetention::Short => "short",
            ScanRetention::Standard => "standard",
            ScanRetention::Long => "long",
        }
    }
}

impl fmt::Display for ScanRetention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One catalog entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ServiceDefinition {
    pub code: ServiceCode,
    /// The SPEC "name (id)" column; at most 72 characters (usable as a list-row description).
    pub name: &'static str,
    /// At most 24 characters, for WhatsApp list-row titles.
    pub short_name: &'static str,
    pub kind: ServiceKind,
    pub category: Category,
    /// Documents to send, in the order they are asked for.
    pub slots: &'static [AttachmentSlot],
    /// Default maximum working days to finish (configurable per service at run time).
    pub max_working_days: u8,
    /// `Some(notice)` when the service starts out suspended; see [`Self::default_availability`].
    pub default_suspension_notice: Option<&'static str>,
    /// Reports later than this many days after the event are flagged (a flag, not an error).
    pub late_report_after_days: Option<u16>,
    /// Whether the applicant's NIK is asked for (anonymous-ish consultation does not need it).
    pub needs_applicant_identity: bool,
    /// How long the resident's and officers' scans for this service are kept.
    pub scan_retention: ScanRetention,
    /// Questions asked after the kecamatan, in order.
    pub fields: &'static [Field],
    /// What the event date is, when the service has a late-report limit.
    pub event_date: Option<EventDate>,
    /// What the one-open-request guard identifies.
    pub open_request_key: OpenRequestKey,
    /// A note shown when the service is started and when it is asked about (Bahasa).
    pub note: Option<&'static str>,
}

impl ServiceDefinition {
    /// Availability before any supervisor override.
    pub fn default_availability(&self) -> Availability {
        match self.default_suspension_notice {
            None => Availability::Available,
            Some(notice) => Availability::Suspended {
                notice: notice.to_owned(),
            },
        }
    }

    /// True when the event is reported strictly more than `late_report_after_days` days after
    /// it happened (exactly the limit is still on time). Services without a limit are never late.
    pub fn is_late_report(&self, event_date: time::Date, reported_on: time::Date) -> bool {
        match self.late_report_after_days {
            Some(limit) => (reported_on - event_date).whole_days() > i64::from(limit),
            None => false,
        }
    }

    /// The field with this id, if the service asks it.
    pub fn field(&self, id: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// The slot with this id, if the service has it.
    pub fn slot(&self, id: &str) -> Option<&'static AttachmentSlot> {
        self.slots.iter().find(|s| s.id == id)
    }

    /// Slots that must be filled before the request can be submitted.
    pub fn required_slots(&self) -> impl Iterator<Item = &'static AttachmentSlot> + use<> {
        self.slots.iter().filter(|s| s.required)
    }
}

/// The catalog entry for `code`.
pub fn service(code: ServiceCode) -> &'static ServiceDefinition {
    // SERVICES is in `ServiceCode` declaration order; checked at compile time below.
    &SERVICES[code as usize]
}

/// All catalog entries, in SPEC table order.
pub fn services() -> &'static [ServiceDefinition] {
    &SERVICES
}

/// The services listed under one menu category, in catalog order.
pub fn services_in(category: Category) -> impl Iterator<Item = &'static ServiceDefinition> {
    SERVICES.iter().filter(move |s| s.category == category)
}

// Compile-time proof that `service()` indexing matches codes.
const _: () = {
    assert!(SERVICES.len() == ServiceCode::ALL.len());
    let mut i = 0;
    while i < SERVICES.len() {
        assert!(SERVICES[i].code as usize == i);
        assert!(ServiceCode::ALL[i] as usize == i);
        i += 1;
    }
};

const fn req(id: &'static str, label: &'static str) -> AttachmentSlot {
    AttachmentSlot {
        id,
        label,
        required: true,
    }
}

const fn opt(id: &'static str, label: &'static str) -> AttachmentSlot {
    AttachmentSlot {
        id,
        label,
        required: false,
    }
}

// Slots shared by several services keep the same id everywhere.
const KK: AttachmentSlot = req("kk", "Kartu Keluarga (KK)");
const KTP_EL: AttachmentSlot = req("ktp_el", "KTP-el pemohon");
const OLD_KK: AttachmentSlot = req("old_kk", "KK lama");
const SKPWNI: AttachmentSlot = req("skpwni", "Surat Keterangan Pindah WNI (SKPWNI)");

const LEGALIZATION_NOTE: &str = "Dokumen yang sudah ditandatangani secara elektronik (TTE) dan \
memiliki kode QR tidak perlu dilegalisasi: hasil cetaknya sah dan keasliannya dapat diperiksa \
dengan memindai kode QR-nya.";

const KTP_NEW_NOTICE: &str = "Mohon maaf, layanan KTP-el baru untuk sementara belum dapat \
diajukan lewat WhatsApp. Pembuatan KTP-el baru memerlukan perekaman data biometrik (foto, sidik \
jari dan iris mata) secara langsung, dan perekaman tersebut saat ini sedang dihentikan \
sementara. Silakan pantau pengumuman resmi Disdukcapil untuk jadwal perekaman berikutnya.";

const fn registration(
    code: ServiceCode,
    name: &'static str,
    short_name: &'static str,
    category: Category,
    slots: &'static [AttachmentSlot],
    max_working_days: u8,
) -> ServiceDefinition {
    ServiceDefinition {
        code,
        name,
        short_name,
        kind: ServiceKind::Registration,
        category,
        slots,
        max_working_days,
        default_suspension_notice: None,
        late_report_after_days: None,
        needs_applicant_identity: true,
        scan_retention: ScanRetention::Standard,
        fields: &[],
        event_date: None,
        open_request_key: OpenRequestKey::ApplicantNik,
        note: None,
    }
}

const fn late_after(mut def: ServiceDefinition, event: EventDate, days: u16) -> ServiceDefinition {
    def.late_report_after_days = Some(days);
    def.event_date = Some(event);
    def
}

const fn asking(mut def: ServiceDefinition, fields: &'static [Field]) -> ServiceDefinition {
    def.fields = fields;
    def
}

const fn noted(mut def: ServiceDefinition, note: &'static str) -> ServiceDefinition {
    def.note = Some(note);
    def
}

const fn keyed_on_child(mut def: ServiceDefinition) -> ServiceDefinition {
    def.open_request_key = OpenRequestKey::Child;
    def
}

const fn retained(mut def: ServiceDefinition, retention: ScanRetention) -> ServiceDefinition {
    def.scan_retention = retention;
    def
}

const fn suspended(mut def: ServiceDefinition, notice: &'static str) -> ServiceDefinition {
    def.default_suspension_notice = Some(notice);
    def
}

use Category as C;
use ServiceCode as S;

static SERVICES: [ServiceDefinition; 20] = [
    registration(
        S::KtpLostDamaged,
        "KTP-el hilang/rusak",
        "KTP-el hilang/rusak",
        C::KtpEl,
        &[
            req(
                "police_report_or_damaged_card",
                "Surat keterangan hilang dari kepolisian atau foto KTP-el yang rusak",
            ),
            KK,
        ],
        3,
    ),
    registration(
        S::KtpDataChange,
        "KTP-el perubahan data",
        "KTP-el perubahan data",
        C::KtpEl,
        &[
            req("old_ktp_el", "KTP-el lama"),
            req("proof_of_change", "Dokumen bukti perubahan data"),
            KK,
        ],
        3,
    ),
    // After the arrival is registered (MOVE_IN gives the new KK): the KTP-el with the new
    // address. It asks for the new KK and the old card, never the SKPWNI, so the two services do
    // not overlap.
    registration(
        S::KtpMoveIn,
        "KTP-el baru setelah pindah datang",
        "KTP-el pindah datang",
        C::KtpEl,
        &[
            req(
                "kk",
                "KK baru yang sudah memuat alamat di sini (hasil pindah datang)",
            ),
            req("old_ktp_el", "KTP-el lama dari daerah asal"),
        ],
        3,
    ),
    suspended(
        registration(
            S::KtpNew,
            "KTP-el baru (perekaman)",
            "KTP-el baru (perekaman)",
            C::KtpEl,
            &[KK],
            3,
        ),
        KTP_NEW_NOTICE,
    ),
    registration(
        S::KkNew,
        "KK baru",
        "KK baru",
        C::KartuKeluarga,
        &[
            req("marriage_book", "Buku nikah / akta perkawinan"),
            opt("skpwni", "SKPWNI (jika pindah dari daerah lain)"),
        ],
        3,
    ),
    registration(
        S::KkAddMember,
        "KK tambah anggota",
        "KK tambah anggota",
        C::KartuKeluarga,
        &[
            OLD_KK,
            req(
                "birth_certificate_or_skpwni",
                "Akta kelahiran atau SKPWNI anggota yang ditambahkan",
            ),
        ],
        3,
    ),
    registration(
        S::KkDataChange,
        "KK perubahan data",
        "KK perubahan data",
        C::KartuKeluarga,
        &[
            OLD_KK,
            req(
                "proof_of_event",
                "Dokumen bukti peristiwa atau perubahan data",
            ),
        ],
        3,
    ),
    registration(
        S::KkSplit,
        "Pecah KK",
        "Pecah KK",
        C::KartuKeluarga,
        &[
            OLD_KK,
            req(
                "civil_event_document",
                "Akta perkawinan, akta perceraian, akta kematian atau SKPWNI",
            ),
        ],
        3,
    ),
    registration(
        S::KkLostDamaged,
        "KK hilang/rusak",
        "KK hilang/rusak",
        C::KartuKeluarga,
        &[
            req(
                "police_report_or_damaged_kk",
                "Surat keterangan hilang dari kepolisian atau foto KK yang rusak",
            ),
            KTP_EL,
        ],
        3,
    ),
    // Keyed on the child (name and date of birth), so one parent can file twins and siblings.
    keyed_on_child(asking(
        retained(
            late_after(
                registration(
                    S::Birth,
                    "Akta Kelahiran",
                    "Akta Kelahiran",
                    C::AktaCatatanSipil,
                    &[
                        req(
                            "birth_letter_or_sptjm",
                            "Surat keterangan kelahiran (atau Surat Pernyataan Tanggung Jawab Mutlak (SPTJM) kebenaran data kelahiran)",
                        ),
                        KK,
                        req("mother_ktp_el", "KTP-el ibu"),
                        // Optional, and last so scans fill the required slots first: a child
                        // recorded as its mother's alone (no marriage registered) has neither,
                        // and must still be registrable.
                        opt("father_ktp_el", "KTP-el ayah"),
                        opt(
                            "marriage_book_or_sptjm",
                            "Buku nikah/akta perkawinan orang tua",
                        ),
                    ],
                    5,
                ),
                EventDate::Birth,
                60,
            ),
            ScanRetention::Long,
        ),
        &[Field {
            id: CHILD_NAME_FIELD,
            label: "Nama anak",
            question: "Silakan ketik *nama lengkap anak* yang akan dicatat dalam akta kelahiran.",
            kind: FieldKind::PersonName,
        }],
    )),
    retained(
        late_after(
            registration(
                S::Death,
                "Akta Kematian",
                "Akta Kematian",
                C::AktaCatatanSipil,
                // One slot per person and document (the combined `deceased_kk_ktp_el` is
                // retired; documents stored under it keep their id).
                &[
                    req("death_letter", "Surat keterangan kematian"),
                    req("deceased_kk", "KK almarhum/almarhumah"),
                    req("deceased_ktp_el", "KTP-el almarhum/almarhumah"),
                    req("reporter_ktp_el", "KTP-el pelapor"),
                ],
                5,
            ),
            EventDate::Death,
            30,
        ),
        ScanRetention::Long,
    ),
    registration(
        S::MoveOut,
        "Surat Pindah (SKPWNI)",
        "Surat Pindah (SKPWNI)",
        C::Pindah,
        &[
            KK,
            req(
                "form_f103",
                "Formulir F-1.03 (Formulir Pendaftaran Perpindahan Penduduk) yang sudah diisi",
            ),
        ],
        5,
    ),
    // Registers the arrival itself (the new KK); the KTP-el with the new address is KTP_MOVE_IN.
    registration(
        S::MoveIn,
        "Pindah datang (lapor kedatangan dengan SKPWNI)",
        "Pindah datang",
        C::Pindah,
        &[SKPWNI, req("old_ktp_el_or_kia", "KTP-el lama atau KIA")],
        5,
    ),
    registration(
        S::Kia,
        "Kartu Identitas Anak",
        "Kartu Identitas Anak",
        C::Lainnya,
        &[
            req("birth_certificate", "Akta kelahiran anak"),
            req("parents_kk", "KK orang tua"),
            req("parents_ktp_el", "KTP-el orang tua"),
            opt(
                "child_photo",
                "Pas foto anak (hanya untuk anak usia 5 tahun ke atas)",
            ),
        ],
        5,
    ),
    noted(
        asking(
            registration(
                S::Legalization,
                "Legalisasi dokumen",
                "Legalisasi dokumen",
                C::Lainnya,
                &[
                    req("document", "Dokumen yang akan dilegalisasi"),
                    req("ktp_el_or_kk", "KTP-el atau KK pemohon"),
                ],
                1,
            ),
            &[
                Field {
                    id: "legalised_document",
                    label: "Dokumen",
                    question: "Dokumen apa yang akan dilegalisasi? Misalnya: akta kelahiran, KK atau akta perkawinan.",
                    kind: FieldKind::Text,
                },
                Field {
                    id: "copies",
                    label: "Jumlah lembar",
                    question: "Berapa lembar yang perlu dilegalisasi? Ketik angkanya, 1 sampai 10.",
                    kind: FieldKind::Count { max: 10 },
                },
            ],
        ),
        LEGALIZATION_NOTE,
    ),
    retained(
        late_after(
            registration(
                S::Marriage,
                "Akta Perkawinan (non-Muslim)",
                "Akta Perkawinan",
                C::AktaCatatanSipil,
                // Each bride's and groom's documents in their own slot (the combined
                // `ktp_el_both` and `kk_both` are retired; documents stored under them keep
                // their ids).
                &[
                    req(
                        "religious_leader_letter",
                        "Surat keterangan perkawinan dari pemuka agama",
                    ),
                    req("couple_photo", "Pas foto berdampingan kedua mempelai"),
                    req("groom_ktp_el", "KTP-el mempelai pria"),
                    req("groom_kk", "KK mempelai pria"),
                    req("bride_ktp_el", "KTP-el mempelai wanita"),
                    req("bride_kk", "KK mempelai wanita"),
                ],
                14,
            ),
            EventDate::Marriage,
            60,
        ),
        ScanRetention::Long,
    ),
    retained(
        late_after(
            registration(
                S::Divorce,
                "Akta Perceraian",
                "Akta Perceraian",
                C::AktaCatatanSipil,
                &[
                    req(
                        "court_decision",
                        "Putusan pengadilan yang telah berkekuatan hukum tetap",
                    ),
                    req("marriage_certificate", "Akta perkawinan"),
                    KK,
                    KTP_EL,
                ],
                7,
            ),
            EventDate::DecisionFinal,
            60,
        ),
        ScanRetention::Long,
    ),
    retained(
        registration(
            S::Correction,
            "Pembetulan akta/data",
            "Pembetulan akta/data",
            C::AktaCatatanSipil,
            &[
                req("erroneous_document", "Dokumen yang memuat kesalahan"),
                req(
                    "base_document",
                    "Dokumen otentik yang menjadi dasar pembetulan",
                ),
                KK,
                KTP_EL,
            ],
            14,
        ),
        ScanRetention::Long,
    ),
    ServiceDefinition {
        code: S::Complaint,
        name: "Aduan",
        short_name: "Aduan",
        kind: ServiceKind::Complaint,
        category: C::AduanKonsultasi,
        slots: &[opt(
            "supporting_attachment",
            "Foto atau dokumen pendukung aduan (tidak wajib)",
        )],
        // Closed within 10 working days; handled within 3 and answered within 5 (crate::complaint).
        max_working_days: crate::complaint::CLOSE_WITHIN_DAYS,
        default_suspension_notice: None,
        late_report_after_days: None,
        // A resident must be able to complain without handing over a NIK first; when the
        // complaint concerns a record, the officer asks for it in the thread.
        needs_applicant_identity: false,
        scan_retention: ScanRetention::Short,
        fields: &[],
        event_date: None,
        open_request_key: OpenRequestKey::ApplicantNik,
        note: None,
    },
    ServiceDefinition {
        code: S::Consultation,
        name: "Konsultasi",
        short_name: "Konsultasi",
        kind: ServiceKind::Consultation,
        category: C::AduanKonsultasi,
        slots: &[],
        max_working_days: 1,
        default_suspension_notice: None,
        late_report_after_days: None,
        needs_applicant_identity: false,
        scan_retention: ScanRetention::Short,
        fields: &[],
        event_date: None,
        open_request_key: OpenRequestKey::ApplicantNik,
        note: None,
    },
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use time::macros::date;

    use super::*;

    #[test]
    fn every_code_has_exactly_one_definition() {
        for code in ServiceCode::ALL {
            let n = services().iter().filter(|s| s.code == code).count();
            assert_eq!(n, 1, "{code}");
            assert_eq!(service(code).code, code);
        }
        assert_eq!(services().len(), 20);
    }

    #[test]
    fn codes_round_trip_through_str_and_serde() {
        for code in ServiceCode::ALL {
            assert_eq!(code.as_str().parse::<ServiceCode>(), Ok(code));
            assert_eq!(
                code.as_str().to_lowercase().parse::<ServiceCode>(),
                Ok(code)
            );
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: ServiceCode = serde_json::from_str(&json).unwrap();
            assert_eq!(back, code);
        }
        assert_eq!(
            " ktp_lost_damaged ".parse(),
            Ok(ServiceCode::KtpLostDamaged)
        );
        assert_eq!("KTP".parse::<ServiceCode>(), Err(UnknownServiceCode));
        assert_eq!("".parse::<ServiceCode>(), Err(UnknownServiceCode));
    }

    #[test]
    fn names_and_short_names_are_unique_and_fit_whatsapp() {
        let names: HashSet<_> = services().iter().map(|s| s.name).collect();
        assert_eq!(names.len(), services().len());
        let shorts: HashSet<_> = services().iter().map(|s| s.short_name).collect();
        assert_eq!(shorts.len(), services().len());
        for s in services() {
            assert!(s.short_name.chars().count() <= 24, "{}", s.short_name);
            assert!(!s.short_name.is_empty());
            assert!(s.name.chars().count() <= 72, "{}", s.name);
        }
    }

    #[test]
    fn slot_ids_are_unique_snake_case_within_a_service() {
        for s in services() {
            let ids: HashSet<_> = s.slots.iter().map(|slot| slot.id).collect();
            assert_eq!(ids.len(), s.slots.len(), "{}", s.code);
            for slot in s.slots {
                assert!(!slot.id.is_empty());
                assert!(
                    slot.id
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                    "{}",
                    slot.id
                );
                assert!(!slot.label.is_empty());
                assert_eq!(s.slot(slot.id), Some(slot));
            }
        }
    }

    #[test]
    fn menu_limits_hold() {
        assert!(Category::ALL.len() <= 10);
        let mut seen = 0;
        for cat in Category::ALL {
            let n = services_in(cat).count();
            assert!((1..=10).contains(&n), "{cat}: {n}");
            seen += n;
            assert!(cat.title().chars().count() <= 24, "{}", cat.title());
            assert!(
                cat.description().chars().count() <= 72,
                "{}",
                cat.description()
            );
            assert_eq!(cat.as_str().parse(), Ok(cat));
            let json = serde_json::to_string(&cat).unwrap();
            assert_eq!(json, format!("\"{}\"", cat.as_str()));
        }
        assert_eq!(seen, services().len());
    }

    #[test]
    fn kinds_and_identity_follow_the_spec() {
        for s in services() {
            let expected_kind = match s.code {
                ServiceCode::Complaint => ServiceKind::Complaint,
                ServiceCode::Consultation => ServiceKind::Consultation,
                _ => ServiceKind::Registration,
            };
            assert_eq!(s.kind, expected_kind);
            assert_eq!(
                s.needs_applicant_identity,
                s.kind == ServiceKind::Registration
            );
            if s.kind == ServiceKind::Registration {
                assert!(s.required_slots().count() >= 1, "{}", s.code);
            } else {
                assert_eq!(s.required_slots().count(), 0, "{}", s.code);
            }
        }
        assert!(service(ServiceCode::Consultation).slots.is_empty());
    }

    #[test]
    fn working_days_match_the_spec_table() {
        let expected = [
            3, 3, 3, 3, 3, 3, 3, 3, 3, 5, 5, 5, 5, 5, 1, 14, 7, 14, 10, 1,
        ];
        for (s, days) in services().iter().zip(expected) {
            assert_eq!(s.max_working_days, days, "{}", s.code);
        }
    }

    #[test]
    fn only_ktp_new_is_suspended_by_default() {
        for s in services() {
            let availability = s.default_availability();
            if s.code == ServiceCode::KtpNew {
                let notice = availability.notice().unwrap_or_default();
                assert!(notice.contains("perekaman"));
                assert!(notice.contains("pengumuman"));
                assert!(!availability.is_available());
            } else {
                assert_eq!(availability, Availability::Available, "{}", s.code);
            }
        }
    }

    #[test]
    fn optional_slots_are_the_ones_the_spec_marks_optional() {
        let optional: Vec<_> = services()
            .iter()
            .flat_map(|s| {
                s.slots
                    .iter()
                    .filter(|x| !x.required)
                    .map(|x| (s.code, x.id))
            })
            .collect();
        assert_eq!(
            optional,
            [
                (ServiceCode::KkNew, "skpwni"),
                (ServiceCode::Birth, "father_ktp_el"),
                (ServiceCode::Birth, "marriage_book_or_sptjm"),
                (ServiceCode::Kia, "child_photo"),
                (ServiceCode::Complaint, "supporting_attachment"),
            ]
        );
    }

    #[test]
    fn availability_serde_is_tagged() {
        let a = Availability::Suspended {
            notice: "Tutup".into(),
        };
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"state": "SUSPENDED", "notice": "Tutup"})
        );
        let back: Availability = serde_json::from_value(json).unwrap();
        assert_eq!(back, a);
        let json = serde_json::to_value(Availability::Available).unwrap();
        assert_eq!(json, serde_json::json!({"state": "AVAILABLE"}));
    }

    #[test]
    fn scan_retention_follows_what_officers_may_need_later() {
        use ScanRetention::{Long, Short, Standard};
        for s in services() {
            let expected = match s.code {
                // Source documents of civil-status deeds may be re-checked years later.
                ServiceCode::Birth
                | ServiceCode::Death
                | ServiceCode::Marriage
                | ServiceCode::Divorce
                | ServiceCode::Correction => Long,
                // Attachments to complaints and questions matter only while the case is open.
                ServiceCode::Complaint | ServiceCode::Consultation => Short,
                _ => Standard,
            };
            assert_eq!(s.scan_retention, expected, "{}", s.code);
        }
        // Every class is used, so the bucket's rule for each one is not dead configuration.
        for class in ScanRetention::ALL {
            assert!(
                services().iter().any(|s| s.scan_retention == class),
                "{class}"
            );
        }
    }

    #[test]
    fn scan_retention_values_are_stable() {
        // Stored on every object and matched by the bucket's lifecycle rules (template.yaml):
        // renaming one would leave its objects to the catch-all rule.
        let values: Vec<_> = ScanRetention::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(values, ["short", "standard", "long"]);
        for class in ScanRetention::ALL {
            let json = serde_json::to_string(&class).unwrap();
            assert_eq!(json, format!("\"{class}\""));
            let back: ScanRetention = serde_json::from_str(&json).unwrap();
            assert_eq!(back, class);
        }
        // `ALL` is shortest first (the template's catch-all uses the longest class).
        let mut sorted = ScanRetention::ALL;
        sorted.sort();
        assert_eq!(sorted, ScanRetention::ALL);
    }

    fn slot_ids(code: ServiceCode) -> Vec<&'static str> {
        service(code).slots.iter().map(|s| s.id).collect()
    }

    #[test]
    fn birth_asks_for_both_parents_ktp_el_and_the_child() {
        let birth = service(ServiceCode::Birth);
        let ids = slot_ids(ServiceCode::Birth);
        for id in [
            "father_ktp_el",
            "mother_ktp_el",
            "kk",
            "birth_letter_or_sptjm",
        ] {
            assert!(ids.contains(&id), "{id}");
        }
        // A child of its mother alone is registered without the father's KTP-el and without a
        // marriage book: those slots are asked for, not required.
        assert!(!birth.slot("father_ktp_el").unwrap().required);
        assert!(!birth.slot("marriage_book_or_sptjm").unwrap().required);
        assert!(birth.slot("mother_ktp_el").unwrap().required);
        let child = birth.field(CHILD_NAME_FIELD).unwrap();
        assert_eq!(child.kind, FieldKind::PersonName);
        assert_eq!(birth.open_request_key, OpenRequestKey::Child);
        assert_eq!(birth.event_date, Some(EventDate::Birth));
        // Every other service is keyed on the applicant's NIK.
        for s in services().iter().filter(|s| s.code != ServiceCode::Birth) {
            assert_eq!(
                s.open_request_key,
                OpenRequestKey::ApplicantNik,
                "{}",
                s.code
            );
            assert!(s.field(CHILD_NAME_FIELD).is_none());
        }
    }

    #[test]
    fn death_and_marriage_ask_each_persons_documents_in_their_own_slot() {
        // No slot asks for two documents or two people at once.
        for s in services() {
            for slot in s.slots {
                let label = slot.label.to_lowercase();
                assert!(!label.contains("kk dan ktp"), "{}: {}", s.code, slot.label);
                assert!(
                    !label.contains("kedua mempelai") || slot.id == "couple_photo",
                    "{}",
                    slot.label
                );
            }
        }
        assert_eq!(
            slot_ids(ServiceCode::Death),
            [
                "death_letter",
                "deceased_kk",
                "deceased_ktp_el",
                "reporter_ktp_el"
            ]
        );
        let marriage = slot_ids(ServiceCode::Marriage);
        for id in ["groom_ktp_el", "groom_kk", "bride_ktp_el", "bride_kk"] {
            assert!(marriage.contains(&id), "{id}");
        }
        // The combined slots are retired (stored documents keep their ids, nothing asks them).
        for (code, id) in [
            (ServiceCode::Death, "deceased_kk_ktp_el"),
            (ServiceCode::Marriage, "ktp_el_both"),
            (ServiceCode::Marriage, "kk_both"),
        ] {
            assert!(service(code).slot(id).is_none(), "{id}");
        }
    }

    #[test]
    fn divorce_late_report_counts_from_the_day_the_decision_became_final() {
        let divorce = service(ServiceCode::Divorce);
        assert_eq!(divorce.event_date, Some(EventDate::DecisionFinal));
        // Pronounced 1 March, final (no appeal) 20 April: reported 15 June is on time.
        let final_on = date!(2026 - 04 - 20);
        assert!(!divorce.is_late_report(final_on, date!(2026 - 06 - 15)));
        assert!(divorce.is_late_report(date!(2026 - 03 - 01), date!(2026 - 06 - 15)));
        assert!(divorce.is_late_report(final_on, final_on + time::Duration::days(61)));
        // Every service with a late-report limit says what its event date is, and only those.
        for s in services() {
            assert_eq!(
                s.late_report_after_days.is_some(),
                s.event_date.is_some(),
                "{}",
                s.code
            );
        }
    }

    #[test]
    fn ktp_move_in_does_not_overlap_move_in() {
        let ktp = service(ServiceCode::KtpMoveIn);
        let arrival = service(ServiceCode::MoveIn);
        // The arrival itself takes the SKPWNI; the KTP-el afterwards takes the new KK.
        assert!(arrival.slot("skpwni").is_some());
        assert!(ktp.slot("skpwni").is_none());
        assert!(
            ktp.slot("kk")
                .unwrap()
                .label
                .contains("hasil pindah datang")
        );
        assert!(ktp.slot("old_ktp_el").is_some());
        assert!(ktp.name.contains("setelah pindah datang"), "{}", ktp.name);
        assert!(arrival.name.contains("SKPWNI"), "{}", arrival.name);
        let labels =
            |d: &ServiceDefinition| -> HashSet<&str> { d.slots.iter().map(|s| s.label).collect() };
        assert!(labels(ktp).is_disjoint(&labels(arrival)));
    }

    #[test]
    fn legalisation_asks_which_document_and_how_many_copies_and_spares_tte() {
        let legal = service(ServiceCode::Legalization);
        assert_eq!(legal.name, "Legalisasi dokumen");
        let ids: Vec<_> = legal.fields.iter().map(|f| (f.id, f.kind)).collect();
        assert_eq!(
            ids,
            [
                ("legalised_document", FieldKind::Text),
                ("copies", FieldKind::Count { max: 10 }),
            ]
        );
        let note = legal.note.unwrap_or_default();
        assert!(
            note.contains("(TTE)")
                && note.contains("kode QR")
                && note.contains("tidak perlu dilegalisasi")
        );
        // Only legalisation carries a note; only it and birth ask questions.
        for s in services() {
            assert_eq!(
                s.note.is_some(),
                s.code == ServiceCode::Legalization,
                "{}",
                s.code
            );
            assert_eq!(
                !s.fields.is_empty(),
                matches!(s.code, ServiceCode::Legalization | ServiceCode::Birth),
                "{}",
                s.code
            );
            let ids: HashSet<_> = s.fields.iter().map(|f| f.id).collect();
            assert_eq!(ids.len(), s.fields.len());
        }
    }

    #[test]
    fn late_report_boundaries() {
        let birth = service(ServiceCode::Birth);
        let event = date!(2026 - 01 - 01);
        assert!(!birth.is_late_report(event, event));
        assert!(!birth.is_late_report(event, date!(2026 - 03 - 02))); // 60 days
        assert!(birth.is_late_report(event, date!(2026 - 03 - 03))); // 61 days

        let death = service(ServiceCode::Death);
        assert!(!death.is_late_report(event, date!(2026 - 01 - 31))); // 30 days
        assert!(death.is_late_report(event, date!(2026 - 02 - 01))); // 31 days

        for code in [ServiceCode::Marriage, ServiceCode::Divorce] {
            let s = service(code);
            assert_eq!(s.late_report_after_days, Some(60));
            assert!(!s.is_late_report(event, event + time::Duration::days(60)));
            assert!(s.is_late_report(event, event + time::Duration::days(61)));
        }

        // Services without a limit are never late; a report dated before the event is not late.
        let kk = service(ServiceCode::KkNew);
        assert!(!kk.is_late_report(event, date!(2030 - 01 - 01)));
        assert!(!birth.is_late_report(date!(2026 - 06 - 01), event));

        let limited: Vec<_> = services()
            .iter()
            .filter(|s| s.late_report_after_days.is_some())
            .map(|s| s.code)
            .collect();
        assert_eq!(
            limited,
            [
                ServiceCode::Birth,
                ServiceCode::Death,
                ServiceCode::Marriage,
                ServiceCode::Divorce
            ]
        );
    }
}
