// Runs the FIT vectors shared with sync-core (sync-core/tests/vectors/): the phone and the server must never
// disagree about a total, a category or an alert.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { assess, parseItems, parsePaperTotal, RULES_V1, validateRating, type Rating, type RuleSet } from "../src/fit";

const vectors = (name: string) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../../sync-core/tests/vectors/${name}`, import.meta.url)), "utf8"));

const fit = vectors("fit.json");
const validation = vectors("fit-validation.json");

describe("fit.json", () => {
  it("assumes the rule set version we load", () => {
    expect(fit.rule_set).toBe(RULES_V1.version);
  });
  for (const c of fit.cases) {
    it(c.name, () => {
      const rules: RuleSet = { ...RULES_V1, ...(c.rules_patch ?? {}) };
      const result = assess(rules, c.birth_year, c.contacts);
      const e = c.expect;
      expect(result.contacts.map((x) => x.ors_total_mm)).toEqual(e.ors_totals_mm);
      expect(result.contacts.map((x) => x.srs_total_mm)).toEqual(e.srs_totals_mm);
      expect(result.category).toBe(e.category);
      expect(result.change_mm).toBe(e.change_mm);
      expect(result.alerts.map(({ kind, contact_index, item }) => ({ kind, contact_index, item }))).toEqual(e.alerts);
      expect(result.alerts.every((a) => a.rule_set_version === rules.version)).toBe(true);
      const perContact = {
        ors_cutoffs_mm: "ors_cutoff_mm",
        ors_clinical: "ors_clinical",
        srs_below_cutoff: "srs_below_cutoff",
        ors_paper_total: "ors_paper_total",
        srs_paper_total: "srs_paper_total",
      } as const;
      for (const [key, field] of Object.entries(perContact)) {
        if (key in e) expect(result.contacts.map((x) => x[field]), key).toEqual(e[key]);
      }
      if ("intake_index" in e) expect(result.intake_index).toBe(e.intake_index);
      if ("latest_index" in e) expect(result.latest_index).toBe(e.latest_index);
    });
  }
});

describe("fit-validation.json", () => {
  for (const c of validation.invalid) {
    it(`refuses ${c.name}`, () => {
      const error = validateRating(c.rating as Rating);
      expect(error && { field: error.field, problem: error.problem }).toEqual(c.expect);
    });
  }
  for (const c of validation.valid) {
    it(`accepts ${c.name}`, () => {
      expect(validateRating(c.rating as Rating)).toBeNull();
    });
  }
  for (const c of validation.typed) {
    it(`reads typed ${c.name}`, () => {
      const parsed =
        c.form === "items" ? parseItems(c.instrument, c.text, "citizen") : parsePaperTotal(c.instrument, c.text, "citizen");
      if ("error" in c.expect) {
        expect("problem" in parsed && { field: parsed.field, problem: parsed.problem }).toEqual(c.expect.error);
      } else {
        expect("entry" in parsed && parsed.entry).toEqual(c.expect.entry);
      }
    });
  }
});
