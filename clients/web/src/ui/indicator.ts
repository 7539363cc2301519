// The sync indicator in the header: offline, connecting, syncing, all saved on the server, and how many
// documents still have changes waiting. It is a live region, so a screen reader hears when everything is saved.

import type { SyncClient, SyncStatus } from "../sync/client";
import { h } from "./dom";
import { t } from "./i18n";

export function indicator(client: SyncClient): { element: HTMLElement; dispose: () => void } {
  const element = h("div", { class: "sync", role: "status", "aria-live": "polite", "data-testid": "sync" });
  const render = (s: SyncStatus) => {
    const phase = navigator.onLine === false && s.phase !== "stopped" ? "offline" : s.phase;
    element.dataset.phase = phase;
    element.dataset.waiting = String(s.waiting);
    const text = s.problem ? t(`problem_${s.problem}`) : phase === "saved" ? t("saved") : t(phase);
    element.textContent = s.waiting > 0 && phase !== "saved" ? `${text} · ${s.waiting} ${t("waiting")}` : text;
  };
  const dispose = client.onStatus(render);
  return { element, dispose };
}
