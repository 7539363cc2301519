// Issue 12, points 1 and 2 on the phone, in a real browser: with no signal, anna opens a case, puts bo on it (chosen
// by username from the team the phone received at its connection), hands him the tovholder role and steps
// off the case herself; she sets a goal's status and reads its history on the goal page. Once online the team's
// lead reads bo as the tovholder and only worker on the server, and the case is still on anna's phone: the list
// does not decide who holds a case on their device, the lead's assignment (and the team's sharing) does.

import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Case } from "../src/case/model";
import { allSaved, choosePurpose, launch, leadReview, logIn, PASSWORD, phone, shot, WEB } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** A demo user's id, as the server's login answers it. */
async function userId(username: string): Promise<string> {
  const login = await fetch(new URL("v1/auth/login", WEB), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenant: "hoeje-taastrup", username, password: PASSWORD, device: `e2e ${username}` }),
  });
  expect(login.status).toBe(200);
  return ((await login.json()) as { user: { id: string } }).user.id;
}

it("hands a case over to a teammate offline and shows a goal's status history", async () => {
  const reference = `E2E-HOLDERS-${Date.now().toString(36)}`;
  const bo = await userId("bo");
  const context = await phone(browser);
  const page = await context.newPage();
  // The team is asked for at the sync's connection; the phone has it before the signal goes.
  const team = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith("/v1/team") && r.status() === 200);
  await logIn(page, "anna");
  await allSaved(page);
  await team;
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));

  // No signal from here on.
  await context.setOffline(true);
  await page.evaluate(() => window.dispatchEvent(new Event("offline")));
  await page.click("a.new-case");
  await page.waitForSelector(".new-case-form");
  await page.fill("input[name=name]", "Syntetisk Borger");
  await page.fill("input[name=reference]", reference);
  await page.click(".new-case-form button[type=submit]");
  await choosePurpose(page);
  await page.waitForSelector(".holders");
  const caseText = decodeURIComponent(new URL(page.url()).hash.split("/")[2]!);
  expect(await page.locator(".holders .tovholder").textContent()).toBe("Tovholder: anna");

  // bo is chosen from the team by username (the list received at the connection, offline now); anna, on the case
  // already, is not offered. The name the case shows defaults to the username and stays editable.
  await page.click("a.assign-worker");
  await page.waitForSelector(".assign-form");
  expect(await page.locator(".assign-form input[name=user_id]").count()).toBe(0);
  const offered = await page.locator(".assign-form select[name=colleague] option").allTextContents();
  expect(offered).toContain("bo");
  expect(offered).not.toContain("anna");
  await page.selectOption(".assign-form select[name=colleague]", { label: "bo" });
  expect(await page.inputValue("input[name=worker_name]")).toBe("bo");
  await page.fill("input[name=worker_name]", "Bo");
  await page.click(".assign-form button[type=submit]");
  await page.waitForSelector(`.holders li[data-worker="${bo}"]`);

  // The role goes to bo; then anna, no longer the tovholder, may step off the case.
  await page.click(`.holders li[data-worker="${bo}"] .make-tovholder`);
  await expect.poll(() => page.locator(".holders .tovholder").textContent()).toBe("Tovholder: Bo");
  const annasRow = page.locator(".holders li", { hasText: "(dig)" });
  await annasRow.locator(".unassign").click();
  await expect.poll(() => page.locator(".holders li").count()).toBe(1);
  // The last worker, the tovholder, is offered no way off the list.
  expect(await page.locator(".holders .unassign, .holders .make-tovholder").count()).toBe(0);
  await shot(page, "30-holders");

  // A goal achieved: its history on the goal page has both steps.
  await page.click("a.add-goal");
  await page.waitForSelector(".goal-form");
  await page.fill("input[name=title]", "Egen bolig");
  await page.click(".goal-form button[type=submit]");
  await page.waitForSelector(".goal-status");
  await page.selectOption(".goal-status", "achieved");
  await page.click("a.add-goal");
  await page.waitForSelector(".status-history");
  const steps = await page.locator(".status-history .steps li").allTextContents();
  expect(steps).toHaveLength(2);
  expect(steps[0]).toMatch(/^Igangværende · .* · fra enhed [0-9a-f]{8}$/);
  expect(steps[1]).toMatch(/^Opnået · /);
  await shot(page, "31-status-history");
  await page.click(".goal-form button[type=button]");

  // Online: the lead reads bo as the case's tovholder and only worker.
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await allSaved(page);
  const onServer = (await leadReview<{ case: Case }>(caseText)).case;
  expect(onServer.tovholder).toBe(bo);
  expect(onServer.workers).toEqual({ [bo]: "Bo" });

  // Anna stepped off the list, not off the case: it stays on her phone after the sync.
  await page.evaluate(() => (location.hash = "#/"));
  await page.waitForSelector(".case-row");
  await allSaved(page);
  expect(await page.locator(".case-row", { hasText: reference }).count()).toBe(1);
  await context.close();
});
