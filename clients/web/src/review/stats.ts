// The FIT statistics page: per team and for all teams together, for the period and team in the URL (so a link
// can be shared and a page printed for a committee). Every percentage shows its base; a figure over fewer than
// five courses is shown as "too few", as the server sends it.

import type { Running } from "../app/session";
import { END_REASONS, OUTCOME_KINDS } from "../case/model";
import { h } from "../ui/dom";
import { codeLabel, formatDate, t, type LabelKey } from "../ui/i18n";
import { fitStats, outcomeStats, type Count, type FitStats, type Mean, type OutcomeStats, type Report, type Share } from "./api";
import { loadingScreen } from "./screen";

const AGE_GROUPS: Record<string, string> = {
  under_18: "< 18",
  "18_24": "18–24",
  "25_39": "25–39",
  "40_64": "40–64",
  "65_plus": "65+",
  unknown: "?",
};

const CHANGES = [
  "reliable_improvement",
  "clinically_significant",
  "reliable_deterioration",
  "no_reliable_change",
  "started_above_cutoff",
] as const;

const count = (c: Count) => (c.too_few ? t("tooFew") : String(c.n ?? 0));
const mean = (m: Mean) => (m.too_few ? `${t("tooFew")} (n = ${m.n})` : `${m.mean?.toFixed(1) ?? "–"} (n = ${m.n})`);
const share = (s: Share) => (s.too_few ? `${t("tooFew")} (n = ${s.of})` : `${s.percent?.toFixed(1) ?? "–"} % (n = ${s.of})`);

function rows(pairs: [string, string][]): HTMLElement {
  return h("table", { class: "stats" }, h("tbody", {}, ...pairs.map(([label, value]) => h("tr", {}, h("th", { scope: "row" }, label), h("td", {}, value)))));
}

function statsBlock(title: string, s: FitStats): HTMLElement {
  return h(
    "section",
    { class: "card stats-block" },
    h("h2", {}, title),
    rows([
      [t("coursesStarted"), String(s.courses_started)],
      [t("clients"), count(s.clients)],
      ...s.age_groups.map((g): [string, string] => [`${t("ageGroups")} ${AGE_GROUPS[g.group] ?? g.group}`, count(g.clients)]),
      [t("intakeOrs"), mean(s.intake_ors)],
      [t("intakeSrs"), mean(s.intake_srs)],
      [t("contactsPerCourse"), mean(s.contacts_per_course)],
    ]),
    h("h3", {}, t("changeFromIntake")),
    rows([
      ...CHANGES.map((name): [string, string] => [t(`ch_${name}` as LabelKey), share(s.change[name])]),
      [t("withoutBaseline"), count(s.change.without_baseline)],
    ]),
    h("h3", {}, t("endedHow")),
    rows([
      [t("coursesEnded"), String(s.courses_ended)],
      [t("courseLength"), mean(s.course_length_days)],
      ...s.ended.map((e): [string, string] => [codeLabel(END_REASONS, e.reason), count(e.courses)]),
    ]),
  );
}

function outcomesBlock(title: string, s: OutcomeStats): HTMLElement {
  const plan = s.length_against_plan;
  const kinds = OUTCOME_KINDS.map((k) => k.code);
  return h(
    "section",
    { class: "card stats-block" },
    h("h2", {}, title),
    rows([
      ...s.events.map((e): [string, string] => [codeLabel(OUTCOME_KINDS, e.kind), count(e.events)]),
      [t("coursesEnded"), String(s.courses_ended)],
      ...s.ended.map((e): [string, string] => [codeLabel(END_REASONS, e.reason), count(e.courses)]),
      [
        t("lengthAgainstPlan"),
        plan.too_few ? `${t("tooFew")} (n = ${plan.n})` : `${plan.mean_days?.toFixed(0)} / ${plan.mean_planned_days?.toFixed(0)} (n = ${plan.n})`,
      ],
    ]),
    h("h3", {}, t("byMonth")),
    h(
      "table",
      { class: "months" },
      h(
        "thead",
        {},
        h("tr", {}, h("th", {}, t("month")), h("th", {}, t("started")), h("th", {}, t("ended")), ...kinds.map((k) => h("th", {}, codeLabel(OUTCOME_KINDS, k)))),
      ),
      h(
        "tbody",
        {},
        ...s.months.map((m) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, m.month),
            h("td", {}, count(m.courses_started)),
            h("td", {}, count(m.courses_ended)),
            ...m.events.map((e) => h("td", {}, count(e.events))),
          ),
        ),
      ),
    ),
  );
}

/** A report page: the period form (kept in the URL), the note on what the figures are, and a block per team. */
function reportScreen<S>(
  app: Running,
  query: string,
  route: string,
  title: string,
  load: (app: Running, query: string) => Promise<Report<S>>,
  block: (title: string, stats: S) => HTMLElement,
): HTMLElement {
  return loadingScreen("stats", async (screen) => {
    const report = await load(app, query);
    const form = h(
      "form",
      { class: "period" },
      h("label", {}, `${t("from")} `, h("input", { type: "date", name: "from", value: report.from })),
      h("label", {}, `${t("to")} `, h("input", { type: "date", name: "to", value: report.to })),
      h("button", { type: "submit", class: "primary" }, t("show")),
      h("button", { type: "button", onclick: () => window.print() }, t("print")),
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const data = new FormData(form);
      const params = new URLSearchParams(query);
      params.set("from", String(data.get("from")));
      params.set("to", String(data.get("to")));
      location.hash = `${route}?${params.toString()}`;
    });
    screen.replaceChildren(
      h("a", { href: "#/review", class: "back" }, `← ${t("overview")}`),
      h("h1", {}, title),
      h("p", {}, `${t("period")}: ${formatDate(report.from)} – ${formatDate(report.to)}`),
      form,
      h("p", { class: "help about" }, t("reviewNote"), " ", t("smallNumbers").replace("{n}", String(report.min_n))),
      ...(report.teams.length > 1 ? [block(t("allTeams"), report.all)] : []),
      ...report.teams.map((team) => block(team.name, team.stats)),
    );
  });
}

export const statsScreen = (app: Running, query: string): HTMLElement =>
  reportScreen(app, query, "#/review/stats", t("statistics"), fitStats, statsBlock);

export const outcomesScreen = (app: Running, query: string): HTMLElement =>
  reportScreen(app, query, "#/review/outcomes", t("outcomes"), outcomeStats, outcomesBlock);
