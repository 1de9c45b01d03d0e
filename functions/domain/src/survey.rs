//! The public-satisfaction survey (Survei Kepuasan Masyarakat, PermenPANRB 14/2017): its nine
//! elements as asked on WhatsApp, and the index (IKM) an office reports.
//!
//! Each element is answered 1 to 4; the last (facilities) may be "not applicable" for a service
//! given online. The index is the regulation's weighted average: each element's mean (NRR, over
//! those who answered it) weighted equally over the elements answered at all (1/9 each when all
//! are), converted to 25-100 by × 25 and graded A (very good) to D (poor).

use serde::{Deserialize, Serialize};

/// One element of the survey: what it asks and its four answers, worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Element {
    /// `U1` … `U9`, as the regulation's tables number them.
    pub code: &'static str,
    /// The element's name in the regulation.
    pub name: &'static str,
    pub question: &'static str,
    pub answers: [&'static str; 4],
    /// "Tidak berlaku" is an answer (facilities, for a service given online).
    pub allows_not_applicable: bool,
}

pub const ELEMENTS: [Element; 9] = [
    Element {
        code: "U1",
        name: "Persyaratan",
        question: "Bagaimana pendapat Bapak/Ibu tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
        answers: ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
        allows_not_applicable: false,
    },
    Element {
        code: "U2",
        name: "Sistem, mekanisme dan prosedur",
        question: "Bagaimana pemahaman Bapak/Ibu tentang kemudahan prosedur pelayanan di unit ini?",
        answers: ["Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"],
        allows_not_applicable: false,
    },
    Element {
        code: "U3",
        name: "Waktu penyelesaian",
        question: "Bagaimana pendapat Bapak/Ibu tentang kecepatan waktu dalam memberikan pelayanan?",
        answers: ["Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"],
        allows_not_applicable: false,
    },
    Element {
        code: "U4",
        name: "Biaya/tarif",
        question: "Bagaimana pendapat Bapak/Ibu tentang kewajaran biaya/tarif dalam pelayanan?",
        answers: [
            "Sangat mahal",
            "Cukup mahal",
            "Murah",
            "Tidak dipungut biaya",
        ],
        allows_not_applicable: false,
    },
    Element {
        code: "U5",
        name: "Produk spesifikasi jenis pelayanan",
        question: "Bagaimana pendapat Bapak/Ibu tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?",
        answers: ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
        allows_not_applicable: false,
    },
    Element {
        code: "U6",
        name: "Kompetensi pelaksana",
        question: "Bagaimana pendapat Bapak/Ibu tentang kompetensi/kemampuan petugas dalam pelayanan?",
        answers: [
            "Tidak kompeten",
            "Kurang kompeten",
            "Kompeten",
            "Sangat kompeten",
        ],
        allows_not_applicable: false,
    },
    Element {
        code: "U7",
        name: "Perilaku pelaksana",
        question: "Bagaimana pendapat Bapak/Ibu tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
        answers: [
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ],
        allows_not_applicable: false,
    },
    Element {
        code: "U8",
        name: "Penanganan pengaduan, saran dan masukan",
        question: "Bagaimana pendapat Bapak/Ibu tentang penanganan pengaduan pengguna layanan?",
        answers: [
            "Tidak ada",
            "Ada, tidak berfungsi",
            "Berfungsi kurang baik",
            "Dikelola dengan baik",
        ],
        allows_not_applicable: false,
    },
    Element {
        code: "U9",
        name: "Sarana dan prasarana",
        question: "Bagaimana pendapat Bapak/Ibu tentang kualitas sarana dan prasarana?",
        answers: ["Buruk", "Cukup", "Baik", "Sangat baik"],
        allows_not_applicable: true,
    },
];

/// One respondent's scores, `None` for "not applicable" (only where the element allows it).
pub type Scores = [Option<u8>; 9];

/// The service-quality grade of an index (the regulation's table of conversion intervals).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grade {
    /// 88.31-100: "Sangat baik".
    A,
    /// 76.61-88.30: "Baik".
    B,
    /// 65.00-76.60: "Kurang baik".
    C,
    /// 25.00-64.99: "Tidak baik".
    D,
}

