//! Secrets the server generates for itself and keeps in the database, so they survive restarts and are shared by
//! every process on the same database.

use secrecy::{ExposeSecret, SecretString};

use super::{Store, StoreError, on_pool};

/// The name of the row holding the JWT signing key.
pub const JWT_SECRET: &str = "jwt_hs256";

impl Store {
    /// Returns the secret called `name`, storing `candidate` first if there is none yet.
    ///
    /// Insert-if-absent followed by a read makes concurrent first starts agree: whichever process inserts first
    /// wins, and every other process reads the winner's value instead of its own candidate. That is what lets
    /// several processes on one PostgreSQL database accept each other's tokens.
    pub async fn server_secret_get_or_create(
        &self,
        name: &str,
        candidate: SecretString,
        now: i64,
    ) -> Result<SecretString, StoreError> {
        let insert = "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) \
                      ON CONFLICT (name) DO NOTHING";
        let select = "SELECT value FROM server_secrets WHERE name = $1";
        let value: String = on_pool!(self, |pool| {
            sqlx::query(insert)
                .bind(name)
                .bind(candidate.expose_secret())
                .bind(now)
                .execute(pool)
                .await?;
            sqlx::query_scalar(select).bind(name).fetch_one(pool).await
        })?;
        Ok(SecretString::from(value))
    }
}
