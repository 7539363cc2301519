// The login screen, which doubles as the unlock screen after a reload: the store's key lives only in memory,
// so a reloaded app knows who was logged in but cannot read anything until the password is typed again.

import { lastUser, OfflineExpired, signIn, type Running, type SignInResult } from "../app/session";
import { h } from "./dom";
import { formatDateTime, t } from "./i18n";

const field = (name: string, label: string, type = "text", value = "") =>
  h(
    "label",
    { class: "field" },
    h("span", {}, label),
    h("input", { name, type, value, required: true, autocomplete: type === "password" ? "current-password" : "username" }),
  );

const isRunning = (result: SignInResult): result is Running => typeof result === "object" && "repo" in result;

/** The message for a sign-in that did not open the app, or `null` when it did (or asks for more). */
function failure(result: SignInResult): string | null {
  if (result instanceof OfflineExpired) return t("offlineExpired").replace("{date}", formatDateTime(result.until_ms));
  if (typeof result !== "string") return null;
  const labels = {
    wrong_password: t("wrongPassword"),
    need_online: t("needOnline"),
    refused: t("loginFailed"),
  } as const;
  return labels[result];
}

export function loginScreen(onSignedIn: (running: Running) => void): HTMLElement {
  const last = lastUser();
  const main = h("main", { class: "screen" });
  const error = h("p", { class: "error", role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, last ? t("unlock") : t("login"));
  const form = h(
    "form",
    { class: "card login", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title" }, t("appName")),
    last ? h("p", { class: "help" }, t("unlockHelp")) : null,
    field("tenant", t("tenant"), "text", last?.tenant ?? ""),
    field("username", t("username"), "text", last?.username ?? ""),
    field("password", t("password"), "password"),
    error,
    button,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const value = (k: string) => String(data.get(k) ?? "").trim();
    button.disabled = true;
    error.textContent = "";
    try {
      const result = await signIn(value("tenant"), value("username"), String(data.get("password") ?? ""));
      if (isRunning(result)) onSignedIn(result);
      else error.textContent = failure(result) ?? t("loginFailed");
    } catch {
      error.textContent = t("loginFailed");
    } finally {
      button.disabled = false;
    }
  });
  main.append(form);
  return main;
}
