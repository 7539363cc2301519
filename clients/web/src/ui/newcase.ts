// "New case": a worker opens a case for a citizen in their own team, offline like every other edit: the citizen's
// name, the municipality's pseudonymous reference and the birth year (which decides the FIT forms). The worker
// becomes its tovholder (sync-core's rule, `src/case/create.ts`); the case is written and persisted on the phone
// and reaches the server with the next sync.

import type { Running } from "../app/session";
import { openedBy, writeNewCase } from "../case/create";
import { invalid } from "../fit";
import { documentIdText, newDocumentId } from "../sync/ids";
import { h } from "./dom";
import { refusalText } from "./edits";
import { t } from "./i18n";

/** Calls `opened` with the new case's document id (as text) once it is stored, `cancelled` when cancelled. */
export function newCaseForm(app: Running, opened: (docText: string) => void, cancelled: () => void): HTMLElement {
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "edit-form new-case-form" },
    h("label", { class: "field" }, h("span", {}, t("citizenName")), h("input", { name: "name", required: true, autocomplete: "off" })),
    h(
      "label",
      { class: "field" },
      h("span", {}, t("citizenReference")),
      h("input", { name: "reference", required: true, autocomplete: "off" }),
      h("small", { class: "help" }, t("citizenReferenceHelp")),
    ),
    h(
      "label",
      { class: "field" },
      h("span", {}, t("birthYear")),
      h("input", { name: "birth_year", type: "number", inputmode: "numeric", min: 1900, max: 2200 }),
    ),
    error,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("createCase")),
      h("button", { type: "button", onclick: cancelled }, t("cancel")),
    ),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const user = app.session.user;
    if (!user.team_id) {
      error.textContent = t("noTeam");
      return;
    }
    const data = new FormData(form);
    const year = String(data.get("birth_year") ?? "").trim();
    // The document stores a whole year (an integer); anything else is refused here, as the server would.
    if (year !== "" && !Number.isInteger(Number(year))) {
      error.textContent = refusalText(invalid("citizen.birth_year", "malformed", "a birth year is a whole year"));
      return;
    }
    const made = openedBy(
      user.tenant_slug,
      user.team_id,
      { display_name: String(data.get("name") ?? ""), reference: String(data.get("reference") ?? ""), birth_year: year === "" ? null : Number(year) },
      { id: user.id, name: user.username },
    );
    if ("problem" in made) {
      error.textContent = refusalText(made);
      return;
    }
    const id = newDocumentId();
    await app.repo.change<Record<string, unknown>>(id, (draft) => writeNewCase(draft, made), "create case");
    opened(documentIdText(id));
  });
  return h("main", { class: "screen" }, h("h1", {}, t("newCase")), form);
}
