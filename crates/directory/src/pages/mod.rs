//! The directory's pages: home and signing in (staff, applicants, the identity platform), and
//! the operators' pages for regions, departments, systems, users and the calendar.

pub mod account;
pub mod admin;
pub mod oidc;
