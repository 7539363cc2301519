// The plan's forms (Serviceloven §141): the purpose and the citizen's own goal in their own words, and a new goal,
// sub-goal (under a goal) or stepping-stone goal (under a sub-goal) with its FFB goal type and target date. The
// edits are sync-core's (`src/case/plan.ts`, pinned by plan-edits.json), validated as a whole case and written on
// the phone first; a refusal is said in the worker's language. Below the new goal, each goal's status history (who,
// when), read from the document's own changes as sync-core reads it (`src/case/timeline.ts`, goal-history.json).
// The goals' screen lists them in the plan's order (`src/case/goals.ts`, sync-core's `goals::in_order`), moves one
// up or down among its siblings, and opens a goal's own form to change its title, goal type and target date. A goal
// made in error is shown struck through, and neither edited nor moved.

import type { Running } from "../app/session";
import { FFB_GOAL_TYPES } from "../case/ffb";
import { inOrder, siblings, type Listed } from "../case/goals";
import { GOAL_LEVELS, GOAL_STATUSES, type Case } from "../case/model";
import { addGoal, moveGoal, setGoalTarget, setGoalTitle, setGoalType, setOwnGoal, setPurpose } from "../case/plan";
import { goalStatusHistory, type StatusStep } from "../case/timeline";
import { documentIdText, newUuid } from "../sync/ids";
import { h } from "./dom";
import { caseNow, saveEdit } from "./edits";
import { codeLabel, formatDate, formatDateTime, pick, t } from "./i18n";
import { struck } from "./inerror";

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
  return inOrder(c.plan)
    .filter(({ goal }) => goal.level === above && !goal.entered_in_error)
    .map(({ id, goal }) => [id, goal.title]);
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
  const goals = inOrder(c.plan)
    .filter(({ id }) => history[id])
    .map(({ id, goal }) => [id, goal] as const);
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

/**
 * The goals as nested lists in the plan's order: each goal's sub-goals in a list inside its item. `inOrder` lists a
 * goal's sub-goals right after it, one level deeper, so a list opens wherever the depth grows.
 */
export function goalTree(c: Case, item: (entry: Listed) => (Node | string | null)[]): HTMLElement | null {
  const listed = inOrder(c.plan);
  if (listed.length === 0) return null;
  const top = h("ul", { class: "goals" });
  const lists: HTMLElement[] = [top];
  const items: HTMLElement[] = [];
  for (const entry of listed) {
    const depth = Math.min(entry.depth, lists.length);
    if (depth === lists.length) {
      const deeper = h("ul", { class: "goals" });
      items[depth - 1]!.append(deeper);
      lists.push(deeper);
    }
    lists.length = depth + 1;
    items.length = depth;
    const li = h("li", { "data-goal": entry.id, "data-depth": entry.depth }, ...item(entry));
    lists[depth]!.append(li);
    items[depth] = li;
  }
  return top;
}

/** A goal's FFB goal type and target date, as one muted line. */
function goalDetails(goal: Case["plan"]["goals"][string]): string {
  const type = FFB_GOAL_TYPES.get(goal.goal_type) ?? goal.goal_type;
  return goal.target_date ? `${type} · ${formatDate(goal.target_date)}` : type;
}

/** Where "move up" and "move down" put a goal among its siblings: the `after` of `moveGoal`, or none at the end. */
function moves(c: Case, id: string): { up: { after: string | null } | null; down: { after: string } | null } {
  const goal = c.plan.goals[id]!;
  const order = siblings(c.plan, goal.parent ?? null).map(([sibling]) => sibling);
  const at = order.indexOf(id);
  return {
    up: at > 0 ? { after: at >= 2 ? order[at - 2]! : null } : null,
    down: at >= 0 && at < order.length - 1 ? { after: order[at + 1]! } : null,
  };
}

/**
 * `#/case/<id>/goals`: every goal in the plan's order, each with "Redigér", "Flyt op" and "Flyt ned". A move is
 * saved on the phone like any edit; the screen is drawn again from the case (main.ts re-renders it on every change,
 * as it holds nothing typed), and the button keeps the focus by its id.
 */
