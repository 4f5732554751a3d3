use serde::Serialize;

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub limit: i64,
    pub offset: i64,
}

impl<T> Paged<T> {
    pub fn new(items: Vec<T>, page: yici_store::Page) -> Self {
        Paged {
            items,
            limit: page.limit,
            offset: page.offset,
        }
    }
}
