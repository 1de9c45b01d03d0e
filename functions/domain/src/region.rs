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

    /// Finds a district by code, list position (1-based, as shown to residents) or name, in any
    /// case and ignoring a leading "kecamatan"/"kec.".
    pub fn find_district(&self, input: &str) -> Option<&District> {
        let wanted = input.trim().to_lowercase();
        let wanted = wanted
            .strip_prefix("kecamatan ")
            .or_else(|| wanted.strip_prefix("kec. "))
            .or_else(|| wanted.strip_prefix("kec "))
            .unwrap_or(&wanted)
            .trim();
        if let Ok(n) = wanted.parse::<usize>() {
            if (1..=self.districts.len()).contains(&n) {
                return self.districts.get(n - 1);
            }
            return self.districts.iter().find(|d| d.code == wanted);
        }
        self.districts
            .iter()
            .find(|d| d.name.to_lowercase() == wanted)
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
    fn unknown_region_is_an_error() {
        assert_eq!(
            Region::load("9999"),
            Err(RegionError::Unknown("9999".into()))
        );
    }
}
