//! Presentational components: data in, events out, no I/O.

mod institution_list;
mod plus_button;

pub use institution_list::{InstitutionList, InstitutionLogo};
pub use plus_button::PlusButton;
