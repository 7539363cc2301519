// The login screen, which doubles as the unlock screen after a reload: the store's key lives only in memory,
// so a reloaded app knows who was logged in but cannot read anything until the password is typed again.
// After a password change on the server it also asks for the previous password once (see `StoreLocked`).

import { lastUser, OfflineExpired, signIn, StoreLocked, type Running, type SignInResult } from "../app/session";
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
    wrong_previous_password: t("wrongPreviousPassword"),
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
      if (result instanceof StoreLocked) main.replaceChildren(lockedForm(result, onSignedIn));
      else if (isRunning(result)) onSignedIn(result);
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

/**
 * The store was locked with the previous password: ask for it, and offer to discard the store only after saying
 * how many cases it holds and how many of them have unsent changes, behind a second, explicit step.
 */
function lockedForm(locked: StoreLocked, onSignedIn: (running: Running) => void): HTMLElement {
  const error = h("p", { class: "error", role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, t("unlock"));
  const { documents, pending } = locked.summary;
  const holds = (pending === null ? t("storeHoldsUnknown") : t("storeHolds"))
    .replace("{documents}", String(documents))
    .replace("{pending}", String(pending));
  const discard = h("button", { type: "button", class: "danger", "data-testid": "discard-store" }, t("discardStore"));
  const discardPart = h("div", { class: "discard", hidden: true }, h("p", { class: "help" }, t("discardWarning")), discard);
  const forgot = h("button", { type: "button", class: "link", "aria-expanded": "false" }, t("forgotPrevious"));
  forgot.addEventListener("click", () => {
    discardPart.hidden = false;
    forgot.setAttribute("aria-expanded", "true");
  });
  const finish = (result: SignInResult) => {
    if (isRunning(result)) onSignedIn(result);
    else error.textContent = failure(result) ?? t("loginFailed");
  };
  discard.addEventListener("click", async () => {
    discard.disabled = true;
    try {
      finish(await locked.discard());
    } catch {
      error.textContent = t("loginFailed");
    } finally {
      discard.disabled = false;
    }
  });
  const form = h(
    "form",
    { class: "card login store-locked", "aria-labelledby": "locked-title" },
    h("h1", { id: "locked-title" }, t("appName")),
    h("p", {}, t("storeLocked")),
    field("previous_password", t("previousPassword"), "password"),
    error,
    button,
    h("p", { class: "help", "data-testid": "store-holds" }, holds),
    forgot,
    discardPart,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    error.textContent = "";
    try {
      finish(await locked.withPreviousPassword(String(new FormData(form).get("previous_password") ?? "")));
    } catch {
      error.textContent = t("loginFailed");
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
