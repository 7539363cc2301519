// Issue 12, points 1 and 8 on the phone, in a real browser: with no signal, anna opens a new case for a child
// (refused first without the reference, with sync-core's reason on screen); its contact form offers the children's
// forms (CORS, CSRS) because of the birth year, as sync-core decides, and a relative's ratings are recorded from a
// paper form (total only, flagged) and shown as the relative's, in a series of their own. A reload while offline
// keeps it all; once online the team's lead reads the case on the server, and the child's own check-in link offers
// CORS and CSRS, whose scores come back to the worker's phone.

import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Case } from "../src/case/model";
import { allSaved, choosePurpose, launch, logIn, mark, PASSWORD, phone, shot, unlock, WEB } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

async function leadReads(caseId: string): Promise<Case> {
  const login = await fetch(new URL("v1/auth/login", WEB), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenant: "hoeje-taastrup", username: "lea", password: PASSWORD, device: "e2e lead" }),
  });
  expect(login.status).toBe(200);
  const { access_token } = (await login.json()) as { access_token: string };
  const response = await fetch(new URL(`v1/review/cases/${encodeURIComponent(caseId)}`, WEB), {
    headers: { authorization: `Bearer ${access_token}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { case: Case }).case;
}

it("opens a child's case offline, with the children's forms and a relative's paper ratings", async () => {
  const run = Date.now().toString(36);
  const reference = `E2E-CHILD-${run}`;
  const born = new Date().getFullYear() - 9;
  const context = await phone(browser);
  const page = await context.newPage();
  await logIn(page, "anna");
  await allSaved(page);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));

  // No signal from here on.
  await context.setOffline(true);
  await page.evaluate(() => window.dispatchEvent(new Event("offline")));
  await page.click("a.new-case");
  await page.waitForSelector(".new-case-form");
  await page.fill("input[name=name]", "Syntetisk Barn");
  await page.fill("input[name=birth_year]", String(born));
  // The browser's own "required" check is bypassed to reach sync-core's rule, as a worker's typo would.
  await page.evaluate(() => document.querySelector<HTMLInputElement>("input[name=reference]")!.removeAttribute("required"));
  await page.click(".new-case-form button[type=submit]");
  await expect.poll(() => page.locator(".new-case-form .error").textContent()).toMatch(/Reference/);
  await page.fill("input[name=reference]", reference);
  await shot(page, "20-new-case");
  await page.click(".new-case-form button[type=submit]");
  await choosePurpose(page);
  await page.waitForSelector(".own-goal");
  expect(await page.locator("h1").textContent()).toContain("Syntetisk Barn");
  const caseText = decodeURIComponent(new URL(page.url()).hash.split("/")[2]!);

  // The contact form offers the children's forms; a group session would end with GSRS.
  await page.click("a.button.primary");
  await page.waitForSelector(".contact-form");
  expect(await page.getAttribute(".scale.ors", "data-instrument")).toBe("cors");
  expect(await page.getAttribute(".scale.srs", "data-instrument")).toBe("csrs");
  await page.selectOption("select[name=kind]", "group");
  await expect.poll(() => page.getAttribute(".scale.srs", "data-instrument")).toBe("gsrs");
  await page.selectOption("select[name=kind]", "home_visit");
  await expect.poll(() => page.getAttribute(".scale.srs", "data-instrument")).toBe("csrs");
  expect(await page.locator(".scale.ors legend").textContent()).toMatch(/^CORS/);

  // A relative brought the paper forms: the outcome total only, the session form not filled in.
  await page.selectOption("select[name=rater]", "relative");
  await page.check("input[name=ors-paper]");
  await page.fill("input[name=ors-paper-total]", "41");
  await page.check("input[name=srs-skip]");
  await page.click(".contact-form button[type=submit]");
  await expect.poll(() => page.locator(".contact-form .error").textContent()).toMatch(/ors\.total_mm/);
  await page.fill("input[name=ors-paper-total]", "24.5");
  await shot(page, "21-relative-paper");
  await page.click(".contact-form button[type=submit]");
  await page.waitForSelector(".flash");
  const shown = "CORS 24.5 (papir) · CSRS sprunget over · En pårørende";
  expect(await page.locator(".contacts li .ratings").first().textContent()).toBe(shown);
  // The relative's rating is their own series, not the child's missing rating.
  expect(await page.locator(".collateral [data-rater=relative]").count()).toBe(1);
  expect((await page.locator("[data-testid=alerts]").allTextContents()).join(" ")).not.toMatch(/SRS mangler/);

  // A reload while still offline finds the new case and its contact.
  await page.reload();
  await unlock(page);
  await page.goto(`${WEB}#/case/${encodeURIComponent(caseText)}`);
  await choosePurpose(page);
  expect(await page.locator(".contacts li .ratings").first().textContent()).toBe(shown);

  // Online: the case reaches the server, as the lead reads it.
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await allSaved(page);
  const onServer = await leadReads(caseText);
  expect(onServer.citizen).toEqual({ display_name: "Syntetisk Barn", reference, birth_year: born });
  const anna = Object.keys(onServer.workers);
  expect(anna).toHaveLength(1);
  expect(onServer.tovholder).toBe(anna[0]);
  const [contact] = Object.values(onServer.contacts);
  expect(contact!.ors).toEqual({ instrument: "cors", entry: { paper_total: { total_mm: 245 } }, rater: "relative" });
  expect(contact!.srs).toEqual({ instrument: "csrs", entry: "skipped", rater: "relative" });

  // A video check-in with the child: the link offers the children's forms.
  await page.click("a.button.primary");
  await page.waitForSelector(".contact-form");
  await page.selectOption("select[name=kind]", "video");
  await page.check("input[name=ors-skip]");
  await page.check("input[name=srs-skip]");
  await page.fill("textarea[name=notes]", `Video ${run}`);
  await page.click(".contact-form button[type=submit]");
  await page.waitForSelector(".flash");
  await allSaved(page);
  const video = page.locator(".contacts li", { hasText: `Video ${run}` });
  await video.getByRole("button", { name: "Send tjek-ind-link" }).click();
  const url = await video.getByLabel("Link til borgerens egen telefon").inputValue();
  const citizen = await phone(browser);
  const cp = await citizen.newPage();
  await cp.goto(url);
  await cp.waitForSelector(".vas-line");
  expect(await cp.locator("fieldset[data-instrument]").evaluateAll((els) => els.map((el) => el.getAttribute("data-instrument")))).toEqual([
    "cors",
    "csrs",
  ]);
  for (let i = 0; i < 8; i++) await mark(cp, i, 0.6);
  await cp.click("button[type=submit]");
  await cp.waitForSelector("text=Tak!");
  await citizen.close();
  await expect
    .poll(async () => (await page.locator(".contacts li", { hasText: `Video ${run}` }).locator(".ratings").textContent()) ?? "", {
      timeout: 30_000,
    })
    .toMatch(/^CORS \d+\.\d · CSRS \d+\.\d$/);
  await context.close();
});
