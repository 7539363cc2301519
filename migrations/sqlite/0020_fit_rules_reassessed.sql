-- When the tenant's cases were all reassessed with this rule set after it became current (NULL: not yet, or the
-- process stopped midway). A server starting finds the current sets still NULL and finishes their reassessment,
-- so no case keeps alerts of a set that is no longer the tenant's. Rows from before are NULL: reassessed once more.
ALTER TABLE fit_rule_sets ADD COLUMN reassessed_at BIGINT;
