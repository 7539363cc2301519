// The case document's own entries on the lead's review page, read as the worker's phone shows them: the lines
// come from ui/followups.ts, ui/courses.ts and ui/coordination.ts, without their controls, since the review decides
// and does not record. What is due is sync-core's agenda (src/case/agenda.ts, pinned by agenda.json): which
// follow-ups are overdue and each punch card's count are read from it, never counted here, so the lead and the
// worker see the same figures. An entry made in error stays listed, struck through, with the worker's reason.

import type { Agenda, PunchCard } from "../case/agenda";
import { coordinationBody, coordinationByDate } from "../ui/coordination";
import { extensionText } from "../ui/courses";
import { h } from "../ui/dom";
import { followUpBody, followUpsByDue } from "../ui/followups";
import { formatDateTime, t } from "../ui/i18n";
import { struck } from "../ui/inerror";
import type { CaseReview } from "./api";

/** The name of a user the review knows (an assignee, or an author of the changes it shows), else null. */
function userName(review: CaseReview, userId: string): string | null {
  const known = [...review.assignees, ...Object.values(review.authors)].find((p) => p.id === userId);
  return known?.username ?? null;
}

/** "3 bevilget · 1 brugt · 2 tilbage": granted, used and left as the agenda counted them (left is negative when overused). */
function punchCardCount(card: PunchCard): string {
  return t("punchCardCount")
    .replace("{granted}", String(card.granted))
    .replace("{used}", String(card.used))
    .replace("{left}", String(card.left));
}

/** A course's moves of its planned end, each with why, when and by whom, and its punch card when it has one. */
export function courseEntries(review: CaseReview, courseId: string, cards: PunchCard[]): HTMLElement[] {
  const course = Object.hasOwn(review.case.courses, courseId) ? review.case.courses[courseId] : undefined;
  const card = cards.find((c) => c.id === courseId);
  const extensions = (course?.extensions ?? []).map((x) => {
    const name = userName(review, x.by);
    return h("dd", { class: "extension" }, extensionText(x), h("span", { class: "muted" }, ` (${formatDateTime(x.at_ms)}${name ? ` – ${name}` : ""})`));
  });
  return [
    ...(extensions.length > 0 ? [h("dt", {}, t("extended")), ...extensions] : []),
    ...(card
      ? [
          h("dt", {}, t("punchCardShort")),
          h("dd", { class: "punch-card", "data-left": card.left }, punchCardCount(card)),
        ]
      : []),
  ];
}

/** The follow-ups, earliest due first: with whom, done with its note, or overdue as the agenda says. */
export function followUpsSection(review: CaseReview, due: Agenda): HTMLElement {
  const overdue = new Set(due.overdue_follow_ups);
  const list = followUpsByDue(review.case).map(([id, f]) =>
    f.entered_in_error
      ? h("li", { "data-follow-up": id, "data-in-error": "true" }, ...struck(followUpBody(f, false), f.entered_in_error))
      : h("li", { "data-follow-up": id, "data-done": f.done ? "true" : "false" }, ...followUpBody(f, overdue.has(id))),
  );
  return h(
    "section",
    { class: "card follow-ups" },
    h("h2", {}, t("followUps")),
    list.length === 0 ? h("p", { class: "help" }, t("followUpsNone")) : h("ul", { class: "follow-up-list" }, ...list),
  );
}

/** The coordination with the network, newest first. */
export function coordinationSection(review: CaseReview): HTMLElement {
  const list = coordinationByDate(review.case).map(([id, x]) =>
    x.entered_in_error
      ? h("li", { "data-coordination": id, "data-in-error": "true" }, ...struck(coordinationBody(x), x.entered_in_error))
      : h("li", { "data-coordination": id }, ...coordinationBody(x)),
  );
  return h(
    "section",
    { class: "card coordination" },
    h("h2", {}, t("coordination")),
    list.length === 0 ? h("p", { class: "help" }, t("coordinationNone")) : h("ul", { class: "coordination-list" }, ...list),
  );
}
