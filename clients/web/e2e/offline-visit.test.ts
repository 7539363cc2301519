// The worker's app in a real browser: log in, load the caseload, go offline, reload (the service worker serves the
// app, the password unlocks the store), record a home visit with ORS and SRS by dragging the lines, reload again
// (the visit is still there, waiting), go online (all saved), and a second device sees the visit with its totals.
// Screenshots at 360 px go to tests/artifacts/web/.

import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { allSaved, choosePurpose, launch, logIn, mark, phase, phone, shot, unlock, WEB } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

it("records a home visit offline that survives reloads and reaches the server", async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(WEB);
  await shot(page, "01-login");
  await logIn(page, "anna");
  await allSaved(page);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await shot(page, "02-caseload");

  const first = page.locator(".case-row").first();
  const name = (await first.locator(".name").textContent())!;
  await first.click();
  // The phone asks why the case is opened before it shows it.
  await choosePurpose(page);
  await page.waitForSelector(".own-goal");
  await shot(page, "03-case");
  const caseUrl = page.url();
  const contactsBefore = await page.locator(".contacts li").count();

  // Offline from here: the reload is served by the service worker and unlocked with the password alone. The
  // reload keeps the route, so the unlocked app opens on the case page again.
  await context.setOffline(true);
  await page.reload();
  await unlock(page);
  expect(await phase(page)).toBe("offline");
  // A new unlock is a new session: the case asks why again.
  await choosePurpose(page);
  await page.click("a.button.primary");
  await page.waitForSelector(".contact-form");
  await page.selectOption("select[name=kind]", "home_visit");
  // ORS lines first (items 0–3), then the SRS lines (4–7); no number is on screen while rating.
  for (const [i, f] of [0.3, 0.25, 0.4, 0.35].entries()) await mark(page, i, f);
  await page.fill("textarea[name=notes]", "Hjemmebesøg, syntetisk testnote");
  for (const [i, f] of [0.95, 0.92, 0.97, 0.94].entries()) await mark(page, 4 + i, f);
  expect(await page.locator(".contact-form").textContent()).not.toMatch(/\d+\.\d/);
  await shot(page, "04-new-contact");
  await page.click(".contact-form button[type=submit]");
  await page.waitForSelector(".flash");
  const flash = (await page.locator(".flash").textContent())!;
  expect(flash).toMatch(/ORS \d+\.\d · SRS \d+\.\d/);
  await shot(page, "05-case-after-visit");
  const totals = flash.match(/ORS \d+\.\d · SRS \d+\.\d/)![0];

  // Still offline: reload, unlock, and the visit is there, waiting.
  await page.reload();
  await unlock(page);
  expect(Number(await page.getAttribute("[data-testid=sync]", "data-waiting"))).toBeGreaterThan(0);
  await page.goto(caseUrl);
  await choosePurpose(page);
  await page.waitForSelector(".contacts li");
  expect(await page.locator(".contacts li").count()).toBe(contactsBefore + 1);
  expect(await page.locator(".contacts").textContent()).toContain(totals);

  await context.setOffline(false);
  await allSaved(page);
  await shot(page, "06-all-saved");
  await context.close();

  // A second device of the same worker gets the visit from the server.
  const other = await phone(browser);
  const page2 = await other.newPage();
  await logIn(page2, "anna");
  await page2.locator(".case-row", { hasText: name }).first().click();
  await choosePurpose(page2);
  await page2.waitForSelector(".contacts li");
  expect(await page2.locator(".contacts").textContent()).toContain(totals);
  await shot(page2, "07-second-device");
  // English labels on request (Danish is the default).
  await page2.click("header button[aria-label=English]");
  await page2.waitForSelector("text=New contact");
  await shot(page2, "09-case-english");
  await other.close();
});
