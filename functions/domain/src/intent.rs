//! Reading free text: which services a resident's message is about, whether it asks a question
//! about them (requirements, duration, cost, representation), asks for an officer, asks after a
//! request already made, or is only a greeting.
//!
//! A curated Indonesian synonym index over the service catalog: every surface form residents
//! type (colloquial forms, abbreviations such as `sy`/`gmn`/`tdk`/`yg`, common misspellings,
//! Bengkulu Malay such as `apo`/`berapo`/`-nyo`) maps to one [`Term`]; each service has a
//! signature of terms with weights, and the services whose anchor terms occur are ranked by the
//! sum of their matched weights. Nothing is learned or downloaded, and every match keeps the
//! words that caused it ([`ServiceMatch::words`]), so a misreading can be traced to one line of
//! the tables below.
//!
//! Normalisation: lowercase, punctuation and emoji dropped, runs of three or more equal letters
//! cut to two (then doubles to one if that is what matches: `ktppp`, `halooo`), particles
//! `-nya`/`-nyo`/`-lah`/`-kah`/`-ku` and a reduplicating `2` (`anak2`) stripped when what remains
//! is known, and one typo (insertion, deletion, substitution or swap of neighbours) tolerated on
//! words of five letters or more when exactly one meaning is that close.
//!
//! The index is computed by the compiler (sorted hash tables), so a cold start builds nothing;
//! reading a message allocates one string.

use crate::catalog::ServiceCode;

/// What a word means to the matcher. Content terms feed service signatures and question rules;
/// the last few only decide whether a message says anything at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Term {
    // Documents and objects.
    Ktp,
    Kk,
    Akta,
    Kia,
    Kartu,
    Keluarga,
    Identitas,
    Tanda,
    Anak,
    Surat,
    // Civil events.
    Lahir,
    Mati,
    Nikah,
    Cerai,
    Pindah,
    Datang,
    Luar,
    Keluar,
    Sini,
    Skpwni,
    Domisili,
    // What is to be done.
    Hilang,
    Rusak,
    Baru,
    Buat,
    /// Handle, apply for: says a process is wanted, not which.
    Urus,
    Ubah,
    Ganti,
    Salah,
    Betul,
    Tambah,
    Anggota,
    Pecah,
    Sendiri,
    Rekam,
    Legalisir,
    Aduan,
    DataField,
    Konsultasi,
    // Question words.
    Syarat,
    Bawa,
    Perlu,
    Apa,
    Berapa,
    Lama,
    Unit,
    Kapan,
    Jadi,
    Batas,
    Waktu,
    Proses,
    Durasi,
    Biaya,
    Uang,
    Minta,
    Wakil,
    Orang,
    Lain,
    Harus,
    // Officers.
    Petugas,
    Admin,
    Hubungi,
    Tanya,
    // A request already made.
    Sudah,
    Belum,
    Sampai,
    Mana,
    Progres,
    Tiket,
    /// `status`: a request's state, or a civil status ("status perkawinan").
    StatusWord,
    // Say nothing about a service.
    Greeting,
    Thanks,
    Ack,
    Address,
    Filler,
    Number,
    /// A known everyday word with no meaning here; listed so that a typo tolerance never turns
    /// it into a keyword (`bilang` is one letter from `hilang`, `biasa` from `biaya`).
    Common,
}

impl Term {
    const fn bit(self) -> u128 {
        1u128 << (self as u8)
    }

    /// Words that do not make a message "about something": a message made only of these is a
    /// greeting, thanks or acknowledgement.
    const fn is_social(self) -> bool {
        matches!(
            self,
            Term::Greeting
                | Term::Thanks
                | Term::Ack
                | Term::Address
                | Term::Filler
                | Term::Number
                | Term::Admin
        )
    }
}

/// Question kinds, as a small set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Asked(u8);

impl Asked {
    pub const REQUIREMENTS: Asked = Asked(1);
    pub const DURATION: Asked = Asked(2);
    pub const COST: Asked = Asked(4);
    pub const REPRESENTATION: Asked = Asked(8);
    /// Every kind, in the order answers present them.
    pub const ALL: [Asked; 4] = [
        Asked::REQUIREMENTS,
        Asked::DURATION,
        Asked::COST,
        Asked::REPRESENTATION,
    ];

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub const fn contains(self, other: Asked) -> bool {
        other.0 != 0 && self.0 & other.0 == other.0
    }

    pub const fn with(self, other: Asked) -> Asked {
        Asked(self.0 | other.0)
    }

    /// Stable name of a single kind (corpus labels, logs).
    pub const fn name(self) -> &'static str {
        match self.0 {
            1 => "requirements",
            2 => "duration",
            4 => "cost",
            8 => "representation",
            0 => "none",
            _ => "several",
        }
    }
}

/// The words of a message that produced a match, as the index spells them (a typo is reported
/// under the word it was read as).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Words {
    items: [&'static str; 6],
    len: u8,
}

impl Words {
    fn push(&mut self, word: &'static str) {
        let len = usize::from(self.len);
        if len < self.items.len() && !self.items[..len].contains(&word) {
            self.items[len] = word;
            self.len += 1;
        }
    }

    pub fn as_slice(&self) -> &[&'static str] {
        &self.items[..usize::from(self.len)]
    }
}

/// One service a message may be about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceMatch {
    pub code: ServiceCode,
    pub score: i16,
    pub words: Words,
}

/// At most three ranked services, best first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Matches {
    items: [Option<ServiceMatch>; 3],
}

impl Matches {
    pub fn iter(&self) -> impl Iterator<Item = &ServiceMatch> {
        self.items.iter().flatten()
    }

    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.items[0].is_none()
    }

    pub fn first(&self) -> Option<&ServiceMatch> {
        self.items[0].as_ref()
    }

    pub fn contains(&self, code: ServiceCode) -> bool {
        self.iter().any(|m| m.code == code)
    }
}

/// What one message says, with why.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reading {
    /// Ranked services the message is about (possibly none).
    pub services: Matches,
    /// Question kinds asked (possibly none).
    pub asked: Asked,
    /// The resident asks to talk to an officer.
    pub officer: bool,
    /// The resident asks after a request already made ("sudah jadi belum?").
    pub status: bool,
    /// Nothing but greetings, thanks, acknowledgements, forms of address or filler words.
    pub social_only: bool,
}

/// What the main menu does with a message, derived from a [`Reading`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intent<'r> {
    /// Greeting, thanks or nothing readable: the main menu.
    Menu,
    /// Talk to an officer: offer a consultation (`complaint`: the message also complains).
    Officer { complaint: bool },
    /// A question; `services` are the ones to answer about (tied best, at most three), empty
    /// when the question names no service.
    Question {
        asked: Asked,
        services: &'r [Option<ServiceMatch>],
    },
    /// Asks after a request already made.
    Status,
    /// Services to offer, best first.
    Services(&'r Matches),
    /// Something was said that matched nothing: offer an officer.
    Unknown,
}

impl Reading {
    /// Whether the message complains (whatever else it asks).
    pub fn complains(&self) -> bool {
        self.services.contains(ServiceCode::Complaint)
    }

    /// The decision, in order: an officer asked for; a question (unless the message complains);
    /// a request already made (idem); services; anything else said → unknown; nothing said →
    /// menu.
    pub fn intent(&self) -> Intent<'_> {
        let complaint = self.services.contains(ServiceCode::Complaint);
        if self.officer {
            return Intent::Officer { complaint };
        }
        // A complaint is offered as one, even when it says "berapa lama" or "bayar".
        let top_complaint = self
            .services
            .first()
            .is_some_and(|m| m.code == ServiceCode::Complaint);
        // "kapan jadi, sudah 2 minggu" asks after a request made, not how long one takes.
        let status_only = self.status && self.asked == Asked::DURATION;
        if !self.asked.is_empty() && !top_complaint && !status_only {
            return Intent::Question {
                asked: self.asked,
                services: self.answered(),
            };
        }
        if self.status && !top_complaint {
            return Intent::Status;
        }
        if !self.services.is_empty() {
            return Intent::Services(&self.services);
        }
        if self.social_only {
            Intent::Menu
        } else {
            Intent::Unknown
        }
    }

    /// The services a question is answered for: the best one and those tied with it.
    pub fn answered(&self) -> &[Option<ServiceMatch>] {
        let Some(top) = self.services.first() else {
            return &[];
        };
        let n = self
            .services
            .items
            .iter()
            .take_while(|m| m.is_some_and(|m| m.score == top.score))
            .count();
        &self.services.items[..n]
    }

    /// One line for logs and test failures: `KK_NEW 5 (kk, baru) | asked: cost | ...`.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        for m in self.services.iter() {
            out.push_str(&format!(
                "{} {} ({}) ",
                m.code.as_str(),
                m.score,
                m.words.as_slice().join(", ")
            ));
        }
        let asked: Vec<&str> = Asked::ALL
            .iter()
            .filter(|a| self.asked.contains(**a))
            .map(|a| a.name())
            .collect();
        out.push_str(&format!(
            "| asked: {} | officer: {} | status: {} | social only: {}",
            asked.join("+"),
            self.officer,
            self.status,
            self.social_only
        ));
        out
    }
}

// ---------------------------------------------------------------------------------------------
// The lexicon: surface form → meaning. Lowercase ASCII, one word each (phrases are built from
// neighbouring words, see `merge`).

