// The caseload: every case on the device, by citizen name, with its FIT alerts, whether a follow-up is overdue, a
// course ends within 14 days or a punch card is nearly used (sync-core's agenda rule), and whether it has changes
// waiting or refused. Computed from the local documents with the tenant's FIT rule set as last received, so it works
// offline.

import type { Running } from "../app/session";
import { agenda, today } from "../case/agenda";
import { assessCase } from "../case/fit";
import { readCase } from "../case/model";
import { documentIdText } from "../sync/ids";
import { h } from "./dom";
import { ruleSetNote, ruleSetsOf } from "./fitalerts";
import { alertLabel, t } from "./i18n";

export function caseloadScreen(app: Running, flash: string | null = null): HTMLElement {
  const pending = new Set(app.repo.pending());
  const rows = app.repo
    .ids()
    .flatMap((id) => {
      const doc = app.repo.get(id);
      const c = doc ? readCase(doc) : null;
      return c ? [{ id, c, alerts: assessCase(c, app.fitRules.current).assessment.alerts, due: agenda(c, today()) }] : [];
    })
    .sort((a, b) => a.c.citizen.display_name.localeCompare(b.c.citizen.display_name, "da"));
  const list = h(
    "ul",
    { class: "caseload" },
    ...rows.map(({ id, c, alerts, due }) =>
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
                {
                  class: "badge alert",
                  title: `${alerts.map((a) => alertLabel(a.kind)).join(", ")} (${t("ruleSet")}: ${ruleSetsOf(alerts).join(", ")})`,
                },
                `⚠ ${alerts.length} ${t(alerts.length === 1 ? "alert" : "alerts")}`,
              )
            : null,
          due.overdue_follow_ups.length > 0 ? h("span", { class: "badge alert" }, t("followUpOverdue")) : null,
          due.courses_ending.length > 0
            ? h(
                "span",
                { class: "badge waiting", title: due.courses_ending.map((e) => e.planned_end).join(", ") },
                t(due.courses_ending.some((e) => e.days_left < 0) ? "courseRanOver" : "courseEndsSoon"),
              )
            : null,
          due.punch_cards.some((card) => card.left <= 1) ? h("span", { class: "badge waiting punch-card" }, t("punchCardLow")) : null,
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
    flash ? h("p", { class: "flash", role: "status" }, flash) : null,
    // An admin manages users and settings; cases are opened by workers and leads, in their own team.
    app.session.user.role === "admin" ? null : h("a", { class: "button primary new-case", href: "#/new-case" }, `+ ${t("newCase")}`),
    app.session.user.role === "admin" || rows.length === 0 ? null : h("a", { class: "button group-session", href: "#/group" }, `+ ${t("groupSession")}`),
    rows.length === 0 ? h("p", { class: "help" }, t("noCases")) : list,
    // Which rule set fired the badges' alerts (the tenant's own, or fit-rules/1).
    ruleSetNote(rows.flatMap((row) => row.alerts)),
  );
}
