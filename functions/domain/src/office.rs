//! The office the deployment serves, as residents are told about it: its name, where its counter
//! is, when it is open, and the service points (mal pelayanan publik, kecamatan counters) where
//! residents of some kecamatan collect their cards instead. One configuration document per
//! deployment (`OFFICE_PROFILE`, JSON, see [`Office::from_profile`]), validated at start against
//! the office's region; without it `OFFICE_NAME`, `OFFICE_ADDRESS`, `OFFICE_HOURS`, with the
//! defaults of the office this system was first built for.

use serde::Deserialize;

use crate::region::Region;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Office {
    pub name: String,
    pub address: String,
    pub hours: String,
    /// Where residents of the listed kecamatan collect cards; the others come to the office.
    pub service_points: Vec<ServicePoint>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServicePoint {
    pub name: String,
    pub address: String,
    pub hours: String,
    /// Codes of the office's kecamatan served here (six digits).
    pub kecamatan: Vec<String>,
}

/// Where a resident goes in person (a finished card): the office or a service point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub hours: &'a str,
}

/// The `OFFICE_PROFILE` document.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Profile {
    name: String,
    address: String,
    hours: String,
    #[serde(default)]
    service_points: Vec<ServicePoint>,
}

/// Longest name, address and hours: they go into captions WhatsApp caps at 1024 characters.
const NAME_MAX: usize = 100;
const ADDRESS_MAX: usize = 250;
const HOURS_MAX: usize = 150;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfficeError {
    #[error("not a valid office profile: {0}")]
    Json(String),
    #[error("{field} must be 1 to {max} characters")]
    Length { field: String, max: usize },
    #[error("service point {point:?}: kecamatan {code:?} is not in {region}")]
    ForeignKecamatan {
        point: String,
        code: String,
        region: String,
    },
    #[error("kecamatan {0} is served by two service points")]
    TwoPoints(String),
    #[error("service point {0:?} lists no kecamatan")]
    NoKecamatan(String),
}

fn check(field: &str, value: &str, max: usize) -> Result<(), OfficeError> {
    let n = value.trim().chars().count();
    if n == 0 || n > max {
        return Err(OfficeError::Length {
            field: field.to_owned(),
            max,
        });
    }
    Ok(())
}

impl Office {
    /// Reads and validates the office profile, e.g.
    /// `{"name": "Disdukcapil Kabupaten Bogor", "address": "...", "hours": "...",
    ///   "service_points": [{"name": "MPP Cibinong", "address": "...", "hours": "...",
    ///   "kecamatan": ["320101", "320102"]}]}`:
    /// every text present and not too long, unknown fields refused, every kecamatan one of
    /// `region`'s and served by one service point at most.
    pub fn from_profile(json: &str, region: &Region) -> Result<Office, OfficeError> {
        let profile: Profile =
            serde_json::from_str(json).map_err(|e| OfficeError::Json(e.to_string()))?;
        check("name", &profile.name, NAME_MAX)?;
        check("address", &profile.address, ADDRESS_MAX)?;
        check("hours", &profile.hours, HOURS_MAX)?;
        let mut seen: Vec<&str> = Vec::new();
        for point in &profile.service_points {
            check("service point name", &point.name, NAME_MAX)?;
            check("service point address", &point.address, ADDRESS_MAX)?;
            check("service point hours", &point.hours, HOURS_MAX)?;
            if point.kecamatan.is_empty() {
                return Err(OfficeError::NoKecamatan(point.name.clone()));
            }
            for code in &point.kecamatan {
                if region.district(code).is_none() {
                    return Err(OfficeError::ForeignKecamatan {
                        point: point.name.clone(),
                        code: code.clone(),
                        region: region.name.clone(),
                    });
                }
                if seen.contains(&code.as_str()) {
                    return Err(OfficeError::TwoPoints(code.clone()));
                }
                seen.push(code);
            }
        }
        Ok(Office {
            name: profile.name.trim().to_owned(),
            address: profile.address.trim().to_owned(),
            hours: profile.hours.trim().to_owned(),
            service_points: profile.service_points,
        })
    }

    /// Where a resident of `kecamatan` collects a card: the service point serving it, else the
    /// office.
    pub fn place_for(&self, kecamatan: Option<&str>) -> Place<'_> {
        self.service_points
            .iter()
            .find(|p| kecamatan.is_some_and(|k| p.kecamatan.iter().any(|c| c == k)))
            .map_or(
                Place {
                    name: &self.name,
                    address: &self.address,
                    hours: &self.hours,
                },
                |p| Place {
                    name: &p.name,
                    address: &p.address,
                    hours: &p.hours,
                },
            )
    }
}

