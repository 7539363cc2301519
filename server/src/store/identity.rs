//! Tenants (municipalities), teams and users: creation and lookup.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Store, StoreError, execute, on_pool, on_tx};
use crate::ids::{TeamId, TenantId, UserId};

/// A municipality. Every other row belongs to exactly one tenant.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Tenant {
    pub id: TenantId,
    /// Short, URL-safe name users type at login (e.g. `hoeje-taastrup`).
    pub slug: String,
    pub name: String,
    pub created_at: i64,
}

/// A team of workers within a tenant.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Team {
    pub id: TeamId,
    pub tenant_id: TenantId,
    pub name: String,
    /// Whether every member sees the team's cases, not only the assigned workers.
    pub shares_cases: bool,
    pub created_at: i64,
}

/// What a user may do: workers hold cases, leads oversee a team, admins manage users and devices.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Worker,
    Lead,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Worker => "worker",
            Role::Lead => "lead",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "worker" => Ok(Role::Worker),
            "lead" => Ok(Role::Lead),
            "admin" => Ok(Role::Admin),
            other => Err(StoreError::Corrupt(format!("unknown role {other:?}"))),
        }
    }
}

/// A user as the rest of the server sees it. The password hash stays inside the store's login code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub username: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
    /// Set while the user is locked out; only an admin clears it.
    pub blocked_at: Option<i64>,
}

/// The columns of `users` that [`User`] is built from; the role is text in the database.
#[derive(sqlx::FromRow)]
struct UserRow {
    id: UserId,
    tenant_id: TenantId,
    username: String,
    role: String,
    team_id: Option<TeamId>,
    blocked_at: Option<i64>,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(row: UserRow) -> Result<Self, Self::Error> {
        Ok(User {
            role: row.role.parse()?,
            id: row.id,
            tenant_id: row.tenant_id,
            username: row.username,
            team_id: row.team_id,
            blocked_at: row.blocked_at,
        })
    }
}

/// `SELECT`s the columns of [`UserRow`], followed by the given clause, as one `&'static str`.
macro_rules! select_user {
    ($rest:literal) => {
        concat!(
            "SELECT id, tenant_id, username, role, team_id, blocked_at FROM users ",
            $rest
        )
    };
}

/// What it takes to create a user. The password arrives already hashed (see [`crate::auth::password`]).
#[derive(Clone, Debug)]
pub struct NewUser<'a> {
    pub tenant_id: &'a TenantId,
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub team_id: Option<&'a TeamId>,
}

