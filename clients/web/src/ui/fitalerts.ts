// FIT alerts as the worker sees them, each naming the rule set that fired it. A municipality may load its own rule
// set (../app/fitrules), and the server's alerts name their set too, so the phone says which rules spoke: a worker
// comparing the phone with the back office, or an alert with last year's, can tell the rule sets apart.

import type { Alert } from "../fit";
import { h } from "./dom";
import { alertLabel, t } from "./i18n";

/** The rule sets (versions) that fired `alerts`, each once, in the order they first appear. */
export function ruleSetsOf(alerts: readonly Alert[]): string[] {
  return [...new Set(alerts.map((a) => a.rule_set_version))];
}

/** "Regelsæt: <version>" in small muted text; nothing when there are no alerts. */
export function ruleSetNote(alerts: readonly Alert[]): HTMLElement | null {
  const versions = ruleSetsOf(alerts);
  if (versions.length === 0) return null;
  return h("p", { class: "muted rule-set", "data-testid": "rule-set" }, `${t("ruleSet")}: ${versions.join(", ")}`);
}

/** A list of alerts (with the SRS item an item alert is about) and, under it, the rule set that fired them. */
export function alertList(alerts: readonly Alert[], attributes: Record<string, string> = {}): HTMLElement[] {
  if (alerts.length === 0) return [];
  return [
    h("ul", { class: "alerts", ...attributes }, ...alerts.map((a) => h("li", {}, `⚠ ${alertLabel(a.kind)}${a.item ? ` (${a.item})` : ""}`))),
    ruleSetNote(alerts)!,
  ];
}