const LEXICON: &[(&str, Term)] = &[
    // KTP-el.
    ("ktp", Term::Ktp),
    ("ktpel", Term::Ktp),
    ("ektp", Term::Ktp),
    ("ktpe", Term::Ktp),
    ("eltp", Term::Ktp),
    ("kpt", Term::Ktp),
    ("ktm", Term::Common),
    ("ktpnya", Term::Ktp),
    // Kartu Keluarga.
    ("kk", Term::Kk),
    ("kartukeluarga", Term::Kk),
    ("kaka", Term::Common),
    ("kartu", Term::Kartu),
    ("krtu", Term::Kartu),
    ("kartuu", Term::Kartu),
    ("keluarga", Term::Keluarga),
    ("kluarga", Term::Keluarga),
    ("klrg", Term::Keluarga),
    ("klg", Term::Keluarga),
    ("identitas", Term::Identitas),
    ("tanda", Term::Tanda),
    ("penduduk", Term::Common),
    // Akta.
    ("akta", Term::Akta),
    ("akte", Term::Akta),
    ("akat", Term::Akta),
    ("aktanya", Term::Akta),
    ("catatan", Term::Common),
    ("sipil", Term::Common),
    ("capil", Term::Address),
    ("dukcapil", Term::Address),
    ("disdukcapil", Term::Address),
    // KIA and children.
    ("kia", Term::Kia),
    ("anak", Term::Anak),
    ("anakku", Term::Anak),
    ("anaknya", Term::Anak),
    ("bayi", Term::Anak),
    ("baby", Term::Anak),
    ("balita", Term::Anak),
    ("putra", Term::Anak),
    ("putri", Term::Anak),
    ("budak", Term::Anak),
    ("cucu", Term::Anak),
    ("surat", Term::Surat),
    ("srt", Term::Surat),
    ("surt", Term::Surat),
    ("dokumen", Term::Common),
    ("berkas", Term::Bawa),
    ("berkasnya", Term::Bawa),
    // Birth.
    ("lahir", Term::Lahir),
    ("kelahiran", Term::Lahir),
    ("lahiran", Term::Lahir),
    ("lair", Term::Lahir),
    ("kelairan", Term::Lahir),
    ("melahirkan", Term::Lahir),
    ("dilahirkan", Term::Lahir),
    ("brojol", Term::Lahir),
    // Death.
    ("meninggal", Term::Mati),
    ("meniggal", Term::Mati),
    ("mninggal", Term::Mati),
    ("ninggal", Term::Mati),
    ("meninggl", Term::Mati),
    ("kematian", Term::Mati),
    ("kmatian", Term::Mati),
    ("wafat", Term::Mati),
    ("mati", Term::Mati),
    ("mninggl", Term::Mati),
    ("almarhum", Term::Mati),
    ("almarhumah", Term::Mati),
    ("alm", Term::Mati),
    ("almh", Term::Mati),
    ("mendiang", Term::Mati),
    ("berpulang", Term::Mati),
    ("tiada", Term::Mati),
    // Marriage.
    ("nikah", Term::Nikah),
    ("menikah", Term::Nikah),
    ("pernikahan", Term::Nikah),
    ("nikahan", Term::Nikah),
    ("nikh", Term::Nikah),
    ("kawin", Term::Nikah),
    ("perkawinan", Term::Nikah),
    ("kawinan", Term::Nikah),
    ("dikawinkan", Term::Nikah),
    ("pemberkatan", Term::Nikah),
    // Divorce.
    ("cerai", Term::Cerai),
    ("perceraian", Term::Cerai),
    ("bercerai", Term::Cerai),
    ("cerei", Term::Cerai),
    ("cere", Term::Cerai),
    ("talak", Term::Cerai),
    ("janda", Term::Cerai),
    ("duda", Term::Cerai),
    // Moving.
    ("pindah", Term::Pindah),
    ("pindahan", Term::Pindah),
    ("perpindahan", Term::Pindah),
    ("pindh", Term::Pindah),
    ("pndh", Term::Pindah),
    ("pinda", Term::Pindah),
    ("mutasi", Term::Pindah),
    ("datang", Term::Datang),
    ("dateng", Term::Datang),
    ("kedatangan", Term::Datang),
    ("pendatang", Term::Datang),
    ("masuk", Term::Tambah),
    ("luar", Term::Luar),
    ("keluar", Term::Keluar),
    ("kluar", Term::Keluar),
    ("kekuar", Term::Keluar),
    ("sini", Term::Sini),
    ("kesini", Term::Sini),
    ("kemari", Term::Sini),
    ("kepahiang", Term::Sini),
    ("kephiang", Term::Sini),
    ("skpwni", Term::Skpwni),
    ("skpwn", Term::Skpwni),
    ("skpindah", Term::Skpwni),
    ("domisili", Term::Domisili),
    ("domisilinya", Term::Domisili),
    ("domsili", Term::Domisili),
    // Lost, damaged.
    ("hilang", Term::Hilang),
    ("ilang", Term::Hilang),
    ("hilng", Term::Hilang),
    ("ilng", Term::Hilang),
    ("hlg", Term::Hilang),
    ("hlng", Term::Hilang),
    ("kehilangan", Term::Hilang),
    ("kilangan", Term::Hilang),
    ("kecopetan", Term::Hilang),
    ("dicopet", Term::Hilang),
    ("kecurian", Term::Hilang),
    ("dicuri", Term::Hilang),
    ("tercecer", Term::Hilang),
    ("raib", Term::Hilang),
    ("lenyap", Term::Hilang),
    ("hanyut", Term::Hilang),
    ("rusak", Term::Rusak),
    ("rsk", Term::Rusak),
    ("rosak", Term::Rusak),
    ("patah", Term::Rusak),
    ("robek", Term::Rusak),
    ("sobek", Term::Rusak),
    ("terbakar", Term::Rusak),
    ("kebakar", Term::Rusak),
    ("kebakaran", Term::Rusak),
    ("luntur", Term::Rusak),
    ("pudar", Term::Rusak),
    ("buram", Term::Rusak),
    ("retak", Term::Rusak),
    ("hancur", Term::Rusak),
    ("kebanjiran", Term::Rusak),
    ("basah", Term::Rusak),
    ("tercuci", Term::Rusak),
    ("kecuci", Term::Rusak),
    ("lecek", Term::Rusak),
    ("usang", Term::Rusak),
    // New, make, apply.
    ("baru", Term::Baru),
    ("bru", Term::Baru),
    ("pemula", Term::Baru),
    ("pertama", Term::Baru),
    ("perdana", Term::Baru),
    ("bikin", Term::Buat),
    ("bkin", Term::Buat),
    ("bikinin", Term::Buat),
    ("bikinkan", Term::Buat),
    ("buat", Term::Buat),
    ("buatkan", Term::Buat),
    ("membuat", Term::Buat),
    ("pembuatan", Term::Buat),
    ("dibuat", Term::Buat),
    ("cetak", Term::Buat),
    ("mencetak", Term::Buat),
    ("pencetakan", Term::Buat),
    ("cetakan", Term::Buat),
    ("urus", Term::Urus),
    ("ngurus", Term::Urus),
    ("ngurusin", Term::Urus),
    ("uruskan", Term::Urus),
    ("urusin", Term::Urus),
    ("ngurusi", Term::Urus),
    ("mengurus", Term::Urus),
    ("pengurusan", Term::Urus),
    ("diurus", Term::Urus),
    ("urusan", Term::Urus),
    ("daftar", Term::Urus),
    ("mendaftar", Term::Urus),
    ("ajukan", Term::Urus),
    ("mengajukan", Term::Urus),
    ("pengajuan", Term::Urus),
    ("permohonan", Term::Urus),
    ("punya", Term::Common),
    ("terbit", Term::Jadi),
    ("terbitkan", Term::Buat),
    // Change, replace, wrong, correct.
    ("ubah", Term::Ubah),
    ("rubah", Term::Ubah),
    ("merubah", Term::Ubah),
    ("mengubah", Term::Ubah),
    ("perubahan", Term::Ubah),
    ("berubah", Term::Ubah),
    ("diubah", Term::Ubah),
    ("dirubah", Term::Ubah),
    ("update", Term::Ubah),
    ("diupdate", Term::Ubah),
    ("apdet", Term::Ubah),
    ("perbarui", Term::Ubah),
    ("pembaruan", Term::Ubah),
    ("pembaharuan", Term::Ubah),
    ("edit", Term::Ubah),
    ("hapus", Term::Ubah),
    ("dihapus", Term::Ubah),
    ("coret", Term::Ubah),
    ("dicoret", Term::Ubah),
    ("ganti", Term::Ganti),
    ("gnti", Term::Ganti),
    ("mengganti", Term::Ganti),
    ("penggantian", Term::Ganti),
    ("diganti", Term::Ganti),
    ("gantinya", Term::Ganti),
    ("salah", Term::Salah),
    ("slh", Term::Salah),
    ("keliru", Term::Salah),
    ("typo", Term::Salah),
    ("tipo", Term::Salah),
    ("beda", Term::Salah),
    ("berbeda", Term::Salah),
    ("sesuai", Term::Common),
    ("pembetulan", Term::Betul),
    ("betulkan", Term::Betul),
    ("membetulkan", Term::Betul),
    ("dibetulkan", Term::Betul),
    ("perbaikan", Term::Betul),
    ("perbaiki", Term::Betul),
    ("diperbaiki", Term::Betul),
    ("benerin", Term::Betul),
    ("dibenerin", Term::Betul),
    ("benarkan", Term::Betul),
    ("koreksi", Term::Betul),
    ("ralat", Term::Betul),
    // Members, split.
    ("tambah", Term::Tambah),
    ("nambah", Term::Tambah),
    ("menambah", Term::Tambah),
    ("menambahkan", Term::Tambah),
    ("tambahkan", Term::Tambah),
    ("ditambahkan", Term::Tambah),
    ("penambahan", Term::Tambah),
    ("masukin", Term::Tambah),
    ("masukkan", Term::Tambah),
    ("masukan", Term::Tambah),
    ("dimasukkan", Term::Tambah),
    ("dimasukin", Term::Tambah),
    ("memasukkan", Term::Tambah),
    ("numpang", Term::Tambah),
    ("menumpang", Term::Tambah),
    ("gabung", Term::Tambah),
    ("anggota", Term::Anggota),
    ("angota", Term::Anggota),
    ("pecah", Term::Pecah),
    ("pisah", Term::Pecah),
    ("misah", Term::Pecah),
    ("pisahkan", Term::Pecah),
    ("memisahkan", Term::Pecah),
    ("pemisahan", Term::Pecah),
    ("berpisah", Term::Pecah),
    ("sendiri", Term::Sendiri),
    ("sndiri", Term::Sendiri),
    ("dewek", Term::Sendiri),
    // KTP recording.
    ("rekam", Term::Rekam),
    ("perekaman", Term::Rekam),
    ("merekam", Term::Rekam),
    ("rekaman", Term::Rekam),
    ("direkam", Term::Rekam),
    ("biometrik", Term::Rekam),
    // Legalisation.
    ("legalisir", Term::Legalisir),
    ("legalisasi", Term::Legalisir),
    ("legalisirkan", Term::Legalisir),
    ("dilegalisir", Term::Legalisir),
    ("dilegalisasi", Term::Legalisir),
    ("legalisr", Term::Legalisir),
    ("legalisit", Term::Legalisir),
    ("legalsir", Term::Legalisir),
    ("legal", Term::Legalisir),
    ("leges", Term::Legalisir),
    ("legalisirnya", Term::Legalisir),
    // Complaints.
    ("aduan", Term::Aduan),
    ("adukan", Term::Aduan),
    ("mengadu", Term::Aduan),
    ("pengaduan", Term::Aduan),
    ("komplain", Term::Aduan),
    ("komplen", Term::Aduan),
    ("complain", Term::Aduan),
    ("keluhan", Term::Aduan),
    ("mengeluh", Term::Aduan),
    ("kecewa", Term::Aduan),
    ("pungli", Term::Aduan),
    ("calo", Term::Aduan),
    ("dipersulit", Term::Aduan),
    ("dipingpong", Term::Aduan),
    ("lelet", Term::Aduan),
    ("lambat", Term::Aduan),
    ("jutek", Term::Aduan),
    ("kasar", Term::Aduan),
    ("ngaret", Term::Aduan),
    ("laporkan", Term::Common),
    // Data fields (data change, correction).
    ("nama", Term::DataField),
    ("alamat", Term::DataField),
    ("agama", Term::DataField),
    ("pekerjaan", Term::DataField),
    ("pendidikan", Term::DataField),
    ("goldar", Term::DataField),
    ("darah", Term::DataField),
    ("gelar", Term::DataField),
    ("kelamin", Term::DataField),
    ("tempat", Term::Common),
    ("ejaan", Term::DataField),
    ("huruf", Term::DataField),
    ("data", Term::DataField),
    ("datanya", Term::DataField),
    ("biodata", Term::DataField),
    // Consultation.
    ("konsultasi", Term::Konsultasi),
    ("konsul", Term::Konsultasi),
    ("konsultasikan", Term::Konsultasi),
    // Requirements.
    ("syarat", Term::Syarat),
    ("persyaratan", Term::Syarat),
    ("persyaratannya", Term::Syarat),
    ("sarat", Term::Syarat),
    ("syrat", Term::Syarat),
    ("syart", Term::Syarat),
    ("syarta", Term::Syarat),
    ("persyratan", Term::Syarat),
    ("prasyarat", Term::Syarat),
    ("syaratnyo", Term::Syarat),
    ("kelengkapan", Term::Syarat),
    ("ketentuan", Term::Syarat),
    ("bawa", Term::Bawa),
    ("dibawa", Term::Bawa),
    ("disiapkan", Term::Bawa),
    ("siapkan", Term::Bawa),
    ("disiapin", Term::Bawa),
    ("dilampirkan", Term::Bawa),
    ("lampiran", Term::Bawa),
    ("lampirkan", Term::Bawa),
    ("diperlukan", Term::Bawa),
    ("dibutuhkan", Term::Bawa),
    ("dilengkapi", Term::Bawa),
    ("persiapan", Term::Bawa),
    ("perlu", Term::Perlu),
    ("butuh", Term::Perlu),
    ("harus", Term::Harus),
    ("hrs", Term::Harus),
    ("wajib", Term::Harus),
    ("mesti", Term::Harus),
    ("musti", Term::Harus),
    ("apa", Term::Apa),
    ("apo", Term::Apa),
    ("ap", Term::Apa),
    ("apaan", Term::Apa),
    ("apakah", Term::Filler),
    ("apkah", Term::Filler),
    // Duration.
    ("berapa", Term::Berapa),
    ("brp", Term::Berapa),
    ("brapa", Term::Berapa),
    ("berpa", Term::Berapa),
    ("brpa", Term::Berapa),
    ("berapo", Term::Berapa),
    ("brapo", Term::Berapa),
    ("lama", Term::Lama),
    ("lamo", Term::Lama),
    ("lma", Term::Lama),
    ("lamanya", Term::Durasi),
    ("lamonyo", Term::Durasi),
    ("hari", Term::Unit),
    ("ari", Term::Unit),
    ("hr", Term::Unit),
    ("minggu", Term::Unit),
    ("mgg", Term::Unit),
    ("pekan", Term::Unit),
    ("bulan", Term::Unit),
    ("bln", Term::Unit),
    ("jam", Term::Common),
    ("kapan", Term::Kapan),
    ("kpn", Term::Kapan),
    ("kapn", Term::Kapan),
    ("bilo", Term::Kapan),
    ("jadi", Term::Jadi),
    ("jd", Term::Jadi),
    ("jdi", Term::Jadi),
    ("jadinya", Term::Jadi),
    ("selesai", Term::Jadi),
    ("slesai", Term::Jadi),
    ("beres", Term::Jadi),
    ("kelar", Term::Jadi),
    ("rampung", Term::Jadi),
    ("diambil", Term::Jadi),
    ("batas", Term::Batas),
    ("waktu", Term::Waktu),
    ("wkt", Term::Waktu),
    ("proses", Term::Proses),
    ("prosesnya", Term::Proses),
    ("diproses", Term::Proses),
    ("penyelesaian", Term::Proses),
    ("estimasi", Term::Durasi),
    ("lamakah", Term::Durasi),
    ("durasi", Term::Durasi),
    // Cost.
    ("biaya", Term::Biaya),
    ("biayanya", Term::Biaya),
    ("biayonyo", Term::Biaya),
    ("biyaya", Term::Biaya),
    ("bayar", Term::Biaya),
    ("byr", Term::Biaya),
    ("bayarnya", Term::Biaya),
    ("membayar", Term::Biaya),
    ("dibayar", Term::Biaya),
    ("bayaran", Term::Biaya),
    ("gratis", Term::Biaya),
    ("gratiskah", Term::Biaya),
    ("grtis", Term::Biaya),
    ("geratis", Term::Biaya),
    ("harga", Term::Biaya),
    ("tarif", Term::Biaya),
    ("ongkos", Term::Biaya),
    ("pungutan", Term::Biaya),
    ("dipungut", Term::Biaya),
    ("gratisan", Term::Biaya),
    ("uang", Term::Uang),
    ("duit", Term::Uang),
    ("duitnya", Term::Uang),
    ("rupiah", Term::Uang),
    ("rp", Term::Uang),
    ("ribu", Term::Uang),
    ("rb", Term::Uang),
    ("minta", Term::Minta),
    ("diminta", Term::Minta),
    ("dimintai", Term::Minta),
    ("dimintain", Term::Minta),
    ("disuruh", Term::Minta),
    ("mintak", Term::Minta),
    ("meminta", Term::Minta),
    // Representation.
    ("diwakilkan", Term::Wakil),
    ("diwakili", Term::Wakil),
    ("diwakilin", Term::Wakil),
    ("wakilkan", Term::Wakil),
    ("mewakili", Term::Wakil),
    ("perwakilan", Term::Wakil),
    ("wakil", Term::Wakil),
    ("diwakilkn", Term::Wakil),
    ("dikuasakan", Term::Wakil),
    ("kuasa", Term::Wakil),
    ("titip", Term::Wakil),
    ("nitip", Term::Wakil),
    ("dititipkan", Term::Wakil),
    ("dititip", Term::Wakil),
    ("bersangkutan", Term::Wakil),
    ("ybs", Term::Wakil),
    ("orang", Term::Orang),
    ("org", Term::Orang),
    ("urang", Term::Orang),
    ("lain", Term::Lain),
    ("lainnya", Term::Common),
    // Officers.
    ("petugas", Term::Petugas),
    ("ptgs", Term::Petugas),
    ("petugasnya", Term::Petugas),
    ("operator", Term::Petugas),
    ("cs", Term::Petugas),
    ("customer", Term::Petugas),
    ("pegawai", Term::Petugas),
    ("staf", Term::Petugas),
    ("staff", Term::Petugas),
    ("manusia", Term::Petugas),
    ("bot", Term::Petugas),
    ("robot", Term::Petugas),
    ("admin", Term::Admin),
    ("mimin", Term::Admin),
    ("atmin", Term::Admin),
    ("hubungi", Term::Hubungi),
    ("menghubungi", Term::Hubungi),
    ("dihubungi", Term::Hubungi),
    ("hubungkan", Term::Hubungi),
    ("sambungkan", Term::Hubungi),
    ("bicara", Term::Hubungi),
    ("berbicara", Term::Hubungi),
    ("bicaro", Term::Hubungi),
    ("ngobrol", Term::Hubungi),
    ("ngomong", Term::Hubungi),
    ("chat", Term::Hubungi),
    ("cet", Term::Hubungi),
    ("telpon", Term::Hubungi),
    ("telepon", Term::Hubungi),
    ("nelpon", Term::Hubungi),
    ("telp", Term::Hubungi),
    ("call", Term::Hubungi),
    ("kontak", Term::Hubungi),
    ("nomor", Term::Hubungi),
    ("kontaknya", Term::Hubungi),
    ("balas", Term::Hubungi),
    ("layani", Term::Hubungi),
    ("dilayani", Term::Hubungi),
    ("tanya", Term::Tanya),
    ("nanya", Term::Tanya),
    ("bertanya", Term::Tanya),
    ("tanyakan", Term::Tanya),
    ("tanyo", Term::Tanya),
    ("info", Term::Tanya),
    ("informasi", Term::Tanya),
    ("infonya", Term::Filler),
    ("informasinya", Term::Filler),
    ("pertanyaan", Term::Tanya),
    // Requests already made.
    ("sudah", Term::Sudah),
    ("sdh", Term::Sudah),
    ("udah", Term::Sudah),
    ("udh", Term::Sudah),
    ("dah", Term::Sudah),
    ("lah", Term::Filler),
    ("belum", Term::Belum),
    ("blm", Term::Belum),
    ("blum", Term::Belum),
    ("belom", Term::Belum),
    ("lom", Term::Belum),
    ("durung", Term::Belum),
    ("sampai", Term::Sampai),
    ("sampe", Term::Sampai),
    ("smp", Term::Sampai),
    ("mana", Term::Mana),
    ("mano", Term::Mana),
    ("dimana", Term::Mana),
    ("dimano", Term::Mana),
    ("progres", Term::Progres),
    ("progress", Term::Progres),
    ("perkembangan", Term::Progres),
    ("tiket", Term::Tiket),
    ("ticket", Term::Tiket),
    ("tiketnya", Term::Tiket),
    ("status", Term::StatusWord),
    // Greetings.
    ("halo", Term::Greeting),
    ("hallo", Term::Greeting),
    ("helo", Term::Greeting),
    ("hello", Term::Greeting),
    ("hai", Term::Greeting),
    ("hay", Term::Greeting),
    ("hi", Term::Greeting),
    ("hy", Term::Greeting),
    ("hey", Term::Greeting),
    ("selamat", Term::Greeting),
    ("slmt", Term::Greeting),
    ("slamat", Term::Greeting),
    ("met", Term::Greeting),
    ("pagi", Term::Greeting),
    ("siang", Term::Greeting),
    ("sore", Term::Greeting),
    ("malam", Term::Greeting),
    ("malem", Term::Greeting),
    ("assalamualaikum", Term::Greeting),
    ("assalamu", Term::Greeting),
    ("alaikum", Term::Greeting),
    ("asalamualaikum", Term::Greeting),
    ("assalamualaikun", Term::Greeting),
    ("assalammualaikum", Term::Greeting),
    ("asslamualaikum", Term::Greeting),
    ("aslm", Term::Greeting),
    ("aslkm", Term::Greeting),
    ("askum", Term::Greeting),
    ("ass", Term::Greeting),
    ("wr", Term::Greeting),
    ("wb", Term::Greeting),
    ("warahmatullahi", Term::Greeting),
    ("wabarakatuh", Term::Greeting),
    ("salam", Term::Greeting),
    ("permisi", Term::Greeting),
    ("punten", Term::Greeting),
    ("misi", Term::Greeting),
    ("ping", Term::Greeting),
    ("p", Term::Greeting),
    ("tes", Term::Greeting),
    ("test", Term::Greeting),
    ("shalom", Term::Greeting),
    ("om", Term::Greeting),
    ("swastiastu", Term::Greeting),
    ("wassalam", Term::Greeting),
    ("wassalamualaikum", Term::Greeting),
    // Thanks.
    ("terima", Term::Thanks),
    ("trima", Term::Thanks),
    ("kasih", Term::Thanks),
    ("kasi", Term::Thanks),
    ("terimakasih", Term::Thanks),
    ("trimakasih", Term::Thanks),
    ("makasih", Term::Thanks),
    ("makasi", Term::Thanks),
    ("maksih", Term::Thanks),
    ("mksh", Term::Thanks),
    ("mks", Term::Thanks),
    ("trims", Term::Thanks),
    ("tq", Term::Thanks),
    ("tks", Term::Thanks),
    ("thx", Term::Thanks),
    ("thanks", Term::Thanks),
    ("thank", Term::Thanks),
    ("you", Term::Thanks),
    ("nuhun", Term::Thanks),
    ("syukron", Term::Thanks),
    ("banyak", Term::Filler),
    ("byk", Term::Filler),
    ("alhamdulillah", Term::Thanks),
    // Acknowledgements.
    ("ok", Term::Ack),
    ("oke", Term::Ack),
    ("okay", Term::Ack),
    ("okey", Term::Ack),
    ("okee", Term::Ack),
    ("okeh", Term::Ack),
    ("sip", Term::Ack),
    ("mantap", Term::Ack),
    ("baik", Term::Ack),
    ("baiklah", Term::Ack),
    ("ya", Term::Ack),
    ("iya", Term::Ack),
    ("iye", Term::Ack),
    ("y", Term::Ack),
    ("yaa", Term::Ack),
    ("yah", Term::Ack),
    ("yup", Term::Ack),
    ("nggih", Term::Ack),
    ("injih", Term::Ack),
    ("siap", Term::Ack),
    ("noted", Term::Ack),
    ("paham", Term::Ack),
    ("mengerti", Term::Ack),
    // Forms of address.
    ("pak", Term::Address),
    ("bapak", Term::Address),
    ("bpk", Term::Address),
    ("pk", Term::Address),
    ("bu", Term::Address),
    ("ibu", Term::Address),
    ("buk", Term::Address),
    ("ibuk", Term::Address),
    ("kak", Term::Address),
    ("kakak", Term::Address),
    ("ka", Term::Address),
    ("mas", Term::Address),
    ("mbak", Term::Address),
    ("mba", Term::Address),
    ("min", Term::Address),
    ("dek", Term::Address),
    ("bang", Term::Address),
    ("abang", Term::Address),
    ("gan", Term::Address),
    ("sob", Term::Address),
    ("tante", Term::Address),
    ("sanak", Term::Address),
    ("dulur", Term::Address),
    ("semua", Term::Address),
    ("sekalian", Term::Address),
    // Filler: pronouns, modal verbs, particles, prepositions.
    ("saya", Term::Filler),
    ("sy", Term::Filler),
    ("sya", Term::Filler),
    ("saye", Term::Filler),
    ("aku", Term::Filler),
    ("ak", Term::Filler),
    ("aq", Term::Filler),
    ("ku", Term::Filler),
    ("mu", Term::Filler),
    ("gue", Term::Filler),
    ("gw", Term::Filler),
    ("awak", Term::Filler),
    ("kami", Term::Filler),
    ("kita", Term::Filler),
    ("kito", Term::Filler),
    ("kamu", Term::Filler),
    ("dia", Term::Filler),
    ("mereka", Term::Filler),
    ("mau", Term::Filler),
    ("mo", Term::Filler),
    ("mw", Term::Filler),
    ("mao", Term::Filler),
    ("pengen", Term::Filler),
    ("pingin", Term::Filler),
    ("pgn", Term::Filler),
    ("ingin", Term::Filler),
    ("ingn", Term::Filler),
    ("nak", Term::Filler),
    ("hendak", Term::Filler),
    ("akan", Term::Filler),
    ("bisa", Term::Filler),
    ("bs", Term::Filler),
    ("bsa", Term::Filler),
    ("bisakah", Term::Filler),
    ("pacak", Term::Filler),
    ("dapat", Term::Filler),
    ("dpt", Term::Filler),
    ("boleh", Term::Filler),
    ("blh", Term::Filler),
    ("bolehkah", Term::Filler),
    ("yang", Term::Filler),
    ("yg", Term::Filler),
    ("nyo", Term::Filler),
    ("nya", Term::Filler),
    ("untuk", Term::Filler),
    ("utk", Term::Filler),
    ("untk", Term::Filler),
    ("buatan", Term::Common),
    ("dengan", Term::Filler),
    ("dg", Term::Filler),
    ("dgn", Term::Filler),
    ("dngn", Term::Filler),
    ("sama", Term::Filler),
    ("sm", Term::Filler),
    ("dan", Term::Filler),
    ("dn", Term::Filler),
    ("atau", Term::Filler),
    ("atw", Term::Filler),
    ("di", Term::Filler),
    ("ke", Term::Filler),
    ("dari", Term::Filler),
    ("dr", Term::Filler),
    ("pada", Term::Filler),
    ("dalam", Term::Filler),
    ("dlm", Term::Filler),
    ("ini", Term::Filler),
    ("itu", Term::Filler),
    ("nih", Term::Filler),
    ("tuh", Term::Filler),
    ("ni", Term::Filler),
    ("tu", Term::Filler),
    ("ada", Term::Filler),
    ("ado", Term::Filler),
    ("tidak", Term::Filler),
    ("tdk", Term::Filler),
    ("gak", Term::Filler),
    ("ga", Term::Filler),
    ("gk", Term::Filler),
    ("nggak", Term::Filler),
    ("ngga", Term::Filler),
    ("enggak", Term::Filler),
    ("engga", Term::Filler),
    ("idak", Term::Filler),
    ("dak", Term::Filler),
    ("tak", Term::Filler),
    ("bukan", Term::Filler),
    ("dong", Term::Filler),
    ("donk", Term::Filler),
    ("deh", Term::Filler),
    ("sih", Term::Filler),
    ("kok", Term::Filler),
    ("kan", Term::Filler),
    ("lho", Term::Filler),
    ("loh", Term::Filler),
    ("nah", Term::Filler),
    ("kah", Term::Filler),
    ("pun", Term::Filler),
    ("juga", Term::Filler),
    ("jg", Term::Filler),
    ("saja", Term::Filler),
    ("aja", Term::Filler),
    ("aj", Term::Filler),
    ("be", Term::Filler),
    ("bae", Term::Filler),
    ("cara", Term::Filler),
    ("caranya", Term::Filler),
    ("gimana", Term::Filler),
    ("gmn", Term::Filler),
    ("gmna", Term::Filler),
    ("gmana", Term::Filler),
    ("bagaimana", Term::Filler),
    ("bgmn", Term::Filler),
    ("bgm", Term::Filler),
    ("bagaimanakah", Term::Filler),
    ("cakmano", Term::Filler),
    ("camano", Term::Filler),
    ("cak", Term::Filler),
    ("kek", Term::Filler),
    ("macam", Term::Filler),
    ("tolong", Term::Filler),
    ("tlg", Term::Filler),
    ("tolonglah", Term::Filler),
    ("mohon", Term::Filler),
    ("mhn", Term::Filler),
    ("maaf", Term::Filler),
    ("mf", Term::Filler),
    ("mav", Term::Filler),
    ("kalau", Term::Filler),
    ("kalo", Term::Filler),
    ("klo", Term::Filler),
    ("kl", Term::Filler),
    ("klu", Term::Filler),
    ("kalu", Term::Filler),
    ("lagi", Term::Filler),
    ("lg", Term::Filler),
    ("masih", Term::Filler),
    ("msh", Term::Filler),
    ("karena", Term::Filler),
    ("krn", Term::Filler),
    ("karna", Term::Filler),
    ("tapi", Term::Filler),
    ("tp", Term::Filler),
    ("terus", Term::Filler),
    ("trus", Term::Filler),
    ("trs", Term::Filler),
    ("lalu", Term::Filler),
    ("gitu", Term::Filler),
    ("begitu", Term::Filler),
    ("tadi", Term::Filler),
    ("kemarin", Term::Filler),
    ("kemaren", Term::Filler),
    ("nian", Term::Filler),
    ("galo", Term::Filler),
    ("kagek", Term::Filler),
    ("agar", Term::Filler),
    ("supaya", Term::Filler),
    ("biar", Term::Filler),
    ("bantu", Term::Filler),
    ("dibantu", Term::Filler),
    ("bantuannya", Term::Filler),
    ("kalian", Term::Filler),
    ("sekarang", Term::Filler),
    ("skrg", Term::Filler),
    ("skrang", Term::Filler),
    ("e", Term::Filler),
    ("el", Term::Filler),
    ("no", Term::Filler),
    ("an", Term::Filler),
    ("atas", Term::Filler),
    ("mengenai", Term::Filler),
    ("tentang", Term::Filler),
    ("soal", Term::Filler),
    ("perihal", Term::Filler),
    ("terkait", Term::Filler),
    ("bagi", Term::Filler),
    ("sebelumnya", Term::Filler),
    ("sblmnya", Term::Filler),
    ("hehe", Term::Filler),
    ("wkwk", Term::Filler),
    ("admnduk", Term::Filler),
    ("adminduk", Term::Filler),
    ("administrasi", Term::Filler),
    ("kependudukan", Term::Filler),
    ("layanan", Term::Filler),
    ("pelayanan", Term::Common),
    ("tua", Term::Common),
    ("sudahkah", Term::Sudah),
    // Everyday words that must never be read as a keyword through a typo.
    ("bilang", Term::Common),
    ("pulang", Term::Common),
    ("kurang", Term::Common),
    ("barang", Term::Common),
    ("sayang", Term::Common),
    ("senang", Term::Common),
    ("tenang", Term::Common),
    ("biasa", Term::Common),
    ("biasanya", Term::Common),
    ("sabar", Term::Common),
    ("kabar", Term::Common),
    ("rumah", Term::Common),
    ("sawah", Term::Common),
    ("susah", Term::Common),
    ("ceria", Term::Common),
    ("cerah", Term::Common),
    ("kawan", Term::Common),
    ("rekan", Term::Common),
    ("indah", Term::Common),
    ("kapal", Term::Common),
    ("sampah", Term::Common),
    ("batal", Term::Common),
    ("lanjut", Term::Common),
    ("menu", Term::Common),
    ("kirim", Term::Common),
    ("dikirim", Term::Common),
    ("foto", Term::Common),
    ("fotokopi", Term::Common),
    ("fotocopy", Term::Common),
    ("desa", Term::Common),
    ("kelurahan", Term::Common),
    ("kecamatan", Term::Common),
    ("kabupaten", Term::Common),
    ("provinsi", Term::Common),
    ("kota", Term::Common),
    ("daerah", Term::Common),
    ("bengkulu", Term::Common),
    ("kantor", Term::Common),
    ("suami", Term::Common),
    ("istri", Term::Common),
    ("bini", Term::Common),
    ("laki", Term::Common),
    ("ortu", Term::Common),
    ("mertua", Term::Common),
    ("nenek", Term::Common),
    ("kakek", Term::Common),
    ("adik", Term::Common),
    ("adek", Term::Common),
    ("anda", Term::Common),
    ("cepat", Term::Common),
    ("cepet", Term::Common),
    ("bikinnya", Term::Buat),
    ("pembuatannya", Term::Buat),
    ("ngurusnya", Term::Urus),
    ("ngurusnyo", Term::Urus),
    ("umur", Term::Common),
    ("tahun", Term::Common),
    ("thn", Term::Common),
    ("tanggal", Term::Common),
    ("tgl", Term::Common),
    ("polisi", Term::Common),
    ("kepolisian", Term::Common),
    ("pengadilan", Term::Common),
    ("putusan", Term::Common),
    ("buku", Term::Common),
    ("rt", Term::Common),
    ("rw", Term::Common),
    ("kades", Term::Common),
    ("pengantar", Term::Common),
    ("wa", Term::Common),
    ("whatsapp", Term::Common),
    ("online", Term::Common),
    ("onlen", Term::Common),
    ("lewat", Term::Common),
    ("via", Term::Common),
    ("kenapa", Term::Common),
    ("ngapo", Term::Common),
    ("siapa", Term::Common),
    ("sapo", Term::Common),
    ("jual", Term::Common),
    ("pinjam", Term::Common),
];

