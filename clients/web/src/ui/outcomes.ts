// The case's outcomes on the case page (own home, a job, less support, support ended: the results municipalities
// report, DOMAIN.md), newest first, and the form that records one. One made in error stays listed, struck through.

import type { Running } from "../app/session";
import { isoDay, today } from "../case/agenda";
import { addOutcome } from "../case/course";
import { OUTCOME_KINDS, type Case, type OutcomeEvent } from "../case/model";
import { documentIdText, newUuid } from "../sync/ids";
import { h } from "./dom";
import { caseNow, saveEdit } from "./edits";
import { inErrorControl } from "./inerror";
import { codeLabel, formatDate, pick, t } from "./i18n";

function item(app: Running, docId: string, id: string, o: OutcomeEvent): HTMLElement {
  const body = [
    h("div", {}, h("strong", {}, codeLabel(OUTCOME_KINDS, o.kind)), ` · ${formatDate(o.date)}`),
    o.note ? h("div", { class: "note" }, o.note) : null,
  ];
  return o.entered_in_error
    ? h(
        "li",
        { "data-outcome": id, "data-in-error": "true" },
        h("s", {}, ...body),
        h("div", { class: "muted" }, `${t("madeInError")}: ${o.entered_in_error.reason}`),
      )
    : h("li", { "data-outcome": id }, ...body, inErrorControl(app, docId, "outcome", id));
}

/** The outcomes, newest first, with "record an outcome". */
export function outcomesCard(app: Running, docId: string, c: Case): HTMLElement {
  const list = Object.entries(c.outcomes).sort(([a, x], [b, y]) => y.date.localeCompare(x.date) || a.localeCompare(b));
  return h(
    "section",
    { class: "card outcomes", "aria-labelledby": "outcomes-h" },
    h("h2", { id: "outcomes-h" }, t("outcomes")),
    list.length === 0 ? h("p", { class: "muted" }, t("outcomesNone")) : h("ul", { class: "outcome-list" }, ...list.map(([id, o]) => item(app, docId, id, o))),
    h("a", { class: "button add-outcome", href: `#/case/${documentIdText(docId)}/outcome` }, `+ ${t("addOutcome")}`),
  );
}

/** "Record an outcome": kind, date, note. */
export function outcomeForm(app: Running, docId: string, done: (flash: string | null) => void): HTMLElement {
  const c = caseNow(app, docId);
  if (!c) return h("main", {}, "–");
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "edit-form outcome-form" },
    h(
      "label",
      { class: "field" },
      h("span", {}, t("outcomeKind")),
      h("select", { name: "kind" }, ...OUTCOME_KINDS.map((k) => h("option", { value: k.code }, pick(k)))),
    ),
    h("label", { class: "field" }, h("span", {}, t("date")), h("input", { type: "date", name: "date", value: isoDay(today()), required: true })),
    h("label", { class: "field" }, h("span", {}, t("note")), h("textarea", { name: "note", rows: 3 })),
    error,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("addOutcome")),
      h("button", { type: "button", onclick: () => done(null) }, t("cancel")),
    ),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const edit = addOutcome(caseNow(app, docId) ?? c, newUuid(), String(data.get("kind")), String(data.get("date")), String(data.get("note") ?? ""));
    if (await saveEdit(app, docId, edit, "add outcome", error)) done(t("saved_outcome"));
  });
  return h("main", { class: "screen" }, h("h1", {}, `${t("addOutcome")} – ${c.citizen.display_name}`), form);
}
