// The case document in the app: contact validation agrees with case-validation.json on every contact error,
// a contact written to a document reads back in the Rust model's JSON form, and conflicts are listed and resolved.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as Automerge from "@automerge/automerge";
import { describe, expect, it } from "vitest";
import { listConflicts, resolveConflict } from "../src/case/conflicts";
import { assessCase } from "../src/case/fit";
import { putContact, readCase, validateContact, type Case, type Contact } from "../src/case/model";
import { validateCase } from "../src/case/validate";
import { RULES_V1 } from "../src/fit";

const vectors = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../sync-core/tests/vectors/case-validation.json", import.meta.url)), "utf8"),
);

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === "object" && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Missing optional fields are null, as serde reads them. */
function normalise(contact: Partial<Contact>): Contact {
  return { course: null, ors: null, srs: null, ...contact } as Contact;
}

describe("case-validation.json, contact errors", () => {
  for (const c of vectors.cases) {
    const field: string | undefined = c.expect?.field;
    if (c.expect !== null && !field?.startsWith("contacts.")) continue;
    it(c.name, () => {
      const doc = mergePatch(vectors.base, c.patch) as Case;
      let first: { field: string; problem: string } | null = null;
      for (const id of Object.keys(doc.contacts ?? {}).sort()) {
        const e = validateContact(normalise(doc.contacts[id]!));
        if (e) {
          first = { field: `contacts.${id}.${e.field}`, problem: e.problem };
          break;
        }
      }
      expect(first).toEqual(c.expect);
    });
  }
});

describe("case-validation.json, whole cases", () => {
  for (const c of vectors.cases) {
    it(c.name, () => {
      const doc = mergePatch(vectors.base, c.patch) as Case;
      const error = validateCase(doc);
      expect(error && { field: error.field, problem: error.problem }).toEqual(c.expect);
    });
  }
});

describe("the case document", () => {
  const base = vectors.base as Case;
  const contact: Contact = {
    kind: "home_visit",
    start_ms: 1_764_100_000_000,
    duration_minutes: 45,
    course: "00000000-0000-0000-0000-000000000014",
    workers: ["anna"],
    notes: "Ny kontakt",
    goals: [],
    ors: { instrument: "ors", entry: { items: { items: [0, 10, 20, 30] } }, rater: "citizen" },
    srs: { instrument: "srs", entry: "skipped", rater: "citizen" },
    recorded_by: "anna",
  };

  it("writes a contact that reads back in the Rust model's JSON form", () => {
    let doc = Automerge.from(JSON.parse(JSON.stringify(base)));
    doc = Automerge.change(doc, (d) => putContact(d as Record<string, unknown>, "c-new", contact));
    const read = readCase(doc)!;
    expect(read.contacts["c-new"]).toEqual(contact);
    // Codes are scalar strings in the document, notes are text, as autosurgeon expects them.
    const stored = (doc as unknown as Case).contacts["c-new"]!;
    expect(Automerge.isImmutableString(stored.kind)).toBe(true);
    expect(typeof stored.notes).toBe("string");
    expect(validateContact(read.contacts["c-new"]!)).toBeNull();
  });

  it("assesses the course with the FIT rules", () => {
    const { assessment, contactIds } = assessCase(base, RULES_V1);
    expect(contactIds).toEqual(["00000000-0000-0000-0000-00000000001e"]);
    expect(assessment.contacts[0]!.ors_total_mm).toBe(247);
    expect(assessment.contacts[0]!.srs_total_mm).toBe(363);
    expect(assessment.alerts.map((a) => a.kind)).toEqual(["srs_item_low"]);
  });

  it("lists a concurrent change as a conflict with both values and resolves it with one put", () => {
    const start = Automerge.from({ citizen: { display_name: new Automerge.ImmutableString("A") } });
    const a = Automerge.change(Automerge.clone(start), (d) => {
      d.citizen.display_name = new Automerge.ImmutableString("B");
    });
    const b = Automerge.change(Automerge.clone(start), (d) => {
      d.citizen.display_name = new Automerge.ImmutableString("C");
    });
    const merged = Automerge.merge(a, b);
    const conflicts = listConflicts(merged);
    expect(conflicts.map((c) => c.path)).toEqual([["citizen", "display_name"]]);
    expect([...conflicts[0]!.values].sort()).toEqual(["B", "C"]);
    const resolved = Automerge.change(merged, (d) => resolveConflict(d, ["citizen", "display_name"], "C"));
    expect(listConflicts(resolved)).toEqual([]);
    expect(String(resolved.citizen.display_name)).toBe("C");
  });
});
