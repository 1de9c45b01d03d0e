//! Reading a person's name where the conversation asks for one.
//!
//! Residents do not only type the name: they write "nama saya Budi Santoso", "Siti Aminah, pak",
//! "nama anak: Putri", or answer the question with "terima kasih" or "ok siap". The name is kept
//! without the words around it; a message that is only thanks, greetings or acknowledgements is
//! not a name at all and the question is asked again (a name the resident never typed would be
//! shown back to them and printed on the officer's screen).

/// What a resident's message at a name question is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameReading {
    /// The name, with the words around it removed and spaces collapsed.
    Name(String),
    /// Thanks, a greeting or an acknowledgement, nothing else: not a name.
    Social,
    /// Not a name: digits, symbols, too short or too long.
    Invalid,
}

/// Words that are never a name, alone or together.
const SOCIAL: &[&str] = &[
    "terima",
    "trima",
    "terimakasih",
    "trimakasih",
    "makasih",
    "makasi",
    "maksih",
    "mksh",
    "trims",
    "tks",
    "thx",
    "thanks",
    "thank",
    "you",
    "tq",
    "ok",
    "oke",
    "okay",
    "okey",
    "okeh",
    "oce",
    "sip",
    "siap",
    "baik",
    "baiklah",
    "iya",
    "iyaa",
    "ya",
    "yaa",
    "y",
    "yup",
    "sudah",
    "udah",
    "sdh",
    "halo",
    "hallo",
    "hai",
    "hi",
    "pagi",
    "siang",
    "sore",
    "malam",
    "assalamualaikum",
    "tolong",
    "mohon",
    "maaf",
    "permisi",
];

/// Forms of address, and words that are names as well as greetings ("Kasih", "Selamat"): never
/// enough on their own to refuse an answer, but dropped around a name.
const ADDRESS: &[&str] = &[
    "pak", "bapak", "bu", "ibu", "kak", "kakak", "mas", "mbak", "bang", "dik", "min", "admin",
];
const NAME_OR_SOCIAL: &[&str] = &["kasih", "selamat"];

fn word_key(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

/// How many words at the start introduce the name: "nama (lengkap) (anak saya | saya) (adalah)"
/// or "saya (adalah)". "Anak" is only a lead-in before a possessive: "Anak Agung Gede" is a
/// Balinese name.
fn lead_in(words: &[&str]) -> usize {
    let key = |i: usize| words.get(i).map(|w| word_key(w)).unwrap_or_default();
    let possessive = |k: &str| matches!(k, "saya" | "sy" | "aku" | "kami");
    let mut i = 0;
    if matches!(key(0).as_str(), "nama" | "namaku" | "namanya" | "namax") {
        i = 1;
        if matches!(key(i).as_str(), "lengkap" | "lengkapnya") {
            i += 1;
        }
        if key(i) == "anak" && possessive(&key(i + 1)) {
            i += 2;
        } else if key(i) == "anaknya" || possessive(&key(i)) {
            i += 1;
        }
    } else if possessive(&key(0)) {
        i = 1;
    }
    if i > 0 && matches!(key(i).as_str(), "adalah" | "yaitu" | "yakni" | "ialah") {
        i += 1;
    }
    i
}

/// Reads the answer to "ketik nama lengkap".
pub fn read(text: &str) -> NameReading {
    // ":" and a few marks separate a lead-in from the name ("Nama: Budi"); a word made only of
    // punctuation says nothing.
    let spaced = text.replace([':', ';', '!', '🙏'], " ");
    let mut words: Vec<&str> = spaced
        .split_whitespace()
        .filter(|w| !word_key(w).is_empty())
        .collect();
    let is = |list: &[&str], w: &str| list.contains(&word_key(w).as_str());

    if !words.is_empty()
        && words
            .iter()
            .all(|w| is(SOCIAL, w) || is(ADDRESS, w) || is(NAME_OR_SOCIAL, w))
        && words.iter().any(|w| is(SOCIAL, w))
    {
        return NameReading::Social;
    }

    // Courtesies before the name ("ok pak, ..."), then the lead-in ("nama saya ...").
    let leading = words
        .iter()
        .take_while(|w| is(SOCIAL, w) || is(ADDRESS, w))
        .count();
    words.drain(..leading);
    let lead = lead_in(&words);
    words.drain(..lead);
    // Courtesies after it ("..., terima kasih pak").
    while let Some(last) = words.last() {
        let key = word_key(last);
        let thanks = key == "kasih"
            && words.len() >= 2
            && matches!(
                word_key(words[words.len() - 2]).as_str(),
                "terima" | "trima"
            );
        if thanks {
            words.truncate(words.len() - 2);
        } else if words.len() > 1 && (is(SOCIAL, last) || is(ADDRESS, last)) {
            words.pop();
        } else {
            break;
        }
    }

    let name = words
        .join(" ")
        .trim_matches(|c: char| matches!(c, ',' | '.' | '-' | ' '))
        .to_owned();
    let length = name.chars().count();
    let plausible = (2..=100).contains(&length)
        && name.chars().any(char::is_alphabetic)
        && name
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '.' | '\'' | '-' | ','));
    if plausible {
        NameReading::Name(name)
    } else {
        NameReading::Invalid
    }
}

