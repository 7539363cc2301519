// Issue 11, point 9, in a real browser: the phone asks why a case is opened before it shows it, and the opening
// reaches the server's access log as a `read` with that purpose (DOMAIN.md: every read with its purpose), also
// when the case was opened with no signal: it waits in the encrypted store and goes out when the sync connects
// again. Checked through the admin's spot check of the access log (GET /v1/audit), the log's own listing.

import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { allSaved, choosePurpose, launch, logIn, PASSWORD, phone, shot, WEB } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

interface AuditRow {
  action: string;
  case_id: string | null;
  device_id: string | null;
  purpose: string | null;
  detail: string | null;
}

async function adminToken(): Promise<string> {
  const response = await fetch(new URL("v1/auth/login", WEB), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenant: "hoeje-taastrup", username: "admin", password: PASSWORD, device: "e2e admin" }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** The access log's `read` rows for `caseId` from `device` since `fromMs`. */
async function reads(token: string, caseId: string, device: string, fromMs: number): Promise<AuditRow[]> {
  const query = new URLSearchParams({ case: caseId, action: "read", from: String(fromMs) });
  const response = await fetch(new URL(`v1/audit?${query}`, WEB), { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  const { entries } = (await response.json()) as { entries: AuditRow[] };
  return entries.filter((row) => row.device_id === device);
}

/** How many openings wait in the phone's IndexedDB queue (sealed; only counted here). */
function queued(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const request = indexedDB.open("tovholder:hoeje-taastrup:anna");
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const db = request.result;
          const count = db.transaction("opens").objectStore("opens").count();
          count.onsuccess = () => (db.close(), resolve(count.result));
          count.onerror = () => reject(count.error);
        };
      }),
  );
}

it("logs a case opened offline as a read with its purpose once the phone is online again", async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await logIn(page, "anna");
  await allSaved(page);
  const device = await page.evaluate(() => (JSON.parse(localStorage.getItem("tovholder.lastUser")!) as { device_id: string }).device_id);
  const row = page.locator(".case-row").first();
  const href = (await row.getAttribute("href"))!;
  const caseId = decodeURIComponent(href.split("/")[2]!);
  const token = await adminToken();

  // No signal: the open sync socket is dropped the way a lost signal would drop it.
  await context.setOffline(true);
  await page.evaluate(() => window.dispatchEvent(new Event("offline")));
  const before = Date.now();
  await row.click();
  await page.waitForSelector(".open-purpose");
  // The four purposes, and nothing of the case's content until one is chosen.
  expect(await page.locator(".open-purpose .purpose").allTextContents()).toEqual([
    "Besøg eller kontakt",
    "Opfølgning",
    "Gennemgang af sagen",
    "Koordinering med netværk",
  ]);
  expect(await page.locator(".own-goal").count()).toBe(0);
  await shot(page, "18-open-purpose");
  await choosePurpose(page, "follow_up");
  await page.waitForSelector(".own-goal");
  const after = Date.now();

  // Back to the caseload and into the same case: asked once per case in a session, not again.
  await page.click("a.back");
  await page.click(`.case-row[href="${href}"]`);
  await page.waitForSelector(".own-goal");
  expect(await page.locator(".open-purpose").count()).toBe(0);

  // The opening waits on the phone; the server has not heard of it.
  expect(await queued(page)).toBe(1);
  expect(await reads(token, caseId, device, before)).toEqual([]);

  // Signal again: the sync connects and the opening goes out, once, with its purpose and the phone's time.
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await expect.poll(async () => (await reads(token, caseId, device, before)).length, { timeout: 60_000 }).toBe(1);
  await allSaved(page);
  const logged = await reads(token, caseId, device, before);
  expect(logged).toHaveLength(1);
  expect(logged[0]).toMatchObject({ action: "read", case_id: caseId, purpose: "follow_up", device_id: device });
  const at = Number(/opened at=(\d+)/.exec(logged[0]!.detail ?? "")?.[1]);
  expect(at).toBeGreaterThanOrEqual(before);
  expect(at).toBeLessThanOrEqual(after);
  // Sent and answered for: the queue is empty.
  await expect.poll(() => queued(page), { timeout: 10_000 }).toBe(0);
  await context.close();
});
