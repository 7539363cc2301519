// The lead's dashboard: per team the figures a lead acts on, each a link to the cases behind it, and per worker the
// caseload against the municipality's recommended caseload (a setting; no built-in number stands in for it).

import type { Running } from "../app/session";
import { h } from "../ui/dom";
import { alertLabel, formatDate, t, type LabelKey } from "../ui/i18n";
import { dashboard, type Figure, type Figures } from "./api";
import { listRoute, loadingScreen } from "./screen";

/** The figures in the order a lead reads them: work waiting for a decision first. */
const FIGURES: (keyof Figures)[] = [
  "open_cases",
  "grants_awaiting_approval",
  "with_alert",
  "srs_below_cutoff",
  "follow_ups_overdue",
  "courses_ending_soon",
  "courses_past_planned_end",
  "conflicts",
  "refused_changes",
];

function tile(label: string, figure: Figure, name: string): HTMLElement {
  return h(
    "a",
    { class: `figure${figure.count > 0 ? " some" : ""}`, href: listRoute(figure.list), "data-figure": name },
    h("span", { class: "count" }, String(figure.count)),
    h("span", { class: "label" }, label),
  );
}

function figureTiles(figures: Figures): HTMLElement {
  const tiles = FIGURES.map((name) => tile(t(`fig_${name}` as LabelKey), figures[name] as Figure, name));
  const alerts = figures.alerts
    .filter((alert) => alert.count > 0)
    .map((alert) => tile(alertLabel(alert.kind), alert, `alert:${alert.kind}`));
  return h(
    "div",
    { class: "figures" },
    ...tiles,
    ...alerts,
    h(
      "div",
      { class: "figure plain" },
      h("span", { class: "count" }, String(figures.break_glass_accesses)),
      h("span", { class: "label" }, t("breakGlass")),
    ),
  );
}

export function dashboardScreen(app: Running): HTMLElement {
  return loadingScreen("dashboard", async (screen) => {
    const board = await dashboard(app);
    const teams = board.teams.map((team) =>
      h(
        "section",
        { class: "card team", "aria-labelledby": `team-${team.team_id}` },
        h("h2", { id: `team-${team.team_id}` }, team.name),
        figureTiles(team.figures),
        h(
          "table",
          { class: "workers" },
          h(
            "thead",
            {},
            h("tr", {}, ...[t("worker"), t("caseloadCount"), t("overRecommended"), t("fig_with_alert"), t("fig_follow_ups_overdue")].map((x) => h("th", { scope: "col" }, x))),
          ),
          h(
            "tbody",
            {},
            ...team.workers.map((worker) =>
              h(
                "tr",
                {},
                h("th", { scope: "row" }, worker.username),
                h("td", {}, h("a", { href: listRoute(worker.figures.open_cases.list) }, String(worker.caseload))),
                h(
                  "td",
                  { class: worker.over_recommended !== null && worker.over_recommended > 0 ? "over" : "" },
                  worker.over_recommended === null ? "–" : String(worker.over_recommended),
                ),
                h("td", {}, h("a", { href: listRoute(worker.figures.with_alert.list) }, String(worker.figures.with_alert.count))),
                h("td", {}, h("a", { href: listRoute(worker.figures.follow_ups_overdue.list) }, String(worker.figures.follow_ups_overdue.count))),
              ),
            ),
          ),
        ),
      ),
    );
    screen.replaceChildren(
      h("h1", {}, t("overview")),
      h(
        "p",
        { class: "help" },
        `${t("figuresFor")} ${formatDate(board.today)}. ${t("recommendedCaseload")}: `,
        board.recommended_caseload === null ? t("notSet") : String(board.recommended_caseload),
      ),
      ...teams,
      h("p", { class: "help" }, t("reviewNote")),
    );
  });
}
