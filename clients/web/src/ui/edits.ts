// Saving an edit of the plan or the course of support from the case page and its forms: an accepted edit (src/case/course.ts)
// goes through the repo like a new contact does (written and persisted on the phone, sent when there is a
// connection); a refused one is said in the worker's language, from the field and problem sync-core names. The
// refusal names fields and codes only, never the case's content.

import type { Running } from "../app/session";
import type { Draft, Edit } from "../case/course";
import type { AssignmentEdit } from "../case/assignment";
import type { PlanEdit } from "../case/plan";
import { readCase, type Case } from "../case/model";
import type { ValidationError } from "../fit";
import { t, type LabelKey } from "./i18n";

/** The label of the field a refusal names, by its last part (`courses.<id>.planned_end` → planned end). */
const FIELDS: Record<string, LabelKey> = {
  service: "service",
  legal_basis: "legalBasis",
  start: "start",
  planned_end: "plannedEnd",
  reason: "reasonField",
  parties: "coordinationParties",
  agreements: "agreements",
  participants: "participants",
  end: "endDate",
  end_reason: "endReason",
  granted_minutes_per_week: "hoursPerWeek",
  granted_sessions: "punchCard",
  due: "due",
  purpose: "followUpPurpose",
  kind: "outcomeKind",
  date: "date",
  note: "note",
  display_name: "citizenName",
  title: "goalTitle",
  parent: "goalParent",
  goal_type: "goalType",
  target_date: "targetDate",
  status: "goalStatus",
  reference: "citizenReference",
  birth_year: "birthYear",
};

const PROBLEMS: Record<string, LabelKey> = {
  missing: "problem_missing",
  unknown_code: "problem_unknown_code",
  end_before_start: "problem_end_before_start",
  malformed: "problem_malformed",
  out_of_range: "problem_out_of_range",
  too_long: "problem_too_long",
};

/** A refusal as a sentence: the §82b rule and an extension's direction in their own words, others as
 * "<field> <problem>". */
export function refusalText(error: ValidationError): string {
  if (error.field === "planned_end" && error.problem === "missing") return t("refused_s82b_planned_end");
  if (error.field === "planned_end" && error.problem === "out_of_range") return t("refused_extension_earlier");
  // Who holds a case (src/case/assignment.ts): each refusal in its own words.
  if (error.field === "workers" || error.field === "tovholder") {
    if (error.problem === "malformed") return t("refused_user_id");
    if (error.problem === "duplicate") return t("refused_worker_twice");
    if (error.problem === "immutable") return t("refused_tovholder_stays");
    if (error.problem === "unknown_code") return t("refused_tovholder_not_assigned");
    if (error.problem === "missing") return t("refused_workers_missing");
  }
  const last = error.field.split(".").pop() ?? error.field;
  const field = FIELDS[last];
  const problem = PROBLEMS[error.problem];
  return field && problem ? `${t(field)} ${t(problem)}.` : `${error.field}: ${error.message}`;
}

/** The case as the phone holds it now: a form checks its edit against this, not the case it was opened on. */
export function caseNow(app: Running, docId: string): Case | null {
  const doc = app.repo.get(docId);
  return doc ? readCase(doc) : null;
}

/**
 * Writes `edit` into the case `docId` when it was accepted; otherwise puts the reason into `error` (if given).
 * Returns whether the case now holds the edit (true also when it changed nothing, e.g. a follow-up already done).
 */
export async function saveEdit(app: Running, docId: string, edit: Edit | PlanEdit | AssignmentEdit, message: string, error?: HTMLElement): Promise<boolean> {
  switch (edit.result) {
    case "changed":
      await app.repo.change<Draft>(docId, (draft) => edit.write(draft), message);
      return true;
    case "unchanged":
      return true;
    case "invalid":
      if (error) error.textContent = refusalText(edit.error);
      return false;
    case "not_found":
      if (error) error.textContent = t("refused_not_found");
      return false;
  }
}
