// Issue 12, point 7 on the phone, in a real browser: with no signal, anna records one group session for three
// citizens of her caseload, with the GSRS two of them wrote on paper (an impossible total is refused first, naming
// whose); it lands as a contact of kind "group" in each of the three case documents, survives a reload while
// offline, and once online the team's lead reads it in each case on the server.

import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Case } from "../src/case/model";
import { documentIdText } from "../src/sync/ids";
import { allSaved, choosePurpose, launch, leadReview, logIn, phone, shot, unlock, WEB } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

it("records one group session for three citizens offline, in each of their cases", async () => {
  const run = Date.now().toString(36);
  const notes = `Syntetisk gruppe ${run}: madlavning på budget`;
  const context = await phone(browser);
  const page = await context.newPage();
  await logIn(page, "anna");
  await allSaved(page);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await context.setOffline(true);
  await page.evaluate(() => window.dispatchEvent(new Event("offline")));

  await page.click("a.group-session");
  await page.waitForSelector(".group-form");
  const rows = page.locator(".participant");
  const chosen = [0, 1, 2];
  const docIds: string[] = [];
  for (const i of chosen) {
    await rows.nth(i).locator("input[type=checkbox]").check();
    docIds.push((await rows.nth(i).getAttribute("data-case"))!);
  }
  await page.fill("textarea[name=notes]", notes);
  await rows.nth(0).locator("input[type=text]").fill("35.5");
  await rows.nth(1).locator("input[type=text]").fill("41");
  await page.click(".group-form button[type=submit]");
  const name1 = ((await rows.nth(1).locator("label").textContent()) ?? "").trim();
  await expect.poll(() => page.locator(".group-form .error").textContent()).toContain(name1);
  await rows.nth(1).locator("input[type=text]").fill("30");
  await shot(page, "30-group-session");
  await page.click(".group-form button[type=submit]");
  await expect.poll(() => page.locator(".flash").textContent()).toContain("3 sager");

  // A reload while still offline: the first citizen's case holds the group contact with their GSRS.
  const caseTexts = docIds.map(documentIdText);
  await page.reload();
  await unlock(page);
  await page.goto(`${WEB}#/case/${encodeURIComponent(caseTexts[0]!)}`);
  await choosePurpose(page);
  const shown = "ORS – · GSRS 35.5 (papir)";
  expect(await page.locator(".contacts li", { hasText: notes }).locator(".ratings").textContent()).toBe(shown);

  // Online: each of the three cases on the server holds the session, with its own GSRS or none.
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await allSaved(page);
  const expected = [{ total_mm: 355 }, { total_mm: 300 }, null];
  for (const [i, caseText] of caseTexts.entries()) {
    const onServer = (await leadReview<{ case: Case }>(caseText)).case;
    const group = Object.values(onServer.contacts).filter((c) => c.kind === "group" && c.notes === notes);
    expect(group, caseText).toHaveLength(1);
    const srs = group[0]!.srs;
    expect(srs === null ? null : (srs.entry as { paper_total: { total_mm: number } }).paper_total).toEqual(expected[i]);
    if (srs) expect(srs.instrument).toBe("gsrs");
  }
  await context.close();
});
