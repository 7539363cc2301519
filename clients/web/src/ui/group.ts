// "Group session" (`#/group`): one form for a session with several citizens of the caseload. The worker ticks who
// took part and, for each, the GSRS total they wrote on paper (optional); the session's time, length and a note
// about what it was about go to everyone. `src/case/group.ts` makes one contact per citizen, each validated with
// its case; only when every case accepts are they written, each in its own document, offline like any edit.

import type { Running } from "../app/session";
import { groupContacts, type Participant } from "../case/group";
import { putContact, readCase } from "../case/model";
import { newUuid } from "../sync/ids";
import { h } from "./dom";
import { refusalText } from "./edits";
import { t } from "./i18n";

function localDateTimeValue(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export function groupForm(app: Running, done: (flash: string | null) => void): HTMLElement {
  const cases = app.repo
    .ids()
    .flatMap((id) => {
      const doc = app.repo.get(id);
      const c = doc ? readCase(doc) : null;
      return c ? [{ id, c }] : [];
    })
    .sort((a, b) => a.c.citizen.display_name.localeCompare(b.c.citizen.display_name, "da"));
  const error = h("p", { class: "error", role: "alert" });
  const rows = cases.map(({ id, c }) => {
    const chosen = h("input", { type: "checkbox", name: "participant", value: id });
    const gsrs = h("input", {
      type: "text",
      name: `gsrs-${id}`,
      inputmode: "decimal",
      placeholder: "GSRS",
      "aria-label": `${t("gsrsPaper")}: ${c.citizen.display_name}`,
    });
    return {
      id,
      chosen,
      gsrs,
      element: h("li", { class: "participant", "data-case": id }, h("label", { class: "check" }, chosen, ` ${c.citizen.display_name}`), gsrs),
    };
  });
  const form = h(
    "form",
    { class: "edit-form group-form" },
    h("label", { class: "field" }, h("span", {}, t("time")), h("input", { type: "datetime-local", name: "start", value: localDateTimeValue(Date.now()), required: true })),
    h("label", { class: "field" }, h("span", {}, t("duration")), h("input", { type: "number", name: "duration", value: 90, min: 0, max: 1440, inputmode: "numeric" })),
    h("label", { class: "field" }, h("span", {}, t("groupNotes")), h("textarea", { name: "notes", rows: 3 }), h("small", { class: "help" }, t("groupNotesHelp"))),
    h("fieldset", { class: "field participants" }, h("legend", {}, t("groupParticipants")), h("ul", { class: "participant-list" }, ...rows.map((r) => r.element))),
    error,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("saveGroup")),
      h("button", { type: "button", onclick: () => done(null) }, t("cancel")),
    ),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const participants: Participant[] = rows
      .filter((r) => r.chosen.checked)
      .flatMap((r) => {
        const doc = app.repo.get(r.id);
        const c = doc ? readCase(doc) : null;
        return c ? [{ docId: r.id, case: c, gsrsTotal: r.gsrs.value }] : [];
      });
    const made = groupContacts(
      {
        start_ms: new Date(String(data.get("start"))).getTime(),
        duration_minutes: Number(data.get("duration")),
        notes: String(data.get("notes") ?? ""),
        recorded_by: app.session.user.id,
      },
      participants,
    );
    if (made.result === "invalid") {
      const whose = made.docId ? cases.find((x) => x.id === made.docId)?.c.citizen.display_name : null;
      error.textContent = made.docId === null ? t("groupNobody") : `${whose ?? ""}: ${refusalText(made.error)}`;
      return;
    }
    for (const { docId, contact } of made.contacts) {
      await app.repo.change(docId, (d) => putContact(d as Record<string, unknown>, newUuid(), contact), "add group contact");
    }
    done(t("savedGroup").replace("{n}", String(made.contacts.length)));
  });
  return h("main", { class: "screen" }, h("h1", {}, t("groupSession")), form);
}
