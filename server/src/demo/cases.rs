//! The demo's case documents: who holds which case, and committing each through the store like any commit.
//!
//! A tenant that already has cases is left alone, so loading at every start adds nothing. Case ids are fixed by
//! the case number (see [`super::generate`]), so when two processes load the demo at once the second one's
//! first commit finds the case already there and stops.

use sync_core::DocumentId;
use sync_core::case::conflicts;
use sync_core::fit::RuleSet;

use super::DemoError;
use super::generate::{CaseSpec, Holder, generate};
use crate::ids::UserId;
use crate::projection::Projection;
use crate::store::{
    DocumentCommit, Heads, Role, Store, StoreError, Team, Tenant, User, actors_of, snapshot_of,
};

/// Cases generated and committed per batch.
const BATCH: usize = 200;

/// A run of consecutively numbered cases held by the same worker(s).
struct Caseload {
    tenant: &'static str,
    /// Usernames; the first is the tovholder.
    holders: &'static [&'static str],
    count: u32,
}

/// Sixty cases: most held by one worker, a few held by two. In Høje-Taastrup the team shares its cases, so anna
/// and bo also see each other's; in Holstebro only the assigned worker sees a case.
const CASELOADS: &[Caseload] = &[
    Caseload {
        tenant: "hoeje-taastrup",
        holders: &["anna"],
        count: 22,
    },
    Caseload {
        tenant: "hoeje-taastrup",
        holders: &["bo"],
        count: 20,
    },
    Caseload {
        tenant: "hoeje-taastrup",
        holders: &["anna", "bo"],
        count: 6,
    },
    Caseload {
        tenant: "holstebro",
        holders: &["mads"],
        count: 12,
    },
];

/// A generated case, ready to commit.
struct Prepared {
    doc_id: DocumentId,
    /// The whole case ([`snapshot_of`]), stored as its snapshot.
    document: Vec<u8>,
    hashes: Vec<String>,
    actors: Vec<String>,
    heads: Heads,
    projection: Projection,
    holders: Vec<UserId>,
}

/// Creates the demo cases of one tenant unless it has cases already. Returns how many were created.
pub(super) async fn load(
    store: &Store,
    slug: &'static str,
    tenant: &Tenant,
    team: &Team,
    users: &[User],
    total: u32,
    now_ms: i64,
) -> Result<usize, DemoError> {
    if store.case_count(&tenant.id).await? > 0 {
        return Ok(0);
    }
    let specs = specs(slug, team, users, total, now_ms);
    let mut created = 0;
    // A batch at a time: ten thousand cases with a year of contacts each do not need to be in memory at once.
    for batch in specs.chunks(BATCH) {
        let batch = batch.to_vec();
        // Generating a year of contacts for dozens of cases is CPU work: keep it off the async workers.
        let prepared =
            tokio::task::spawn_blocking(move || batch.iter().map(prepare).collect::<Result<Vec<_>, _>>())
                .await??;
        for case in &prepared {
            // Every spec has a holder (`specs` skips a caseload whose workers are missing).
            let Some(author) = case.holders.first() else {
                continue;
            };
            let commit = DocumentCommit {
                doc_id: &case.doc_id,
                tenant_id: &tenant.id,
                team_id: Some(&team.id),
                create: true,
                base_seq: None,
                assign_users: &case.holders,
                device_id: None,
                held_as_committed: false,
                user_id: author,
                changes: &[],
                document: Some(&case.document),
                change_hashes: &case.hashes,
                actors: &case.actors,
                heads: &case.heads,
                projection: &case.projection,
                now_ms,
                // Synthetic data the server loads itself: nobody's access to log.
                audit: &[],
            };
            match store.commit_document(&commit).await {
                Ok(_) => created += 1,
                // Another process is loading the same demo: its cases are the same ones, so leave the rest to it.
                Err(StoreError::AlreadyExists) => {
                    tracing::info!(tenant.id = %tenant.id, created, "demo cases loaded by another process");
                    return Ok(created);
                }
                Err(error) => return Err(error.into()),
            }
        }
        if specs.len() > BATCH {
            tracing::info!(tenant.id = %tenant.id, created, of = specs.len(), "loading demo cases");
        }
    }
    tracing::info!(tenant.id = %tenant.id, created, "demo cases loaded");
    Ok(created)
}

/// The specs of a tenant's demo cases, numbered across all tenants so every case number is unique. `total`
/// scales every caseload by `total / 60` (at least one case each), so the shares stay those of the sixty.
fn specs(slug: &str, team: &Team, users: &[User], total: u32, now_ms: i64) -> Vec<CaseSpec> {
    let by_name = |name: &str| users.iter().find(|u| u.username == name);
    let Some(lead_id) = users.iter().find(|u| u.role == Role::Lead).map(|u| u.id.clone()) else {
        // Every demo team has its lead; without one there are no cases to approve grants for.
        return Vec::new();
    };
    let mut specs = Vec::new();
    let mut number = 0;
    let default: u32 = CASELOADS.iter().map(|c| c.count).sum();
    for caseload in CASELOADS {
        let count = (u64::from(caseload.count) * u64::from(total))
            .div_ceil(u64::from(default))
            .max(1);
        for _ in 0..count {
            number += 1;
            if caseload.tenant != slug {
                continue;
            }
            let holders: Vec<Holder> = caseload
                .holders
                .iter()
                .filter_map(|name| by_name(name))
                .map(|user| Holder {
                    user_id: user.id.clone(),
                    name: display_name(&user.username),
                })
                .collect();
            if holders.is_empty() {
                continue;
            }
            specs.push(CaseSpec {
                number,
                tenant_slug: slug.to_owned(),
                team_id: team.id.clone(),
                holders,
                lead_id: lead_id.clone(),
                now_ms,
            });
        }
    }
    specs
}

/// Generates a case and everything its commit needs: raw changes, hashes, heads and projection.
fn prepare(spec: &CaseSpec) -> Result<Prepared, DemoError> {
    let generated = generate(spec)?;
    let doc = generated.doc.automerge();
    let doc_id = generated.doc_id;
    // `generate` wrote the case through validation already; the projection is of that same case.
    let projection = Projection::of(
        &doc_id.to_string(),
        &generated.case,
        &conflicts::list(doc),
        &RuleSet::v1(),
    );
    let changes = doc.get_changes(&[]);
    Ok(Prepared {
        document: snapshot_of(doc),
        hashes: changes.iter().map(|c| c.hash().to_string()).collect(),
        actors: actors_of(changes.iter().map(automerge::Change::actor_id)),
        heads: Heads::new(doc.get_heads()),
        projection,
        holders: spec.holders.iter().map(|h| h.user_id.clone()).collect(),
        doc_id,
    })
}

/// "anna" → "Anna": the name the case document shows for a worker.
fn display_name(username: &str) -> String {
    let mut chars = username.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
