// A case page: the citizen's own goal, the goals in the plan's order, the courses (start, extend, end), the
// follow-ups (plan, done), the coordination with the network, who holds the case (tovholder and assigned workers), the
// FIT chart with alerts, the contacts, the outcomes, and anything needing a person: conflicts (both values, pick
// one) and refused changes.

import type { Running } from "../app/session";
import { listConflicts, resolveConflict } from "../case/conflicts";
import { assessCase, collateral } from "../case/fit";
import { CONTACT_KINDS, GOAL_LEVELS, GOAL_STATUSES, readCase, type Case } from "../case/model";
import { setGoalStatus } from "../case/plan";
import { documentIdText } from "../sync/ids";
import { offersCheckin } from "../checkin/link";
import { assignmentCard } from "./assignment";
import { fitChart } from "./chart";
import { checkinControl } from "./checkinlink";
import { coordinationCard } from "./coordination";
import { coursesCard } from "./courses";
import { caseNow, saveEdit } from "./edits";
import { alertList } from "./fitalerts";
import { followUpsCard } from "./followups";
import { inErrorControl, struck } from "./inerror";
import { outcomesCard } from "./outcomes";
import { goalTree } from "./plan";
import { ratingsText } from "./ratings";
import { h } from "./dom";
import { categoryLabel, codeLabel, formatDate, formatDateTime, pick, raterLabel, t } from "./i18n";

/** A goal's status as a select: the one single-valued field the phone edits, so two phones can conflict on it. */
function goalStatus(app: Running, docId: string, goalId: string, title: string, status: string): HTMLElement {
  return h(
    "select",
    {
      class: "goal-status",
      "aria-label": `Status: ${title}`,
      onchange: (ev: Event) => {
        const value = (ev.target as HTMLSelectElement).value;
        const c = caseNow(app, docId);
        if (c) void saveEdit(app, docId, setGoalStatus(c, goalId, value), "goal status");
      },
    },
    ...GOAL_STATUSES.map((s) => h("option", { value: s.code, selected: s.code === status }, pick(s))),
  );
}

/** The goals in the plan's order (sync-core's `goals::in_order`), each with its status and "Redigér"; a goal made in
 * error struck through, with why, and nothing to change. */
function goalsList(app: Running, docId: string, c: Case): HTMLElement {
  const tree = goalTree(c, ({ id, goal }) => {
    const body = [
      h("span", { class: "goal-level" }, codeLabel(GOAL_LEVELS, goal.level)),
      document.createTextNode(" "),
      h("span", { class: "goal-title" }, goal.title),
      goal.target_date ? h("span", { class: "muted" }, ` · ${formatDate(goal.target_date)}`) : null,
    ];
    if (goal.entered_in_error) return struck(body, goal.entered_in_error);
    return [
      ...body,
      goalStatus(app, docId, id, goal.title, goal.status),
      h("a", { class: "edit-goal", href: `#/case/${documentIdText(docId)}/goal/${encodeURIComponent(id)}` }, t("editGoal")),
    ];
  });
  return tree ?? h("p", { class: "muted" }, "–");
}

/** A person-readable name for a conflicting field: goal fields by the goal's title, others by their path. */
function fieldName(c: Case, path: string[]): string {
  if (path[0] === "plan" && path[1] === "goals" && path[2] && c.plan.goals[path[2]]) {
    return `${t("goals")}: ${c.plan.goals[path[2]]!.title} – ${path.slice(3).join(".")}`;
  }
  // Two phones moved the same goal: its position among its siblings.
  if (path[0] === "plan" && path[1] === "goal_order" && path[2] && c.plan.goals[path[2]]) {
    return `${t("goals")}: ${c.plan.goals[path[2]]!.title} – ${t("goalOrder")}`;
  }
  return path.join(".");
}

function valueText(v: unknown): string {
  if (typeof v === "string") {
    const status = GOAL_STATUSES.find((s) => s.code === v);
    if (status) return pick(status);
  }
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
}