/// Two neighbouring words that mean one thing.
const PHRASES: &[(Term, Term, Term, &str)] = &[
    (Term::Kartu, Term::Keluarga, Term::Kk, "kartu keluarga"),
    (Term::Kartu, Term::Identitas, Term::Kia, "kartu identitas"),
    (Term::Kartu, Term::Anak, Term::Kia, "kartu anak"),
    (Term::Kia, Term::Anak, Term::Kia, "kartu identitas anak"),
    (Term::Kartu, Term::Tanda, Term::Ktp, "kartu tanda"),
    (Term::Orang, Term::Lain, Term::Wakil, "orang lain"),
    (Term::Batas, Term::Waktu, Term::Durasi, "batas waktu"),
    (Term::Berapa, Term::Lama, Term::Durasi, "berapa lama"),
    (Term::Berapa, Term::Unit, Term::Durasi, "berapa hari"),
    (Term::Surat, Term::Pindah, Term::Skpwni, "surat pindah"),
    (Term::Surat, Term::Wakil, Term::Wakil, "surat kuasa"),
    (
        Term::Anggota,
        Term::Keluarga,
        Term::Anggota,
        "anggota keluarga",
    ),
    (Term::Lahir, Term::Salah, Term::Salah, "lahir salah"),
];

/// Two neighbouring words that, besides what each says, say a third thing.
const PHRASE_EXTRAS: &[(Term, Term, Term, &str)] = &[
    // "keluar dari kk": leave a family card, i.e. split it.
    (Term::Keluar, Term::Kk, Term::Pecah, "keluar kk"),
];