impl Default for Office {
    fn default() -> Self {
        Self {
            name: "Disdukcapil Kabupaten Kepahiang".into(),
            address: "Kantor Dinas Kependudukan dan Pencatatan Sipil Kabupaten Kepahiang, Jl. Lintas Kepahiang–Curup, Kepahiang".into(),
            hours: "Senin–Kamis pukul 08.00–15.00 WIB, Jumat pukul 08.00–11.30 WIB".into(),
            service_points: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bogor() -> Region {
        Region::load("3201").unwrap()
    }

    const PROFILE: &str = r#"{
        "name": "Disdukcapil Kabupaten Bogor",
        "address": "Jl. Tegar Beriman, Cibinong",
        "hours": "Senin–Jumat 08.00–15.00 WIB",
        "service_points": [
            {"name": "MPP Kabupaten Bogor", "address": "Cibinong City Mall",
             "hours": "Senin–Sabtu 09.00–16.00 WIB", "kecamatan": ["320101", "320102"]},
            {"name": "UPT Disdukcapil Leuwiliang", "address": "Jl. Raya Leuwiliang",
             "hours": "Senin–Jumat 08.00–14.00 WIB", "kecamatan": ["320114"]}
        ]
    }"#;

    #[test]
    fn a_profile_with_service_points() {
        let office = Office::from_profile(PROFILE, &bogor()).unwrap();
        assert_eq!(office.name, "Disdukcapil Kabupaten Bogor");
        assert_eq!(office.service_points.len(), 2);
        assert_eq!(office.place_for(Some("320102")).name, "MPP Kabupaten Bogor");
        assert_eq!(
            office.place_for(Some("320114")).address,
            "Jl. Raya Leuwiliang"
        );
        let office_itself = office.place_for(Some("320140"));
        assert_eq!(office_itself.name, "Disdukcapil Kabupaten Bogor");
        assert_eq!(office_itself.hours, "Senin–Jumat 08.00–15.00 WIB");
        assert_eq!(office.place_for(None).name, "Disdukcapil Kabupaten Bogor");
        let plain = Office::from_profile(
            r#"{"name": "Disdukcapil Kota Bengkulu", "address": "Jl. Contoh", "hours": "Senin–Jumat"}"#,
            &Region::load("1771").unwrap(),
        )
        .unwrap();
        assert!(plain.service_points.is_empty());
    }

    #[test]
    fn a_wrong_profile_is_refused_with_what_is_wrong() {
        let region = bogor();
        let err = |json: &str| Office::from_profile(json, &region).unwrap_err();
        assert!(matches!(err("{"), OfficeError::Json(_)));
        assert!(matches!(
            err(r#"{"name": "X", "address": "Y", "hours": "Z", "phone": "1"}"#),
            OfficeError::Json(_)
        ));
        assert!(matches!(
            err(r#"{"name": "X", "address": "Y"}"#),
            OfficeError::Json(_)
        ));
        assert_eq!(
            err(r#"{"name": " ", "address": "Y", "hours": "Z"}"#),
            OfficeError::Length {
                field: "name".into(),
                max: NAME_MAX
            }
        );
        let long = "x".repeat(ADDRESS_MAX + 1);
        assert!(matches!(
            err(&format!(
                r#"{{"name": "X", "address": "{long}", "hours": "Z"}}"#
            )),
            OfficeError::Length { .. }
        ));
        let point = |kecamatan: &str| {
            format!(
                r#"{{"name": "X", "address": "Y", "hours": "Z", "service_points": [
                    {{"name": "P", "address": "A", "hours": "H", "kecamatan": [{kecamatan}]}}]}}"#
            )
        };
        // Kepahiang's kecamatan in Bogor's profile.
        let foreign = err(&point(r#""170801""#));
        assert!(
            foreign.to_string().contains("170801") && foreign.to_string().contains("Bogor"),
            "{foreign}"
        );
        assert_eq!(
            err(&point(r#""320101", "320101""#)),
            OfficeError::TwoPoints("320101".into())
        );
        assert_eq!(err(&point("")), OfficeError::NoKecamatan("P".into()));
    }
}
