// Two phones of the worker record visits to the same case while both are offline; after reconnecting both
// visits are on both phones (contacts are a map keyed by UUID, so neither overwrites the other).

import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { allSaved, choosePurpose, launch, logIn, phone, recordVisit, shot } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

it("converges after two devices record visits offline", async () => {
  // Unique per run, so a server database reused between runs does not satisfy the assertions in advance.
  const run = Date.now().toString(36);
  const [noteA, noteB] = [`telefon A ${run}`, `telefon B ${run}`];
  const [a, b] = [await phone(browser), await phone(browser)];
  const [pa, pb] = [await a.newPage(), await b.newPage()];
  await logIn(pa, "anna");
  await logIn(pb, "anna");
  await allSaved(pa);
  await allSaved(pb);
  // The same case on both: the last one in the list, by name.
  const name = (await pa.locator(".case-row .name").last().textContent())!;
  for (const p of [pa, pb]) {
    await p.locator(".case-row", { hasText: name }).last().click();
    await choosePurpose(p);
    await p.waitForSelector(".own-goal");
  }
  await a.setOffline(true);
  await b.setOffline(true);
  // Offline is emulated for new connections; drop the open sync sockets the way a lost signal would.
  for (const p of [pa, pb]) await p.evaluate(() => window.dispatchEvent(new Event("offline")));
  await recordVisit(pa, `Besøg registreret på ${noteA}`, [0.5, 0.5, 0.5, 0.5], [0.9, 0.9, 0.9, 0.9]);
  await recordVisit(pb, `Besøg registreret på ${noteB}`, [0.2, 0.2, 0.2, 0.2], [0.8, 0.8, 0.8, 0.8]);
  // Each phone has only its own visit, and knows it is waiting.
  expect(await pa.locator(".contacts").textContent()).not.toContain(noteB);
  expect(await pb.locator(".contacts").textContent()).not.toContain(noteA);
  expect(await pa.getAttribute("[data-testid=sync]", "data-waiting")).toBe("1");
  await a.setOffline(false);
  await b.setOffline(false);
  for (const p of [pa, pb]) await p.evaluate(() => window.dispatchEvent(new Event("online")));
  await allSaved(pa);
  await allSaved(pb);
  for (const p of [pa, pb]) {
    await expect.poll(async () => (await p.locator(".contacts").textContent()) ?? "", { timeout: 30_000 }).toContain(noteA);
    await expect.poll(async () => (await p.locator(".contacts").textContent()) ?? "", { timeout: 30_000 }).toContain(noteB);
  }
  await shot(pb, "08-converged");
  await a.close();
  await b.close();
});

it("shows a goal status set differently on two offline phones as a conflict, and resolves it with one choice", async () => {
  const [a, b] = [await phone(browser), await phone(browser)];
  const [pa, pb] = [await a.newPage(), await b.newPage()];
  await logIn(pa, "anna");
  await logIn(pb, "anna");
  await allSaved(pa);
  await allSaved(pb);
  // A case with goals: the first one in the list that has a status select.
  const rows = await pa.locator(".case-row .name").allTextContents();
  let name = "";
  for (const candidate of rows) {
    await pa.locator(".case-row", { hasText: candidate }).first().click();
    await choosePurpose(pa, "review");
    await pa.waitForSelector(".own-goal");
    if ((await pa.locator(".goal-status").count()) > 0) {
      name = candidate;
      break;
    }
    await pa.goBack();
    await pa.waitForSelector(".case-row");
  }
  expect(name).not.toBe("");
  await pb.locator(".case-row", { hasText: name }).first().click();
  await choosePurpose(pb);
  await pb.waitForSelector(".goal-status");
  const current = await pa.locator(".goal-status").first().inputValue();
  const [valueA, valueB] = ["achieved", "paused", "dropped", "active"].filter((v) => v !== current);

  for (const [context, page] of [[a, pa], [b, pb]] as const) {
    await context.setOffline(true);
    await page.evaluate(() => window.dispatchEvent(new Event("offline")));
  }
  await pa.locator(".goal-status").first().selectOption(valueA!);
  await pb.locator(".goal-status").first().selectOption(valueB!);
  for (const [context, page] of [[a, pa], [b, pb]] as const) {
    await context.setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event("online")));
  }
  await allSaved(pa);
  await allSaved(pb);
  // Both phones show the conflict with both values.
  for (const page of [pa, pb]) {
    await page.waitForSelector(".conflicts .choice", { timeout: 30_000 });
    expect(await page.locator(".conflicts .choice").count()).toBe(2);
  }
  await shot(pb, "12-conflict");
  await pb.locator(".conflicts .choice").nth(1).click();
  await allSaved(pb);
  for (const page of [pa, pb]) {
    await expect.poll(() => page.locator(".conflicts").count(), { timeout: 30_000 }).toBe(0);
  }
  expect(await pa.locator(".goal-status").first().inputValue()).toBe(await pb.locator(".goal-status").first().inputValue());
  await a.close();
  await b.close();
});