// ---------------------------------------------------------------------------------------------
// Service signatures: the terms that make a service a candidate (anchors), and what each term
// present adds to its score.

struct Signature {
    code: ServiceCode,
    anchors: &'static [Term],
    weights: &'static [(Term, i16)],
}

use Term as T;

const SIGNATURES: &[Signature] = &[
    Signature {
        code: ServiceCode::KtpLostDamaged,
        anchors: &[T::Ktp],
        weights: &[
            (T::Ktp, 2),
            (T::Hilang, 3),
            (T::Rusak, 3),
            (T::Pecah, 2),
            (T::Ganti, 1),
            (T::Legalisir, -4),
            (T::Pindah, -1),
        ],
    },
    Signature {
        code: ServiceCode::KtpDataChange,
        anchors: &[T::Ktp],
        weights: &[
            (T::Ktp, 2),
            (T::Ubah, 3),
            (T::DataField, 3),
            (T::Salah, 2),
            (T::Betul, 2),
            (T::Ganti, 1),
            (T::Nikah, 1),
            (T::Cerai, 1),
            (T::Legalisir, -4),
        ],
    },
    Signature {
        code: ServiceCode::KtpMoveIn,
        anchors: &[T::Ktp],
        weights: &[
            (T::Ktp, 2),
            (T::Pindah, 2),
            (T::Datang, 2),
            (T::Skpwni, 1),
            (T::Sini, 1),
            (T::Domisili, 1),
            (T::Legalisir, -4),
        ],
    },
    Signature {
        code: ServiceCode::KtpNew,
        anchors: &[T::Ktp, T::Rekam],
        weights: &[
            (T::Ktp, 2),
            (T::Rekam, 3),
            (T::Baru, 2),
            (T::Buat, 1),
            (T::Legalisir, -4),
            (T::Hilang, -2),
            (T::Rusak, -2),
        ],
    },
    Signature {
        code: ServiceCode::KkNew,
        anchors: &[T::Kk],
        weights: &[
            (T::Kk, 2),
            (T::Baru, 2),
            (T::Buat, 1),
            (T::Nikah, 2),
            (T::Legalisir, -4),
            (T::Hilang, -2),
            (T::Rusak, -2),
        ],
    },
    Signature {
        code: ServiceCode::KkAddMember,
        anchors: &[T::Kk, T::Anggota],
        weights: &[
            (T::Kk, 2),
            (T::Tambah, 3),
            (T::Anggota, 2),
            (T::Anak, 1),
            (T::Lahir, 1),
            (T::Legalisir, -4),
        ],
    },
    Signature {
        code: ServiceCode::KkDataChange,
        anchors: &[T::Kk],
        weights: &[
            (T::Kk, 2),
            (T::Ubah, 3),
            (T::DataField, 3),
            (T::Salah, 2),
            (T::Betul, 2),
            (T::Ganti, 2),
            (T::Mati, 1),
            (T::Legalisir, -4),
        ],
    },
    Signature {
        code: ServiceCode::KkSplit,
        anchors: &[T::Kk],
        weights: &[
            (T::Kk, 2),
            (T::Pecah, 4),
            (T::Sendiri, 2),
            (T::Keluar, 1),
            (T::Cerai, 1),
            (T::Legalisir, -4),
        ],
    },
    Signature {
        code: ServiceCode::KkLostDamaged,
        anchors: &[T::Kk],
        weights: &[
            (T::Kk, 2),
            (T::Hilang, 3),
            (T::Rusak, 3),
            (T::Ganti, 1),
            (T::Legalisir, -4),
        ],
    },
    Signature {
        code: ServiceCode::Birth,
        anchors: &[T::Lahir, T::Akta, T::Anak],
        weights: &[
            (T::Lahir, 3),
            (T::Akta, 1),
            (T::Anak, 1),
            (T::Salah, -3),
            (T::Betul, -3),
            (T::Legalisir, -4),
            (T::Kk, -1),
            (T::Kia, -2),
        ],
    },
    Signature {
        code: ServiceCode::Death,
        anchors: &[T::Mati, T::Akta],
        weights: &[
            (T::Mati, 3),
            (T::Akta, 1),
            (T::Salah, -3),
            (T::Betul, -3),
            (T::Legalisir, -4),
            (T::Kk, -1),
        ],
    },
    Signature {
        code: ServiceCode::MoveOut,
        anchors: &[T::Pindah, T::Skpwni],
        weights: &[
            (T::Pindah, 2),
            (T::Skpwni, 2),
            (T::Surat, 1),
            (T::Luar, 2),
            (T::Keluar, 1),
            (T::Domisili, 1),
            (T::Datang, -2),
            (T::Sini, -1),
            (T::Ktp, -1),
            (T::Legalisir, -4),
        ],
    },
    Signature {
        code: ServiceCode::MoveIn,
        anchors: &[T::Pindah, T::Datang],
        weights: &[
            (T::Pindah, 2),
            (T::Datang, 3),
            (T::Sini, 1),
            (T::Ktp, -1),
            (T::Legalisir, -4),
        ],
    },
    Signature {
        code: ServiceCode::Kia,
        anchors: &[T::Kia, T::Anak],
        weights: &[
            (T::Kia, 4),
            (T::Anak, 1),
            (T::Kartu, 1),
            (T::Legalisir, -4),
            (T::Lahir, -1),
            (T::Kk, -1),
        ],
    },
    Signature {
        code: ServiceCode::Legalization,
        anchors: &[T::Legalisir],
        weights: &[(T::Legalisir, 6)],
    },
    Signature {
        code: ServiceCode::Marriage,
        anchors: &[T::Nikah, T::Akta],
        weights: &[
            (T::Nikah, 3),
            (T::Akta, 1),
            (T::Salah, -3),
            (T::Betul, -3),
            (T::Cerai, -3),
            (T::Kk, -2),
            (T::Ktp, -2),
            (T::Legalisir, -4),
        ],
    },
    Signature {
        code: ServiceCode::Divorce,
        anchors: &[T::Cerai, T::Akta],
        weights: &[
            (T::Cerai, 4),
            (T::Akta, 1),
            (T::Salah, -3),
            (T::Betul, -3),
            (T::Ktp, -2),
            (T::Legalisir, -4),
        ],
    },
    Signature {
        code: ServiceCode::Correction,
        anchors: &[T::Betul, T::Salah, T::Akta],
        weights: &[
            (T::Betul, 4),
            (T::Salah, 3),
            (T::Akta, 1),
            (T::DataField, 1),
            (T::Kk, -2),
            (T::Ktp, -2),
            (T::Legalisir, -4),
        ],
    },
    Signature {
        code: ServiceCode::Complaint,
        anchors: &[T::Aduan],
        weights: &[(T::Aduan, 6)],
    },
    Signature {
        code: ServiceCode::Consultation,
        anchors: &[T::Konsultasi],
        weights: &[(T::Konsultasi, 4)],
    },
];

