// The limits of unlocking the phone's store, in a real browser against the real server (issue 11, point 5): after
// the maximum offline period (the server's `refresh_expires_in`, 14 days in the demo) the app refuses to unlock
// offline and says to connect and log in; the unsent visit is not lost, and goes out after that login. The
// browser's clock is moved with Playwright's clock (Date only; timers keep running).

import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { allSaved, launch, logIn, PASSWORD, phone, recordVisit, shot, unlock } from "./browser";

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
  expect(await page.locator(".contacts").textContent()).toContain(note);
  await context.close();
});
