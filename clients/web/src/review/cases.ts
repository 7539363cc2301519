// The cases behind a figure: the list the dashboard links to, with the filter in the URL (so a link can be shared)
// and paging. Each row opens the case's review page.

import type { Running } from "../app/session";
import { FFB_SERVICES } from "../case/ffb";
import { h } from "../ui/dom";
import { alertLabel, formatDate, formatDateTime, t } from "../ui/i18n";
import { caseList, type CaseRow } from "./api";
import { caseRoute, loadingScreen } from "./screen";

function row(c: CaseRow): HTMLElement {
  const course = c.current_course;
  const flags = [
    c.awaiting_approval ? h("span", { class: "badge waiting" }, t("awaitingApproval")) : null,
    c.follow_up_overdue ? h("span", { class: "badge alert" }, t("fig_follow_ups_overdue")) : null,
    c.conflicts > 0 ? h("span", { class: "badge waiting" }, `${t("conflicts")}: ${c.conflicts}`) : null,
    c.refused_changes > 0 ? h("span", { class: "badge refused" }, `${t("fig_refused_changes")}: ${c.refused_changes}`) : null,
    c.open ? null : h("span", { class: "badge" }, t("closed")),
  ];
  return h(
    "tr",
    {},
    h(
      "th",
      { scope: "row" },
      c.display_name === null ? h("span", { class: "muted" }, "–") : h("a", { href: caseRoute(c.id), class: "review-link" }, c.display_name),
    ),
    h("td", {}, c.tovholder?.username ?? "–"),
    h(
      "td",
      {},
      course ? `${FFB_SERVICES.get(course.service_code) ?? course.service_code}` : "–",
      course?.planned_end_date ? h("div", { class: "muted" }, `${t("plannedEnd")} ${formatDate(course.planned_end_date)}`) : null,
    ),
    h("td", {}, c.last_contact_at === null ? "–" : formatDateTime(c.last_contact_at)),
    h("td", {}, ...c.alert_kinds.map((kind) => h("span", { class: "badge alert" }, alertLabel(kind)))),
    h("td", {}, ...flags),
  );
}

export function casesScreen(app: Running, query: string): HTMLElement {
  return loadingScreen("cases", async (screen) => {
    const list = await caseList(app, query);
    const page = (offset: number) => {
      const params = new URLSearchParams(query);
      params.set("offset", String(offset));
      return `#/review/cases?${params.toString()}`;
    };
    const paging = h(
      "nav",
      { class: "paging", "aria-label": t("reviewCases") },
      list.offset > 0 ? h("a", { href: page(Math.max(0, list.offset - list.limit)) }, t("previous")) : null,
      list.offset + list.limit < list.total ? h("a", { href: page(list.offset + list.limit) }, t("next")) : null,
    );
    screen.replaceChildren(
      h("a", { href: "#/review", class: "back" }, `← ${t("overview")}`),
      h("h1", {}, t("reviewCases")),
      h("p", { class: "help", "data-testid": "total" }, `${list.total} ${t("casesFound")}`),
      h(
        "table",
        { class: "review-cases" },
        h(
          "thead",
          {},
          h("tr", {}, ...[t("citizen"), t("tovholder"), t("course"), t("lastContact"), t("alerts"), t("flags")].map((x) => h("th", { scope: "col" }, x))),
        ),
        h("tbody", {}, ...list.cases.map(row)),
      ),
      paging,
    );
  });
}
