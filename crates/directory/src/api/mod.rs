//! The directory over HTTP, under `/api/v1`: each handler reads the request, calls the service
//! and answers.

pub mod applicants;
pub mod calendar;
pub mod directory;
pub mod ids;
pub mod session;
pub mod systems;
pub mod users;
