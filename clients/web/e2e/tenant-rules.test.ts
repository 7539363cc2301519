// Issue 12, point 9 in a real browser: the municipality's admin loads its own FIT rule set (version
// "test-kommune/2", the adult ORS cutoff at 30.0 instead of fit-rules/1's 25.0) with PUT /v1/fit-rules; a version's
// content never changes, and an invalid set is refused. Then anna's phone receives the set when it connects, and a
// new case whose ORS is 27.5 is judged clinical by it (fit-rules/1 would say it started above the cutoff), its
// alert naming "test-kommune/2" on the case page and the caseload, as the server's assessment of the same case
// does. With no signal, after a reload, the stored set still assesses it.

import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RULES_V1, type Assessment, type RuleSet } from "../src/fit";
import { allSaved, choosePurpose, launch, leadReview, logIn, PASSWORD, phone, shot, unlock, WEB } from "./browser";

const VERSION = "test-kommune/2";
const KOMMUNE: RuleSet = {
  ...RULES_V1,
  version: VERSION,
  description: "Test: the adult ORS cutoff at 30.0",
  cutoffs: RULES_V1.cutoffs.map((c) => (c.instrument === "ors" && c.min_age === 18 ? { ...c, cutoff_mm: 300 } : c)),
};

let browser: Browser;
let admin: string;
beforeAll(async () => {
  browser = await launch();
  const response = await fetch(new URL("v1/auth/login", WEB), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenant: "hoeje-taastrup", username: "admin", password: PASSWORD, device: "e2e admin" }),
  });
  expect(response.status).toBe(200);
  admin = ((await response.json()) as { access_token: string }).access_token;
});
afterAll(async () => {
  await browser?.close();
  // The browser tests share one server: the tenant goes back to fit-rules/1 for the tests after this one.
  if (admin) await putRules(RULES_V1).catch(() => undefined);
});

function putRules(rules: unknown): Promise<Response> {
  return fetch(new URL("v1/fit-rules", WEB), {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
    body: JSON.stringify(rules),
  });
}

it("assesses on the phone with the tenant's own rule set, online and after an offline reload", async () => {
  // The admin loads the set; loading it again is the same set, but other content under its version is refused.
  const put = await putRules(KOMMUNE);
  expect(put.status).toBe(200);
  expect(await put.json()).toMatchObject({ version: VERSION, rules: { version: VERSION } });
  expect((await putRules({ ...KOMMUNE, reliable_change_mm: 60 })).status).toBe(409);
  const invalid = await putRules({ ...KOMMUNE, version: "test-kommune/3", cutoffs: [] });
  expect(invalid.status).toBe(400);
  expect(((await invalid.json()) as { error: { code: string } }).error.code).toEqual(expect.any(String));

  const run = Date.now().toString(36);
  const context = await phone(browser);
  const page = await context.newPage();
  await logIn(page, "anna");
  await allSaved(page);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));

  // A new adult's case, and a home visit with the paper forms: ORS 27.5, between the two cutoffs; SRS 30.0, an alert.
  await page.click("a.new-case");
  await page.waitForSelector(".new-case-form");
  await page.fill("input[name=name]", "Syntetisk Voksen");
  await page.fill("input[name=reference]", `E2E-RULES-${run}`);
  await page.fill("input[name=birth_year]", String(new Date().getFullYear() - 40));
  await page.click(".new-case-form button[type=submit]");
  await choosePurpose(page);
  await page.waitForSelector(".own-goal");
  const caseText = decodeURIComponent(new URL(page.url()).hash.split("/")[2]!);
  await page.click("a.button.primary");
  await page.waitForSelector(".contact-form");
  await page.selectOption("select[name=kind]", "home_visit");
  await page.check("input[name=ors-paper]");
  await page.fill("input[name=ors-paper-total]", "27.5");
  await page.check("input[name=srs-paper]");
  await page.fill("input[name=srs-paper-total]", "30.0");
  await page.click(".contact-form button[type=submit]");
  await page.waitForSelector(".flash");
  expect(await page.locator(".flash").textContent()).toContain(`Regelsæt: ${VERSION}`);

  // The case page: clinical by the tenant's cutoff (no change yet), and the alert names the tenant's set.
  const assessedByTheTenant = async () => {
    await expect.poll(() => page.locator(".card .category").textContent()).toBe("Forandring: Ingen sikker forandring");
    expect(await page.locator("[data-testid=alerts]").textContent()).toContain("SRS under skæringspunktet");
    expect(await page.locator("[data-testid=rule-set]").first().textContent()).toBe(`Regelsæt: ${VERSION}`);
  };
  await assessedByTheTenant();
  await shot(page, "30-tenant-rule-set");

  // The server assesses the same case alike.
  await allSaved(page);
  const review = await leadReview<{ fit: { assessment: Assessment }[] }>(caseText);
  const onServer = review.fit.map((s) => s.assessment);
  expect(onServer.map((a) => a.category)).toEqual(["no_reliable_change"]);
  expect(onServer[0]!.alerts.map((a) => [a.kind, a.rule_set_version])).toEqual([["srs_below_cutoff", VERSION]]);

  // The caseload says which set fired its badges.
  await page.goto(`${WEB}#/`);
  await page.waitForSelector(".case-row");
  expect(await page.locator(".caseload ~ [data-testid=rule-set]").textContent()).toContain(VERSION);

  // No signal, a reload: the stored set assesses the case.
  await context.setOffline(true);
  await page.evaluate(() => window.dispatchEvent(new Event("offline")));
  await page.reload();
  await unlock(page);
  await page.goto(`${WEB}#/case/${encodeURIComponent(caseText)}`);
  await choosePurpose(page);
  await page.waitForSelector(".own-goal");
  await assessedByTheTenant();
  await shot(page, "31-tenant-rule-set-offline");
  await context.close();
});
