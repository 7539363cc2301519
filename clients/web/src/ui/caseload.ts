// The caseload: every case on the device, by citizen name, with its FIT alerts and whether it has changes
// waiting or refused. Computed from the local documents, so it works offline.

import type { Running } from "../app/session";
import { assessCase } from "../case/fit";
import { readCase } from "../case/model";
import { documentIdText } from "../sync/ids";
import { h } from "./dom";
import { alertLabel, t } from "./i18n";

export function caseloadScreen(app: Running): HTMLElement {
  const pending = new Set(app.repo.pending());
  const rows = app.repo
    .ids()
    .flatMap((id) => {
      const doc = app.repo.get(id);
      const c = doc ? readCase(doc) : null;
      return c ? [{ id, c, alerts: assessCase(c).assessment.alerts }] : [];
    })
    .sort((a, b) => a.c.citizen.display_name.localeCompare(b.c.citizen.display_name, "da"));
  const list = h(
    "ul",
    { class: "caseload" },
    ...rows.map(({ id, c, alerts }) =>
      h(
        "li",
        {},
        h(
          "a",
          { href: `#/case/${documentIdText(id)}`, class: "case-row" },
          h("span", { class: "name" }, c.citizen.display_name),
          h("span", { class: "ref" }, c.citizen.reference),
          alerts.length > 0
            ? h(
                "span",
                { class: "badge alert", title: alerts.map((a) => alertLabel(a.kind)).join(", ") },
                `⚠ ${alerts.length} ${t(alerts.length === 1 ? "alert" : "alerts")}`,
              )
            : null,
          pending.has(id) ? h("span", { class: "badge waiting" }, t("waiting")) : null,
          app.repo.refusal(id) ? h("span", { class: "badge refused" }, t("refused")) : null,
        ),
      ),
    ),
  );
  return h(
    "main",
    { class: "screen" },
    h("h1", {}, t("caseload")),
    rows.length === 0 ? h("p", { class: "help" }, t("noCases")) : list,
  );
}
