// Issue 12, points 1, 2, 7 and 8 on the phone, in a real browser: with no signal, anna opens a new case for a child
// (refused first without the reference, with sync-core's reason on screen), writes its plan (purpose, the child's
// own words, a goal, a sub-goal and a stepping stone; a sub-goal with no goal above is refused) and starts a §82b
// course granted as a punch card of three sessions, which counts down with each contact. Its contact form offers
// the children's forms (CORS, CSRS) because of the birth year, as sync-core decides, and a relative's ratings are
// recorded from a paper form (total only, flagged) and shown as the relative's, in a series of their own. A reload
// while offline keeps it all; once online the team's lead reads the case on the server, and the child's own
// check-in link offers CORS and CSRS, whose scores come back to the worker's phone.

import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Case } from "../src/case/model";
import { allSaved, choosePurpose, launch, leadReview, logIn, mark, phone, shot, unlock, WEB } from "./browser";

/** Individuel tidsbegrænset socialpædagogisk hjælp og støtte: the FFB service of §82b support. */
const SERVICE_82B = "fe42f8f4-d516-4bab-b006-12b0cd186603";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

it("opens a child's case offline with a plan and a §82b course, the children's forms and a relative's paper ratings", async () => {
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

  // The plan: its purpose, the child's own words, a goal with a sub-goal and a stepping stone under it.
  await page.click(`a[href$="/plan"]`);
  await page.waitForSelector(".plan-form");
  await page.fill("textarea[name=purpose]", "Syntetisk: trivsel i skolen");
  await page.fill("textarea[name=own_goal]", "Jeg vil gå i skole hver dag");
  await page.click(".plan-form button[type=submit]");
  await page.waitForSelector(".own-goal");
  expect(await page.locator(".own-goal").textContent()).toBe("Jeg vil gå i skole hver dag");
  const addGoal = async (title: string, level: string, parent: string | null) => {
    await page.click("a.add-goal");
    await page.waitForSelector(".goal-form");
    await page.fill("input[name=title]", title);
    await page.selectOption("select[name=level]", level);
    if (parent) await page.selectOption("select[name=parent]", { label: parent });
    await page.click(".goal-form button[type=submit]");
    await page.waitForSelector(".own-goal");
  };
  // A sub-goal with nothing above it yet is refused, with the reason.
  await page.click("a.add-goal");
  await page.waitForSelector(".goal-form");
  await page.fill("input[name=title]", "Delmål uden mål");
  await page.selectOption("select[name=level]", "sub_goal");
  await page.click(".goal-form button[type=submit]");
  await expect.poll(() => page.locator(".goal-form .error").textContent()).toMatch(/Hører under/);
  await page.click(".goal-form button[type=button]");
  await addGoal("Gå i skole", "goal", null);
  await addGoal("Møde til første time", "sub_goal", "Gå i skole");
  await addGoal("Pakke tasken aftenen før", "stepping_stone", "Møde til første time");
  expect(await page.locator(".goals li").count()).toBe(3);

  // A §82b course with its planned end.
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  await page.click("a.start-course");
  await page.waitForSelector(".course-form");
  await page.selectOption("select[name=service]", SERVICE_82B);
  await page.selectOption("select[name=legal_basis]", "s82b");
  await page.fill("input[name=planned_end]", day(84));
  await page.fill("input[name=hours]", "2");
  // Granted as a punch card of three sessions: each contact in the course uses one.
  await page.fill("input[name=sessions]", "3");
  await page.click(".course-form button[type=submit]");
  await page.waitForSelector(".courses");
  expect(await page.locator(".course-list > li").count()).toBe(1);
  expect(await page.locator(".course-list .punch-card").textContent()).toBe("Klippekort: 3 af 3 tilbage");

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
  expect(await page.locator(".course-list .punch-card").textContent()).toBe("Klippekort: 2 af 3 tilbage");
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
  const onServer = (await leadReview<{ case: Case }>(caseText)).case;
  expect(onServer.citizen).toEqual({ display_name: "Syntetisk Barn", reference, birth_year: born });
  expect(onServer.plan.purpose).toBe("Syntetisk: trivsel i skolen");
  expect(onServer.plan.own_goal).toBe("Jeg vil gå i skole hver dag");
  const goals = Object.entries(onServer.plan.goals);
  const byTitle = (title: string) => goals.find(([, g]) => g.title === title)!;
  expect(byTitle("Gå i skole")[1].parent).toBeNull();
  expect(byTitle("Møde til første time")[1].parent).toBe(byTitle("Gå i skole")[0]);
  expect(byTitle("Pakke tasken aftenen før")[1].parent).toBe(byTitle("Møde til første time")[0]);
  expect(Object.values(onServer.courses).map((c) => c.legal_basis)).toEqual(["s82b"]);
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
  expect(await page.locator(".course-list .punch-card").textContent()).toBe("Klippekort: 1 af 3 tilbage");
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
