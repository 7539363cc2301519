// The admin's tenant overview: users (with the lockouts to clear), devices (to revoke a lost phone), the
// recommended caseload the dashboard measures against, and a random sample of the access log for spot checks.
// An admin manages; case content stays with the leads (the dashboard's figures are one link away).

import type { Running } from "../app/session";
import { h } from "../ui/dom";
import { formatDateTime, t } from "../ui/i18n";
import {
  auditSample,
  devices,
  ReviewError,
  revokeDevice,
  setSettings,
  settings,
  unblockUser,
  users,
} from "./api";
import { loadingScreen } from "./screen";

const SAMPLE = 20;

function table(headers: string[], rows: HTMLElement[]): HTMLElement {
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, ...headers.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, ...rows),
  );
}

export function tenantScreen(app: Running, reload: (flash: string) => void, flash: string | null): HTMLElement {
  return loadingScreen("tenant", async (screen) => {
    const [userList, deviceList, sample, current] = await Promise.all([
      users(app),
      devices(app),
      auditSample(app, SAMPLE),
      settings(app),
    ]);
    const problem = h("p", { class: "error", role: "alert" });
    const act = (action: () => Promise<unknown>) => {
      action()
        .then(() => reload(t("saved_setting")))
        .catch((error: unknown) => {
          problem.textContent = error instanceof ReviewError ? error.message : String(error);
        });
    };
    const caseload = h("input", {
      type: "number",
      name: "recommended_caseload",
      min: 1,
      max: 1000,
      value: current.recommended_caseload ?? "",
    });
    const retention = h("input", {
      type: "number",
      name: "device_retention_days",
      min: 0,
      max: 3650,
      value: current.device_retention_days ?? "",
    });
    const settingsForm = h(
      "form",
      { class: "period" },
      h("label", {}, `${t("recommendedCaseload")} `, caseload),
      h("label", {}, `${t("deviceRetentionDays")} `, retention),
      h("button", { type: "submit", class: "primary" }, t("saveSetting")),
    );
    const number = (input: HTMLElement): number | null => {
      const value = (input as HTMLInputElement).value.trim();
      return value === "" ? null : Number(value);
    };
    settingsForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      act(() =>
        setSettings(app, { recommended_caseload: number(caseload), device_retention_days: number(retention) }),
      );
    });
    screen.replaceChildren(
      h("h1", {}, t("tenantOverview")),
      ...(flash ? [h("p", { class: "flash", role: "status" }, flash)] : []),
      problem,
      h("p", {}, h("a", { href: "#/review" }, t("overview")), " · ", h("a", { href: "#/review/stats" }, t("statistics"))),
      h("section", { class: "card" }, h("h2", {}, t("settings")), settingsForm),
      h(
        "section",
        { class: "card" },
        h("h2", {}, t("users")),
        table(
          [t("username"), t("role"), t("blocked")],
          userList.users.map((user) =>
            h(
              "tr",
              {},
              h("th", { scope: "row" }, user.username),
              h("td", {}, user.role),
              h(
                "td",
                {},
                user.blocked_at === null
                  ? "–"
                  : h(
                      "span",
                      {},
                      `${formatDateTime(user.blocked_at)} `,
                      h("button", { class: "unblock", onclick: () => act(() => unblockUser(app, user.id)) }, t("unblock")),
                    ),
              ),
            ),
          ),
        ),
      ),
      h(
        "section",
        { class: "card" },
        h("h2", {}, t("devices")),
        table(
          [t("device"), t("username"), t("lastSeen"), ""],
          deviceList.devices.map((device) =>
            h(
              "tr",
              { class: device.revoked_at === null ? "" : "in-error" },
              h("th", { scope: "row" }, device.name),
              h("td", {}, device.username),
              h("td", {}, formatDateTime(device.last_seen_at)),
              h(
                "td",
                {},
                device.revoked_at === null
                  ? h(
                      "button",
                      {
                        class: "revoke",
                        onclick: () => {
                          if (confirm(t("revokeConfirm"))) act(() => revokeDevice(app, device.id));
                        },
                      },
                      t("revokeDevice"),
                    )
                  : t("revoked"),
              ),
            ),
          ),
        ),
      ),
      h(
        "section",
        { class: "card" },
        h("h2", {}, t("spotCheck")),
        h("p", { class: "help" }, t("spotCheckHelp")),
        table(
          [t("time"), t("username"), t("action"), t("purpose")],
          sample.entries.map((entry) =>
            h(
              "tr",
              {},
              h("td", {}, formatDateTime(entry.at)),
              h("td", {}, userList.users.find((u) => u.id === entry.user_id)?.username ?? entry.user_id ?? "–"),
              h("td", {}, entry.action),
              h("td", {}, entry.purpose ?? "–"),
            ),
          ),
        ),
      ),
    );
  });
}