impl Store {
    /// Creates a tenant with its change-sequence counter at 0.
    pub async fn create_tenant(&self, slug: &str, name: &str, now: i64) -> Result<Tenant, StoreError> {
        let tenant = Tenant {
            id: TenantId::new_random(),
            slug: slug.to_owned(),
            name: name.to_owned(),
            created_at: now,
        };
        let mut tx = self.begin_write().await?;
        on_tx!(&mut tx, |conn| {
            sqlx::query("INSERT INTO tenants (id, slug, name, created_at) VALUES ($1, $2, $3, $4)")
                .bind(&tenant.id)
                .bind(&tenant.slug)
                .bind(&tenant.name)
                .bind(tenant.created_at)
                .execute(&mut *conn)
                .await?;
            sqlx::query("INSERT INTO tenant_seq (tenant_id, seq) VALUES ($1, 0)")
                .bind(&tenant.id)
                .execute(&mut *conn)
                .await?;
        });
        tx.commit().await?;
        Ok(tenant)
    }

    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>, StoreError> {
        let sql = "SELECT id, slug, name, created_at FROM tenants WHERE slug = $1";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(slug)
            .fetch_optional(pool)
            .await)?)
    }

    pub async fn tenant_by_id(&self, id: &TenantId) -> Result<Option<Tenant>, StoreError> {
        let sql = "SELECT id, slug, name, created_at FROM tenants WHERE id = $1";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?)
    }

    pub async fn create_team(
        &self,
        tenant_id: &TenantId,
        name: &str,
        shares_cases: bool,
        now: i64,
    ) -> Result<Team, StoreError> {
        let team = Team {
            id: TeamId::new_random(),
            tenant_id: tenant_id.clone(),
            name: name.to_owned(),
            shares_cases,
            created_at: now,
        };
        let sql =
            "INSERT INTO teams (id, tenant_id, name, shares_cases, created_at) VALUES ($1, $2, $3, $4, $5)";
        execute!(
            self,
            sqlx::query(sql)
                .bind(&team.id)
                .bind(&team.tenant_id)
                .bind(&team.name)
                .bind(team.shares_cases)
                .bind(team.created_at)
        )?;
        Ok(team)
    }

    pub async fn team_by_name(&self, tenant_id: &TenantId, name: &str) -> Result<Option<Team>, StoreError> {
        let sql = "SELECT id, tenant_id, name, shares_cases, created_at FROM teams WHERE tenant_id = $1 AND name = $2";
        Ok(on_pool!(self, |pool| {
            sqlx::query_as(sql)
                .bind(tenant_id)
                .bind(name)
                .fetch_optional(pool)
                .await
        })?)
    }

    pub async fn team_by_id(&self, id: &TeamId) -> Result<Option<Team>, StoreError> {
        let sql = "SELECT id, tenant_id, name, shares_cases, created_at FROM teams WHERE id = $1";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?)
    }

    /// Creates a user; [`StoreError::AlreadyExists`] if the username is taken in the tenant.
    pub async fn create_user(&self, new: &NewUser<'_>, now: i64) -> Result<User, StoreError> {
        let id = UserId::new_random();
        let sql = "INSERT INTO users (id, tenant_id, username, password_hash, role, team_id, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7)";
        execute!(
            self,
            sqlx::query(sql)
                .bind(&id)
                .bind(new.tenant_id)
                .bind(new.username)
                .bind(new.password_hash)
                .bind(new.role.as_str())
                .bind(new.team_id)
                .bind(now)
        )?;
        Ok(User {
            id,
            tenant_id: new.tenant_id.clone(),
            username: new.username.to_owned(),
            role: new.role,
            team_id: new.team_id.cloned(),
            blocked_at: None,
        })
    }

    /// The users of a tenant by username; only `team_id`'s members when given (a lead's view).
    pub async fn users_of_tenant(
        &self,
        tenant_id: &TenantId,
        team_id: Option<&TeamId>,
    ) -> Result<Vec<User>, StoreError> {
        let sql = select_user!("WHERE tenant_id = $1 AND ($2 IS NULL OR team_id = $2) ORDER BY username");
        let rows: Vec<UserRow> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(tenant_id)
            .bind(team_id)
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(User::try_from).collect()
    }

    pub async fn user_by_id(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        let sql = select_user!("WHERE id = $1");
        let row: Option<UserRow> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        row.map(User::try_from).transpose()
    }

    pub async fn user_by_username(
        &self,
        tenant_id: &TenantId,
        username: &str,
    ) -> Result<Option<User>, StoreError> {
        let sql = select_user!("WHERE tenant_id = $1 AND username = $2");
        let row: Option<UserRow> = on_pool!(self, |pool| {
            sqlx::query_as(sql)
                .bind(tenant_id)
                .bind(username)
                .fetch_optional(pool)
                .await
        })?;
        row.map(User::try_from).transpose()
    }

    /// Replaces a user's password hash (the demo loader resets its users' passwords on every start).
    pub async fn set_password_hash(&self, user_id: &UserId, password_hash: &str) -> Result<(), StoreError> {
        let sql = "UPDATE users SET password_hash = $1 WHERE id = $2";
        execute!(self, sqlx::query(sql).bind(password_hash).bind(user_id))?;
        Ok(())
    }
}