/** `onFlash` shows a message on the page (after an edit made on it, e.g. a follow-up marked done). */
export function casePage(app: Running, id: string, flash: string | null, onFlash: (message: string) => void): HTMLElement {
  const doc = app.repo.get(id);
  const c = doc ? readCase(doc) : null;
  if (!doc || !c) return h("main", { class: "screen" }, h("a", { href: "#/" }, `← ${t("back")}`));
  const current = assessCase(c, app.fitRules.current);
  const { assessment, contactIds } = current;
  const conflicts = listConflicts(doc);
  const refusal = app.repo.refusal(id);
  const waiting = app.repo.pending().includes(id);

  const conflictSection =
    conflicts.length > 0
      ? h(
          "section",
          { class: "card conflicts", "aria-labelledby": "conflicts-h" },
          h("h2", { id: "conflicts-h" }, t("conflicts")),
          h("p", { class: "help" }, t("conflictHelp")),
          ...conflicts.map((conflict) =>
            h(
              "div",
              { class: "conflict" },
              h("div", { class: "muted" }, fieldName(c, conflict.path)),
              ...conflict.values.map((value) =>
                h(
                  "button",
                  {
                    class: "choice",
                    onclick: () =>
                      void app.repo.change(id, (d) => resolveConflict(d, conflict.path, value), "resolve conflict"),
                  },
                  `${t("choose")}: ${valueText(value)}`,
                ),
              ),
            ),
          ),
        )
      : null;

  const contacts = contactIds
    .map((cid) => ({ cid, contact: c.contacts[cid]! }))
    .reverse();
  // Contacts made in error stay in the record (never deleted), struck through and outside FIT.
  const inError = Object.entries(c.contacts)
    .filter(([, contact]) => contact.entered_in_error)
    .sort(([, a], [, b]) => b.start_ms - a.start_ms);

  return h(
    "main",
    { class: "screen" },
    h("a", { href: "#/", class: "back" }, `← ${t("back")}`),
    h("h1", {}, c.citizen.display_name, h("span", { class: "ref" }, ` ${c.citizen.reference}`)),
    flash ? h("p", { class: "flash", role: "status" }, flash) : null,
    refusal
      ? h(
          "section",
          { class: "card refused", role: "alert" },
          h("h2", {}, t("refused")),
          h("p", {}, refusal.message),
          h("p", { class: "help" }, t("refusedHelp")),
        )
      : null,
    waiting ? h("p", { class: "badge waiting" }, t("waitingChanges")) : null,
    conflictSection,
    h(
      "a",
      { class: "button primary", href: `#/case/${documentIdText(id)}/new` },
      `+ ${t("newContact")}`,
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, t("ownGoal")),
      h("p", { class: "own-goal" }, c.plan.own_goal || "–"),
      c.plan.purpose ? h("p", { class: "muted purpose" }, `${t("purpose")}: ${c.plan.purpose}`) : null,
      h("a", { class: "button", href: `#/case/${documentIdText(id)}/plan` }, t("editPlan")),
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, t("goals")),
      goalsList(app, id, c),
      h("a", { class: "button add-goal", href: `#/case/${documentIdText(id)}/goal` }, `+ ${t("addGoal")}`),
      Object.keys(c.plan.goals).length > 0
        ? h("a", { class: "button edit-goals", href: `#/case/${documentIdText(id)}/goals` }, t("editGoals"))
        : null,
    ),
    coursesCard(app, id, c),
    followUpsCard(app, id, c, onFlash),
    assignmentCard(app, id, c, onFlash),
    coordinationCard(app, id, c),
    h(
      "section",
      { class: "card" },
      h("h2", {}, t("fitChart")),
      assessment.contacts.length > 0 ? fitChart(assessment) : null,
      h("p", { class: "category" }, `${t("category")}: ${categoryLabel(assessment.category)}`),
      ...alertList(assessment.alerts, { "data-testid": "alerts" }),
    ),
    collateralCard(app, c, current.course),
    h(
      "section",
      { class: "card" },
      h("h2", {}, t("contacts")),
      contacts.length === 0
        ? h("p", { class: "muted" }, t("noContacts"))
        : h(
            "ul",
            { class: "contacts" },
            ...contacts.map(({ cid, contact }) =>
              h(
                "li",
                { "data-contact": cid },
                h("div", {}, h("strong", {}, codeLabel(CONTACT_KINDS, contact.kind)), " · ", formatDateTime(contact.start_ms)),
                h("div", { class: "muted ratings" }, ratingsText(contact)),
                contact.notes ? h("p", { class: "notes" }, contact.notes) : null,
                offersCheckin(contact.kind) ? checkinControl(app, id, cid) : null,
                inErrorControl(app, id, "contact", cid),
              ),
            ),
          ),
      inError.length > 0
        ? h(
            "ul",
            { class: "contacts in-error" },
            ...inError.map(([cid, contact]) =>
              h(
                "li",
                { "data-contact": cid, "data-in-error": "true" },
                h("s", {}, codeLabel(CONTACT_KINDS, contact.kind), " · ", formatDateTime(contact.start_ms)),
                h("div", { class: "muted" }, `${t("madeInError")}: ${contact.entered_in_error?.reason ?? ""}`),
              ),
            ),
          )
        : null,
    ),
    outcomesCard(app, id, c),
  );
}

/** Relatives' and professionals' ratings in the current series' course: each rater kind assessed as a series of
 * its own (sync-core's `collateral`), never as the citizen's missing rating. Nothing when no one else rated. */
function collateralCard(app: Running, c: Case, course: string | null): HTMLElement | null {
  const theirs = collateral(c, app.fitRules.current).filter((s) => s.course === course);
  if (theirs.length === 0) return null;
  return h(
    "section",
    { class: "card collateral" },
    h("h2", {}, t("collateral")),
    ...theirs.map((s) =>
      h(
        "div",
        { "data-rater": s.rater },
        h("strong", {}, raterLabel(s.rater)),
        ` · ${s.contactIds.length} ${t("contacts").toLowerCase()} · ${categoryLabel(s.assessment.category)}`,
        ...alertList(s.assessment.alerts),
      ),
    ),
  );
}
