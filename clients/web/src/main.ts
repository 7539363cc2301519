// The app's entry: registers the service worker, shows the login/unlock screen, then routes between the
// caseload, a case page and its forms (new contact, start or end a course, plan a follow-up, record an outcome;
// hash routes, so the service worker serves one index.html); a case is first opened through the choice of why
// (./ui/openpurpose).
// A lead or an admin lands on the review's overview (`#/review`), with their own caseload at `#/caseload`.

import "./style.css";
import type { Running } from "./app/session";
import { casePage } from "./ui/casepage";
import { forgetCheckinLinks } from "./ui/checkinlink";
import { forgetInPlaceForms } from "./ui/inplace";
import { caseloadScreen } from "./ui/caseload";
import { contactForm } from "./ui/contactform";
import { endCourseForm, extendCourseForm, startCourseForm } from "./ui/courses";
import { followUpForm } from "./ui/followups";
import { coordinationForm } from "./ui/coordination";
import { groupForm } from "./ui/group";
import { newCaseForm } from "./ui/newcase";
import { outcomeForm } from "./ui/outcomes";
import { goalEditForm, goalForm, goalsScreen, planForm } from "./ui/plan";
import { assignForm } from "./ui/assignment";
import { h } from "./ui/dom";
import { getLang, setLang, t } from "./ui/i18n";
import { indicator } from "./ui/indicator";
import { loginScreen } from "./ui/login";
import { openPurposeScreen } from "./ui/openpurpose";
import { documentIdText, parseDocumentIdText } from "./sync/ids";
import { caseReviewScreen } from "./review/casereview";
import { casesScreen } from "./review/cases";
import { dashboardScreen } from "./review/dashboard";
import { outcomesScreen, statsScreen } from "./review/stats";
import { tenantScreen } from "./review/tenant";

const root = document.getElementById("app")!;
let app: Running | null = null;
let flash: string | null = null;
/** A message on the caseload after a form that returns there (a group session saved), until the worker moves on. */
let caseloadFlash: string | null = null;
let renderQueued = false;

if ("serviceWorker" in navigator && import.meta.env.PROD) {
  void navigator.serviceWorker.register("./sw.js");
}
document.documentElement.lang = getLang();

function header(running: Running): HTMLElement {
  const sync = indicator(running.client);
  return h(
    "header",
    { class: "top" },
    // The brand is an icon on the phone, to leave the header's width to the sync indicator.
    h("a", { href: "#/", class: "brand", "aria-label": `${t("appName")} – ${t("caseload")}` }, h("img", { src: "./icon.svg", alt: "", width: 32, height: 32 })),
    sync.element,
    ...(reviews(running)
      ? [
          ...(running.session.user.role === "admin" ? [h("a", { href: "#/review/tenant", class: "link nav" }, t("settings"))] : []),
          h("a", { href: "#/review", class: "link nav" }, t("overview")),
          h("a", { href: "#/review/stats", class: "link nav" }, t("statistics")),
          h("a", { href: "#/review/outcomes", class: "link nav" }, t("outcomes")),
          ...(running.session.user.role === "lead" ? [h("a", { href: "#/caseload", class: "link nav" }, t("myCases"))] : []),
        ]
      : []),
    h(
      "button",
      {
        class: "link",
        lang: getLang() === "da" ? "en" : "da",
        "aria-label": t("languageName"),
        onclick: () => (setLang(getLang() === "da" ? "en" : "da"), render()),
      },
      t("language"),
    ),
    h("button", { class: "link", onclick: lock }, t("logout")),
  );
}

/** Leads and admins review at a desk; workers keep the phone app. */
function reviews(running: Running): boolean {
  return running.session.user.role === "lead" || running.session.user.role === "admin";
}

function lock() {
  // Locking drops the key from memory; the encrypted store stays for the next unlock.
  app?.client.stop();
  app?.store.close();
  app = null;
  forgetCheckinLinks();
  forgetInPlaceForms();
  location.hash = "#/";
  render();
}

