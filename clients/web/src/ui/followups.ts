// The case's follow-ups on the case page (due date, purpose, who it is held with, done or overdue as sync-core's
// agenda decides), a "done" button on each one still planned that asks for a short note of how it went, and the
// form that plans the next one on the date the agenda offers (a quarter after the latest one planned: follow-up up
// to four times a year, DOMAIN.md). Done is final, so a follow-up held has no button to undo it. The lead's review
// (src/review/entries.ts) shows the same lines, without the buttons.

import type { Running } from "../app/session";
import { agenda, today } from "../case/agenda";
import { addFollowUp, completeFollowUp } from "../case/course";
import { FOLLOW_UP_WITH, type Case, type FollowUp } from "../case/model";
import { documentIdText, newUuid } from "../sync/ids";
import { h } from "./dom";
import { caseNow, saveEdit } from "./edits";
import { inErrorControl, struck } from "./inerror";
import { inPlaceForm } from "./inplace";
import { codeLabel, formatDate, pick, t } from "./i18n";

function status(followUp: FollowUp, overdue: boolean): HTMLElement {
  if (followUp.done) return h("span", { class: "badge done" }, `✓ ${t("followUpDone")}`);
  if (overdue) return h("span", { class: "badge alert" }, t("overdue"));
  return h("span", { class: "badge planned" }, t("planned"));
}

/** The follow-ups, earliest due first. */
export function followUpsByDue(c: Case): [string, FollowUp][] {
  return Object.entries(c.follow_ups).sort(([a, x], [b, y]) => x.due.localeCompare(y.due) || a.localeCompare(b));
}

/** What a follow-up says, without controls: due date and status, purpose, with whom, how it went. */
export function followUpBody(f: FollowUp, overdue: boolean): (HTMLElement | null)[] {
  return [
    h("div", {}, h("strong", {}, formatDate(f.due)), " ", status(f, overdue)),
    f.purpose ? h("div", { class: "purpose" }, f.purpose) : null,
    (f.with ?? []).length > 0
      ? h("div", { class: "with muted" }, `${t("followUpWith")}: ${(f.with ?? []).map((w) => codeLabel(FOLLOW_UP_WITH, w)).join(", ")}`)
      : null,
    f.done_note ? h("div", { class: "done-note" }, f.done_note) : null,
  ];
}

/** "Held": opens a short note of how it went, then marks the follow-up done (final). */
function doneControl(app: Running, docId: string, id: string, error: HTMLElement, flash: (message: string) => void): HTMLElement {
  const box = h("div", { class: "done-control" });
  const note = h("textarea", { name: "done-note", rows: 2, "aria-label": t("doneNote"), placeholder: t("doneNote") });
  const form = inPlaceForm(`${docId}/follow_up/${id}/done`, note);
  const confirm = async () => {
    const now = caseNow(app, docId);
    if (!now) return;
    if (await saveEdit(app, docId, completeFollowUp(now, id, note.value), "complete follow-up", error)) {
      form.close();
      flash(t("saved_follow_up_done"));
    }
  };
  const open = () => {
    form.open();
    box.replaceChildren(note, h("button", { type: "button", class: "confirm-done primary", onclick: confirm }, t("markDone")));
  };
  if (form.isOpen()) open();
  else box.replaceChildren(h("button", { type: "button", class: "mark-done", onclick: open }, t("markDone")));
  return box;
}

/** The follow-ups, earliest due first, with "plan a follow-up". */
export function followUpsCard(app: Running, docId: string, c: Case, flash: (message: string) => void): HTMLElement {
  const overdue = new Set(agenda(c, today()).overdue_follow_ups);
  const list = followUpsByDue(c);
  const error = h("p", { class: "error", role: "alert" });
  const item = (id: string, f: FollowUp): HTMLElement => {
    const body = followUpBody(f, overdue.has(id));
    if (f.entered_in_error) return h("li", { "data-follow-up": id, "data-in-error": "true" }, ...struck(body, f.entered_in_error));
    return h(
      "li",
      { "data-follow-up": id, "data-done": f.done ? "true" : "false" },
      ...body,
      f.done ? null : doneControl(app, docId, id, error, flash),
      inErrorControl(app, docId, "follow_up", id),
    );
  };
  return h(
    "section",
    { class: "card follow-ups", "aria-labelledby": "follow-ups-h" },
    h("h2", { id: "follow-ups-h" }, t("followUps")),
    list.length === 0 ? h("p", { class: "muted" }, t("followUpsNone")) : h("ul", { class: "follow-up-list" }, ...list.map(([id, f]) => item(id, f))),
    error,
    h("a", { class: "button plan-follow-up", href: `#/case/${documentIdText(docId)}/follow-up` }, `+ ${t("planFollowUp")}`),
  );
}

/** "Plan a follow-up": the due date offered by the agenda (the worker may change it) and what to follow up. */
export function followUpForm(app: Running, docId: string, done: (flash: string | null) => void): HTMLElement {
  const c = caseNow(app, docId);
  if (!c) return h("main", {}, "–");
  const offered = agenda(c, today()).next_follow_up;
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "edit-form follow-up-form" },
    h(
      "label",
      { class: "field" },
      h("span", {}, t("due")),
      h("input", { type: "date", name: "due", value: offered, required: true }),
      h("small", { class: "help" }, t("dueOffered")),
    ),
    h("label", { class: "field" }, h("span", {}, t("followUpPurpose")), h("textarea", { name: "purpose", rows: 3 })),
    h(
      "fieldset",
      { class: "field with" },
      h("legend", {}, t("followUpWith")),
      ...FOLLOW_UP_WITH.map((w) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "with", value: w.code }), ` ${pick(w)}`)),
    ),
    error,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("planFollowUp")),
      h("button", { type: "button", onclick: () => done(null) }, t("cancel")),
    ),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const edit = addFollowUp(caseNow(app, docId) ?? c, newUuid(), String(data.get("due")), String(data.get("purpose") ?? ""), data.getAll("with").map(String));
    if (await saveEdit(app, docId, edit, "add follow-up", error)) done(t("saved_follow_up"));
  });
  return h("main", { class: "screen" }, h("h1", {}, `${t("planFollowUp")} – ${c.citizen.display_name}`), form);
}
