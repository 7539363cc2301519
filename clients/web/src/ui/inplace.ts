// In-place forms on the case page (the reason for "made in error", the note for "held"): which are open and what has
// been typed in them, kept across the page's re-renders. The case page is rebuilt whenever the document changes (a
// sync message arriving, an Ack, the network coming and going), and a form that lived only in its DOM closed under
// the worker's fingers and dropped their sentence.

/** Typed text of each open form, by the key of its entry. */
const open = new Map<string, string>();

/** One entry's in-place form around `field`; `key` names the entry (document, kind and id). */
export function inPlaceForm(key: string, field: HTMLInputElement | HTMLTextAreaElement) {
  field.addEventListener("input", () => {
    if (open.has(key)) open.set(key, field.value);
  });
  return {
    /** Whether the form is open now (an open form stays open across re-renders until closed). */
    isOpen: () => open.has(key),
    /** Opens it (again), with what was typed, and puts the cursor in it once it is on the page. */
    open: () => {
      if (!open.has(key)) open.set(key, "");
      field.value = open.get(key) ?? "";
      queueMicrotask(() => field.focus());
    },
    /** Closed by the worker, or done with. */
    close: () => {
      open.delete(key);
    },
  };
}

/** Forgets every open form and what was typed in it: on locking, so nothing typed outlives the session. */
export function forgetInPlaceForms(): void {
  open.clear();
}
