// The review API (`/v1/review/…`) as the lead's screens use it: typed answers, and one error type that carries the
// server's stable code. Online only: the back office works at a desk, and nothing here is kept on the device.

import type { Running } from "../app/session";
import type { Case } from "../case/model";
import type { Assessment } from "../fit";

export class ReviewError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ReviewError";
  }
}

export interface Figure {
  count: number;
  /** The API path of the list behind the figure, e.g. `/v1/review/cases?open=true&team=…`. */
  list: string;
}

export interface Figures {
  open_cases: Figure;
  with_alert: Figure;
  alerts: { kind: string; count: number; list: string }[];
  srs_below_cutoff: Figure;
  follow_ups_overdue: Figure;
  courses_ending_soon: Figure;
  courses_past_planned_end: Figure;
  grants_awaiting_approval: Figure;
  conflicts: Figure;
  refused_changes: Figure;
  break_glass_accesses: number;
}

export interface WorkerFigures {
  user_id: string;
  username: string;
  role: string;
  caseload: number;
  over_recommended: number | null;
  figures: Figures;
}

export interface Dashboard {
  today: string;
  recommended_caseload: number | null;
  teams: { team_id: string; name: string; figures: Figures; workers: WorkerFigures[] }[];
}

export interface Person {
  id: string;
  username: string | null;
}

export interface CaseRow {
  id: string;
  /** `null` for an admin, who sees the figures but not whom they are about (and opens no case page). */
  display_name: string | null;
  team_id: string | null;
  tovholder: Person | null;
  assignees: Person[];
  open: boolean;
  current_course: {
    id: string;
    service_code: string;
    start_date: string;
    planned_end_date: string | null;
    end_date: string | null;
    approval_state: string;
  } | null;
  last_contact_at: number | null;
  alert_kinds: string[];
  next_follow_up_due: string | null;
  follow_up_overdue: boolean;
  awaiting_approval: boolean;
  conflicts: number;
  refused_changes: number;
}

export interface CaseList {
  total: number;
  offset: number;
  limit: number;
  cases: CaseRow[];
}

export interface ReviewCourse {
  course_id: string;
  service_code: string;
  legal_basis: string;
  start_date: string;
  planned_end_date: string | null;
  end_date: string | null;
  end_reason: string | null;
  granted_minutes_per_week: number;
  approval_state: string;
  in_error: boolean;
}

export interface CaseReview {
  id: string;
  team_id: string | null;
  assignees: Person[];
  /** The typed case as it stands: the whole document (follow-ups, courses with their extensions, coordination…). */
  case: Case;
  goals: { goal_id: string; parent_id: string | null; level: string; status: string; title: string; in_error: boolean }[];
  courses: ReviewCourse[];
  contacts: { contact_id: string; kind: string; start_ms: number; duration_minutes: number; course_id: string | null; in_error: boolean }[];
  fit: { course_id: string | null; contacts: [string, number][]; assessment: Assessment }[];
  /** Each goal's status steps, oldest first; a step without an actor is the merged state of a conflict. */
  goal_history: Record<string, { statuses: string[]; at_ms: number; actor: string | null }[]>;
  conflicts: { path: string[]; values: { value: unknown; actor: string }[] }[];
  /** Who wrote with each actor above, where the server knows it. */
  authors: Record<string, Person>;
  refused_changes: {
    id: string;
    device_id: string | null;
    reason: string;
    message: string;
    created_at: number;
    resolved_at: number | null;
  }[];
}

