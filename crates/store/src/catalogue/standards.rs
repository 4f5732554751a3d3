//! Data elements, code sets and departments' mapping rules.

use crate::{Result, Store, StoreError, get_i64, get_opt_i64, get_opt_str, get_str};
use yici_core::audit::AuditEvent;
use yici_core::catalogue::elements::{CodeSet, DataElement, FieldMapping, shipped_code_sets, shipped_elements};

impl Store {
    /// Make sure the shipped data elements and code sets are present (idempotent; run at start).
    pub async fn catalogue_seed_standards(&self) -> Result<()> {
        let mut tx = self.begin().await?;
        for c in shipped_code_sets() {
            sqlx::query(
                "INSERT INTO code_sets (code, name, standard, code_values) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, standard = excluded.standard, code_values = excluded.code_values",
            )
            .bind(&c.code)
            .bind(&c.name)
            .bind(&c.standard)
            .bind(serde_json::to_string(&c.values).expect("code values serialise"))
            .execute(&mut *tx)
            .await?;
        }
        for e in shipped_elements() {
            sqlx::query(
                "INSERT INTO data_elements (code, name, data_type, length, code_set) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, data_type = excluded.data_type, length = excluded.length, code_set = excluded.code_set",
            )
            .bind(&e.code)
            .bind(&e.name)
            .bind(e.data_type)
            .bind(e.length)
            .bind(e.code_set.clone())
            .execute(&mut *tx)
            .await?;
        }
        self.commit(tx).await?;
        Ok(())
    }

    pub async fn data_elements(&self) -> Result<Vec<DataElement>> {
        let rows = sqlx::query("SELECT code, name, data_type, length, code_set FROM data_elements ORDER BY code")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(DataElement {
                    code: get_str(r, "code")?,
                    name: get_str(r, "name")?,
                    data_type: get_i64(r, "data_type")?,
                    length: get_opt_i64(r, "length")?,
                    code_set: get_opt_str(r, "code_set")?,
                })
            })
            .collect()
    }

    pub async fn code_sets(&self) -> Result<Vec<CodeSet>> {
        let rows = sqlx::query("SELECT code, name, standard, code_values FROM code_sets ORDER BY code")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(CodeSet {
                    code: get_str(r, "code")?,
                    name: get_str(r, "name")?,
                    standard: get_str(r, "standard")?,
                    values: serde_json::from_str(&get_str(r, "code_values")?)
                        .map_err(|e| StoreError::Invalid(format!("stored code set is unreadable: {e}")))?,
                })
            })
            .collect()
    }

    /// Set a department's mapping of one local field (replacing an earlier one).
    pub async fn put_field_mapping(&self, department_id: i64, m: &FieldMapping, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO field_mappings (department_id, local_field, element, value_map) VALUES ($1, $2, $3, $4)
             ON CONFLICT (department_id, local_field) DO UPDATE SET element = excluded.element, value_map = excluded.value_map",
        )
        .bind(department_id)
        .bind(m.local_field.trim())
        .bind(&m.element)
        .bind(serde_json::to_string(&m.values).expect("value map serialises"))
        .execute(&mut *tx)
        .await
        .map_err(|e| crate::classify(e, "mapping"))?;
        self.audit_in(
            &mut tx,
            &audit
                .clone()
                .object(format!("{department_id}:{}", m.local_field.trim())),
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }

    pub async fn field_mappings(&self, department_id: i64) -> Result<Vec<FieldMapping>> {
        let rows = sqlx::query(
            "SELECT local_field, element, value_map FROM field_mappings WHERE department_id = $1 ORDER BY local_field",
        )
        .bind(department_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FieldMapping {
                    local_field: get_str(r, "local_field")?,
                    element: get_str(r, "element")?,
                    values: serde_json::from_str(&get_str(r, "value_map")?)
                        .map_err(|e| StoreError::Invalid(format!("stored mapping is unreadable: {e}")))?,
                })
            })
            .collect()
    }
}
