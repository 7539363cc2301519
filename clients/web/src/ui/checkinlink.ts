// "Send tjek-ind-link" under a recorded video or phone contact: asks the server for a one-time link
// (src/checkin/link.ts) and shows it as a full URL with a copy button and its expiry; offline it says the link
// needs a connection. The case page is rebuilt whenever a document changes (sync), so what each contact's control
// shows is kept here, in memory only: the link is a credential and is never written to the store.

import type { Running } from "../app/session";
import { checkinUrl, createCheckinLink, type CheckinLink, type LinkProblem } from "../checkin/link";
import { documentIdText } from "../sync/ids";
import { h } from "./dom";
import { formatDateTime, t } from "./i18n";

type State =
  | { kind: "busy" }
  | { kind: "problem"; problem: LinkProblem }
  | { kind: "link"; link: CheckinLink; copied?: "copied" | "copyFailed" };

type Focus = "url" | "button" | "copy";

const states = new Map<string, State>();

/** Forgets every link shown (on locking the app). */
export function forgetCheckinLinks(): void {
  states.clear();
}

async function copy(text: string, input: HTMLInputElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    input.select();
    return false;
  }
}

export function checkinControl(
  app: Running,
  docId: string,
  contactId: string,
  focus?: Focus,
): HTMLElement {
  const key = `${docId}:${contactId}`;
  const base = `checkin-${contactId}`;
  const box = h("div", { class: "checkin", id: `${base}-box` });

  const draw = (focus?: Focus) => {
    const state = states.get(key);
    const button = h(
      "button",
      {
        type: "button",
        class: "button checkin-button",
        id: `${base}-button`,
        "aria-describedby": state ? `${base}-result` : undefined,
        "aria-busy": state?.kind === "busy" ? "true" : undefined,
        onclick: () => void create(),
      },
      state?.kind === "busy" ? t("checkinCreating") : t("sendCheckin"),
    );
    const result = h("div", { id: `${base}-result`, role: "status", "aria-live": "polite" });
    if (state?.kind === "problem") {
      result.append(h("p", { class: "error checkin-problem" }, t(`checkin_${state.problem}`)));
    } else if (state?.kind === "link") {
      const url = checkinUrl(location.origin, state.link.path);
      const input = h("input", {
        id: `${base}-url`,
        class: "checkin-url",
        type: "url",
        readonly: true,
        value: url,
        onfocus: (ev: Event) => (ev.target as HTMLInputElement).select(),
      });
      result.append(
        h("label", { for: `${base}-url`, class: "checkin-label" }, t("checkinLink")),
        input,
        h(
          "button",
          {
            type: "button",
            class: "button checkin-copy",
            id: `${base}-copy`,
            onclick: async () => {
              const ok = await copy(url, input);
              const now = states.get(key);
              if (now?.kind === "link") now.copied = ok ? "copied" : "copyFailed";
              draw(ok ? "copy" : "url");
            },
          },
          t("copyLink"),
        ),
        h("p", { class: "muted checkin-expiry" }, `${t("checkinValidUntil")} ${formatDateTime(state.link.expires_at)}`),
      );
      if (state.copied) result.append(h("p", { class: state.copied === "copied" ? "help" : "error" }, t(state.copied)));
    }
    box.replaceChildren(button, result);
    if (focus === "url") box.querySelector<HTMLInputElement>(".checkin-url")?.focus();
    if (focus === "button") button.focus();
    if (focus === "copy") box.querySelector<HTMLElement>(".checkin-copy")?.focus();
  };

  const create = async () => {
    if (states.get(key)?.kind === "busy") return;
    if (navigator.onLine === false) {
      states.set(key, { kind: "problem", problem: "offline" });
      return draw("button");
    }
    states.set(key, { kind: "busy" });
    draw("button");
    let answer: CheckinLink | LinkProblem;
    try {
      answer = await createCheckinLink(app.session.api, await app.accessToken(), documentIdText(docId), contactId);
    } catch {
      // The refresh token was refused: a login is needed.
      answer = "login";
    }
    states.set(key, typeof answer === "string" ? { kind: "problem", problem: answer } : { kind: "link", link: answer });
    // The page may have been rebuilt by a sync meanwhile: update the control that is on screen now.
    const focus = typeof answer === "string" ? "button" : "url";
    const shown = document.getElementById(box.id);
    if (!shown || shown === box) return draw(focus);
    const fresh = checkinControl(app, docId, contactId, focus);
    shown.replaceWith(fresh);
  };

  draw();
  // Focus only once the control is in the document.
  if (focus) queueMicrotask(() => draw(focus));
  return box;
}
