// The case's courses (forløb) on the case page, and the two forms that change them: start a course and end one.
// A course shows its FFB service, legal basis, dates, hours a week and, plainly, whether its grant awaits a lead's
// approval (above 5 hours a week, sync-core decides); one made in error stays listed, struck through. The rules are
// sync-core's, through src/case/course.ts; the forms are screens of their own (#/case/<id>/course,
// #/case/<id>/end/<course>) so a sync re-rendering the case page never loses what is typed. An extension reads the
// same here and in the lead's review (src/review/entries.ts).

import type { Running } from "../app/session";
import { agenda, isoDay, today, type PunchCard } from "../case/agenda";
import { endCourse, extendCourse, startCourse } from "../case/course";
import { FFB_SERVICE_TREE, FFB_SERVICES } from "../case/ffb";
import { APPROVAL_STATES, currentCourse, END_REASONS, LEGAL_BASES, type Case, type Course, type Extension } from "../case/model";
import { documentIdText, newUuid } from "../sync/ids";
import { h } from "./dom";
import { caseNow, saveEdit } from "./edits";
import { inErrorControl, struck } from "./inerror";
import { codeLabel, formatDate, getLang, pick, t } from "./i18n";

/** Socialpædagogisk støtte: the service most courses of outreach support are granted as. */
const DEFAULT_SERVICE = "1f0ff82b-3243-422f-9651-1d00fd2dcd61";

const hours = (minutes: number) => (minutes / 60).toLocaleString(getLang() === "da" ? "da-DK" : "en-GB", { maximumFractionDigits: 2 });

function approval(course: Course): HTMLElement {
  return course.approval.state === "awaiting"
    ? h("span", { class: "badge waiting" }, t("awaitingLead"))
    : h("span", {}, codeLabel(APPROVAL_STATES, course.approval.state));
}

/** One move of the planned end: "Forlænget 1. mar. 2026 → 29. mar. 2026: why". */
export function extensionText(x: Extension): string {
  return `${t("extended")} ${formatDate(x.from)} → ${formatDate(x.to)}: ${x.reason}`;
}

function courseItem(app: Running, docId: string, id: string, course: Course, current: boolean, card?: PunchCard): HTMLElement {
  const textId = documentIdText(docId);
  const dates = [
    `${t("start")} ${formatDate(course.start)}`,
    course.planned_end ? `${t("plannedEnd")} ${formatDate(course.planned_end)}` : null,
    course.end ? `${t("closed")} ${formatDate(course.end)}` : null,
  ].filter(Boolean);
  const body = [
    h("strong", { class: "service" }, FFB_SERVICES.get(course.service) ?? course.service),
    h("div", { class: "muted" }, codeLabel(LEGAL_BASES, course.legal_basis)),
    h("div", { class: "dates" }, dates.join(" · ")),
    course.end_reason ? h("div", { class: "muted end-reason" }, codeLabel(END_REASONS, course.end_reason)) : null,
    ...(course.extensions ?? []).map((x) => h("div", { class: "extension muted" }, extensionText(x))),
    card
      ? h(
          "div",
          { class: "punch-card", "data-left": card.left },
          t("punchCardLeft").replace("{left}", String(card.left)).replace("{granted}", String(card.granted)),
        )
      : null,
    h(
      "div",
      { class: "grant", "data-testid": current ? "approval" : undefined, "data-approval": course.approval.state },
      `${hours(course.granted_minutes_per_week)} ${t("hoursShort")} · `,
      approval(course),
    ),
  ];
  if (course.entered_in_error) return h("li", { "data-course": id, "data-in-error": "true" }, ...struck(body, course.entered_in_error));
  return h(
    "li",
    { "data-course": id, "data-open": course.end === null ? "true" : undefined },
    ...body,
    course.end === null ? h("a", { class: "button end-course", href: `#/case/${textId}/end/${id}` }, t("endCourse")) : null,
    course.end === null ? h("a", { class: "button extend-course", href: `#/case/${textId}/extend/${id}` }, t("extendCourse")) : null,
    inErrorControl(app, docId, "course", id),
  );
}

/** The case's courses, newest start first, with "start a course". */
export function coursesCard(app: Running, docId: string, c: Case): HTMLElement {
  const textId = documentIdText(docId);
  const current = currentCourse(c);
  // Each punch card's count is sync-core's agenda rule (`punch_cards`, pinned by agenda.json).
  const cards = agenda(c, today()).punch_cards;
  const courses = Object.entries(c.courses).sort(([, a], [, b]) => b.start.localeCompare(a.start));
  return h(
    "section",
    { class: "card courses", "aria-labelledby": "courses-h" },
    h("h2", { id: "courses-h" }, t("courses")),
    courses.length === 0
      ? h("p", { class: "muted" }, t("noCourses"))
      : h("ul", { class: "course-list" }, ...courses.map(([id, course]) => courseItem(app, docId, id, course, id === current, cards.find((x) => x.id === id)))),
    h("a", { class: "button start-course", href: `#/case/${textId}/course` }, `+ ${t("startCourse")}`),
  );
}

function field(label: string, control: HTMLElement, help?: string): HTMLElement {
  return h("label", { class: "field" }, h("span", {}, label), control, help ? h("small", { class: "help" }, help) : null);
}

function formScreen(title: string, c: Case, form: HTMLElement): HTMLElement {
  return h("main", { class: "screen" }, h("h1", {}, `${title} – ${c.citizen.display_name}`), form);
}

