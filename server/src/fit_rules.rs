//! The FIT rule set each municipality assesses with (issue 12, point 9): its own, loaded by an admin through
//! `PUT /v1/fit-rules`, or the built-in `fit-rules/1`.
//!
//! Every place that assesses a case (the projection at commit, the lead's decisions, the review page, the start-up
//! backfill) asks [`FitRules::for_tenant`], so they cannot disagree. A tenant's set is read from the store once and
//! kept for [`FRESH_FOR`]; a load in this process replaces it at once, and other processes sharing the database
//! take it within that time. After a load, `backfill::reassess` rebuilds the tenant's projections, so the alerts the back
//! office lists name the new set without waiting for each case's next change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sync_core::fit::RuleSet;

use crate::ids::TenantId;
use crate::store::{Store, StoreError};

/// How long a tenant's rule set is used before the store is asked again (for a load made by another process).
pub const FRESH_FOR: Duration = Duration::from_secs(30);

/// A tenant's rule set and when this process read it.
type Read = (Arc<RuleSet>, Instant);

/// The tenants' rule sets, as this process last read them.
#[derive(Clone)]
pub struct FitRules {
    store: Store,
    built_in: Arc<RuleSet>,
    read: Arc<Mutex<HashMap<TenantId, Read>>>,
}

impl FitRules {
    pub fn new(store: Store) -> FitRules {
        FitRules {
            store,
            built_in: Arc::new(RuleSet::v1()),
            read: Arc::default(),
        }
    }

    /// The rule set the tenant assesses with now.
    pub async fn for_tenant(&self, tenant_id: &TenantId) -> Result<Arc<RuleSet>, StoreError> {
        if let Some((rules, at)) = self.read.lock().expect("rule cache").get(tenant_id)
            && at.elapsed() < FRESH_FOR
        {
            return Ok(rules.clone());
        }
        let rules = match self.store.current_fit_rules(tenant_id).await? {
            Some(stored) => Arc::new(RuleSet::from_json(&stored.rules).map_err(|error| {
                StoreError::Corrupt(format!("the stored FIT rule set {}: {error}", stored.version))
            })?),
            None => self.built_in.clone(),
        };
        self.read
            .lock()
            .expect("rule cache")
            .insert(tenant_id.clone(), (rules.clone(), Instant::now()));
        Ok(rules)
    }

    /// Uses `rules` for the tenant from now on in this process (just loaded).
    pub fn replace(&self, tenant_id: &TenantId, rules: RuleSet) {
        self.read
            .lock()
            .expect("rule cache")
            .insert(tenant_id.clone(), (Arc::new(rules), Instant::now()));
    }

    /// The rule set of this build, for tenants that loaded none.
    pub fn built_in(&self) -> &RuleSet {
        &self.built_in
    }
}