// ---------------------------------------------------------------------------------------------
// The index: two sorted tables of (hash, lexicon entry), computed by the compiler, so nothing is
// built when a function starts.

/// FNV-1a of `bytes` without the byte at `skip` (none when `skip` is out of range).
const fn hash_without(bytes: &[u8], skip: usize) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        if i != skip {
            h = (h ^ bytes[i] as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
        i += 1;
    }
    h
}

const fn near_len() -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < LEXICON.len() {
        let len = LEXICON[i].0.len();
        if len >= FUZZY_MIN - 1 {
            n += len + 1;
        }
        i += 1;
    }
    n
}

const NEAR_LEN: usize = near_len();

/// Every word: hash → entry.
static EXACT: [(u64, u16); LEXICON.len()] = {
    let mut out = [(0u64, 0u16); LEXICON.len()];
    let mut i = 0;
    while i < LEXICON.len() {
        out[i] = (hash_without(LEXICON[i].0.as_bytes(), usize::MAX), i as u16);
        i += 1;
    }
    sort(&mut out);
    out
};

/// Every word of four letters or more, and each of its one-letter deletions: a typo and the
/// word it is of share one of these (symmetric deletion).
static NEAR: [(u64, u16); NEAR_LEN] = {
    let mut out = [(0u64, 0u16); NEAR_LEN];
    let mut n = 0;
    let mut i = 0;
    while i < LEXICON.len() {
        let bytes = LEXICON[i].0.as_bytes();
        if bytes.len() >= FUZZY_MIN - 1 {
            let mut skip = 0;
            while skip <= bytes.len() {
                out[n] = (hash_without(bytes, skip), i as u16);
                n += 1;
                skip += 1;
            }
        }
        i += 1;
    }
    sort(&mut out);
    out
};

