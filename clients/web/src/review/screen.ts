// What every review screen shares: a wide desktop layout, loading from the server into a placeholder, and the
// links between figures, lists and case pages (the API's list paths become the app's hash routes).

import { h } from "../ui/dom";
import { t } from "../ui/i18n";

/** A screen that fills itself once `load` answers; a failure says so in the screen. */
export function loadingScreen(className: string, load: (screen: HTMLElement) => Promise<void>): HTMLElement {
  const screen = h("main", { class: `screen wide ${className}`, "aria-busy": "true" }, h("p", { class: "help" }, t("loading")));
  load(screen)
    .catch((error: unknown) => {
      const detail = error instanceof Error ? error.message : String(error);
      screen.replaceChildren(h("p", { class: "error", role: "alert" }, `${t("loadFailed")} (${detail})`));
    })
    .finally(() => screen.removeAttribute("aria-busy"));
  return screen;
}

/** The app's route for an API list path (`/v1/review/cases?…` → `#/review/cases?…`). */
export function listRoute(apiPath: string): string {
  const query = apiPath.split("?")[1] ?? "";
  return `#/review/cases${query ? `?${query}` : ""}`;
}

export const caseRoute = (id: string): string => `#/review/case/${encodeURIComponent(id)}`;
