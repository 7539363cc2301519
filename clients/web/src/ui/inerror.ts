// "Made in error" on the case page: a contact, course, follow-up or outcome recorded by mistake is marked, with
// the worker's reason, and stays in the record struck through (history is append-only; sync-core's
// `mark_in_error`, ported in src/case/course.ts `markInError` and pinned by course-edits.json). The reason is asked
// in place, so marking takes one more tap and a sentence, never a slip of the finger. How a marked entry reads
// (struck through, with the reason) is here too, so the case page and the lead's review show it alike.

import type { Running } from "../app/session";
import { markInError, type EntryKind } from "../case/course";
import type { ErrorMark } from "../case/model";
import { h } from "./dom";
import { caseNow, saveEdit } from "./edits";
import { t } from "./i18n";
import { inPlaceForm } from "./inplace";

/** The control under one entry: a button that opens the reason, then marks the entry. */
export function inErrorControl(app: Running, docId: string, entry: EntryKind, id: string): HTMLElement {
  const box = h("div", { class: "in-error-control" });
  const error = h("p", { class: "error", role: "alert" });
  const reason = h("input", { name: "in-error-reason", autocomplete: "off", "aria-label": t("inErrorReason"), placeholder: t("inErrorReason") });
  const form = inPlaceForm(`${docId}/${entry}/${id}/in-error`, reason);
  const ask = () => {
    form.open();
    box.replaceChildren(
      reason,
      h(
        "button",
        {
          type: "button",
          class: "confirm-in-error",
          onclick: async () => {
            const now = caseNow(app, docId);
            if (!now) return;
            const mark = { by: app.session.user.id, at_ms: Date.now(), reason: reason.value.trim() };
            if (await saveEdit(app, docId, markInError(now, entry, id, mark), "mark entry in error", error)) form.close();
          },
        },
        t("markInError"),
      ),
      h("button", { type: "button", onclick: cancel }, t("cancel")),
      error,
    );
  };
  const closed = () => box.replaceChildren(h("button", { type: "button", class: "mark-in-error", onclick: ask }, t("markInErrorOpen")));
  const cancel = () => {
    form.close();
    closed();
  };
  if (form.isOpen()) ask();
  else closed();
  return box;
}

/** A marked entry's content struck through, then why it was marked: the children of its list item. */
export function struck(body: (Node | null)[], mark: ErrorMark): HTMLElement[] {
  return [h("s", {}, ...body), h("div", { class: "muted" }, `${t("madeInError")}: ${mark.reason}`)];
}
