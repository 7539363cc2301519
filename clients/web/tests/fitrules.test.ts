// The tenant's FIT rule set on the phone (src/app/fitrules.ts) over the encrypted store (fake-indexeddb): fit-rules/1
// until a set was ever received; the set received at a connection is used at once and, after a reload with no
// signal, taken from the store; an answer that is not a readable rule set is ignored and the previous set kept; and
// the assessment the worker sees follows the tenant's cutoffs, every alert naming the tenant's set. The cases are
// sync-core's FIT vectors (sync-core/tests/vectors/fit.json), assessed once with fit-rules/1 and once with the
// tenant's set.

import "fake-indexeddb/auto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FitRules, readTenantRuleSet, type FitRulesApi } from "../src/app/fitrules";
import { assess, readRuleSet, RULES_V1, type RuleSet, type ScoredContact } from "../src/fit";
import { EncryptedStore, type UnlockOptions } from "../src/store/idb";

const FAST: UnlockOptions = { kdf: { name: "argon2id", memoryKiB: 64, iterations: 1, parallelism: 1 } };
let n = 0;
const user = () => `rules${++n}`;

const fit = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../sync-core/tests/vectors/fit.json", import.meta.url)), "utf8"),
) as { cases: { name: string; birth_year: number | null; contacts: ScoredContact[] }[] };
const vector = (name: string) => fit.cases.find((c) => c.name === name)!;

/** fit-rules/1 with other cutoffs, under another version, as a municipality would load it. */
function tenantSet(version: string, cutoffs: { ors_adult?: number; srs?: number }): RuleSet {
  return {
    ...RULES_V1,
    version,
    cutoffs: RULES_V1.cutoffs.map((c) =>
      c.instrument === "ors" && c.min_age === 18 && cutoffs.ors_adult !== undefined
        ? { ...c, cutoff_mm: cutoffs.ors_adult }
        : c.instrument === "srs" && cutoffs.srs !== undefined
          ? { ...c, cutoff_mm: cutoffs.srs }
          : c,
    ),
  };
}

const KOMMUNE = tenantSet("test-kommune/2", { ors_adult: 300 });
/** GET /v1/fit-rules' answer for `rules`. */
const answer = (rules: unknown, version = (rules as RuleSet).version) => ({ version, loaded_at: 1_760_000_000_000, rules });
/** A server that answers GET /v1/fit-rules with `body` (null: an answer other than 200), or is unreachable. */
const server = (body: unknown): FitRulesApi => ({
  get: async () => {
    if (body === "down") throw new TypeError("Failed to fetch");
    return body;
  },
});

