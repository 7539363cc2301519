// The citizen's check-in page in a browser, with the server's check-in answers stubbed by page.route (the
// server's routes are not wired yet): rate both scales by dragging, submit once, and see plain answers for a used
// and an expired link. Replace the stubs with a link created through POST /v1/cases/{id}/checkins once served.

import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launch, mark, phone, shot, WEB } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const items = (keys: string[]) => keys.map((key) => ({ key, da: key, en: key }));
const PAGE = {
  municipality: "Høje-Taastrup Kommune",
  scales: [
    { instrument: "ors", items: items(["Personligt", "Nære relationer", "Socialt liv", "Samlet set"]) },
    { instrument: "srs", items: items(["Relationen", "Mål og emner", "Tilgang og metode", "Samlet set"]) },
  ],
  expires_at: Date.now() + 3_600_000,
};

async function stub(page: Page, state: { used: boolean; expired: boolean; posted: unknown[] }) {
  await page.route("**/v1/checkin/*", async (route) => {
    const gone = state.expired ? "checkin_expired" : state.used ? "checkin_used" : null;
    if (gone) {
      return route.fulfill({ status: 410, json: { error: { code: gone, message: "gone" } } });
    }
    if (route.request().method() === "POST") {
      state.posted.push(route.request().postDataJSON());
      state.used = true;
      return route.fulfill({ json: { status: "saved" } });
    }
    return route.fulfill({ json: PAGE });
  });
}

it("takes the citizen's rating once and then says the link is used", async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  const state = { used: false, expired: false, posted: [] as unknown[] };
  await stub(page, state);
  await page.goto(`${WEB}checkin#${"a".repeat(43)}`);
  await page.waitForSelector(".vas-line");
  expect(await page.locator("h1").textContent()).toBe(PAGE.municipality);
  for (let i = 0; i < 8; i++) await mark(page, i, 0.2 + i * 0.1);
  await shot(page, "10-checkin");
  await page.click("button[type=submit]");
  await page.waitForSelector("text=Tak!");
  expect(state.posted).toHaveLength(1);
  const posted = state.posted[0] as { ors: number[]; srs: number[] };
  expect(posted.ors).toHaveLength(4);
  expect(posted.srs).toHaveLength(4);
  expect([...posted.ors, ...posted.srs].every((mm) => Number.isInteger(mm) && mm >= 0 && mm <= 100)).toBe(true);

  await page.reload();
  await page.waitForSelector("text=Linket er allerede brugt.");
  state.expired = true;
  await page.reload();
  await page.waitForSelector("text=Linket er udløbet.");
  await shot(page, "11-checkin-expired");
  await context.close();
});
