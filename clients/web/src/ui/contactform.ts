// "New contact": kind, time, duration, notes, goals worked on, ORS at the start and SRS at the end as
// visual-analogue lines. Nothing numeric is shown while rating; the totals and alerts are shown to the worker
// on the case page afterwards. The contact is validated like the server does before it is written, and written
// (and persisted) before it is ever sent.

import type { Running } from "../app/session";
import { assessCase } from "../case/fit";
import { CONTACT_KINDS, currentCourse, putContact, readCase, type Contact } from "../case/model";
import { validateCase } from "../case/validate";
import { formatPoints, itemLabels, type Instrument, type Rating } from "../fit";
import { newUuid } from "../sync/ids";
import { h } from "./dom";
import { alertLabel, pick, t } from "./i18n";
import { vas, type Vas } from "./vas";

interface ScaleSection {
  element: HTMLElement;
  /** The rating, null when nothing was given, or "partial" for an incomplete set (which is never saved). */
  rating(): Rating | null | "partial";
}

function scale(instrument: Instrument, title: string, help: string): ScaleSection {
  const lines: Vas[] = itemLabels(instrument).map((item) => vas(pick(item), () => undefined));
  const skip = h("input", { type: "checkbox", name: `${instrument}-skip` });
  return {
    element: h(
      "fieldset",
      { class: `card scale ${instrument}` },
      h("legend", {}, title),
      h("p", { class: "help" }, help),
      ...lines.map((l) => l.element),
      h("label", { class: "check" }, skip, ` ${t("skip")}`),
    ),
    rating() {
      if (skip.checked) return { instrument, entry: "skipped", rater: "citizen" };
      const values = lines.map((l) => l.value());
      if (values.every((v) => v === null)) return null;
      if (values.some((v) => v === null)) return "partial";
      return { instrument, entry: { items: { items: values as number[] } }, rater: "citizen" };
    },
  };
}

function localDateTimeValue(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export function contactForm(app: Running, id: string, done: (flash: string | null) => void): HTMLElement {
  const doc = app.repo.get(id);
  const c = doc ? readCase(doc) : null;
  if (!c) return h("main", {}, "–");
  const ors = scale("ors", t("orsTitle"), t("orsHelp"));
  const srs = scale("srs", t("srsTitle"), t("srsHelp"));
  const error = h("p", { class: "error", role: "alert" });
  const goals = Object.entries(c.plan.goals);
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
          ...goals.map(([gid, g]) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "goal", value: gid }), ` ${g.title}`)),
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

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const orsRating = ors.rating();
    const srsRating = srs.rating();
    if (orsRating === "partial" || srsRating === "partial") {
      error.textContent = t("partial");
      return;
    }
    const user = app.session.user.id;
    const contact: Contact = {
      kind: String(data.get("kind")),
      start_ms: new Date(String(data.get("start"))).getTime(),
      duration_minutes: Number(data.get("duration")),
      course: currentCourse(c),
      workers: [user],
      notes: String(data.get("notes") ?? ""),
      goals: data.getAll("goal").map(String),
      ors: orsRating,
      srs: srsRating,
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
    // Shown only now, after rating: the totals of this contact and the course's alerts.
    const { assessment, contactIds } = assessCase(read);
    const i = contactIds.indexOf(contactId);
    const a = assessment.contacts[i];
    const totals = a
      ? `ORS ${a.ors_total_mm === null ? "–" : formatPoints(a.ors_total_mm)} · SRS ${a.srs_total_mm === null ? "–" : formatPoints(a.srs_total_mm)}`
      : "";
    const alerts = assessment.alerts.filter((x) => x.contact_index === i || x.contact_index === null).map((x) => alertLabel(x.kind));
    done([t("saved_contact"), totals, ...alerts].filter(Boolean).join(" "));
  });

  return h(
    "main",
    { class: "screen" },
    h("h1", {}, `${t("newContact")} – ${c.citizen.display_name}`),
    form,
  );
}
