// The case document's code lists on the phone are sync-core's (sync-core/src/case/codes.rs): the same codes, in
// the same order, with the same Danish and English labels. sync-core exports no code list as JSON, so the Rust
// source is read.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as model from "../src/case/model";

const rust = readFileSync(fileURLToPath(new URL("../../../sync-core/src/case/codes.rs", import.meta.url)), "utf8");

/** The entries of `pub const NAME: &[Code]` in codes.rs. */
function rustList(name: string): model.Code[] {
  const start = rust.indexOf(`pub const ${name}: &[Code]`);
  expect(start, `${name} in codes.rs`).toBeGreaterThanOrEqual(0);
  const block = rust.slice(start, rust.indexOf("];", start));
  return [...block.matchAll(/code\(\s*"([^"]*)",\s*"([^"]*)",\s*"([^"]*)",?\s*\)/g)].map(([, code, da, en]) => ({ code: code!, da: da!, en: en! }));
}

const LISTS = [
  "CONTACT_KINDS",
  "LEGAL_BASES",
  "FOLLOW_UP_WITH",
  "COORDINATION_PARTIES",
  "END_REASONS",
  "APPROVAL_STATES",
  "GOAL_LEVELS",
  "GOAL_STATUSES",
  "OUTCOME_KINDS",
  "OPEN_PURPOSES",
] as const;

describe("code lists", () => {
  it("covers every list codes.rs defines", () => {
    const defined = [...rust.matchAll(/pub const ([A-Z_]+): &\[Code\]/g)].map(([, name]) => name);
    expect([...defined].sort()).toEqual([...LISTS].sort());
  });
  for (const name of LISTS) {
    it(`${name} is sync-core's`, () => {
      const list = rustList(name);
      expect(list.length).toBeGreaterThan(0);
      expect(model[name]).toEqual(list);
    });
  }
});