// The lexicon's positions fit the tables' `u16`.
const _: () = assert!(LEXICON.len() < u16::MAX as usize);

const fn less(a: (u64, u16), b: (u64, u16)) -> bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)
}

/// Heap sort, usable by the compiler.
const fn sort(v: &mut [(u64, u16)]) {
    const fn sift_down(v: &mut [(u64, u16)], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && less(v[child], v[child + 1]) {
                child += 1;
            }
            if !less(v[root], v[child]) {
                return;
            }
            let t = v[root];
            v[root] = v[child];
            v[child] = t;
            root = child;
        }
    }
    let n = v.len();
    let mut start = n / 2;
    while start > 0 {
        start -= 1;
        sift_down(v, start, n);
    }
    let mut end = n;
    while end > 1 {
        end -= 1;
        let t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift_down(v, 0, end);
    }
}

/// The entries stored under `hash` (a hash collision is weeded out by the caller).
fn under(list: &'static [(u64, u16)], hash: u64) -> impl Iterator<Item = u16> {
    let start = list.partition_point(|(h, _)| *h < hash);
    list[start..]
        .iter()
        .take_while(move |(h, _)| *h == hash)
        .map(|(_, i)| *i)
}

/// Words shorter than this are never read through a typo.
const FUZZY_MIN: usize = 5;
/// Longest word looked at letter by letter (longer ones are matched exactly or not at all).
const WORD_MAX: usize = 32;

/// Optimal-string-alignment distance at most one: equal, or one insertion, deletion,
/// substitution or swap of neighbouring letters.
pub(crate) fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if p == a.len() && p == b.len() {
        return true;
    }
    if a.len() == b.len() {
        if a[p + 1..] == b[p + 1..] {
            return true;
        }
        return p + 1 < a.len() && a[p] == b[p + 1] && a[p + 1] == b[p] && a[p + 2..] == b[p + 2..];
    }
    let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
    short[p..] == long[p + 1..]
}

