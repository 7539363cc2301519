// The citizen's check-in page, opened from a one-time link on the citizen's own phone during a video or phone
// contact: the municipality's name, the scale(s) as visual-analogue lines with short labels, and a submit button.
// Nothing about the case is shown or stored; the scores go to the server, which puts them in the contact.

import "../style.css";
import { apiOrigin } from "../app/api";
import { h } from "../ui/dom";
import { getLang, pick } from "../ui/i18n";
import { vas, type Vas } from "../ui/vas";
import { loadCheckin, submitCheckin, tokenFromHash, type CheckinProblem } from "./api";

const root = document.getElementById("app")!;
document.documentElement.lang = getLang();

const TEXT = {
  title: { da: "Din vurdering", en: "Your rating" },
  ors: { da: "Hvordan har du haft det den sidste uge, inklusive i dag?", en: "How have you been during the last week, including today?" },
  srs: { da: "Hvordan var samtalen i dag?", en: "How was today's conversation?" },
  send: { da: "Send", en: "Send" },
  all: { da: "Sæt markøren på alle linjer.", en: "Put the marker on every line." },
  thanks: { da: "Tak! Din vurdering er sendt.", en: "Thank you! Your rating has been sent." },
  used: { da: "Linket er allerede brugt.", en: "This link has already been used." },
  expired: { da: "Linket er udløbet.", en: "This link has expired." },
  unknown: { da: "Linket findes ikke.", en: "This link does not exist." },
  unreachable: { da: "Ingen forbindelse. Prøv igen om lidt.", en: "No connection. Try again in a moment." },
  refused: { da: "Vurderingen kunne ikke gemmes.", en: "The rating could not be saved." },
} as const;

function message(text: string): void {
  root.replaceChildren(h("main", { class: "screen" }, h("p", { class: "card", role: "status" }, text)));
}

const problemText = (p: CheckinProblem) => pick(TEXT[p]);

async function start() {
  const token = tokenFromHash(location.hash);
  if (!token) return message(pick(TEXT.unknown));
  const api = apiOrigin();
  const page = await loadCheckin(api, token);
  if (typeof page === "string") return message(problemText(page));
  const lines = new Map<string, Vas[]>();
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    {},
    ...page.scales.map((scale) => {
      const family = scale.instrument === "ors" || scale.instrument === "cors" ? "ors" : "srs";
      const vs = scale.items.map((item) => vas(pick(item), () => undefined));
      lines.set(family, vs);
      return h("fieldset", { class: "card", "data-instrument": scale.instrument }, h("legend", {}, pick(TEXT[family])), ...vs.map((v) => v.element));
    }),
    error,
    h("button", { type: "submit", class: "primary" }, pick(TEXT.send)),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const scores: { ors?: number[]; srs?: number[] } = {};
    for (const [family, vs] of lines) {
      const values = vs.map((v) => v.value());
      if (values.some((v) => v === null)) {
        error.textContent = pick(TEXT.all);
        return;
      }
      scores[family as "ors" | "srs"] = values as number[];
    }
    const result = await submitCheckin(api, token, scores);
    if (result === "saved") message(pick(TEXT.thanks));
    else if (result === "unreachable") error.textContent = problemText(result);
    else message(problemText(result));
  });
  root.replaceChildren(
    h("main", { class: "screen" }, h("h1", {}, page.municipality), h("p", {}, pick(TEXT.title)), form),
  );
}

// Another link opened in the same tab changes only the fragment, which reloads nothing: start again.
window.addEventListener("hashchange", () => void start());
void start();
