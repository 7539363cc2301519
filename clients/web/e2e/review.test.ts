// The back office in a real browser at 1280 px: Holstebro's lead logs in and lands on the overview, opens a case
// with a FIT alert from a figure, approves a waiting grant, resolves a conflict, takes the worker off a case and
// reads the team's FIT statistics;
// the worker's phone (a second context at 360 px, live on sync) then shows the approval and purges the case.
// Screenshots go to tests/artifacts/web/review-*.png.

import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { allSaved, choosePurpose, desk, launch, logIn, phone, shot, WEB } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** Opens the first case behind the dashboard's figure `name`; returns the case's name. */
async function openFirstBehind(page: Page, name: string): Promise<string> {
  await page.goto(`${WEB}#/review`);
  await page.waitForSelector(".dashboard .figures");
  await page.click(`[data-figure="${name}"]`);
  await page.waitForSelector(".review-cases tbody tr");
  const link = page.locator(".review-link").first();
  const citizen = (await link.textContent())!;
  await link.click();
  await page.waitForSelector(".case-review .decisions");
  return citizen;
}

async function decided(page: Page): Promise<void> {
  await page.waitForSelector(".case-review .flash");
}

it("a lead reviews and decides, and the worker's phone follows", async () => {
  const mads = await (await phone(browser)).newPage();
  await logIn(mads, "mads", "holstebro");
  await allSaved(mads);

  const lene = await (await desk(browser)).newPage();
  await logIn(lene, "lene", "holstebro", ".dashboard .figures");
  await shot(lene, "review-01-dashboard");
  const openCases = Number(await lene.locator('[data-figure="open_cases"] .count').textContent());
  expect(openCases).toBeGreaterThan(0);

  // A case with a red FIT alert, from the figure to the list to the review page.
  await lene.click('[data-figure="with_alert"]');
  await lene.waitForSelector(".review-cases tbody tr");
  const listed = Number((await lene.locator("[data-testid=total]").textContent())!.split(" ")[0]);
  expect(listed).toBe(Number(await lene.locator(".review-cases tbody tr").count()));
  await shot(lene, "review-02-cases-with-alert");
  await lene.locator(".review-link").first().click();
  await lene.waitForSelector(".case-review .fit-chart");
  expect(await lene.locator(".case-review .alerts li").count()).toBeGreaterThan(0);
  await shot(lene, "review-03-case");

  // A grant above the limit, waiting for the lead.
  const granted = await openFirstBehind(lene, "grants_awaiting_approval");
  await lene.click(".decision.grant .approve");
  await decided(lene);
  expect(await lene.locator(".decision.grant").count()).toBe(0);
  await shot(lene, "review-04-grant-approved");

  // Two phones set a goal's status offline: the lead picks one.
  await openFirstBehind(lene, "conflicts");
  await lene.locator(".decision.conflict .choice").first().click();
  await decided(lene);
  expect(await lene.locator(".decision.conflict").count()).toBe(0);
  await shot(lene, "review-05-conflict-resolved");

  // Take mads off a case other than the approved one: his phone may no longer hold it.
  await lene.goto(`${WEB}#/review`);
  await lene.waitForSelector(".dashboard .figures");
  await lene.click('[data-figure="open_cases"]');
  await lene.waitForSelector(".review-cases tbody tr");
  const other = lene.locator(".review-link").filter({ hasNotText: granted }).first();
  const removed = (await other.textContent())!;
  await other.click();
  await lene.waitForSelector(".case-review .assignees");
  await lene.locator(".assignees li", { hasText: "mads" }).locator(".unassign").click();
  await decided(lene);
  await shot(lene, "review-06-unassigned");

  // The FIT statistics of the team, with the period in the URL.
  await lene.goto(`${WEB}#/review/stats?from=2025-01-01&to=2026-12-31`);
  await lene.waitForSelector(".stats-block");
  expect(await lene.locator(".stats-block").first().textContent()).toContain("n = ");
  await shot(lene, "review-07-statistics");
  await lene.goto(`${WEB}#/review/outcomes?from=2025-01-01&to=2026-12-31`);
  await lene.waitForSelector(".stats-block table.months");
  await shot(lene, "review-08-outcomes");

  // The phone, live on sync: the case is gone from the caseload, and the grant shows as approved.
  await expect
    .poll(async () => (await mads.locator(".case-row .name").allTextContents()).includes(removed), { timeout: 30_000 })
    .toBe(false);
  await mads.locator(".case-row", { hasText: granted }).first().click();
  await choosePurpose(mads);
  await mads.waitForSelector("[data-testid=approval]");
  await expect.poll(() => mads.locator("[data-testid=approval]").textContent(), { timeout: 30_000 }).toContain("Godkendt");
  await shot(mads, "review-09-phone-after-decisions");
});

it("an admin lands on the municipality's setup and sets the recommended caseload", async () => {
  const admin = await (await desk(browser)).newPage();
  await logIn(admin, "admin", "hoeje-taastrup", ".tenant table");
  expect(await admin.locator(".tenant").textContent()).toContain("anna");
  await admin.fill("input[name=recommended_caseload]", "25");
  await admin.click(".tenant form button[type=submit]");
  await admin.waitForSelector(".tenant .flash");
  await shot(admin, "review-10-tenant");
  await admin.goto(`${WEB}#/review`);
  await admin.waitForSelector(".dashboard .figures");
  expect(await admin.locator(".dashboard").textContent()).toMatch(/: 25/);
});
