// The tovholder's coordination with the network around the citizen (DOMAIN.md: the tovholder holds the thread to
// the job centre, psychiatry, housing): each network meeting or call is an entry of its own on the case page, with
// who was involved, who took part and what was agreed, not hidden in a visit's notes. The edit is sync-core's
// (`add_coordination`, ported in src/case/course.ts and pinned by course-edits.json); one made in error stays
// listed, struck through. The lead's review (src/review/entries.ts) shows the same lines, without the controls.

import type { Running } from "../app/session";
import { isoDay, today } from "../case/agenda";
import { addCoordination } from "../case/course";
import { COORDINATION_PARTIES, type Case, type Coordination } from "../case/model";
import { documentIdText, newUuid } from "../sync/ids";
import { h } from "./dom";
import { caseNow, saveEdit } from "./edits";
import { codeLabel, formatDate, pick, t } from "./i18n";
import { inErrorControl, struck } from "./inerror";

/** The coordination entries, newest first. */
export function coordinationByDate(c: Case): [string, Coordination][] {
  return Object.entries(c.coordination ?? {}).sort(([a, x], [b, y]) => y.date.localeCompare(x.date) || a.localeCompare(b));
}

/** What an entry says, without controls: date and who was involved, who took part, what was agreed. */
export function coordinationBody(x: Coordination): (HTMLElement | null)[] {
  return [
    h("div", {}, h("strong", {}, formatDate(x.date)), ` · ${x.parties.map((p) => codeLabel(COORDINATION_PARTIES, p)).join(", ")}`),
    x.participants ? h("div", { class: "muted participants" }, `${t("participants")}: ${x.participants}`) : null,
    h("div", { class: "agreements" }, x.agreements),
  ];
}

function item(app: Running, docId: string, id: string, x: Coordination): HTMLElement {
  const body = coordinationBody(x);
  return x.entered_in_error
    ? h("li", { "data-coordination": id, "data-in-error": "true" }, ...struck(body, x.entered_in_error))
    : h("li", { "data-coordination": id }, ...body, inErrorControl(app, docId, "coordination", id));
}

/** The coordination entries, newest first, with "record a coordination". */
export function coordinationCard(app: Running, docId: string, c: Case): HTMLElement {
  const list = coordinationByDate(c);
  return h(
    "section",
    { class: "card coordination", "aria-labelledby": "coordination-h" },
    h("h2", { id: "coordination-h" }, t("coordination")),
    list.length === 0
      ? h("p", { class: "muted" }, t("coordinationNone"))
      : h("ul", { class: "coordination-list" }, ...list.map(([id, x]) => item(app, docId, id, x))),
    h("a", { class: "button add-coordination", href: `#/case/${documentIdText(docId)}/coordination` }, `+ ${t("addCoordination")}`),
  );
}

/** `#/case/<id>/coordination`: the date, who was involved, who took part, what was agreed. */
export function coordinationForm(app: Running, docId: string, done: (flash: string | null) => void): HTMLElement {
  const c = caseNow(app, docId);
  if (!c) return h("main", {}, "–");
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "edit-form coordination-form" },
    h("label", { class: "field" }, h("span", {}, t("date")), h("input", { type: "date", name: "date", value: isoDay(today()), required: true })),
    h(
      "fieldset",
      { class: "field parties" },
      h("legend", {}, t("coordinationParties")),
      ...COORDINATION_PARTIES.map((p) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "parties", value: p.code }), ` ${pick(p)}`)),
    ),
    h("label", { class: "field" }, h("span", {}, t("participants")), h("input", { name: "participants", autocomplete: "off" })),
    h("label", { class: "field" }, h("span", {}, t("agreements")), h("textarea", { name: "agreements", rows: 4 })),
    error,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("addCoordination")),
      h("button", { type: "button", onclick: () => done(null) }, t("cancel")),
    ),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const edit = addCoordination(caseNow(app, docId) ?? c, newUuid(), {
      date: String(data.get("date")),
      parties: data.getAll("parties").map(String),
      participants: String(data.get("participants") ?? "").trim(),
      agreements: String(data.get("agreements") ?? ""),
      recorded_by: app.session.user.id,
    });
    if (await saveEdit(app, docId, edit, "add coordination", error)) done(t("saved_coordination"));
  });
  return h("main", { class: "screen" }, h("h1", {}, `${t("addCoordination")} – ${c.citizen.display_name}`), form);
}
