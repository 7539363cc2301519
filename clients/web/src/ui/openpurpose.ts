// Before a case is shown on the phone, the worker says why they open it (DOMAIN.md: every read of a case is logged
// with its purpose): the four purposes of sync-core's OPEN_PURPOSES as big buttons, one per line at 360 px. The
// case's name is shown so the worker knows which case they are about to open; nothing else of it is.

import type { Running } from "../app/session";
import { OPEN_PURPOSES, readCase } from "../case/model";
import { h } from "./dom";
import { pick, t } from "./i18n";

/** The chooser for case `id` (hex) whose id text is `caseText`; `chosen` runs once the opening is stored. */
export function openPurposeScreen(app: Running, id: string, caseText: string, chosen: () => void): HTMLElement {
  const doc = app.repo.get(id);
  const name = doc ? readCase(doc)?.citizen.display_name : undefined;
  const error = h("p", { class: "error", role: "alert" });
  const buttons = OPEN_PURPOSES.map((purpose) =>
    h(
      "button",
      {
        class: "purpose",
        "data-purpose": purpose.code,
        onclick: () => {
          // Twice tapped is still one opening.
          for (const b of buttons) b.disabled = true;
          app.openCase(caseText, purpose.code).then(chosen, () => {
            error.textContent = t("openPurposeFailed");
            for (const b of buttons) b.disabled = false;
          });
        },
      },
      pick(purpose),
    ),
  );
  return h(
    "main",
    { class: "screen open-purpose" },
    h("a", { href: "#/", class: "back" }, `← ${t("back")}`),
    name ? h("p", { class: "muted" }, name) : null,
    h("h1", {}, t("openPurpose")),
    h("div", { class: "actions" }, ...buttons),
    error,
    h("p", { class: "help" }, t("openPurposeHelp")),
  );
}