impl Grade {
    /// The grade of a converted index (25-100), on the table's two-decimal boundaries.
    pub fn of(converted: f64) -> Grade {
        let hundredths = (converted * 100.0).round();
        if hundredths >= 8831.0 {
            Grade::A
        } else if hundredths >= 7661.0 {
            Grade::B
        } else if hundredths >= 6500.0 {
            Grade::C
        } else {
            Grade::D
        }
    }

    pub const fn performance(self) -> &'static str {
        match self {
            Grade::A => "Sangat baik",
            Grade::B => "Baik",
            Grade::C => "Kurang baik",
            Grade::D => "Tidak baik",
        }
    }
}

/// The index of a set of responses.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Index {
    pub respondents: usize,
    /// Each element's mean score (NRR), `None` when nobody answered it.
    pub element_means: [Option<f64>; 9],
    /// The weighted average of the element means, 1-4 (`None` without respondents).
    pub weighted: Option<f64>,
    /// `weighted × 25`, 25-100: the IKM as reported.
    pub ikm: Option<f64>,
    pub grade: Option<Grade>,
}

/// Why a score is not one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    #[error("element {0} is answered 1 to 4")]
    OutOfRange(&'static str),
    #[error("element {0} has no \"not applicable\" answer")]
    NotApplicableRefused(&'static str),
}

/// Checks one respondent's scores against the elements.
pub fn validate(scores: &Scores) -> Result<(), ScoreError> {
    for (element, score) in ELEMENTS.iter().zip(scores) {
        match score {
            Some(s) if !(1..=4).contains(s) => return Err(ScoreError::OutOfRange(element.code)),
            None if !element.allows_not_applicable => {
                return Err(ScoreError::NotApplicableRefused(element.code));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The index of `responses` (each already [`validate`]d).
/// The method worked by hand (the index's and the statistics' tests, docs/product.md): four
/// respondents, the second and fourth finding facilities "not applicable". IKM 84.03, grade B.
#[rustfmt::skip]
pub const WORKED_EXAMPLE: [Scores; 4] = [
    [Some(3), Some(3), Some(2), Some(4), Some(3), Some(3), Some(4), Some(3), Some(4)],
    [Some(4), Some(3), Some(3), Some(4), Some(4), Some(4), Some(4), Some(3), None],
    [Some(3), Some(3), Some(3), Some(4), Some(3), Some(3), Some(3), Some(3), Some(3)],
    [Some(3), Some(3), Some(3), Some(4), Some(4), Some(4), Some(4), Some(3), None],
];

pub fn index(responses: &[Scores]) -> Index {
    let mut element_means = [None; 9];
    for (i, mean) in element_means.iter_mut().enumerate() {
        let answered: Vec<f64> = responses
            .iter()
            .filter_map(|r| r[i])
            .map(f64::from)
            .collect();
        if !answered.is_empty() {
            *mean = Some(answered.iter().sum::<f64>() / answered.len() as f64);
        }
    }
    let answered: Vec<f64> = element_means.iter().flatten().copied().collect();
    let weighted = (!answered.is_empty()).then(|| {
        answered
            .iter()
            .map(|m| m / answered.len() as f64)
            .sum::<f64>()
    });
    let ikm = weighted.map(|w| w * 25.0);
    Index {
        respondents: responses.len(),
        element_means,
        weighted,
        ikm,
        grade: ikm.map(Grade::of),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn nine_elements_with_four_answers_and_only_facilities_not_applicable() {
        let codes: Vec<&str> = ELEMENTS.iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            ["U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9"]
        );
        let na: Vec<&str> = ELEMENTS
            .iter()
            .filter(|e| e.allows_not_applicable)
            .map(|e| e.code)
            .collect();
        assert_eq!(na, ["U9"]);
        for e in ELEMENTS {
            assert!(!e.question.contains("Anda"), "{}", e.code);
            // A WhatsApp list row title holds 24 characters.
            assert!(
                e.answers.iter().all(|a| a.chars().count() <= 24),
                "{}",
                e.code
            );
        }
    }

    #[test]
    fn scores_are_one_to_four_and_not_applicable_only_where_allowed() {
        let mut s: Scores = [Some(3); 9];
        assert_eq!(validate(&s), Ok(()));
        s[8] = None;
        assert_eq!(validate(&s), Ok(()));
        s[0] = None;
        assert_eq!(validate(&s), Err(ScoreError::NotApplicableRefused("U1")));
        s[0] = Some(5);
        assert_eq!(validate(&s), Err(ScoreError::OutOfRange("U1")));
        s[0] = Some(0);
        assert_eq!(validate(&s), Err(ScoreError::OutOfRange("U1")));
    }

    /// The method worked by hand: four respondents. Element means 3.25, 3.0, 2.75, 4.0, 3.5,
    /// 3.5, 3.75, 3.0 and (two answered, two "not applicable") 3.5; each weighs 1/9; the
    /// weighted average is 30.25 / 9 = 3.3611…, the IKM 84.03: grade B, "Baik".
    #[test]
    fn the_index_is_the_weighted_average_of_element_means_times_25() {
        let responses = WORKED_EXAMPLE.to_vec();
        let i = index(&responses);
        assert_eq!(i.respondents, 4);
        let means: Vec<f64> = i.element_means.iter().map(|m| m.unwrap()).collect();
        assert_eq!(means, [3.25, 3.0, 2.75, 4.0, 3.5, 3.5, 3.75, 3.0, 3.5]);
        assert!(close(i.weighted.unwrap(), 30.25 / 9.0));
        assert!(close(i.ikm.unwrap(), 30.25 / 9.0 * 25.0));
        assert_eq!((i.ikm.unwrap() * 100.0).round() / 100.0, 84.03);
        assert_eq!(i.grade, Some(Grade::B));
    }

    /// The weights sum to one (docs/product.md, "The IKM's weights"): the best answer on every
    /// element is 100 exactly, where the printed 0,11 would give 4 × 0.99 × 25 = 99.
    #[test]
    fn the_best_answers_everywhere_score_exactly_100() {
        let i = index(&[[Some(4); 9], [Some(4); 9]]);
        assert!(close(i.weighted.unwrap(), 4.0));
        assert!(close(i.ikm.unwrap(), 100.0));
        assert_eq!(i.grade, Some(Grade::A));
        let worst = index(&[[Some(1); 9]]);
        assert!(close(worst.ikm.unwrap(), 25.0));
        assert_eq!(worst.grade, Some(Grade::D));
    }

    /// Nobody answered facilities (an online service): eight elements weigh 1/8 each.
    #[test]
    fn an_element_nobody_answered_is_left_out_of_the_weights() {
        let responses: Vec<Scores> = vec![[
            Some(4),
            Some(4),
            Some(4),
            Some(4),
            Some(4),
            Some(4),
            Some(4),
            Some(2),
            None,
        ]];
        let i = index(&responses);
        assert_eq!(i.element_means[8], None);
        assert!(close(i.weighted.unwrap(), 30.0 / 8.0));
        assert!(close(i.ikm.unwrap(), 93.75));
        assert_eq!(i.grade, Some(Grade::A));
        assert_eq!(index(&[]).weighted, None);
        assert_eq!(index(&[]).grade, None);
    }

    #[test]
    fn grades_follow_the_conversion_intervals() {
        for (ikm, grade) in [
            (100.0, Grade::A),
            (88.31, Grade::A),
            (88.30, Grade::B),
            (76.61, Grade::B),
            (76.60, Grade::C),
            (65.00, Grade::C),
            (64.99, Grade::D),
            (25.0, Grade::D),
        ] {
            assert_eq!(Grade::of(ikm), grade, "{ikm}");
        }
        assert_eq!(Grade::B.performance(), "Baik");
    }
}

/// Where a request's survey stands. Stored on the request: the answers belong to it and its
/// service, and reports read them without the resident's identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Survey {
    pub state: SurveyState,
    /// When the resident was asked (inside the 24-hour window, at completion).
    #[serde(with = "time::serde::rfc3339")]
    pub offered_at: time::OffsetDateTime,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub answered_at: Option<time::OffsetDateTime>,
    /// The nine scores once answered (`null` for "not applicable").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scores: Option<Scores>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SurveyState {
    /// Asked; silence leaves it here (abandoned).
    Offered,
    Declined,
    Answered,
}

impl Survey {
    pub fn offered(at: time::OffsetDateTime) -> Self {
        Self {
            state: SurveyState::Offered,
            offered_at: at,
            answered_at: None,
            scores: None,
            comment: None,
        }
    }
}

/// The longest comment kept (a WhatsApp text is up to 4096 characters; a comment is a sentence
/// or two).
pub const COMMENT_MAX_CHARS: usize = 1000;