#[cfg(test)]
mod tests {
    use super::{NameReading, read};

    fn name(text: &str) -> String {
        match read(text) {
            NameReading::Name(name) => name,
            other => panic!("{text:?} read as {other:?}"),
        }
    }

    #[test]
    fn plain_names_are_kept_as_typed() {
        for typed in [
            "Budi Santoso",
            "  siti   aminah ",
            "Slamet",
            "Kasih",
            "Selamat Riyadi",
            "Muh. Ali",
            "I Gusti Ayu Putu",
            "Nur'aini",
            "Abdul-Rahman",
            "Sri Wahyuni, S.Pd",
        ] {
            let expected = typed.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(name(typed), expected);
        }
    }

    #[test]
    fn the_words_around_a_name_are_dropped() {
        for (typed, expected) in [
            ("nama saya Budi Santoso", "Budi Santoso"),
            ("Nama: Siti Aminah", "Siti Aminah"),
            ("nama lengkap saya adalah Rina Marlina", "Rina Marlina"),
            ("namaku dewi", "dewi"),
            ("saya Joko Widodo", "Joko Widodo"),
            ("nama anak saya Putri Aminah", "Putri Aminah"),
            ("nama saya Anak Agung Gede", "Anak Agung Gede"),
            ("Anak Agung Ngurah", "Anak Agung Ngurah"),
            ("ok pak, nama saya Budi", "Budi"),
            ("Siti Aminah pak", "Siti Aminah"),
            ("Siti Aminah, terima kasih", "Siti Aminah"),
            ("siap bu. Andi Saputra 🙏", "Andi Saputra"),
            ("Rahmat Hidayat ya", "Rahmat Hidayat"),
        ] {
            assert_eq!(name(typed), expected, "{typed:?}");
        }
    }

    #[test]
    fn thanks_greetings_and_acknowledgements_are_not_names() {
        for typed in [
            "terima kasih",
            "Terima kasih pak",
            "makasih bu 🙏",
            "ok",
            "Oke siap",
            "iya",
            "sudah pak",
            "selamat pagi",
            "Assalamualaikum",
            "maaf pak",
            "baik, terima kasih",
        ] {
            assert_eq!(read(typed), NameReading::Social, "{typed:?}");
        }
    }

    #[test]
    fn digits_symbols_and_lengths_outside_two_to_a_hundred_are_invalid() {
        for typed in [
            "",
            "a",
            "1708014508900001",
            "Budi 123",
            "budi@mail.com",
            "?",
        ] {
            assert_eq!(read(typed), NameReading::Invalid, "{typed:?}");
        }
        assert_eq!(read(&"a".repeat(101)), NameReading::Invalid);
        assert!(matches!(read(&"a".repeat(100)), NameReading::Name(_)));
    }
}
