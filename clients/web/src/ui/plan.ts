// The plan's forms (Serviceloven §141): the purpose and the citizen's own goal in their own words, and a new goal,
// sub-goal (under a goal) or stepping-stone goal (under a sub-goal) with its FFB goal type and target date. The
// edits are sync-core's (`src/case/plan.ts`, pinned by plan-edits.json), validated as a whole case and written on
// the phone first; a refusal is said in the worker's language. Below the new goal, each goal's status history (who,
// when), read from the document's own changes as sync-core reads it (`src/case/timeline.ts`, goal-history.json).

import type { Running } from "../app/session";
import { FFB_GOAL_TYPES } from "../case/ffb";
import { GOAL_LEVELS, GOAL_STATUSES, type Case } from "../case/model";
import { addGoal, setOwnGoal, setPurpose } from "../case/plan";
import { goalStatusHistory, type StatusStep } from "../case/timeline";
import { newUuid } from "../sync/ids";
import { h } from "./dom";
import { caseNow, saveEdit } from "./edits";
import { codeLabel, formatDateTime, pick, t } from "./i18n";

/** `#/case/<id>/plan`: the purpose and the citizen's own goal. */
export function planForm(app: Running, docId: string, done: (flash: string | null) => void): HTMLElement {
  const c = caseNow(app, docId);
  if (!c) return h("main", {}, "–");
  const error = h("p", { class: "error", role: "alert" });
  const purpose = h("textarea", { name: "purpose", rows: 2 });
  purpose.value = c.plan.purpose;
  const ownGoal = h("textarea", { name: "own_goal", rows: 4 });
  ownGoal.value = c.plan.own_goal;
  const form = h(
    "form",
    { class: "edit-form plan-form" },
    h("label", { class: "field" }, h("span", {}, t("purpose")), purpose),
    h("label", { class: "field" }, h("span", {}, t("ownGoal")), ownGoal, h("small", { class: "help" }, t("ownGoalHelp"))),
    error,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("savePlan")),
      h("button", { type: "button", onclick: () => done(null) }, t("cancel")),
    ),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    // Each edit starts from the case as the phone holds it now, so a sync in between is kept.
    const now = () => caseNow(app, docId) ?? c;
    if (!(await saveEdit(app, docId, setPurpose(now(), purpose.value), "edit purpose", error))) return;
    if (await saveEdit(app, docId, setOwnGoal(now(), ownGoal.value), "edit own goal", error)) done(t("saved_plan"));
  });
  return h("main", { class: "screen" }, h("h1", {}, `${t("editPlan")} – ${c.citizen.display_name}`), form);
}

/** The goals a new goal of `level` can hang under: those one level up that were not made in error. */
function parentsFor(c: Case, level: string): [string, string][] {
  const depth = GOAL_LEVELS.findIndex((l) => l.code === level);
  const above = depth > 0 ? GOAL_LEVELS[depth - 1]!.code : null;
  return Object.entries(c.plan.goals)
    .filter(([, g]) => g.level === above && !g.entered_in_error)
    .sort(([, a], [, b]) => a.created_ms - b.created_ms)
    .map(([id, g]) => [id, g.title]);
}

/** `#/case/<id>/goal`: a new goal at any level. */
export function goalForm(app: Running, docId: string, done: (flash: string | null) => void): HTMLElement {
  const c = caseNow(app, docId);
  if (!c) return h("main", {}, "–");
  const error = h("p", { class: "error", role: "alert" });
  const level = h("select", { name: "level" }, ...GOAL_LEVELS.map((l) => h("option", { value: l.code }, pick(l))));
  const parent = h("select", { name: "parent" });
  const parentField = h("label", { class: "field" }, h("span", {}, t("goalParent")), parent);
  const showParents = () => {
    const options = parentsFor(caseNow(app, docId) ?? c, level.value);
    parent.replaceChildren(...options.map(([id, title]) => h("option", { value: id }, title)));
    parentField.hidden = level.value === GOAL_LEVELS[0]!.code;
  };
  level.addEventListener("change", showParents);
  showParents();
  const form = h(
    "form",
    { class: "edit-form goal-form" },
    h("label", { class: "field" }, h("span", {}, t("goalTitle")), h("input", { name: "title", required: true, autocomplete: "off" })),
    h("label", { class: "field" }, h("span", {}, t("goalLevel")), level),
    parentField,
    h(
      "label",
      { class: "field" },
      h("span", {}, t("goalType")),
      h("select", { name: "goal_type" }, ...[...FFB_GOAL_TYPES].map(([code, name]) => h("option", { value: code }, name))),
    ),
    h("label", { class: "field" }, h("span", {}, t("targetDate")), h("input", { type: "date", name: "target_date" })),
    error,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("addGoal")),
      h("button", { type: "button", onclick: () => done(null) }, t("cancel")),
    ),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const top = level.value === GOAL_LEVELS[0]!.code;
    const target = String(data.get("target_date") ?? "");
    const edit = addGoal(caseNow(app, docId) ?? c, newUuid(), {
      title: String(data.get("title") ?? ""),
      level: level.value,
      parent: top ? null : parent.value || null,
      goal_type: String(data.get("goal_type")),
      status: "active",
      target_date: target === "" ? null : target,
      created_ms: Date.now(),
    });
    if (await saveEdit(app, docId, edit, "add goal", error)) done(t("saved_goal"));
  });
  return h(
    "main",
    { class: "screen" },
    h("h1", {}, `${t("addGoal")} – ${c.citizen.display_name}`),
    form,
    statusHistoryCard(app, docId, c),
  );
}

/** Who made a step: the device, by the start of its actor id, or a conflict waiting for a person. The document
 * records devices (automerge actors), not users, and the phone cannot tell whose device one is (nor its own
 * sessions apart, each of which writes as a new actor); the back office's review names the user where the server
 * knows it. */
function stepBy(step: StatusStep): string {
  return step.actor === null ? t("conflictStep") : `${t("otherDevice")} ${step.actor.slice(0, 8)}`;
}

/** Each goal's status steps, oldest first: status, when, by which device. */
function statusHistoryCard(app: Running, docId: string, c: Case): HTMLElement | null {
  const doc = app.repo.get(docId);
  if (!doc) return null;
  const history = goalStatusHistory(doc);
  const goals = Object.entries(c.plan.goals)
    .filter(([id]) => history[id])
    .sort(([, a], [, b]) => a.created_ms - b.created_ms);
  if (goals.length === 0) return null;
  return h(
    "section",
    { class: "card status-history", "aria-labelledby": "status-history-h" },
    h("h2", { id: "status-history-h" }, t("statusHistory")),
    h("p", { class: "help" }, t("statusHistoryHelp")),
    ...goals.map(([id, goal]) =>
      h(
        "div",
        { class: "goal-history", "data-goal": id },
        h("h3", {}, goal.title),
        h(
          "ol",
          { class: "steps" },
          ...history[id]!.map((step) =>
            h(
              "li",
              {},
              h("strong", {}, step.statuses.map((s) => codeLabel(GOAL_STATUSES, s)).join(" / ")),
              ` · ${formatDateTime(step.at_ms)} · ${stepBy(step)}`,
            ),
          ),
        ),
      ),
    ),
  );
}
