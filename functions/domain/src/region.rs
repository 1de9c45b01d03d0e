//! The office's region and its kecamatan (districts). Which region an office serves is
//! configuration (`OFFICE_REGION_CODE`); the list of regions is data (`data/regions.json`), so
//! another regency is a data change, not a code change.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct District {
    /// Six digits, e.g. `170804`.
    pub code: String,
    pub name: String,
    /// Other ways residents write the name ("kaba wetan", "kemumu"); spaces, case and one typo
    /// are tolerated anyway, so only genuinely different forms are listed.
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Region {
    #[serde(skip)]
    pub code: String,
    pub name: String,
    pub province: String,
    pub districts: Vec<District>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    #[error("region {0} is not in data/regions.json")]
    Unknown(String),
    #[error("data/regions.json is invalid: {0}")]
    Data(String),
}

const REGIONS: &str = include_str!("../data/regions.json");

/// Words residents put before a kecamatan's name.
const DISTRICT_PREFIXES: [&str; 7] = [
    "kecamatan",
    "kec",
    "kc",
    "kcmt",
    "kecmatan",
    "kecamtan",
    "di",
];

/// Words residents put after it.
const DISTRICT_SUFFIXES: [&str; 5] = ["pak", "bu", "ya", "kak", "min"];

impl Region {
    /// The region with this code (e.g. `1708`) from the bundled data.
    pub fn load(code: &str) -> Result<Self, RegionError> {
        let mut all: BTreeMap<String, Region> =
            serde_json::from_str(REGIONS).map_err(|e| RegionError::Data(e.to_string()))?;
        let mut region = all
            .remove(code.trim())
            .ok_or_else(|| RegionError::Unknown(code.to_owned()))?;
        region.code = code.trim().to_owned();
        Ok(region)
    }

    /// Finds a district by code, list position (1-based, as shown to residents), name or alias:
    /// in any case, with or without spaces ("Ujanmas", "Tebat Karai"), punctuation ignored, a
    /// leading "kecamatan"/"kec."/"kec" ignored, and one typo tolerated on names of five letters
    /// or more when only one district is that close ("Kebawetan", "Kepahyang").
    pub fn find_district(&self, input: &str) -> Option<&District> {
        let lower = input.to_lowercase();
        let mut words: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        while let Some(first) = words.first()
            && DISTRICT_PREFIXES.contains(first)
        {
            words.remove(0);
        }
        while let Some(last) = words.last()
            && DISTRICT_SUFFIXES.contains(last)
        {
            words.pop();
        }
        let wanted = words.concat();
        if wanted.is_empty() {
            return None;
        }
        if wanted.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(n) = wanted.parse::<usize>()
                && (1..=self.districts.len()).contains(&n)
            {
                return self.districts.get(n - 1);
            }
            return self.districts.iter().find(|d| d.code == wanted);
        }
        let squash = |name: &str| -> String {
            name.to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect()
        };
        let names = |d: &'_ District| {
            let mut all = vec![squash(&d.name)];
            all.extend(d.aliases.iter().map(|a| squash(a)));
            all
        };
        if let Some(d) = self.districts.iter().find(|d| names(d).contains(&wanted)) {
            return Some(d);
        }
        if wanted.len() < 5 {
            return None;
        }
        let mut close = self.districts.iter().filter(|d| {
            names(d).iter().any(|n| {
                n.len() >= 5 && crate::intent::within_one_edit(wanted.as_bytes(), n.as_bytes())
            })
        });
        match (close.next(), close.next()) {
            (Some(d), None) => Some(d),
            _ => None,
        }
    }

    pub fn district(&self, code: &str) -> Option<&District> {
        self.districts.iter().find(|d| d.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kepahiang_has_eight_districts() {
        let r = Region::load("1708").unwrap();
        assert_eq!(r.name, "Kabupaten Kepahiang");
        assert_eq!(r.districts.len(), 8);
        assert_eq!(r.find_district("4").unwrap().name, "Kepahiang");
        assert_eq!(r.find_district("Kecamatan merigi").unwrap().code, "170805");
        assert_eq!(r.find_district("170808").unwrap().name, "Muara Kemumu");
        assert!(r.find_district("9").is_none());
        assert!(r.find_district("Jakarta").is_none());
    }

    #[test]
    fn district_names_as_residents_write_them() {
        let r = Region::load("1708").unwrap();
        let code = |text: &str| r.find_district(text).map(|d| d.code.as_str());
        for (text, expected) in [
            ("Kaba Wetan", "170806"),
            ("kabawetan", "170806"),
            ("Kebawetan", "170806"),
            ("KABAWETAN", "170806"),
            ("kec. kaba wetan", "170806"),
            ("Kabawetn", "170806"),
            ("Ujanmas", "170802"),
            ("Ujan Mas", "170802"),
            ("ujan  mas.", "170802"),
            ("Ujan Emas", "170802"),
            ("Tebat Karai", "170803"),
            ("Tebatkarai", "170803"),
            ("tebat-karai", "170803"),
            ("Tebat Krai", "170803"),
            ("Kec. Kepahiang", "170804"),
            ("kec kepahiang", "170804"),
            ("Kecamatan: Kepahiang", "170804"),
            ("kepahyang", "170804"),
            ("Kota Kepahiang", "170804"),
            ("di kepahiang pak", "170804"),
            ("Seberang Musi", "170807"),
            ("sebrang musi", "170807"),
            ("Seberang", "170807"),
            ("Muara Kemumu", "170808"),
            ("kemumu", "170808"),
            ("Bermani Ilir", "170801"),
            ("bermani", "170801"),
            ("Bermani Ilr", "170801"),
            ("merigi", "170805"),
            ("Merigii", "170805"),
            ("kec. 5", "170805"),
            ("1.", "170801"),
            (" 8 ", "170808"),
        ] {
            assert_eq!(code(text), Some(expected), "{text}");
        }
        for text in [
            "",
            "kec.",
            "0",
            "9",
            "170899",
            "Jakarta",
            "Kabupaten Kepahiang",
            "Curup",
            "Bengkulu",
            "ilir",
            "mas",
            "Kepahiang Merigi",
        ] {
            assert_eq!(code(text), None, "{text}");
        }
    }

    #[test]
    fn unknown_region_is_an_error() {
        assert_eq!(
            Region::load("9999"),
            Err(RegionError::Unknown("9999".into()))
        );
    }
}
