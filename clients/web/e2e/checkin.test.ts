// The citizen's check-in against the real server: the worker records a phone contact (no ratings) and syncs, then
// presses "Send tjek-ind-link" (first offline: it says a connection is needed); the citizen opens the link in
// another browser (no login), rates both scales by dragging and sends; the same link then says it was used and a
// made-up one that it does not exist (both answered by the server); the worker's page, after the sync, shows the
// contact's ORS and SRS totals from the citizen.
//
// The one stub: an expired link. The server's shortest link lasts one minute and its clock cannot be moved from
// outside, so the 410 `checkin_expired` answer is stubbed for that case only; the server's own test
// (server/tests/api/checkin.rs) checks that it gives that answer for an expired link.

import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { allSaved, choosePurpose, launch, logIn, mark, phone, shot, SHOTS, WEB } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const points = (mm: number[]) => {
  const total = mm.reduce((a, b) => a + b, 0);
  return `${Math.floor(total / 10)}.${total % 10}`;
};

it("sends a one-time check-in link whose scores reach the worker's phone", async () => {
  const run = Date.now().toString(36);
  const note = `Telefonsamtale med tjek-ind ${run}`;

  // The worker records a phone contact without ratings and waits until it is on the server.
  const worker = await phone(browser);
  const wp = await worker.newPage();
  await logIn(wp, "anna");
  await allSaved(wp);
  await wp.locator(".case-row").first().click();
  await choosePurpose(wp);
  await wp.waitForSelector(".own-goal");
  await wp.click("a.button.primary");
  await wp.waitForSelector(".contact-form");
  await wp.selectOption("select[name=kind]", "phone");
  await wp.check("input[name=ors-skip]");
  await wp.check("input[name=srs-skip]");
  await wp.fill("textarea[name=notes]", note);
  await wp.click(".contact-form button[type=submit]");
  await wp.waitForSelector(".flash");
  await allSaved(wp);
  const contact = wp.locator(".contacts li", { hasText: note });
  expect(await contact.locator(".muted").first().textContent()).toBe("ORS sprunget over · SRS sprunget over");
  const button = contact.getByRole("button", { name: "Send tjek-ind-link" });
  // Other kinds have no button: only video and phone contacts can be rated from the citizen's phone.
  for (const li of await wp.locator(".contacts li").all()) {
    const kind = (await li.locator("strong").textContent()) ?? "";
    expect(await li.locator(".checkin-button").count()).toBe(/Telefonsamtale|Videosamtale/.test(kind) ? 1 : 0);
  }
  const box = (await button.boundingBox())!;
  expect(box.height).toBeGreaterThanOrEqual(44);
  expect(box.x + box.width).toBeLessThanOrEqual(360);

  // Offline, the button says the link needs a connection.
  await worker.setOffline(true);
  await wp.evaluate(() => window.dispatchEvent(new Event("offline")));
  await button.click();
  await contact.locator("text=kræver forbindelse").waitFor();
  await worker.setOffline(false);
  await wp.evaluate(() => window.dispatchEvent(new Event("online")));
  await allSaved(wp);

  // Online: the link, as a full URL, with a copy button and its expiry; the focus moves to the link.
  await contact.getByRole("button", { name: "Send tjek-ind-link" }).click();
  const urlField = contact.getByLabel("Link til borgerens egen telefon");
  await urlField.waitFor();
  const url = await urlField.inputValue();
  expect(url).toMatch(new RegExp(`^${new URL(WEB).origin}/checkin#[A-Za-z0-9_-]{43}$`));
  expect(await wp.evaluate(() => document.activeElement?.classList.contains("checkin-url"))).toBe(true);
  expect(await contact.locator(".checkin-expiry").textContent()).toMatch(/^Kan bruges én gang, indtil /);
  await expect(contact.getByRole("button", { name: "Kopiér link" }).count()).resolves.toBe(1);
  await contact.screenshot({ path: `${SHOTS}13-checkin-link.png` });

  // The citizen's own phone: no login, just the link.
  const citizen = await phone(browser);
  const cp = await citizen.newPage();
  const posted: { ors: number[]; srs: number[] }[] = [];
  cp.on("request", (r) => {
    if (r.method() === "POST" && r.url().includes("/v1/checkin/")) posted.push(r.postDataJSON());
  });
  await cp.goto(url);
  await cp.waitForSelector(".vas-line");
  expect(await cp.locator("h1").textContent()).toMatch(/Høje-Taastrup/);
  expect(await cp.locator(".vas-line").count()).toBe(8);
  // Nothing about the case is on the citizen's page.
  expect(await cp.locator("body").textContent()).not.toContain(note);
  for (let i = 0; i < 8; i++) await mark(cp, i, 0.2 + i * 0.1);
  await shot(cp, "10-checkin");
  await cp.click("button[type=submit]");
  await cp.waitForSelector("text=Tak!");
  expect(posted).toHaveLength(1);
  const { ors, srs } = posted[0]!;
  expect(ors).toHaveLength(4);
  expect(srs).toHaveLength(4);
  expect([...ors, ...srs].every((mm) => Number.isInteger(mm) && mm >= 0 && mm <= 100)).toBe(true);

  // The same link again, and a link that never existed: the server's 410 and 404, said plainly.
  await cp.reload();
  await cp.waitForSelector("text=Linket er allerede brugt.");
  await cp.goto(`${WEB}checkin#${"b".repeat(43)}`);
  await cp.waitForSelector("text=Linket findes ikke.");

  // An expired link (stubbed, see the top of the file).
  await cp.route("**/v1/checkin/*", (route) =>
    route.fulfill({ status: 410, json: { error: { code: "checkin_expired", message: "expired" } } }),
  );
  await cp.goto(`${WEB}checkin#${"c".repeat(43)}`);
  await cp.waitForSelector("text=Linket er udløbet.");
  await shot(cp, "11-checkin-expired");
  await citizen.close();

  // The citizen's scores reach the worker's phone as a server change, with the citizen's totals.
  const totals = `ORS ${points(ors)} · SRS ${points(srs)}`;
  await expect
    .poll(async () => (await wp.locator(".contacts li", { hasText: note }).locator(".muted").first().textContent()) ?? "", {
      timeout: 30_000,
    })
    .toBe(totals);
  await allSaved(wp);
  await wp.locator(".contacts li", { hasText: note }).screenshot({ path: `${SHOTS}14-checkin-scores.png` });
  await worker.close();
});
