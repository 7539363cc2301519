//! The synthetic demo: two municipalities with a few users each and sixty case documents, loaded by
//! `tovholder serve --demo`.
//!
//! Loading is idempotent: what exists is looked up, not created again, so the demo can be loaded at every start.
//! Every demo user's password is reset to the given one on each load, so the password printed at start always
//! works. The case documents ([`cases`], made by [`generate`] from [`content`]) are created only in a tenant that
//! has no cases yet.

mod cases;
mod content;
mod generate;

use secrecy::SecretString;
use sync_core::case::CaseError;

use crate::auth::password;
use crate::clock;
use crate::store::{NewUser, Role, Store, StoreError, Team, Tenant, User};

pub use generate::{CaseSpec, Generated, Holder, generate};

/// Why the demo could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A generated case broke a validation rule: a bug in the generator, never in the database.
    #[error("a generated demo case is invalid: {0}")]
    Case(#[from] CaseError),
    #[error("generating the demo cases failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("hashing the demo password failed: {0}")]
    Password(#[from] password::PasswordError),
}

struct DemoTenant {
    slug: &'static str,
    name: &'static str,
    teams: &'static [DemoTeam],
    /// Users outside any team (administrators).
    staff: &'static [(&'static str, Role)],
}

struct DemoTeam {
    name: &'static str,
    shares_cases: bool,
    members: &'static [(&'static str, Role)],
}

const DEMO: &[DemoTenant] = &[
    DemoTenant {
        slug: "hoeje-taastrup",
        name: "Høje-Taastrup Kommune",
        teams: &[DemoTeam {
            name: "Udkørende team Nord",
            shares_cases: true,
            members: &[("anna", Role::Worker), ("bo", Role::Worker), ("lea", Role::Lead)],
        }],
        staff: &[("admin", Role::Admin)],
    },
    DemoTenant {
        slug: "holstebro",
        name: "Holstebro Kommune",
        teams: &[DemoTeam {
            name: "Bostøtteteamet",
            // A team whose cases only the assigned workers see, to show both access rules.
            shares_cases: false,
            members: &[("mads", Role::Worker), ("lene", Role::Lead)],
        }],
        staff: &[],
    },
];

/// One demo login, for printing at start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoLogin {
    pub tenant: &'static str,
    pub username: &'static str,
    pub role: Role,
}

/// How many demo cases `--demo` creates unless told otherwise.
pub const DEFAULT_CASES: u32 = 60;

/// Creates (or finds) the demo tenants, teams and users, sets every demo user's password to `password`, and
/// creates the demo cases of each tenant that has none: `cases` in all (about; see [`cases`]).
pub async fn load(store: &Store, password: &SecretString, cases: u32) -> Result<Vec<DemoLogin>, DemoError> {
    // One hash for every demo user: they share the password anyway, and argon2 is deliberately slow.
    let password_hash = password::hash_blocking(password.clone()).await?;
    let mut logins = Vec::new();
    for demo in DEMO {
        let tenant = tenant(store, demo).await?;
        for team_spec in demo.teams {
            let team = team(store, &tenant, team_spec).await?;
            let mut members = Vec::new();
            for &(username, role) in team_spec.members {
                members.push(user(store, &tenant, Some(&team), username, role, &password_hash).await?);
                logins.push(DemoLogin {
                    tenant: demo.slug,
                    username,
                    role,
                });
            }
            cases::load(store, demo.slug, &tenant, &team, &members, cases, clock::now_ms()).await?;
        }
        for &(username, role) in demo.staff {
            user(store, &tenant, None, username, role, &password_hash).await?;
            logins.push(DemoLogin {
                tenant: demo.slug,
                username,
                role,
            });
        }
    }
    Ok(logins)
}

// Each get-or-create below treats `AlreadyExists` as "another process created it first": two servers started
// with --demo on one PostgreSQL database must both succeed.

async fn tenant(store: &Store, demo: &DemoTenant) -> Result<Tenant, StoreError> {
    if let Some(found) = store.tenant_by_slug(demo.slug).await? {
        return Ok(found);
    }
    match store.create_tenant(demo.slug, demo.name, clock::now_ms()).await {
        Err(StoreError::AlreadyExists) => store
            .tenant_by_slug(demo.slug)
            .await?
            .ok_or(StoreError::AlreadyExists),
        other => other,
    }
}

async fn team(store: &Store, tenant: &Tenant, demo: &DemoTeam) -> Result<Team, StoreError> {
    if let Some(found) = store.team_by_name(&tenant.id, demo.name).await? {
        return Ok(found);
    }
    match store
        .create_team(&tenant.id, demo.name, demo.shares_cases, clock::now_ms())
        .await
    {
        Err(StoreError::AlreadyExists) => store
            .team_by_name(&tenant.id, demo.name)
            .await?
            .ok_or(StoreError::AlreadyExists),
        other => other,
    }
}

async fn user(
    store: &Store,
    tenant: &Tenant,
    team: Option<&Team>,
    username: &str,
    role: Role,
    password_hash: &str,
) -> Result<User, StoreError> {
    if let Some(found) = store.user_by_username(&tenant.id, username).await? {
        store.set_password_hash(&found.id, password_hash).await?;
        return Ok(found);
    }
    let new = NewUser {
        tenant_id: &tenant.id,
        username,
        password_hash,
        role,
        team_id: team.map(|t| &t.id),
    };
    match store.create_user(&new, clock::now_ms()).await {
        Err(StoreError::AlreadyExists) => store
            .user_by_username(&tenant.id, username)
            .await?
            .ok_or(StoreError::AlreadyExists),
        other => other,
    }
}
