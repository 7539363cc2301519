// "Tovholder og tilknyttede" on the case page: who holds the thread for the citizen and who is assigned, with the
// edits to hand the role over and take a worker off the list, and the form that puts one on it
// (`#/case/<id>/assign`), offline like every other edit. The
// edits are sync-core's (src/case/assignment.ts, pinned by assignment-edits.json); a refusal is said in the worker's
// language. A new worker is chosen from the team's members (GET /v1/team, kept by ../app/team) by username, with
// the name to show; until the phone ever received the team, by user id. The list shows the names the case holds.

import type { Running } from "../app/session";
import { assignWorker, handOverTovholder, unassignWorker, type AssignmentEdit } from "../case/assignment";
import type { Case } from "../case/model";
import { documentIdText } from "../sync/ids";
import { h } from "./dom";
import { caseNow, saveEdit } from "./edits";
import { t } from "./i18n";

export function assignmentCard(app: Running, docId: string, c: Case, onFlash: (message: string) => void): HTMLElement {
  const me = app.session.user.id;
  const error = h("p", { class: "error", role: "alert" });
  // Each edit starts from the case as the phone holds it now, so a sync in between is kept.
  const save = async (edit: (now: Case) => AssignmentEdit, message: string) => {
    const now = caseNow(app, docId) ?? c;
    if (await saveEdit(app, docId, edit(now), message, error)) onFlash(t("saved_holders"));
  };
  const workers = Object.entries(c.workers).sort(([, a], [, b]) => a.localeCompare(b));
  const label = (id: string, name: string) => `${name}${id === me ? ` (${t("you")})` : ""}`;
  const list = h(
    "ul",
    { class: "workers" },
    ...workers.map(([id, name]) =>
      h(
        "li",
        { "data-worker": id },
        h("span", {}, label(id, name)),
        // The phone knows people only as the case names them: the id says who exactly.
        h("small", { class: "muted user-id" }, ` ${id} `),
        id === c.tovholder
          ? h("strong", { class: "badge is-tovholder" }, ` ${t("tovholderLabel")}`)
          : h(
              "span",
              { class: "actions" },
              h("button", { type: "button", class: "make-tovholder", onclick: () => void save((now) => handOverTovholder(now, id), "hand over tovholder") }, t("makeTovholder")),
              // The tovholder and the last worker stay: sync-core refuses both, so the phone does not offer them.
              workers.length > 1
                ? h("button", { type: "button", class: "unassign", onclick: () => void save((now) => unassignWorker(now, id), "unassign worker") }, t("unassign"))
                : null,
            ),
      ),
    ),
  );
  // A tovholder the list no longer names (two phones' merge) is shown by id, for a person to repair.
  const named = (id: string) => (Object.prototype.hasOwnProperty.call(c.workers, id) ? c.workers[id]! : id);
  const tovholder = c.tovholder ? named(c.tovholder) : "–";
  return h(
    "section",
    { class: "card holders", "aria-labelledby": "holders-h" },
    h("h2", { id: "holders-h" }, t("holders")),
    h("p", { class: "tovholder" }, `${t("tovholderLabel")}: ${tovholder}`),
    h("h3", {}, t("assignedWorkers")),
    list,
    error,
    h("a", { class: "button assign-worker", href: `#/case/${documentIdText(docId)}/assign` }, `+ ${t("assignWorker")}`),
  );
}

/** `#/case/<id>/assign`: a worker put on the list (a route of its own, so a sync never re-renders over what is
 * typed). The colleagues of the team (as last received, ../app/team) not yet on the case are offered by username,
 * the name to show defaulting to it; only while the phone knows no team is a worker named by user id. */
export function assignForm(app: Running, docId: string, done: (flash: string | null) => void): HTMLElement {
  const c = caseNow(app, docId);
  if (!c) return h("main", {}, "–");
  const me = app.session.user.id;
  const error = h("p", { class: "error", role: "alert" });
  const team = app.team.members;
  const onCase = (id: string) => Object.prototype.hasOwnProperty.call(c.workers, id);
  const colleagues = team.filter((m) => !onCase(m.id));
  const name = h("input", { name: "worker_name", required: true, autocomplete: "off" });
  let chosen: () => string;
  let who: HTMLElement;
  if (team.length === 0) {
    const userId = h("input", { name: "user_id", required: true, autocomplete: "off", spellcheck: "false" });
    chosen = () => userId.value.trim();
    who = h("label", { class: "field" }, h("span", {}, t("workerUserId")), userId);
  } else {
    const select = h(
      "select",
      { name: "colleague", required: true },
      ...colleagues.map((m) => h("option", { value: m.id }, `${m.username}${m.id === me ? ` (${t("you")})` : ""}`)),
    );
    const username = (id: string) => colleagues.find((m) => m.id === id)?.username ?? "";
    name.value = username(select.value);
    // The name follows the choice; it stays editable for the name the case should show.
    select.addEventListener("change", () => {
      name.value = username(select.value);
    });
    chosen = () => select.value;
    who = h("label", { class: "field" }, h("span", {}, t("colleague")), select);
  }
  const none = team.length > 0 && colleagues.length === 0;
  const form = h(
    "form",
    { class: "edit-form assign-form" },
    h("p", { class: "help" }, t(team.length > 0 ? "holdersHelpTeam" : "holdersHelp")),
    none ? h("p", { class: "muted no-colleagues" }, t("noColleagues")) : null,
    none ? null : who,
    none ? null : h("label", { class: "field" }, h("span", {}, t("workerName")), name),
    error,
    h(
      "div",
      { class: "actions" },
      none ? null : h("button", { type: "submit", class: "primary" }, t("assignWorker")),
      h("button", { type: "button", onclick: () => done(null) }, t("cancel")),
    ),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (none) return;
    const edit = assignWorker(caseNow(app, docId) ?? c, chosen(), name.value);
    if (await saveEdit(app, docId, edit, "assign worker", error)) done(t("saved_holders"));
  });
  return h("main", { class: "screen" }, h("h1", {}, `${t("assignWorker")} – ${c.citizen.display_name}`), form);
}
