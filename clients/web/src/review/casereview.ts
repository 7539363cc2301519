// One case for review: what waits for the lead's decision (grants, conflicts, refused changes), the FIT chart of
// each course with its cutoff lines and alerts, goals, courses (with their extensions and punch cards), the contacts
// timeline, the follow-ups, the coordination with the network, and who works on the case. A decision is sent to the
// server, which writes it into the case document; the page then reloads from the server.

import type { Running } from "../app/session";
import { agenda, today } from "../case/agenda";
import { FFB_SERVICES } from "../case/ffb";
import { inOrder } from "../case/goals";
import { APPROVAL_STATES, CONTACT_KINDS, GOAL_LEVELS, GOAL_STATUSES } from "../case/model";
import { fitChart } from "../ui/chart";
import { h } from "../ui/dom";
import { alertList } from "../ui/fitalerts";
import { categoryLabel, codeLabel, formatDate, formatDateTime, pick, t } from "../ui/i18n";
import {
  decideGrant,
  dismissRefusal,
  resolveConflict,
  revokeDevice,
  reviewCase,
  ReviewError,
  unassign,
  type CaseReview,
} from "./api";
import { coordinationSection, courseEntries, followUpsSection } from "./entries";
import { loadingScreen } from "./screen";

/** Runs a decision, then shows the page again from the server with what happened. */
type Decide = (action: () => Promise<unknown>) => void;

function valueText(v: unknown): string {
  if (typeof v === "string") {
    const status = GOAL_STATUSES.find((s) => s.code === v);
    if (status) return pick(status);
    return v;
  }
  return typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
}

function fieldName(review: CaseReview, path: string[]): string {
  if (path[0] === "plan" && path[1] === "goals" && path[2]) {
    const goal = review.case.plan.goals[path[2]];
    if (goal) return `${t("goals")}: ${goal.title} – ${path.slice(3).join(".")}`;
  }
  // Two phones moved the same goal: its position among its siblings.
  if (path[0] === "plan" && path[1] === "goal_order" && path[2]) {
    const goal = review.case.plan.goals[path[2]];
    if (goal) return `${t("goals")}: ${goal.title} – ${t("goalOrder")}`;
  }
  return path.join(".");
}

/** The projection's goals in the plan's order, as the phone lists them (sync-core's `goals::in_order`), with their
 * depth; one the document does not hold (never, but the rows are the projection's) goes last. */
function inPlanOrder(review: CaseReview): { goal: CaseReview["goals"][number]; depth: number }[] {
  const listed = new Map(inOrder(review.case.plan).map(({ id, depth }, i) => [id, { i, depth }]));
  const at = (id: string) => listed.get(id)?.i ?? Number.MAX_SAFE_INTEGER;
  return [...review.goals]
    .sort((a, b) => at(a.goal_id) - at(b.goal_id))
    .map((goal) => ({ goal, depth: listed.get(goal.goal_id)?.depth ?? 0 }));
}

/** " – anna" for an actor the server knows the author of, else nothing. */
function authorOf(review: CaseReview, actor: string | null): string {
  const name = actor ? review.authors[actor]?.username : null;
  return name ? ` – ${name}` : "";
}

/** A goal's status steps, as "Igangværende (2. dec. – anna) → Sat på pause (3. dec. – bo)"; nothing for a goal that never changed. */
function statusHistory(review: CaseReview, steps: CaseReview["goal_history"][string]): HTMLElement | null {
  if (steps.length < 2) return null;
  const text = steps
    .map(
      (step) =>
        `${step.statuses.map((s) => codeLabel(GOAL_STATUSES, s)).join(" / ")} (${formatDate(new Date(step.at_ms).toISOString().slice(0, 10))}${authorOf(review, step.actor)})`,
    )
    .join(" → ");
  return h("div", { class: "muted status-history" }, text);
}

function decisions(app: Running, review: CaseReview, decide: Decide): HTMLElement {
  const grants = review.courses
    .filter((course) => course.approval_state === "awaiting" && !course.in_error)
    .map((course) =>
      h(
        "div",
        { class: "decision grant", "data-course": course.course_id },
        h(
          "p",
          {},
          h("strong", {}, FFB_SERVICES.get(course.service_code) ?? course.service_code),
          ` – ${t("grantPerWeek")}: ${course.granted_minutes_per_week} ${t("minutes")} (${t("awaitingApproval")})`,
        ),
        h(
          "div",
          { class: "buttons" },
          h("button", { class: "primary approve", onclick: () => decide(() => decideGrant(app, review.id, course.course_id, true)) }, t("approve")),
          h("button", { class: "reject", onclick: () => decide(() => decideGrant(app, review.id, course.course_id, false)) }, t("reject")),
        ),
      ),
    );
  const conflicts = review.conflicts.map((conflict) =>
    h(
      "div",
      { class: "decision conflict" },
      h("p", {}, h("strong", {}, fieldName(review, conflict.path)), ` – ${t("conflictHelp")}`),
      ...conflict.values.map((value) =>
        h(
          "button",
          { class: "choice", onclick: () => decide(() => resolveConflict(app, review.id, conflict.path.join("."), value.value)) },
          `${t("choose")}: ${valueText(value.value)}${authorOf(review, value.actor)}`,
        ),
      ),
    ),
  );
  const refusals = review.refused_changes
    .filter((refusal) => refusal.resolved_at === null)
    .map((refusal) =>
      h(
        "div",
        { class: "decision refusal" },
        h("p", {}, h("strong", {}, `${t("fig_refused_changes")}: ${refusal.reason}`), ` – ${refusal.message}`),
        h("p", { class: "muted" }, `${formatDateTime(refusal.created_at)} · ${t("device")} ${refusal.device_id ?? "–"}`),
        h(
          "div",
          { class: "buttons" },
          h("button", { class: "dismiss", onclick: () => decide(() => dismissRefusal(app, refusal.id)) }, t("dismiss")),
          // A phone that keeps sending what the server refuses may be lost or tampered with.
          refusal.device_id
            ? h(
                "button",
                {
                  class: "revoke",
                  onclick: () => {
                    if (confirm(t("revokeConfirm"))) decide(() => revokeDevice(app, refusal.device_id!));
                  },
                },
                t("revokeDevice"),
              )
            : null,
        ),
      ),
    );
  const all = [...grants, ...conflicts, ...refusals];
  return h(
    "section",
    { class: "card decisions" },
    h("h2", {}, t("decisions")),
    ...(all.length > 0 ? all : [h("p", { class: "help" }, t("noDecisions"))]),
  );
}

