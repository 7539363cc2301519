// "New contact": kind, time, who rates (the citizen, a relative or a professional), duration, notes, goals worked
// on, the outcome rating at the start and the session rating at the end as visual-analogue lines, a paper form's
// total (flagged as transcribed) or skipped. Which forms (ORS or the children's CORS; SRS, CSRS or a group's GSRS)
// is sync-core's rule (`fit/forms.ts`, pinned by forms.json), following the kind and date as they are chosen.
// Nothing numeric is shown while rating; the totals and alerts are shown to the worker on the case page afterwards.
// The contact is validated like the server does before it is written, and written (and persisted) before it is
// ever sent.

import type { Running } from "../app/session";
import { assessCase } from "../case/fit";
import { inOrder } from "../case/goals";
import { CONTACT_KINDS, currentCourse, putContact, readCase, type Contact } from "../case/model";
import { validateCase } from "../case/validate";
import {
  forms,
  itemLabels,
  parsePaperTotal,
  type Instrument,
  type RaterKind,
  type Rating,
  type ValidationError,
} from "../fit";
import { newUuid } from "../sync/ids";
import { h } from "./dom";
import { ruleSetsOf } from "./fitalerts";
import { alertLabel, pick, RATERS, raterLabel, t } from "./i18n";
import { ratingsText } from "./ratings";
import { vas, type Vas } from "./vas";

interface ScaleSection {
  element: HTMLElement;
  /** Names the form this contact uses (ORS or CORS; SRS, CSRS or GSRS), as sync-core's `forms` chose it. */
  show(instrument: Instrument): void;
  /** The rating by `rater`: null when nothing was given, "partial" for an incomplete set (never saved), or why a
   * typed paper total was refused. */
  rating(rater: RaterKind): Rating | null | "partial" | ValidationError;
}

/** One scale: four visual-analogue lines, or a paper form's total typed in points (flagged as transcribed), or
 * skipped. `family` names the slot (`ors` at the start, `srs` at the end). */
function scale(family: "ors" | "srs", first: Instrument): ScaleSection {
  let instrument = first;
  const lines: Vas[] = itemLabels(instrument).map((item) => vas(pick(item), () => undefined));
  const skip = h("input", { type: "checkbox", name: `${family}-skip` });
  const paper = h("input", { type: "checkbox", name: `${family}-paper` });
  const total = h("input", {
    type: "text",
    name: `${family}-paper-total`,
    inputmode: "decimal",
    placeholder: "0.0–40.0",
    "aria-label": t("paperTotal"),
  });
  const totalField = h("label", { class: "field paper-total", hidden: true }, h("span", {}, t("paperTotal")), total);
  const lineBox = h("div", { class: "lines" }, ...lines.map((l) => l.element));
  paper.addEventListener("change", () => {
    totalField.hidden = !paper.checked;
    lineBox.hidden = paper.checked;
  });
  const legend = h("legend", {});
  const help = h("p", { class: "help" });
  const section: ScaleSection = {
    element: h(
      "fieldset",
      { class: `card scale ${family}` },
      legend,
      help,
      lineBox,
      h("label", { class: "check" }, paper, ` ${t("paperForm")}`),
      totalField,
      h("label", { class: "check" }, skip, ` ${t("skip")}`),
    ),
    show(next) {
      instrument = next;
      section.element.dataset.instrument = next;
      legend.textContent = t(family === "ors" ? "outcomeTitle" : "sessionTitle").replace("{form}", next.toUpperCase());
      help.textContent = t(family === "ors" ? "orsHelp" : "srsHelp");
    },
    rating(rater) {
      if (skip.checked) return { instrument, entry: "skipped", rater };
      if (paper.checked) return total.value.trim() === "" ? null : parsePaperTotal(instrument, total.value, rater);
      const values = lines.map((l) => l.value());
      if (values.every((v) => v === null)) return null;
      if (values.some((v) => v === null)) return "partial";
      return { instrument, entry: { items: { items: values as number[] } }, rater };
    },
  };
  section.show(first);
  return section;
}

const isRefusal = (v: Rating | null | "partial" | ValidationError): v is ValidationError =>
  v !== null && typeof v === "object" && "problem" in v;