describe("FitRules", () => {
  it("assesses with fit-rules/1 until the tenant's set was ever received", async () => {
    const rules = new FitRules(await EncryptedStore.unlock("t", user(), "pw", FAST));
    await rules.load();
    expect(rules.current).toBe(RULES_V1);
  });

  it("takes the tenant's set at a connection and, after a reload with no signal, from the store", async () => {
    const u = user();
    const store = await EncryptedStore.unlock("t", u, "pw", FAST);
    const rules = new FitRules(store);
    await rules.load();
    let changes = 0;
    rules.onChange(() => changes++);
    expect(await rules.refresh(server(answer(KOMMUNE)))).toBe(true);
    expect(rules.current).toEqual(KOMMUNE);
    expect(changes).toBe(1);
    // The same set again at the next connection changes nothing on screen.
    expect(await rules.refresh(server(answer(KOMMUNE)))).toBe(true);
    expect(changes).toBe(1);
    store.close();

    // A reload: a new unlock of the same store, and no server.
    const again = new FitRules(await EncryptedStore.unlock("t", u, "pw", FAST));
    expect(again.current).toBe(RULES_V1);
    await again.load();
    expect(again.current).toEqual(KOMMUNE);
    expect(again.current.version).toBe("test-kommune/2");
  });

  it("ignores an answer that is not a readable rule set and keeps the previous set, in memory and stored", async () => {
    const u = user();
    const store = await EncryptedStore.unlock("t", u, "pw", FAST);
    const rules = new FitRules(store);
    await rules.refresh(server(answer(KOMMUNE)));
    const { cutoffs: _cutoffs, ...noCutoffs } = KOMMUNE;
    const unreadable: unknown[] = [
      null, // an answer other than 200 (a server without the route)
      "down", // unreachable
      "<html>",
      {},
      { version: "x/1", loaded_at: null },
      answer(noCutoffs, "test-kommune/3"),
      answer({ ...KOMMUNE, version: "test-kommune/3", reliable_change_mm: "50" }),
      answer({ ...KOMMUNE, version: "test-kommune/3", cutoffs: [{ instrument: "ors", cutoff_mm: 25.5 }] }),
      answer({ ...KOMMUNE, version: "test-kommune/3", cutoffs: [{ instrument: "nps", cutoff_mm: 250 }] }),
      answer({ ...KOMMUNE, version: "test-kommune/3", no_change_checkpoints: [{ from_contact: 3, alert: "call_home" }] }),
      answer({ ...KOMMUNE, version: "" }, ""),
      // The version named twice, differently.
      answer({ ...KOMMUNE, version: "test-kommune/3" }, "test-kommune/4"),
    ];
    for (const body of unreadable) {
      expect(await rules.refresh(server(body)), JSON.stringify(body)).toBe(false);
      expect(rules.current).toEqual(KOMMUNE);
    }
    store.close();
    const again = new FitRules(await EncryptedStore.unlock("t", u, "pw", FAST));
    await again.load();
    expect(again.current).toEqual(KOMMUNE);
  });

  it("reads the optional fields with sync-core's defaults", () => {
    const { description: _d, cutoff_comparison: _c, ...bare } = RULES_V1;
    const read = readRuleSet({
      ...bare,
      cutoffs: [{ instrument: "ors", cutoff_mm: 250 }],
      no_change_checkpoints: [{ from_contact: 3, alert: "no_reliable_change_revisit_goals" }],
    });
    expect(read).toMatchObject({
      description: "",
      cutoff_comparison: "below",
      cutoffs: [{ instrument: "ors", min_age: null, max_age: null, cutoff_mm: 250 }],
      no_change_checkpoints: [{ from_contact: 3, until_contact: null, alert: "no_reliable_change_revisit_goals" }],
    });
    expect(readRuleSet(RULES_V1)).toEqual(RULES_V1);
    expect(readTenantRuleSet(answer(RULES_V1))?.rules).toEqual(RULES_V1);
  });
});

describe("assessing with the tenant's set", () => {
  it("judges an adult's ORS of 26.0 against the tenant's cutoff of 30.0, not fit-rules/1's 25.0", async () => {
    const rules = new FitRules(await EncryptedStore.unlock("t", user(), "pw", FAST));
    await rules.refresh(server(answer(KOMMUNE)));
    const v = vector("unknown_birth_year_uses_the_adult_cutoff");

    const v1 = assess(RULES_V1, v.birth_year, v.contacts);
    expect(v1.contacts[0]).toMatchObject({ ors_total_mm: 260, ors_cutoff_mm: 250, ors_clinical: false });
    expect(v1.category).toBe("intake_above_cutoff");

    const theirs = assess(rules.current, v.birth_year, v.contacts);
    expect(theirs.contacts[0]).toMatchObject({ ors_total_mm: 260, ors_cutoff_mm: 300, ors_clinical: true });
    expect(theirs.category).toBe("no_reliable_change");
    expect(theirs.rule_set_version).toBe("test-kommune/2");
  });

  it("raises the alerts the tenant's thresholds raise, each naming the tenant's set", async () => {
    // In sync-core an ORS cutoff decides whether a contact is clinical (the change category), no alert by itself;
    // an SRS cutoff decides an alert.
    const set = tenantSet("test-kommune/2", { ors_adult: 300, srs: 370 });
    const rules = new FitRules(await EncryptedStore.unlock("t", user(), "pw", FAST));
    await rules.refresh(server(answer(set)));
    const v = vector("srs_exactly_at_cutoff_and_items_exactly_at_threshold_raise_nothing");
    expect(assess(RULES_V1, v.birth_year, v.contacts).alerts).toEqual([]);
    expect(assess(rules.current, v.birth_year, v.contacts).alerts).toEqual([
      { kind: "srs_below_cutoff", rule_set_version: "test-kommune/2", contact_index: 0, item: null },
    ]);

    // The same alert under each set names the set that fired it.
    const three = vector("checkpoint_3_revisit_goals");
    expect(assess(RULES_V1, three.birth_year, three.contacts).alerts.map((a) => a.rule_set_version)).toEqual(["fit-rules/1"]);
    expect(assess(rules.current, three.birth_year, three.contacts).alerts).toEqual([
      { kind: "no_reliable_change_revisit_goals", rule_set_version: "test-kommune/2", contact_index: 2, item: null },
    ]);
  });
});