function actions(submit: string, cancel: () => void): HTMLElement {
  return h(
    "div",
    { class: "actions" },
    h("button", { type: "submit", class: "primary" }, submit),
    h("button", { type: "button", onclick: cancel }, t("cancel")),
  );
}

/** "Start a course": service, legal basis, start, planned end (required for §82b), hours a week, and a punch card's
 * sessions when the course is granted as sessions. */
export function startCourseForm(app: Running, docId: string, done: (flash: string | null) => void): HTMLElement {
  const c = caseNow(app, docId);
  if (!c) return h("main", {}, "–");
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "edit-form course-form" },
    field(
      t("service"),
      h(
        "select",
        { name: "service" },
        // Sub-services indented under their service: the code system's own tree.
        ...FFB_SERVICE_TREE.map((s) =>
          h("option", { value: s.code, selected: s.code === DEFAULT_SERVICE }, `${"– ".repeat(s.depth)}${s.display}`),
        ),
      ),
    ),
    field(t("legalBasis"), h("select", { name: "legal_basis" }, ...LEGAL_BASES.map((b) => h("option", { value: b.code }, pick(b))))),
    field(t("start"), h("input", { type: "date", name: "start", value: isoDay(today()), required: true })),
    // Not `required` in HTML: whether it is required is sync-core's rule (§82b), and its refusal says why.
    field(t("plannedEnd"), h("input", { type: "date", name: "planned_end" }), t("plannedEndHelp")),
    field(
      t("hoursPerWeek"),
      h("input", { type: "number", name: "hours", min: 0, max: 168, step: 0.25, inputmode: "decimal", required: true }),
    ),
    field(t("punchCard"), h("input", { type: "number", name: "sessions", min: 1, step: 1, inputmode: "numeric" }), t("punchCardHelp")),
    error,
    actions(t("startCourse"), () => done(null)),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const plannedEnd = String(data.get("planned_end") ?? "");
    const edit = startCourse(caseNow(app, docId) ?? c, newUuid(), {
      service: String(data.get("service")),
      legal_basis: String(data.get("legal_basis")),
      start: String(data.get("start")),
      planned_end: plannedEnd === "" ? null : plannedEnd,
      // Stored as whole minutes, so two devices never disagree on rounding.
      granted_minutes_per_week: Math.round(Number(data.get("hours")) * 60),
      granted_sessions: String(data.get("sessions") ?? "") === "" ? null : Number(data.get("sessions")),
    });
    if (await saveEdit(app, docId, edit, "start course", error)) {
      const awaiting = edit.result === "changed" && "approval" in edit.entry && edit.entry.approval.state === "awaiting";
      done(t(awaiting ? "saved_course_awaiting" : "saved_course"));
    }
  });
  return formScreen(t("startCourse"), c, form);
}

/** The course a form acts on, as its first line: service, legal basis and the date that matters to the form. */
function courseHeading(course: Course, dateLabel: string, date: string | null): HTMLElement {
  return h(
    "p",
    {},
    h("strong", {}, FFB_SERVICES.get(course.service) ?? course.service),
    ` · ${codeLabel(LEGAL_BASES, course.legal_basis)} · ${dateLabel} ${formatDate(date)}`,
  );
}

/** "Extend": a new planned end, later than the one now, and why (kept with the course). */
export function extendCourseForm(app: Running, docId: string, courseId: string, done: (flash: string | null) => void): HTMLElement {
  const c = caseNow(app, docId);
  const course = c && Object.hasOwn(c.courses, courseId) ? c.courses[courseId] : undefined;
  if (!c || !course) return h("main", { class: "screen" }, h("p", {}, t("refused_not_found")));
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "edit-form extend-course-form" },
    courseHeading(course, t("plannedEnd"), course.planned_end),
    field(t("newPlannedEnd"), h("input", { type: "date", name: "to", required: true })),
    field(t("extensionReason"), h("textarea", { name: "reason", rows: 2 })),
    error,
    actions(t("extendCourse"), () => done(null)),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const edit = extendCourse(caseNow(app, docId) ?? c, courseId, String(data.get("to")), String(data.get("reason") ?? ""), app.session.user.id, Date.now());
    if (await saveEdit(app, docId, edit, "extend course", error)) done(t("saved_course_extended"));
  });
  return formScreen(t("extendCourse"), c, form);
}

/** "End the course": the end date and the reason, set together. */
export function endCourseForm(app: Running, docId: string, courseId: string, done: (flash: string | null) => void): HTMLElement {
  const c = caseNow(app, docId);
  const course = c && Object.hasOwn(c.courses, courseId) ? c.courses[courseId] : undefined;
  if (!c || !course) return h("main", { class: "screen" }, h("p", {}, t("refused_not_found")));
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "edit-form end-course-form" },
    courseHeading(course, t("start"), course.start),
    field(t("endDate"), h("input", { type: "date", name: "end", value: isoDay(today()), required: true })),
    field(t("endReason"), h("select", { name: "reason" }, ...END_REASONS.map((r) => h("option", { value: r.code }, pick(r))))),
    error,
    actions(t("endCourse"), () => done(null)),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const edit = endCourse(caseNow(app, docId) ?? c, courseId, String(data.get("end")), String(data.get("reason")));
    if (await saveEdit(app, docId, edit, "end course", error)) done(t("saved_course_end"));
  });
  return formScreen(t("endCourse"), c, form);
}