function localDateTimeValue(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export function contactForm(app: Running, id: string, done: (flash: string | null) => void): HTMLElement {
  const doc = app.repo.get(id);
  const c = doc ? readCase(doc) : null;
  if (!c) return h("main", {}, "–");
  // The forms follow the citizen's age in the contact's year (UTC, as sync-core's `contact_year`) and the kind of
  // contact (sync-core's rule).
  const formsFor = (kind: string, startMs: number) =>
    forms(c.citizen.birth_year, kind, new Date(Number.isFinite(startMs) ? startMs : Date.now()).getUTCFullYear());
  const first = formsFor(CONTACT_KINDS[0]!.code, Date.now());
  const ors = scale("ors", first.outcome);
  const srs = scale("srs", first.session);
  const error = h("p", { class: "error", role: "alert" });
  // In the plan's order, a sub-goal indented under its goal.
  const goals = inOrder(c.plan);
  const form = h(
    "form",
    { class: "contact-form" },
    h(
      "label",
      { class: "field" },
      h("span", {}, t("kind")),
      h("select", { name: "kind" }, ...CONTACT_KINDS.map((k) => h("option", { value: k.code }, pick(k)))),
    ),
    h(
      "label",
      { class: "field" },
      h("span", {}, t("time")),
      h("input", { type: "datetime-local", name: "start", value: localDateTimeValue(Date.now()), required: true }),
    ),
    h(
      "label",
      { class: "field" },
      h("span", {}, t("rater")),
      h("select", { name: "rater" }, ...RATERS.map((r) => h("option", { value: r }, raterLabel(r)))),
    ),
    h(
      "label",
      { class: "field" },
      h("span", {}, t("duration")),
      h("input", { type: "number", name: "duration", value: 60, min: 0, max: 1440, inputmode: "numeric" }),
    ),
    ors.element,
    h("label", { class: "field" }, h("span", {}, t("notes")), h("textarea", { name: "notes", rows: 5 })),
    goals.length > 0
      ? h(
          "fieldset",
          { class: "card" },
          h("legend", {}, t("goalsWorkedOn")),
          ...goals.map(({ id: gid, goal: g, depth }) =>
            h(
              "label",
              { class: `check goal-depth-${Math.min(depth, 2)}` },
              h("input", { type: "checkbox", name: "goal", value: gid }),
              ` ${g.title}`,
            ),
          ),
        )
      : null,
    srs.element,
    error,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("save")),
      h("button", { type: "button", onclick: () => done(null) }, t("cancel")),
    ),
  );

  const startOf = (data: FormData) => new Date(String(data.get("start"))).getTime();
  form.addEventListener("change", () => {
    const data = new FormData(form);
    const chosen = formsFor(String(data.get("kind")), startOf(data));
    ors.show(chosen.outcome);
    srs.show(chosen.session);
  });

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const rater = String(data.get("rater")) as RaterKind;
    const orsRating = ors.rating(rater);
    const srsRating = srs.rating(rater);
    if (orsRating === "partial" || srsRating === "partial") {
      error.textContent = t("partial");
      return;
    }
    for (const [slot, rating] of [["ors", orsRating], ["srs", srsRating]] as const) {
      if (isRefusal(rating)) {
        error.textContent = `${slot}.${rating.field}: ${rating.message}`;
        return;
      }
    }
    const user = app.session.user.id;
    const contact: Contact = {
      kind: String(data.get("kind")),
      start_ms: startOf(data),
      duration_minutes: Number(data.get("duration")),
      course: currentCourse(c),
      workers: [user],
      notes: String(data.get("notes") ?? ""),
      goals: data.getAll("goal").map(String),
      ors: orsRating as Rating | null,
      srs: srsRating as Rating | null,
      recorded_by: user,
    };
    // The whole resulting case is validated, as the server will: a contact is only written if the case with it
    // would be accepted.
    const contactId = newUuid();
    const invalid = validateCase({ ...c, contacts: { ...c.contacts, [contactId]: contact } });
    if (invalid) {
      // The field and problem code are the server's; they name no citizen data.
      error.textContent = `${invalid.field}: ${invalid.message}`;
      return;
    }
    const after = await app.repo.change(id, (d) => putContact(d as Record<string, unknown>, contactId, contact), "add contact");
    const read = readCase(after);
    if (!read) return done(null);
    // Shown only now, after rating: this contact's ratings and the course's alerts.
    const { assessment, contactIds } = assessCase(read, app.fitRules.current);
    const i = contactIds.indexOf(contactId);
    const totals = read.contacts[contactId] ? ratingsText(read.contacts[contactId]) : "";
    const raised = assessment.alerts.filter((x) => x.contact_index === i || x.contact_index === null);
    const alerts = raised.map((x) => alertLabel(x.kind));
    const ruleSets = ruleSetsOf(raised).map((version) => `(${t("ruleSet")}: ${version})`);
    done([t("saved_contact"), totals, ...alerts, ...ruleSets].filter(Boolean).join(" "));
  });

  return h(
    "main",
    { class: "screen" },
    h("h1", {}, `${t("newContact")} – ${c.citizen.display_name}`),
    form,
  );
}