fn lookup_exact(word: &str) -> Option<u16> {
    under(&EXACT, hash_without(word.as_bytes(), usize::MAX))
        .find(|i| LEXICON[usize::from(*i)].0 == word)
}

/// The one meaning within one typo of `word`, if exactly one is.
fn lookup_near(word: &str) -> Option<u16> {
    let bytes = word.as_bytes();
    if bytes.len() < FUZZY_MIN || bytes.len() > WORD_MAX {
        return None;
    }
    let mut found: Option<u16> = None;
    for skip in 0..=bytes.len() {
        for i in under(&NEAR, hash_without(bytes, skip)) {
            let (entry, term) = LEXICON[usize::from(i)];
            if !within_one_edit(bytes, entry.as_bytes()) {
                continue;
            }
            match found {
                None => found = Some(i),
                Some(j) if LEXICON[usize::from(j)].1 == term => {}
                Some(_) => return None,
            }
        }
    }
    found
}

/// `word` with every doubled letter written once (`ktpp` → `ktp`), into `buffer`.
fn undouble<'b>(word: &str, buffer: &'b mut [u8; WORD_MAX]) -> Option<&'b str> {
    let bytes = word.as_bytes();
    if bytes.len() > WORD_MAX {
        return None;
    }
    let mut n = 0;
    for &b in bytes {
        if n == 0 || buffer[n - 1] != b {
            buffer[n] = b;
            n += 1;
        }
    }
    if n == bytes.len() {
        return None;
    }
    std::str::from_utf8(&buffer[..n]).ok()
}

const PARTICLES: [&str; 6] = ["nya", "nyo", "lah", "kah", "ku", "2"];

/// The lexicon entry for one normalised word: exact; then with doubled letters undone; then
/// without a trailing particle; then within one typo.
fn lookup(word: &str) -> Option<u16> {
    if let Some(i) = lookup_exact(word) {
        return Some(i);
    }
    let mut buffer = [0u8; WORD_MAX];
    let undoubled = undouble(word, &mut buffer);
    if let Some(i) = undoubled.and_then(lookup_exact) {
        return Some(i);
    }
    for particle in PARTICLES {
        if let Some(stem) = word.strip_suffix(particle)
            && stem.len() >= 2
            && let Some(i) = lookup_exact(stem)
        {
            return Some(i);
        }
    }
    lookup_near(word).or_else(|| undoubled.and_then(lookup_near))
}

/// Lowercase ASCII letters and digits, everything else a space; apostrophes joined
/// (`jum'at`); letters and digits split (`50rb`, `ktp2`); runs of three or more equal
/// characters cut to two.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut last = ' ';
    let mut run = 0;
    for c in text.chars() {
        let c = if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else if matches!(c, '\'' | '`' | '\u{2019}') {
            continue;
        } else {
            ' '
        };
        if c == last {
            run += 1;
            if c == ' ' || run >= 2 {
                continue;
            }
        } else {
            run = 0;
            if c != ' ' && last != ' ' && c.is_ascii_digit() != last.is_ascii_digit() {
                out.push(' ');
            }
        }
        out.push(c);
        last = c;
    }
    out
}

/// One word read: its meaning and the lexicon's spelling.
#[derive(Clone, Copy)]
struct Hit {
    term: Term,
    word: &'static str,
}

const HITS_MAX: usize = 48;

/// Reads one message.
/// Who a resident may apply for, written after "punya"/"untuk" ("urus punya adik").
const RELATIVES: [&str; 27] = [
    "adik",
    "adek",
    "ade",
    "kakak",
    "abang",
    "suami",
    "istri",
    "isteri",
    "ayah",
    "bapak",
    "bpk",
    "ibu",
    "mamak",
    "emak",
    "ortu",
    "mertua",
    "saudara",
    "keluarga",
    "ponakan",
    "keponakan",
    "paman",
    "bibi",
    "nenek",
    "kakek",
    "ipar",
    "sepupu",
    "menantu",
];
const FOR_WHOM: [&str; 6] = ["punya", "milik", "untuk", "utk", "buat", "atas"];

/// Whether `text` only thanks (with greetings, forms of address and fillers around it): "terima
/// kasih banyak pak", "makasih ya bu 🙏". Nothing to answer. An acknowledgement before the thanks
/// ("iya, makasih", "sudah pak, terima kasih") is not only thanks: it may answer an officer's
/// question. After it, "ya" softens the thanks.
pub fn only_thanks(text: &str) -> bool {
    let mut thanked = false;
    for word in normalise(text).split_ascii_whitespace() {
        let Some(i) = lookup(word) else {
            return false;
        };
        match LEXICON[usize::from(i)].1 {
            T::Thanks => thanked = true,
            T::Ack if thanked => {}
            T::Greeting | T::Address | T::Filler => {}
            _ => return false,
        }
    }
    thanked
}

pub fn read(text: &str) -> Reading {
    let normalised = normalise(text);
    // Applying for a relative without the word "diwakilkan": "kalau saya urus punya adik bisa?".
    let for_relative = {
        let mut previous = "";
        normalised.split_ascii_whitespace().any(|word| {
            let hit = FOR_WHOM.contains(&previous) && RELATIVES.contains(&word);
            previous = word;
            hit
        })
    };
    // "mau cek permohonan kk saya": checking, which is a request made when a request or a
    // service is named (not "cara cek bansos"; a bare "cek" is the command).
    let checking = normalised.split_ascii_whitespace().any(|w| {
        matches!(
            w,
            "cek" | "ngecek" | "mengecek" | "dicek" | "cekin" | "check"
        )
    });
    // Thanks or an acknowledgement was said ("sudah pak, terima kasih" is a thanks).
    let mut thanked = false;
    let mut unknown_word = false;
    let mut hits = [Hit {
        term: Term::Common,
        word: "",
    }; HITS_MAX];
    let mut n = 0;
    let mut significant = false;
    // Whether the last hit is the previous meaningful word (only social words since).
    let mut adjacent = false;
    for word in normalised.split_ascii_whitespace() {
        if n == HITS_MAX {
            break;
        }
        if word.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Some(i) = lookup(word) else {
            significant = true;
            unknown_word = true;
            adjacent = false;
            continue;
        };
        let (word, term) = LEXICON[usize::from(i)];
        thanked |= matches!(term, T::Thanks | T::Ack);
        if term.is_social() && term != T::Admin {
            continue;
        }
        significant |= !term.is_social();
        let hit = Hit { term, word };
        // Two neighbouring words that form one phrase become one hit.
        if adjacent
            && let Some((_, _, merged, phrase)) = PHRASES
                .iter()
                .find(|(a, b, _, _)| *a == hits[n - 1].term && *b == term)
        {
            hits[n - 1] = Hit {
                term: *merged,
                word: phrase,
            };
            continue;
        }
        let extra = if adjacent {
            PHRASE_EXTRAS
                .iter()
                .find(|(a, b, _, _)| *a == hits[n - 1].term && *b == term)
        } else {
            None
        };
        hits[n] = hit;
        n += 1;
        adjacent = true;
        if let Some((_, _, term, phrase)) = extra
            && n < HITS_MAX
        {
            hits[n] = Hit {
                term: *term,
                word: phrase,
            };
            n += 1;
        }
    }
    let hits = &hits[..n];
    let mut bits = 0u128;
    for hit in hits {
        bits |= hit.term.bit();
    }
    let present = |bits: u128, t: Term| bits & t.bit() != 0;

    // Words whose meaning depends on the others.
    let pungli = present(bits, T::Minta) && present(bits, T::Uang);
    if pungli {
        bits |= T::Aduan.bit();
    }
    if present(bits, T::StatusWord) {
        let about_data = [T::Ubah, T::Nikah, T::Cerai, T::Salah, T::Ganti, T::Betul]
            .iter()
            .any(|t| present(bits, *t));
        bits |= if about_data {
            T::DataField.bit()
        } else {
            T::Progres.bit()
        };
    }
    let has = |t: Term| present(bits, t);

    let mut asked = Asked::default();
    if has(T::Syarat) || has(T::Bawa) || (has(T::Perlu) && has(T::Apa)) {
        asked = asked.with(Asked::REQUIREMENTS);
    }
    if has(T::Durasi)
        || (has(T::Berapa) && (has(T::Lama) || has(T::Unit)))
        || (has(T::Kapan) && has(T::Jadi))
        || (has(T::Lama) && has(T::Proses))
        || (has(T::Waktu) && has(T::Proses))
        || (has(T::Jadi) && (has(T::Unit) || has(T::Lama)) && !has(T::Sudah) && !has(T::Belum))
    {
        asked = asked.with(Asked::DURATION);
    }
    if !pungli && (has(T::Biaya) || (has(T::Berapa) && has(T::Uang))) {
        asked = asked.with(Asked::COST);
    }
    if has(T::Wakil)
        || (has(T::Harus) && has(T::Sendiri) && !has(T::Kk))
        || (for_relative && (has(T::Urus) || has(T::Buat)))
    {
        asked = asked.with(Asked::REPRESENTATION);
    }

    // "sudah jadi", "belum jadi", "jadi belum", "selesai blm", "belum keluar", "kapan jadi,
    // sudah 2 minggu": the state of a request made.
    let position = |t: Term| hits.iter().position(|h| h.term == t);
    let last_position = |t: Term| hits.iter().rposition(|h| h.term == t);
    let before = |a: Option<usize>, b: Option<usize>| matches!((a, b), (Some(a), Some(b)) if a < b);
    let done_asked = before(
        position(T::Sudah).or(position(T::Belum)),
        last_position(T::Jadi),
    ) || before(position(T::Jadi), last_position(T::Belum))
        || before(position(T::Belum), last_position(T::Keluar))
        || (has(T::Jadi) && has(T::Sudah) && has(T::Unit));
    let services = rank(hits, bits);
    let status = done_asked
        || (has(T::Sampai) && has(T::Mana))
        || has(T::Progres)
        || has(T::Tiket)
        || (checking && (has(T::Urus) || !services.is_empty()));

    // An officer: named with a verb ("hubungi petugas", "chat admin"), or an officer named in a
    // message about nothing else ("operator", "CS nya mana").
    let officer = (has(T::Petugas) || has(T::Admin))
        && (has(T::Hubungi)
            || has(T::Tanya)
            || (has(T::Petugas) && services.is_empty() && asked.is_empty() && !status));

    Reading {
        services,
        asked,
        officer,
        status,
        // "sudah pak, terima kasih", "udah min makasih": done, and thanks.
        social_only: !significant
            || (thanked && !unknown_word && hits.iter().all(|h| h.term == T::Sudah)),
    }
}

