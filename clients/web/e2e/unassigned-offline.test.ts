// Issue 11, point 6, in a real browser: a worker records a visit while the phone has no signal, and meanwhile the
// lead takes the case away from them. When the phone reconnects, the server is told to purge the case, but the
// phone holds an edit the server has not acknowledged: it keeps the case, sends the edit, and only once the server
// has acknowledged it does the case leave the phone (docs/PROTOCOL.md §10).
//
// Holstebro's team does not share its cases, so mads sees a case only while he is assigned to it: unassigning him
// really takes it out of his sight. The lead (lene) acts through the HTTP API, as the review's "unassign" does.

import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { allSaved, choosePurpose, launch, logIn, PASSWORD, phone, recordVisit, shot, unlock, WEB } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

interface Review {
  assignees: { id: string; username: string | null }[];
  case: { contacts: Record<string, { notes: string }> };
}

async function leadToken(): Promise<string> {
  const response = await fetch(new URL("v1/auth/login", WEB), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenant: "holstebro", username: "lene", password: PASSWORD, device: "e2e lead" }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function review(token: string, caseId: string): Promise<Review> {
  const response = await fetch(new URL(`v1/review/cases/${encodeURIComponent(caseId)}`, WEB), {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Review;
}

const notesOf = (r: Review) => Object.values(r.case.contacts).map((c) => c.notes);

it("sends an offline edit to a case unassigned meanwhile, then purges the case from the phone", async () => {
  // Unique per run, so a server database reused between runs does not satisfy the assertions in advance.
  const note = `Besøg mens sagen blev flyttet ${Date.now().toString(36)}`;
  const context = await phone(browser);
  const page = await context.newPage();
  await logIn(page, "mads", "holstebro");
  await allSaved(page);
  // The service worker must be in control before going offline, or the offline reload below has no app to load.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));

  // The first case of mads's caseload, by its id (names in the demo may repeat).
  const row = page.locator(".case-row").first();
  const href = (await row.getAttribute("href"))!;
  const caseId = decodeURIComponent(href.split("/")[2]!);
  const rowSelector = `.case-row[href="${href}"]`;
  await row.click();
  await choosePurpose(page);
  await page.waitForSelector(".own-goal");

  const token = await leadToken();
  const before = await review(token, caseId);
  const mads = before.assignees.find((a) => a.username === "mads");
  // Holstebro does not share cases: this assignment is mads's only way to see the case.
  expect(before.assignees).toHaveLength(1);
  expect(mads).toBeDefined();

  // No signal: the open sync socket is dropped the way a lost signal would drop it.
  await context.setOffline(true);
  await page.evaluate(() => window.dispatchEvent(new Event("offline")));
  await recordVisit(page, note, [0.4, 0.4, 0.4, 0.4], [0.9, 0.9, 0.9, 0.9]);
  expect(await page.getAttribute("[data-testid=sync]", "data-waiting")).toBe("1");

  // Meanwhile, at the office, the lead takes the case away from mads.
  const removed = await fetch(new URL(`v1/cases/${encodeURIComponent(caseId)}/assignees/${mads!.id}`, WEB), {
    method: "DELETE",
    headers: { authorization: `Bearer ${token}` },
  });
  expect(removed.status).toBe(204);
  const unassigned = await review(token, caseId);
  expect(unassigned.assignees).toHaveLength(0);
  expect(notesOf(unassigned)).not.toContain(note);

  // Still offline, a reload keeps the unsent visit (it is in the encrypted store, not only in memory).
  await page.reload();
  await unlock(page);
  expect(await page.getAttribute("[data-testid=sync]", "data-waiting")).toBe("1");
  await page.evaluate(() => (location.hash = "#/"));
  await page.waitForSelector(rowSelector);
  await shot(page, "14-unassigned-while-offline");

  // Signal again: the phone sends the visit, the server acknowledges it and only then tells the phone to purge.
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await expect.poll(async () => notesOf(await review(token, caseId)), { timeout: 60_000 }).toContain(note);
  await page.evaluate(() => (location.hash = "#/"));
  await expect.poll(() => page.locator(rowSelector).count(), { timeout: 60_000 }).toBe(0);
  await allSaved(page);
  expect(await page.getAttribute("[data-testid=sync]", "data-waiting")).toBe("0");

  // Gone from the device's store too, not only from the screen: offline again, a reload opens without it.
  await context.setOffline(true);
  await page.reload();
  await unlock(page);
  await page.evaluate(() => (location.hash = "#/"));
  await page.waitForSelector(".case-row");
  expect(await page.locator(rowSelector).count()).toBe(0);
  await shot(page, "15-purged-after-upload");
  await context.close();

  // Give the case back, so the other browser tests against the same demo server find mads's caseload whole.
  const restored = await fetch(new URL(`v1/cases/${encodeURIComponent(caseId)}/assignees/${mads!.id}`, WEB), {
    method: "PUT",
    headers: { authorization: `Bearer ${token}` },
  });
  expect(restored.status).toBe(204);
});
