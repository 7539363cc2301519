// The limits of unlocking the phone's store, in a real browser against the real server (issue 11, points 5 and 10):
//
// - After the maximum offline period (the server's `refresh_expires_in`, 14 days in the demo) the app refuses to
//   unlock offline and says to connect and log in; the unsent visit is not lost, and goes out after that login.
//   The browser's clock is moved with Playwright's clock (Date only; timers keep running).
// - After a password change on the server, a login with the new password finds the store locked with the old one:
//   the app says how much unsent work the store holds, asks for the previous password once, and re-wraps the key.
//   The server cannot change a password over its API, so the one stub: the first login's request is rewritten on
//   its way out to carry the server's password while the app locks its store with an "old" one, which is what the
//   phone would have done while the server still knew that old password.

import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { allSaved, choosePurpose, launch, logIn, PASSWORD, phone, recordVisit, shot, unlock, WEB } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const DAY = 24 * 60 * 60 * 1000;

/** Submits the login/unlock form with `password`; the tenant and username are remembered from the last login. */
async function submit(page: Page, password: string): Promise<void> {
  await page.fill("input[name=password]", password);
  await page.click("button[type=submit]");
}

/** No signal, and the open sync socket dropped the way a lost signal drops it. */
async function offline(page: Page): Promise<void> {
  await page.context().setOffline(true);
  await page.evaluate(() => window.dispatchEvent(new Event("offline")));
}

it("refuses to unlock offline after the maximum offline period, and keeps the unsent visit for the next login", async () => {
  const note = `Besøg før offline-grænsen ${Date.now().toString(36)}`;
  const context = await phone(browser);
  const page = await context.newPage();
  await logIn(page, "bo");
  await allSaved(page);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await page.locator(".case-row").first().click();
  await choosePurpose(page);
  await page.waitForSelector(".own-goal");
  await offline(page);
  await recordVisit(page, note, [0.5, 0.5, 0.5, 0.5], [0.9, 0.9, 0.9, 0.9]);

  // Thirteen days later, still offline: the password opens the store.
  await page.clock.setFixedTime(Date.now() + 13 * DAY);
  await page.reload();
  await unlock(page);
  expect(await page.getAttribute("[data-testid=sync]", "data-waiting")).toBe("1");

  // Fifteen days after the last contact with the server: refused, with a reason and what to do.
  await page.clock.setFixedTime(Date.now() + 15 * DAY);
  await page.reload();
  await submit(page, PASSWORD);
  const error = page.locator(".login .error");
  await expect.poll(() => error.textContent()).toContain("uden forbindelse til serveren for længe");
  expect(await error.textContent()).toContain("log ind");
  expect(await page.locator("[data-testid=sync]").count()).toBe(0);
  await shot(page, "16-offline-period-over");

  // Connected, the same form logs in with the server, and the visit waiting on the phone goes out.
  await context.setOffline(false);
  await submit(page, PASSWORD);
  await page.waitForSelector("[data-testid=sync]");
  await allSaved(page);
  expect(await page.getAttribute("[data-testid=sync]", "data-waiting")).toBe("0");
  // The login is a new session on the same case page: it asks why again.
  await choosePurpose(page);
  expect(await page.locator(".contacts").textContent()).toContain(note);
  await context.close();
});

it("asks for the previous password after a password change, and keeps the unsent visit", async () => {
  const note = `Besøg før skift af adgangskode ${Date.now().toString(36)}`;
  const old = "gammel-adgangskode";
  // No service worker: it would sit between the page and the rewritten request, and nothing here reloads offline.
  const context = await browser.newContext({ viewport: { width: 360, height: 780 }, serviceWorkers: "block" });
  const page = await context.newPage();
  await page.route("**/v1/auth/login", async (route) => {
    const body = route.request().postDataJSON() as Record<string, unknown>;
    await route.continue({ postData: JSON.stringify({ ...body, password: PASSWORD }) });
  });
  await page.goto(WEB);
  await page.fill("input[name=tenant]", "hoeje-taastrup");
  await page.fill("input[name=username]", "bo");
  await submit(page, old);
  await page.waitForSelector(".case-row");
  await allSaved(page);
  await page.unroute("**/v1/auth/login");

  const row = page.locator(".case-row").first();
  const href = (await row.getAttribute("href"))!;
  await row.click();
  await choosePurpose(page);
  await page.waitForSelector(".own-goal");
  await offline(page);
  await recordVisit(page, note, [0.3, 0.3, 0.3, 0.3], [0.8, 0.8, 0.8, 0.8]);
  await page.click("header button:has-text('Lås')");
  await context.setOffline(false);

  // The server's password now opens the session but not the store: the app asks for the old one.
  await submit(page, PASSWORD);
  await page.waitForSelector(".store-locked");
  const holds = (await page.locator("[data-testid=store-holds]").textContent())!;
  expect(holds).toMatch(/^Telefonen har \d+ sager, og 1 af dem har ændringer, der ikke er sendt til serveren\.$/);
  // Discarding is offered only behind a second step, after the count.
  expect(await page.locator("[data-testid=discard-store]").isVisible()).toBe(false);
  await page.click(".store-locked button.link");
  expect(await page.locator("[data-testid=discard-store]").isVisible()).toBe(true);
  await shot(page, "17-store-locked");

  await page.fill("input[name=previous_password]", "forkert");
  await page.click(".store-locked button[type=submit]");
  await expect.poll(() => page.locator(".store-locked .error").textContent()).toBe("Det er ikke den tidligere adgangskode.");
  await page.fill("input[name=previous_password]", old);
  await page.click(".store-locked button[type=submit]");
  await page.waitForSelector("[data-testid=sync]");
  await allSaved(page);
  expect(await page.getAttribute("[data-testid=sync]", "data-waiting")).toBe("0");
  await page.click(`.case-row[href="${href}"]`);
  await choosePurpose(page);
  await page.waitForSelector(".contacts li");
  expect(await page.locator(".contacts").textContent()).toContain(note);

  // Re-wrapped: after a reload the new password alone opens the store.
  await page.reload();
  await submit(page, PASSWORD);
  await page.waitForSelector("[data-testid=sync]");
  expect(await page.locator(".store-locked").count()).toBe(0);
  await context.close();
});
