//! The directory's operations, for every caller: each takes the [`yici_service::Caller`] and
//! typed values and returns a domain value or a [`yici_service::Error`], with the
//! authorisation checked here.
//!
//! - [`regions`]: regions and departments;
//! - [`systems`]: department systems and their tokens;
//! - [`users`]: staff accounts and their scoped roles;
//! - [`calendar`]: the working-day calendar and its arithmetic;
//! - [`applicants`]: looking an applicant up at the window;
//! - [`sessions`]: signing in and out.

pub mod applicants;
pub mod calendar;
pub mod regions;
pub mod sessions;
pub mod systems;
pub mod users;
