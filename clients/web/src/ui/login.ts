// The login screen, which doubles as the unlock screen after a reload: the store's key lives only in memory,
// so a reloaded app knows who was logged in but cannot read anything until the password is typed again.

import { lastUser, signIn, type Running } from "../app/session";
import { h } from "./dom";
import { t } from "./i18n";

export function loginScreen(onSignedIn: (running: Running) => void): HTMLElement {
  const last = lastUser();
  const error = h("p", { class: "error", role: "alert" });
  const field = (name: string, label: string, type = "text", value = "") =>
    h(
      "label",
      { class: "field" },
      h("span", {}, label),
      h("input", { name, type, value, required: true, autocomplete: type === "password" ? "current-password" : "username" }),
    );
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
      if (typeof result === "string") {
        error.textContent =
          result === "wrong_password" ? t("wrongPassword") : result === "need_online" ? t("needOnline") : t("loginFailed");
      } else {
        onSignedIn(result);
      }
    } catch {
      error.textContent = t("loginFailed");
    } finally {
      button.disabled = false;
    }
  });
  return h("main", { class: "screen" }, form);
}