async function call<T>(app: Running, method: string, path: string, body?: unknown): Promise<T> {
  const token = await app.accessToken();
  const response = await fetch(`${app.session.api}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  const answer = (await response.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!response.ok) {
    throw new ReviewError(response.status, answer?.error?.code ?? "unknown", answer?.error?.message ?? response.statusText);
  }
  return answer as T;
}

export const dashboard = (app: Running): Promise<Dashboard> => call(app, "GET", "/v1/review/dashboard");

/** `query` is the list's query string, as a figure's link carries it (without the `?`). */
export const caseList = (app: Running, query: string): Promise<CaseList> =>
  call(app, "GET", `/v1/review/cases${query ? `?${query}` : ""}`);

export const reviewCase = (app: Running, id: string): Promise<CaseReview> =>
  call(app, "GET", `/v1/review/cases/${encodeURIComponent(id)}`);

export const decideGrant = (app: Running, id: string, course: string, approve: boolean): Promise<unknown> =>
  call(app, "POST", `/v1/review/cases/${encodeURIComponent(id)}/courses/${encodeURIComponent(course)}/approval`, { approve });

/** `value` exactly as the review page got it: the server refuses (409) if the field no longer holds it. */
export const resolveConflict = (app: Running, id: string, field: string, value: unknown): Promise<unknown> =>
  call(app, "POST", `/v1/review/cases/${encodeURIComponent(id)}/conflicts/resolve`, { field, value });

export const dismissRefusal = (app: Running, refusal: string): Promise<unknown> =>
  call(app, "POST", `/v1/review/refusals/${encodeURIComponent(refusal)}/dismiss`, {});

export const unassign = (app: Running, id: string, user: string): Promise<unknown> =>
  call(app, "DELETE", `/v1/cases/${encodeURIComponent(id)}/assignees/${encodeURIComponent(user)}`);

export interface Count {
  n: number | null;
  too_few: boolean;
}

export interface Mean {
  n: number;
  mean: number | null;
  too_few: boolean;
}

export interface Share {
  courses: Count;
  of: number;
  percent: number | null;
  too_few: boolean;
}

export interface FitStats {
  courses_started: number;
  courses_ended: number;
  clients: Count;
  age_groups: { group: string; clients: Count }[];
  intake_ors: Mean;
  intake_srs: Mean;
  contacts_per_course: Mean;
  change: {
    reliable_improvement: Share;
    clinically_significant: Share;
    reliable_deterioration: Share;
    no_reliable_change: Share;
    started_above_cutoff: Share;
    without_baseline: Count;
  };
  course_length_days: Mean;
  ended: { reason: string; courses: Count }[];
}

export interface Report<S> {
  from: string;
  to: string;
  about: string;
  min_n: number;
  teams: { team_id: string; name: string; stats: S }[];
  all: S;
}

export type FitReport = Report<FitStats>;

export interface OutcomeStats {
  events: { kind: string; events: Count }[];
  courses_ended: number;
  ended: { reason: string; courses: Count }[];
  length_against_plan: { n: number; mean_days: number | null; mean_planned_days: number | null; too_few: boolean };
  months: { month: string; courses_started: Count; courses_ended: Count; events: { kind: string; events: Count }[] }[];
}

/** `query` holds `from`, `to` and `team` as the page's URL has them. */
export const fitStats = (app: Running, query: string): Promise<FitReport> =>
  call(app, "GET", `/v1/review/stats/fit${query ? `?${query}` : ""}`);

export const outcomeStats = (app: Running, query: string): Promise<Report<OutcomeStats>> =>
  call(app, "GET", `/v1/review/stats/outcomes${query ? `?${query}` : ""}`);

export const revokeDevice = (app: Running, device: string): Promise<unknown> =>
  call(app, "POST", `/v1/devices/${encodeURIComponent(device)}/revoke`, {});

export interface UserListing {
  id: string;
  username: string;
  role: string;
  team_id: string | null;
  blocked_at: number | null;
}

export interface DeviceListing {
  id: string;
  name: string;
  user_id: string;
  username: string;
  team_id: string | null;
  created_at: number;
  last_seen_at: number;
  revoked_at: number | null;
}

export interface AuditRow {
  id: number;
  at: number;
  user_id: string | null;
  action: string;
  case_id: string | null;
  purpose: string | null;
  detail: string | null;
}

export const users = (app: Running): Promise<{ users: UserListing[] }> => call(app, "GET", "/v1/users");
export const devices = (app: Running): Promise<{ devices: DeviceListing[] }> => call(app, "GET", "/v1/devices");
export const auditSample = (app: Running, n: number): Promise<{ entries: AuditRow[] }> =>
  call(app, "GET", `/v1/audit/sample?n=${n}`);
export const unblockUser = (app: Running, user: string): Promise<unknown> =>
  call(app, "POST", `/v1/users/${encodeURIComponent(user)}/unblock`, {});
export interface TenantSettings {
  recommended_caseload: number | null;
  /** Days a case stays on its workers' phones after its last course ended; null: until it is unassigned. */
  device_retention_days: number | null;
}
export const settings = (app: Running): Promise<TenantSettings> => call(app, "GET", "/v1/settings");
/** Sets both settings (a field left out of the request would keep its value; the form always sends both). */
export const setSettings = (app: Running, change: TenantSettings): Promise<unknown> =>
  call(app, "PUT", "/v1/settings", change);