/// Scores every signature whose anchors occur; keeps the best three within two points of the
/// best, best first (catalog order among equals).
fn rank(hits: &[Hit], bits: u128) -> Matches {
    let has = |t: Term| bits & t.bit() != 0;
    let mut scored: [Option<ServiceMatch>; 20] = [None; 20];
    for (slot, signature) in scored.iter_mut().zip(SIGNATURES) {
        if !signature.anchors.iter().any(|t| has(*t)) {
            continue;
        }
        let mut score = 0i16;
        let mut words = Words::default();
        for (term, weight) in signature.weights {
            if !has(*term) {
                continue;
            }
            score += weight;
            if *weight > 0 {
                for hit in hits.iter().filter(|h| h.term == *term) {
                    words.push(hit.word);
                }
            }
        }
        if score > 0 {
            *slot = Some(ServiceMatch {
                code: signature.code,
                score,
                words,
            });
        }
    }
    let best = scored.iter().flatten().map(|m| m.score).max().unwrap_or(0);
    let floor = (best - 2).max(1);
    let mut matches = Matches::default();
    let mut filled = 0;
    // Stable selection by score: highest first, catalog order among equals.
    for score in (floor..=best).rev() {
        for m in scored.iter().flatten().filter(|m| m.score == score) {
            if filled < matches.items.len() {
                matches.items[filled] = Some(*m);
                filled += 1;
            }
        }
    }
    matches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_thanks_is_thanks_around_greetings_and_address() {
        for thanks in [
            "makasih pak",
            "Terima kasih banyak bu 🙏",
            "trimakasih ya",
            "tq min",
            "assalamualaikum, terima kasih pak",
            "mksh",
        ] {
            assert!(only_thanks(thanks), "{thanks}");
        }
        for not_only in [
            "iya pak",
            "ok",
            "iya makasih pak",
            "sudah pak, terima kasih",
            "terima kasih, kapan jadinya?",
            "pak",
            "",
        ] {
            assert!(!only_thanks(not_only), "{not_only}");
        }
    }
    use crate::catalog::services;

    fn top(text: &str) -> Option<ServiceCode> {
        read(text).services.first().map(|m| m.code)
    }

    #[test]
    fn every_service_has_one_signature_in_catalog_order() {
        assert_eq!(SIGNATURES.len(), services().len());
        for (signature, definition) in SIGNATURES.iter().zip(services()) {
            assert_eq!(signature.code, definition.code);
            assert!(!signature.anchors.is_empty());
            for anchor in signature.anchors {
                assert!(
                    signature.weights.iter().any(|(t, w)| t == anchor && *w > 0),
                    "{}: anchor {anchor:?} without a weight",
                    signature.code
                );
            }
        }
    }

    #[test]
    fn lexicon_words_are_normalised_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for (word, _) in LEXICON {
            assert_eq!(normalise(word), *word, "{word}");
            assert!(!word.contains(' '), "{word}");
            assert!(seen.insert(*word), "{word} twice");
        }
        assert!((Term::Common as u8) < 128);
    }

    #[test]
    fn one_edit() {
        assert!(within_one_edit(b"hilang", b"hilang"));
        assert!(within_one_edit(b"hilang", b"hilag"));
        assert!(within_one_edit(b"hilang", b"hilangg"));
        assert!(within_one_edit(b"hilang", b"hilanf"));
        assert!(within_one_edit(b"hilang", b"hilnag"));
        assert!(!within_one_edit(b"hilang", b"hlinag"));
        assert!(!within_one_edit(b"hilang", b"hil"));
        assert!(within_one_edit(b"", b"a"));
        assert!(!within_one_edit(b"ab", b"cd"));
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalise("KTP-el saya HILANG!!! 🙏"), "ktp el saya hilang ");
        assert_eq!(normalise("ktppp"), "ktpp");
        assert_eq!(normalise("Jum'at"), "jumat");
        assert_eq!(top("ktppp ilanggg"), Some(ServiceCode::KtpLostDamaged));
        assert_eq!(top("haloooo"), None);
        assert!(read("haloooo").social_only);
    }

    #[test]
    fn examples_of_the_issue() {
        let cases = [
            ("bikin kk", ServiceCode::KkNew),
            ("akta lahir", ServiceCode::Birth),
            ("akte kelahiran", ServiceCode::Birth),
            ("ktp ilang", ServiceCode::KtpLostDamaged),
            ("ktp saya hilang", ServiceCode::KtpLostDamaged),
            ("urus pindah", ServiceCode::MoveOut),
            ("kia anak", ServiceCode::Kia),
            ("surat pindah", ServiceCode::MoveOut),
            ("kk hilang", ServiceCode::KkLostDamaged),
            ("nikah", ServiceCode::Marriage),
            ("cerai", ServiceCode::Divorce),
            ("legalisir", ServiceCode::Legalization),
            ("ganti kk", ServiceCode::KkDataChange),
            ("rekam ktp", ServiceCode::KtpNew),
            ("e-ktp rusak", ServiceCode::KtpLostDamaged),
        ];
        for (text, expected) in cases {
            let reading = read(text);
            assert_eq!(top(text), Some(expected), "{text}: {}", reading.explain());
            assert!(reading.asked.is_empty(), "{text}");
        }
    }

    #[test]
    fn questions() {
        let r = read("Selamat siang, syarat pindah domisili ke luar kabupaten apa saja ya?");
        assert_eq!(r.asked, Asked::REQUIREMENTS);
        assert_eq!(
            r.services.first().map(|m| m.code),
            Some(ServiceCode::MoveOut)
        );
        assert_eq!(r.answered().len(), 1, "{}", r.explain());
        assert_eq!(read("berapa lama bikin akta lahir").asked, Asked::DURATION);
        assert_eq!(
            read("batas waktu pengurusan berapa hari?").asked,
            Asked::DURATION
        );
        assert_eq!(read("kk baru bayar gak?").asked, Asked::COST);
        assert_eq!(read("brp duit bikin ktp").asked, Asked::COST);
        assert_eq!(
            read("bisa diwakilkan gak ngurus akta kematian").asked,
            Asked::REPRESENTATION
        );
        assert_eq!(
            read("boleh orang lain yg urus?").asked,
            Asked::REPRESENTATION
        );
        // Asking for money is a complaint, not a question about cost.
        let r = read("sy dimintai uang 50rb sama oknum");
        assert!(r.asked.is_empty());
        assert_eq!(
            r.services.first().map(|m| m.code),
            Some(ServiceCode::Complaint)
        );
    }

    #[test]
    fn officers_greetings_and_unknown() {
        for text in [
            "hubungi petugas",
            "mau bicara dengan petugas",
            "chat admin",
            "operator",
            "CS",
        ] {
            assert!(read(text).officer, "{text}");
            assert!(matches!(read(text).intent(), Intent::Officer { .. }));
        }
        for text in [
            "halo",
            "Assalamualaikum wr wb",
            "terima kasih pak",
            "ok",
            "🙏",
            "",
        ] {
            assert_eq!(read(text).intent(), Intent::Menu, "{text}");
        }
        assert_eq!(read("Heli Saputra").intent(), Intent::Unknown);
        assert_eq!(read("jam buka kantor").intent(), Intent::Unknown);
    }

    #[test]
    fn typos_are_tolerated_only_when_unambiguous() {
        assert_eq!(top("kelahran anak"), Some(ServiceCode::Birth));
        assert_eq!(top("legalisri akta"), Some(ServiceCode::Legalization));
        // `bilang` is a word of its own, not a typo of `hilang`.
        assert_eq!(read("saya bilang ktp").services, read("ktp").services);
        assert_eq!(read("ktp hilnag").services.len(), 1);
        assert!(read("seperti biasa").asked.is_empty());
    }

    #[test]
    fn matches_explain_themselves() {
        let r = read("KTP saya ilang pak");
        let m = r.services.first().unwrap();
        assert_eq!(m.words.as_slice(), ["ktp", "ilang"]);
        assert!(r.explain().starts_with("KTP_LOST_DAMAGED 5 (ktp, ilang)"));
    }

    #[test]
    fn at_most_three_services_within_two_points() {
        let r = read("ktp");
        assert_eq!(r.services.len(), 3);
        let r = read("ktp hilang");
        assert_eq!(r.services.len(), 1);
        for text in ["akta", "kk", "ktp kk akta kia pindah nikah cerai legalisir"] {
            assert!(read(text).services.len() <= 3);
        }
    }
}
