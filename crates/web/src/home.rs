//! The home page's work list. Each capability tells a signed-in reader what waits for them, as
//! counts that link to the lists behind them; the server gathers the tiles of every capability
//! and the directory's home page shows them. A capability that cannot count (its store is down)
//! leaves its tiles out rather than failing the page.

/// One count on the home page: what it counts, how many, the list it links to, and a note (the
/// nearest deadline, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    pub label: String,
    pub count: i64,
    pub href: String,
    pub note: String,
}

impl Tile {
    pub fn new(label: &str, count: i64, href: &str) -> Self {
        Tile {
            label: label.into(),
            count,
            href: href.into(),
            note: String::new(),
        }
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }
}

/// The tiles of one capability, or none (with a warning) when it could not count.
pub fn or_none<E: std::fmt::Display>(capability: &str, tiles: Result<Vec<Tile>, E>) -> Vec<Tile> {
    tiles.unwrap_or_else(|e| {
        tracing::warn!(capability, error = %e, "the home page leaves out what could not be counted");
        Vec::new()
    })
}