function render() {
  renderQueued = false;
  if (!app) {
    // A login screen already shown stays: rebuilt (by the hash change a lock makes, a moment after it rendered the
    // screen), it would drop what the worker has begun to type, or the form asking for the previous password.
    if (root.querySelector(".login")) return;
    root.replaceChildren(
      loginScreen((running) => {
        app = running;
        running.repo.subscribe(() => scheduleRender());
        // A new FIT rule set from the server assesses every case on screen again.
        running.fitRules.onChange(() => scheduleRender());
        render();
      }),
    );
    return;
  }
  const running = app;
  const review = reviewScreen(running);
  if (review) {
    root.replaceChildren(header(running), review);
    return;
  }
  const [, route, textId, sub, arg] = location.hash.split("/");
  const id = route === "case" && textId ? parseDocumentIdText(decodeURIComponent(textId)) : null;
  let screen: HTMLElement;
  // A case held on the phone is shown (or a contact added to it) only once the worker has said why they open it,
  // which is asked once per case in an unlocked session (a re-render after saving a contact does not ask again).
  const caseText = id ? documentIdText(id) : null;
  if (id && caseText && running.repo.get(id) && !running.opens.purposeOf(caseText)) {
    screen = openPurposeScreen(running, id, caseText, render);
  } else if (id && sub) {
    // The case's forms: each returns to the case page with a message (or none when cancelled).
    const back = (message: string | null) => {
      flash = message;
      location.hash = `#/case/${textId}`;
    };
    if (sub === "new") screen = contactForm(running, id, back);
    else if (sub === "course") screen = startCourseForm(running, id, back);
    else if (sub === "end" && arg) screen = endCourseForm(running, id, decodeURIComponent(arg), back);
    else if (sub === "extend" && arg) screen = extendCourseForm(running, id, decodeURIComponent(arg), back);
    else if (sub === "follow-up") screen = followUpForm(running, id, back);
    else if (sub === "outcome") screen = outcomeForm(running, id, back);
    else if (sub === "plan") screen = planForm(running, id, back);
    else if (sub === "coordination") screen = coordinationForm(running, id, back);
    else if (sub === "goal" && arg) screen = goalEditForm(running, id, decodeURIComponent(arg), back);
    else if (sub === "goal") screen = goalForm(running, id, back);
    else if (sub === "goals") screen = goalsScreen(running, id);
    else if (sub === "assign") screen = assignForm(running, id, back);
    else screen = casePage(running, id, flash, showFlash);
  } else if (id) {
    screen = casePage(running, id, flash, showFlash);
  } else if (route === "group") {
    screen = groupForm(running, (message) => {
      caseloadFlash = message;
      location.hash = "#/";
    });
  } else if (route === "new-case") {
    // The new case opens like any other: the worker is asked once why they open it.
    screen = newCaseForm(
      running,
      (docText) => (location.hash = `#/case/${encodeURIComponent(docText)}`),
      () => (location.hash = "#/"),
    );
  } else {
    screen = caseloadScreen(running, caseloadFlash);
  }
  // A sync rebuilds the screen; keep the keyboard focus on the control that had it (matched by its id).
  const focused = document.activeElement?.id;
  root.replaceChildren(header(running), screen);
  if (focused) document.getElementById(focused)?.focus({ preventScroll: true });
}

/** A message on the case page after an edit made there. */
function showFlash(message: string) {
  flash = message;
  render();
}

/** A form's route (`#/case/<id>/<form>…`): re-rendering it would lose what is typed. The goals' list
 * (`#/case/<id>/goals`) holds nothing typed: it is drawn again after each move and each sync. */
function onForm(): boolean {
  const parts = location.hash.split("/");
  return (
    (location.hash.startsWith("#/case/") && parts.length > 3 && !(parts.length === 4 && parts[3] === "goals")) ||
    location.hash === "#/new-case" ||
    location.hash === "#/group"
  );
}

/** The review's screens, for `#/review…` (and `#/` for a lead or admin); `null` for the phone app's routes. */
function reviewScreen(running: Running): HTMLElement | null {
  if (!onReviewRoute(running)) return null;
  const [path, query = ""] = location.hash.slice(1).split("?");
  const parts = path!.split("/");
  const isAdmin = running.session.user.role === "admin";
  // An admin lands on the tenant's setup; a lead on the overview.
  if (parts[2] === "tenant" || (isAdmin && (parts[1] ?? "") === "")) {
    const message = flash;
    flash = null;
    return tenantScreen(running, (next) => {
      flash = next;
      render();
    }, message);
  }
  if (parts[2] === "cases") return casesScreen(running, query);
  if (parts[2] === "stats") return statsScreen(running, query);
  if (parts[2] === "outcomes") return outcomesScreen(running, query);
  if (parts[2] === "case" && parts[3]) {
    const message = flash;
    flash = null;
    let id: string;
    try {
      id = decodeURIComponent(parts[3]);
    } catch {
      // A malformed link: the overview, not a blank screen.
      return dashboardScreen(running);
    }
    return caseReviewScreen(running, id, message, (next) => {
      flash = next;
      render();
    });
  }
  return dashboardScreen(running);
}

function onReviewRoute(running: Running): boolean {
  const hash = location.hash;
  return hash.startsWith("#/review") || (reviews(running) && (hash === "" || hash === "#" || hash === "#/"));
}

/**
 * Documents change under sync; re-render, except over a half-filled form (it would lose what is typed) and on the
 * review's screens, which read the server, not the device.
 */
function scheduleRender() {
  if (renderQueued || onForm() || (app && onReviewRoute(app))) return;
  renderQueued = true;
  requestAnimationFrame(render);
}

window.addEventListener("hashchange", () => {
  if (!location.hash.endsWith("/new") && !location.hash.includes("/case/")) flash = null;
  if (location.hash !== "#/" && location.hash !== "") caseloadFlash = null;
  render();
});
window.addEventListener("online", () => app?.client.retryNow());
window.addEventListener("offline", () => {
  app?.client.networkLost();
  scheduleRender();
});
render();