export function goalsScreen(app: Running, docId: string): HTMLElement {
  const c = caseNow(app, docId);
  if (!c) return h("main", {}, "–");
  const caseHref = `#/case/${documentIdText(docId)}`;
  const error = h("p", { class: "error", role: "alert" });
  const move = (id: string, after: string | null) => {
    error.textContent = "";
    const now = caseNow(app, docId);
    if (now) void saveEdit(app, docId, moveGoal(now, id, after), "move goal", error);
  };
  const tree = goalTree(c, ({ id, goal }) => {
    const body = [
      h("span", { class: "goal-level" }, codeLabel(GOAL_LEVELS, goal.level)),
      document.createTextNode(" "),
      h("span", { class: "goal-title" }, goal.title),
    ];
    if (goal.entered_in_error) return [...struck(body, goal.entered_in_error), h("div", { class: "muted" }, t("goalInErrorFinal"))];
    const { up, down } = moves(c, id);
    return [
      ...body,
      h("div", { class: "muted goal-details" }, goalDetails(goal)),
      h(
        "div",
        { class: "goal-actions" },
        h("a", { class: "button edit-goal", href: `${caseHref}/goal/${encodeURIComponent(id)}` }, t("editGoal")),
        h(
          "button",
          { type: "button", class: "move-up", id: `goal-up-${id}`, disabled: up === null, onclick: () => up && move(id, up.after) },
          t("moveUp"),
        ),
        h(
          "button",
          { type: "button", class: "move-down", id: `goal-down-${id}`, disabled: down === null, onclick: () => down && move(id, down.after) },
          t("moveDown"),
        ),
      ),
    ];
  });
  return h(
    "main",
    { class: "screen goals-screen" },
    h("a", { href: caseHref, class: "back" }, `← ${t("back")}`),
    h("h1", {}, `${t("goals")} – ${c.citizen.display_name}`),
    h("p", { class: "help" }, t("goalsOrderHelp")),
    error,
    h("section", { class: "card" }, tree ?? h("p", { class: "muted" }, "–")),
    h("a", { class: "button add-goal", href: `${caseHref}/goal` }, `+ ${t("addGoal")}`),
  );
}

/** `#/case/<id>/goal/<goal>`: a goal's title, FFB goal type and target date (empty: none). */
export function goalEditForm(app: Running, docId: string, goalId: string, done: (flash: string | null) => void): HTMLElement {
  const c = caseNow(app, docId);
  const goal = c && Object.hasOwn(c.plan.goals, goalId) ? c.plan.goals[goalId]! : null;
  if (!c || !goal || goal.entered_in_error) {
    return h(
      "main",
      { class: "screen" },
      h("p", { class: "error", role: "alert" }, goal ? t("goalInErrorFinal") : t("refused_not_found")),
      h("div", { class: "actions" }, h("button", { type: "button", onclick: () => done(null) }, t("back"))),
    );
  }
  const error = h("p", { class: "error", role: "alert" });
  const title = h("input", { name: "title", required: true, autocomplete: "off" });
  title.value = goal.title;
  // A goal type no longer in KL's list is still shown as the goal holds it, so saving the title does not change it.
  const types = [...FFB_GOAL_TYPES];
  if (!FFB_GOAL_TYPES.has(goal.goal_type)) types.unshift([goal.goal_type, goal.goal_type]);
  const goalType = h(
    "select",
    { name: "goal_type" },
    ...types.map(([code, name]) => h("option", { value: code, selected: code === goal.goal_type }, name)),
  );
  const target = h("input", { type: "date", name: "target_date" });
  target.value = goal.target_date ?? "";
  const form = h(
    "form",
    { class: "edit-form goal-edit-form", "data-goal": goalId },
    h("p", { class: "goal-level" }, codeLabel(GOAL_LEVELS, goal.level)),
    h("label", { class: "field" }, h("span", {}, t("goalTitle")), title),
    h("label", { class: "field" }, h("span", {}, t("goalType")), goalType),
    h("label", { class: "field" }, h("span", {}, t("targetDate")), target, h("small", { class: "help" }, t("targetDateHelp"))),
    error,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("saveGoal")),
      h("button", { type: "button", onclick: () => done(null) }, t("cancel")),
    ),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    // Each edit starts from the case as the phone holds it now, so a sync in between is kept; an unchanged field
    // writes nothing.
    const now = () => caseNow(app, docId) ?? c;
    if (!(await saveEdit(app, docId, setGoalTitle(now(), goalId, title.value), "set goal title", error))) return;
    if (!(await saveEdit(app, docId, setGoalType(now(), goalId, goalType.value), "set goal type", error))) return;
    const date = target.value === "" ? null : target.value;
    if (await saveEdit(app, docId, setGoalTarget(now(), goalId, date), "set goal target date", error)) done(t("saved_goal"));
  });
  return h("main", { class: "screen" }, h("h1", {}, `${t("editGoalTitle")} – ${c.citizen.display_name}`), form);
}