function fit(review: CaseReview): HTMLElement {
  const series = review.fit.map((s) => {
    const course = review.courses.find((c) => c.course_id === s.course_id);
    return h(
      "div",
      { class: "series-block" },
      h("h3", {}, course ? FFB_SERVICES.get(course.service_code) ?? course.service_code : t("noCourse")),
      fitChart(s.assessment),
      h("p", {}, `${t("category")}: ${categoryLabel(s.assessment.category)}`),
      // The phone's list: each alert, and under it the rule set that fired it (a municipality may load its own).
      ...alertList(s.assessment.alerts),
    );
  });
  return h("section", { class: "card" }, h("h2", {}, t("fitChart")), ...series);
}

export function caseReviewScreen(app: Running, id: string, flash: string | null, reload: (flash: string) => void): HTMLElement {
  return loadingScreen("case-review", async (screen) => {
    const review = await reviewCase(app, id);
    const problem = h("p", { class: "error", role: "alert" });
    const decide: Decide = (action) => {
      for (const button of screen.querySelectorAll("button")) button.disabled = true;
      action()
        .then(() => reload(t("decided")))
        .catch((error: unknown) => {
          problem.textContent = `${t("decisionFailed")} ${error instanceof ReviewError ? error.message : String(error)}`;
          for (const button of screen.querySelectorAll("button")) button.disabled = false;
        });
    };
    const c = review.case;
    // What is due, as sync-core decides it: the overdue follow-ups and the punch cards' counts.
    const due = agenda(c, today());
    screen.replaceChildren(
      h("a", { href: "#/review", class: "back" }, `← ${t("overview")}`),
      h("h1", {}, c.citizen.display_name, " ", h("span", { class: "ref" }, c.citizen.reference)),
      ...(flash ? [h("p", { class: "flash", role: "status" }, flash)] : []),
      problem,
      h(
        "div",
        { class: "review-grid" },
        h(
          "div",
          {},
          decisions(app, review, decide),
          fit(review),
          h(
            "section",
            { class: "card" },
            h("h2", {}, t("contacts")),
            review.contacts.length === 0
              ? h("p", { class: "help" }, t("noContacts"))
              : h(
                  "ul",
                  { class: "contacts" },
                  ...review.contacts.map((contact) =>
                    h(
                      "li",
                      { class: contact.in_error ? "in-error" : "" },
                      `${formatDateTime(contact.start_ms)} · ${codeLabel(CONTACT_KINDS, contact.kind)} · ${contact.duration_minutes} ${t("minutes")}`,
                      contact.in_error ? h("div", { class: "muted" }, t("madeInError")) : null,
                    ),
                  ),
                ),
          ),
        ),
        h(
          "div",
          {},
          h(
            "section",
            { class: "card" },
            h("h2", {}, t("assignees")),
            h(
              "ul",
              { class: "assignees" },
              ...review.assignees.map((person) =>
                h(
                  "li",
                  {},
                  h("span", {}, person.username ?? person.id),
                  h("button", { class: "unassign", onclick: () => decide(() => unassign(app, review.id, person.id)) }, t("unassign")),
                ),
              ),
            ),
          ),
          h(
            "section",
            { class: "card" },
            h("h2", {}, t("goals")),
            h("p", {}, `${t("purpose")}: ${c.plan.purpose || "–"}`),
            h(
              "ul",
              { class: "goals" },
              ...inPlanOrder(review).map(({ goal, depth }) =>
                h(
                  "li",
                  { class: `${goal.in_error ? "in-error " : ""}goal-depth-${Math.min(depth, 2)}`, "data-goal": goal.goal_id },
                  h("span", { class: "goal-level" }, codeLabel(GOAL_LEVELS, goal.level)),
                  " ",
                  goal.title,
                  h("span", { class: "muted" }, ` – ${codeLabel(GOAL_STATUSES, goal.status)}`),
                  statusHistory(review, review.goal_history[goal.goal_id] ?? []),
                ),
              ),
            ),
          ),
          h(
            "section",
            { class: "card" },
            h("h2", {}, t("course")),
            ...review.courses.map((course) =>
              h(
                "dl",
                { class: course.in_error ? "in-error" : "" },
                h("dt", {}, t("course")),
                h("dd", {}, FFB_SERVICES.get(course.service_code) ?? course.service_code),
                h("dt", {}, t("start")),
                h("dd", {}, formatDate(course.start_date)),
                h("dt", {}, t("plannedEnd")),
                h("dd", {}, formatDate(course.planned_end_date)),
                h("dt", {}, t("grantPerWeek")),
                h("dd", {}, `${course.granted_minutes_per_week} ${t("minutes")} · ${codeLabel(APPROVAL_STATES, course.approval_state)}`),
                ...courseEntries(review, course.course_id, due.punch_cards),
              ),
            ),
          ),
          followUpsSection(review, due),
          coordinationSection(review),
        ),
      ),
    );
  });
}
