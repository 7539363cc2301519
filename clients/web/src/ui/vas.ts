// A visual-analogue line for one FIT item: a 10 cm line (narrower on a small screen) the citizen marks with a
// finger, a mouse or the keyboard. It reads to the millimetre (0–100) in proportion to the line's length and
// never shows a number while rating, so the citizen answers the line, not a score. It starts unmarked: a marker
// in the middle would suggest an answer, and "not set" must stay distinguishable from a real 0.

import { h } from "./dom";
import { t } from "./i18n";

export interface Vas {
  element: HTMLElement;
  value(): number | null;
  reset(): void;
}

export function vas(label: string, onChange: () => void): Vas {
  let value: number | null = null;
  const marker = h("div", { class: "vas-marker", "aria-hidden": "true" });
  const line = h(
    "div",
    {
      class: "vas-line",
      role: "slider",
      tabindex: 0,
      "aria-label": label,
      "aria-valuemin": 0,
      "aria-valuemax": 100,
      // The number is deliberately not exposed while rating; screen readers hear whether the line is set.
      "aria-valuetext": t("notRated"),
    },
    marker,
  );

  const set = (mm: number | null) => {
    value = mm === null ? null : Math.max(0, Math.min(100, Math.round(mm)));
    line.classList.toggle("set", value !== null);
    marker.style.left = value === null ? "" : `${value}%`;
    line.setAttribute("aria-valuetext", value === null ? t("notRated") : t("rated"));
    onChange();
  };
  const fromPointer = (ev: PointerEvent) => {
    const rect = line.getBoundingClientRect();
    set(((ev.clientX - rect.left) / rect.width) * 100);
  };
  line.addEventListener("pointerdown", (ev) => {
    line.setPointerCapture(ev.pointerId);
    line.focus();
    fromPointer(ev);
  });
  line.addEventListener("pointermove", (ev) => {
    if (line.hasPointerCapture(ev.pointerId)) fromPointer(ev);
  });
  line.addEventListener("keydown", (ev) => {
    const steps: Record<string, number> = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1, PageDown: -10, PageUp: 10 };
    if (ev.key in steps) set((value ?? 50) + steps[ev.key]!);
    else if (ev.key === "Home") set(0);
    else if (ev.key === "End") set(100);
    else return;
    ev.preventDefault();
  });

  const element = h(
    "div",
    { class: "vas" },
    h("div", { class: "vas-label" }, label),
    line,
    h("div", { class: "vas-ends", "aria-hidden": "true" }, h("span", {}, t("low")), h("span", {}, t("high"))),
  );
  return { element, value: () => value, reset: () => set(null) };
}
