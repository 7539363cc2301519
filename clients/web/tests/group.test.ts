// A group session recorded once for several citizens (src/case/group.ts): each case gets its own contact of kind
// "group" in its running course, with the GSRS total its citizen wrote on paper or none; one refusal stops all.

import { describe, expect, it } from "vitest";
import { openedBy } from "../src/case/create";
import { groupContacts, type Participant } from "../src/case/group";
import type { Case } from "../src/case/model";

const worker = { id: "0b0e0000-0000-4000-8000-000000000001", name: "anna" };
const START = Date.UTC(2026, 5, 15, 10);

function participant(docId: string, birthYear: number, course: string | null = null): Participant {
  const c = openedBy("hoeje-taastrup", "team-nord", { display_name: `Citizen ${docId}`, reference: docId, birth_year: birthYear }, worker) as Case;
  if (course) {
    c.courses[course] = {
      service: "1f0ff82b-3243-422f-9651-1d00fd2dcd61",
      legal_basis: "s82a",
      start: "2026-01-01",
      planned_end: null,
      end: null,
      end_reason: null,
      granted_minutes_per_week: 120,
      approval: { state: "not_required", by: null, at_ms: null },
    };
  }
  return { docId, case: c, gsrsTotal: "" };
}

const session = { start_ms: START, duration_minutes: 90, notes: "Synthetic group: cooking on a budget", recorded_by: worker.id };

describe("groupContacts", () => {
  it("gives each participant a group contact in their running course, with their own GSRS", () => {
    const a = { ...participant("a", 1980, "k-a"), gsrsTotal: "35.5" };
    const b = participant("b", 1975);
    const child = { ...participant("c", 2016, "k-c"), gsrsTotal: "30" };
    const made = groupContacts(session, [a, b, child]);
    expect(made.result).toBe("ready");
    if (made.result !== "ready") return;
    expect(made.contacts.map((x) => x.docId)).toEqual(["a", "b", "c"]);
    expect(made.contacts.map((x) => x.contact.course)).toEqual(["k-a", null, "k-c"]);
    expect(made.contacts.every((x) => x.contact.kind === "group" && x.contact.notes === session.notes)).toBe(true);
    expect(made.contacts[0]!.contact.srs).toEqual({ instrument: "gsrs", entry: { paper_total: { total_mm: 355 } }, rater: "citizen" });
    expect(made.contacts[1]!.contact.srs).toBeNull();
    expect(made.contacts[2]!.contact.srs?.instrument).toBe("gsrs");
  });

  it("refuses all when one total is impossible, naming whose case", () => {
    const made = groupContacts(session, [participant("a", 1980), { ...participant("b", 1980), gsrsTotal: "41" }]);
    expect(made).toMatchObject({ result: "invalid", docId: "b", error: { field: "srs.total_mm", problem: "out_of_range" } });
  });

  it("needs someone who took part", () => {
    expect(groupContacts(session, [])).toMatchObject({ result: "invalid", docId: null, error: { problem: "missing" } });
  });
});
