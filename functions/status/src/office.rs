//! `GET /office`: the office this deployment serves, as configured (`OFFICE_PROFILE`, or the
//! `OFFICE_*` variables) and validated at start: its region and kecamatan (the console's
//! kecamatan filter and names), its address and hours, and its service points. Any officer may
//! read it; it holds no personal data.

use crate::Status;
use crate::context::Caller;
use crate::error::ApiError;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::Serialize;
use shared::http::json;

#[derive(Serialize)]
struct Kecamatan<'a> {
    code: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct ServicePoint<'a> {
    name: &'a str,
    address: &'a str,
    hours: &'a str,
    kecamatan: Vec<Kecamatan<'a>>,
}

#[derive(Serialize)]
struct OfficeView<'a> {
    name: &'a str,
    address: &'a str,
    hours: &'a str,
    region_code: &'a str,
    region_name: &'a str,
    province: &'a str,
    kecamatan: Vec<Kecamatan<'a>>,
    service_points: Vec<ServicePoint<'a>>,
}

pub async fn get(app: &Status, _caller: &Caller) -> Result<Response<Body>, ApiError> {
    let region = &app.region;
    let kecamatan_named = |code: &str| {
        region
            .district(code)
            .map(|d| d.name.as_str())
            .unwrap_or_default()
    };
    let view = OfficeView {
        name: &app.office.name,
        address: &app.office.address,
        hours: &app.office.hours,
        region_code: &region.code,
        region_name: &region.name,
        province: &region.province,
        kecamatan: region
            .districts
            .iter()
            .map(|d| Kecamatan {
                code: &d.code,
                name: &d.name,
            })
            .collect(),
        service_points: app
            .office
            .service_points
            .iter()
            .map(|p| ServicePoint {
                name: &p.name,
                address: &p.address,
                hours: &p.hours,
                kecamatan: p
                    .kecamatan
                    .iter()
                    .map(|code| Kecamatan {
                        code,
                        name: kecamatan_named(code),
                    })
                    .collect(),
            })
            .collect(),
    };
    Ok(json(StatusCode::OK, &view))
}
