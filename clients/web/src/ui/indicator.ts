// The sync indicator in the header: offline, connecting, syncing, all saved on the server, how many documents
// still have changes waiting, and how many the server refused (until the worker corrects them). It is a live
// region, so a screen reader hears when everything is saved.

import type { SyncClient, SyncStatus } from "../sync/client";
import { h } from "./dom";
import { t } from "./i18n";

export function indicator(client: SyncClient): { element: HTMLElement; dispose: () => void } {
  const element = h("div", { class: "sync", role: "status", "aria-live": "polite", "data-testid": "sync" });
  const render = (s: SyncStatus) => {
    const phase = navigator.onLine === false && s.phase !== "stopped" ? "offline" : s.phase;
    element.dataset.phase = phase;
    element.dataset.waiting = String(s.waiting);
    element.dataset.refused = String(s.refused);
    const saved = s.refused > 0 ? t("savedExceptRefused") : t("saved");
    const text = s.problem ? t(`problem_${s.problem}`) : phase === "saved" ? saved : t(phase);
    const waiting = s.waiting > 0 && phase !== "saved" ? ` · ${s.waiting} ${t("waiting")}` : "";
    const refused = s.refused > 0 ? ` · ${s.refused} ${t("refusedCount")}` : "";
    element.textContent = `${text}${waiting}${refused}`;
  };
  const dispose = client.onStatus(render);
  return { element, dispose };
}
