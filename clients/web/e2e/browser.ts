// Shared helpers of the browser tests: launching Debian's Chromium, a 360 px phone context, logging in,
// screenshots, marking a visual-analogue line the way a finger drags it, and the team lead reading a case's review
// on the server.

import { mkdirSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { expect } from "vitest";

export const WEB = process.env.WEB_URL ?? "http://127.0.0.1:4173/";
export const PASSWORD = process.env.TOVHOLDER_DEMO_PASSWORD ?? "";
export const SHOTS = new URL("../../../tests/artifacts/web/", import.meta.url).pathname;

export async function launch(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

export const phone = (browser: Browser): Promise<BrowserContext> =>
  browser.newContext({ viewport: { width: 360, height: 780 }, deviceScaleFactor: 1 });

/** A desk: the back office's screens are desktop first (1280 px). */
export const desk = (browser: Browser): Promise<BrowserContext> =>
  browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });

/** Logs a demo user in and waits for `ready` (a worker's caseload by default; a lead lands on the overview). */
export async function logIn(page: Page, username: string, tenant = "hoeje-taastrup", ready = ".case-row"): Promise<void> {
  await page.goto(WEB);
  await page.fill("input[name=tenant]", tenant);
  await page.fill("input[name=username]", username);
  await page.fill("input[name=password]", PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForSelector(ready);
}

export async function unlock(page: Page): Promise<void> {
  await page.fill("input[name=password]", PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=sync]");
}

/**
 * Says why the case is opened, as the phone asks before it shows a case (once per case until the next unlock),
 * and waits until the choice is stored and the case is on screen.
 */
export async function choosePurpose(page: Page, purpose: "visit" | "follow_up" | "review" | "coordination" = "visit"): Promise<void> {
  await page.click(`.open-purpose button[data-purpose="${purpose}"]`);
  await page.locator(".open-purpose").waitFor({ state: "detached" });
}

export const phase = (page: Page) => page.getAttribute("[data-testid=sync]", "data-phase");

export async function allSaved(page: Page): Promise<void> {
  await expect.poll(() => phase(page), { timeout: 60_000 }).toBe("saved");
}

export const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });

/** Drags across a visual-analogue line to a fraction of its length, as a finger would. */
export async function mark(page: Page, line: number, fraction: number): Promise<void> {
  const target = page.locator(".vas-line").nth(line);
  // Centred, so the sticky header does not cover the line the finger lands on.
  await target.evaluate((el) => el.scrollIntoView({ block: "center" }));
  const box = (await target.boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.5, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * fraction, y, { steps: 5 });
  await page.mouse.up();
}

/** Records a contact with all four ORS and SRS lines marked; returns the flash with its totals. */
export async function recordVisit(page: Page, notes: string, ors: number[], srs: number[]): Promise<string> {
  await page.click("a.button.primary");
  await page.waitForSelector(".contact-form");
  await page.selectOption("select[name=kind]", "home_visit");
  for (const [i, f] of ors.entries()) await mark(page, i, f);
  await page.fill("textarea[name=notes]", notes);
  for (const [i, f] of srs.entries()) await mark(page, 4 + i, f);
  await page.click(".contact-form button[type=submit]");
  await page.waitForSelector(".flash");
  return (await page.locator(".flash").textContent())!;
}

/**
 * The case review the server gives the team's lead, lea (`GET /v1/review/cases/{id}`): what reached the server,
 * read as the back office reads it. `T` names the parts a test reads (the case document, the projection's rows).
 */
export async function leadReview<T>(caseId: string): Promise<T> {
  const login = await fetch(new URL("v1/auth/login", WEB), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenant: "hoeje-taastrup", username: "lea", password: PASSWORD, device: "e2e lead" }),
  });
  expect(login.status).toBe(200);
  const { access_token } = (await login.json()) as { access_token: string };
  const response = await fetch(new URL(`v1/review/cases/${encodeURIComponent(caseId)}`, WEB), {
    headers: { authorization: `Bearer ${access_token}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}
