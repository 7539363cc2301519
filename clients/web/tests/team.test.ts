// The worker's team on the phone (src/app/team.ts) over the encrypted store (fake-indexeddb): no list until one was
// ever received; the list received at a connection is used at once and, after a reload with no signal, taken from
// the store; an answer that is not a readable team (an admin's 403, a missing field, a server down) is ignored and
// the previous list kept.

import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { readTeam, Team, type TeamApi } from "../src/app/team";
import { EncryptedStore, type UnlockOptions } from "../src/store/idb";

const FAST: UnlockOptions = { kdf: { name: "argon2id", memoryKiB: 64, iterations: 1, parallelism: 1 } };
let n = 0;
const user = () => `team${++n}`;

const ANNA = { id: "0190a000-0000-7000-8000-00000000000a", username: "anna", role: "worker" };
const BO = { id: "0190a000-0000-7000-8000-00000000000b", username: "bo", role: "worker" };
const LEAD = { id: "0190a000-0000-7000-8000-00000000000c", username: "lene", role: "lead" };
const answer = (...members: unknown[]) => ({ team_id: "0190a000-0000-7000-8000-0000000000ff", members });
/** A server that answers GET /v1/team with `body` (null: an answer other than 200), or is unreachable. */
const server = (body: unknown): TeamApi => ({
  get: async () => {
    if (body === "down") throw new TypeError("Failed to fetch");
    return body;
  },
});

describe("readTeam", () => {
  it("reads the server's answer, sorted by username", () => {
    expect(readTeam(answer(LEAD, BO, ANNA))).toEqual({ team_id: answer().team_id, members: [ANNA, BO, LEAD] });
    expect(readTeam(answer())).toEqual({ team_id: answer().team_id, members: [] });
  });

  it("refuses an answer that is not a team", () => {
    for (const odd of [
      null,
      undefined,
      "team",
      42,
      [],
      { members: [BO] },
      { team_id: "t" },
      { team_id: "t", members: "bo" },
      { team_id: 7, members: [BO] },
      answer({ id: BO.id }),
      answer({ username: "bo" }),
      answer({ id: "", username: "bo" }),
      answer(BO, null),
      { error: "forbidden" },
    ]) {
      expect(readTeam(odd), JSON.stringify(odd)).toBeNull();
    }
  });

  it("tolerates a missing role and a member named twice", () => {
    expect(readTeam(answer({ id: BO.id, username: "bo" }, BO))?.members).toEqual([{ id: BO.id, username: "bo", role: "" }]);
  });
});

describe("Team", () => {
  it("knows no members until a list was ever received", async () => {
    const team = new Team(await EncryptedStore.unlock("t", user(), "pw", FAST));
    await team.load();
    expect(team.members).toEqual([]);
  });

  it("takes the list at a connection and, after a reload with no signal, from the store", async () => {
    const u = user();
    const store = await EncryptedStore.unlock("t", u, "pw", FAST);
    const team = new Team(store);
    await team.load();
    let changes = 0;
    team.onChange(() => changes++);
    expect(await team.refresh(server(answer(BO, ANNA)))).toBe(true);
    expect(team.members).toEqual([ANNA, BO]);
    expect(changes).toBe(1);
    // The same list again changes nothing on screen.
    expect(await team.refresh(server(answer(ANNA, BO)))).toBe(true);
    expect(changes).toBe(1);
    store.close();

    const again = new Team(await EncryptedStore.unlock("t", u, "pw", FAST));
    expect(again.members).toEqual([]);
    await again.load();
    expect(again.members).toEqual([ANNA, BO]);
  });

  it("keeps the previous list on a failed or odd answer, in memory and in the store", async () => {
    const u = user();
    const store = await EncryptedStore.unlock("t", u, "pw", FAST);
    const team = new Team(store);
    expect(await team.refresh(server(answer(ANNA, BO, LEAD)))).toBe(true);
    let changes = 0;
    team.onChange(() => changes++);
    for (const odd of [null, "down", { error: "forbidden" }, answer({ id: 3, username: "x" }), { members: [] }]) {
      expect(await team.refresh(server(odd))).toBe(false);
    }
    expect(team.members).toEqual([ANNA, BO, LEAD]);
    expect(changes).toBe(0);
    store.close();
    const again = new Team(await EncryptedStore.unlock("t", u, "pw", FAST));
    await again.load();
    expect(again.members).toEqual([ANNA, BO, LEAD]);
  });

  it("takes a smaller team when the server says so", async () => {
    const team = new Team(await EncryptedStore.unlock("t", user(), "pw", FAST));
    await team.refresh(server(answer(ANNA, BO)));
    expect(await team.refresh(server(answer(ANNA)))).toBe(true);
    expect(team.members).toEqual([ANNA]);
  });

  it("ignores an unreadable stored copy, and a store that fails", async () => {
    const broken = new Team({ loadTeam: async () => ({ team_id: "t" }), putTeam: async () => undefined });
    await broken.load();
    expect(broken.members).toEqual([]);
    const failing = new Team({
      loadTeam: () => Promise.reject(new Error("closed")),
      putTeam: () => Promise.reject(new Error("closed")),
    });
    await failing.load();
    expect(await failing.refresh(server(answer(BO)))).toBe(true);
    expect(failing.members).toEqual([BO]);
  });
});
