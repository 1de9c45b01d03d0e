//! The office the deployment serves, as residents are told about it: its name, where its counter
//! is and when it is open. Configuration (`OFFICE_NAME`, `OFFICE_ADDRESS`, `OFFICE_HOURS`), with
//! the defaults of the office this system was first built for.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Office {
    pub name: String,
    pub address: String,
    pub hours: String,
}

impl Default for Office {
    fn default() -> Self {
        Self {
            name: "Disdukcapil Kabupaten Kepahiang".into(),
            address: "Kantor Dinas Kependudukan dan Pencatatan Sipil Kabupaten Kepahiang, Jl. Lintas Kepahiang–Curup, Kepahiang".into(),
            hours: "Senin–Kamis pukul 08.00–15.00 WIB, Jumat pukul 08.00–11.30 WIB".into(),
        }
    }
}
