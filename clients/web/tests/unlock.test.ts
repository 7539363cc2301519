// Opening the store at sign-in (src/app/unlock.ts), with the clock passed in: offline unlocking ends with the
// maximum offline period and deletes nothing; a password changed on the server asks for the previous one instead
// of replacing a store that holds unsent work; a phone without a store needs the server.

import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_OFFLINE_MS, offlineDeadline, offlineUntil, openStore, type OpenRequest } from "../src/app/unlock";
import { EncryptedStore, type StoredSession, type UnlockOptions } from "../src/store/idb";
import { newDocumentId } from "../src/sync/ids";
import { Repo } from "../src/sync/repo";

const FAST: UnlockOptions = { kdf: { name: "argon2id", memoryKiB: 64, iterations: 1, parallelism: 1 }, legacyIterations: 1000 };
const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.UTC(2026, 2, 2, 8, 0);
let n = 0;
const user = () => `unlock${++n}`;

function session(username: string, now_ms: number, refresh_expires_in = 14 * 24 * 3600): StoredSession {
  return {
    api: "http://server",
    tenant: "t",
    username,
    access_token: "jwt",
    access_expires_at_ms: now_ms + 15 * 60 * 1000,
    refresh_token: "refresh",
    offline_until_ms: offlineDeadline(now_ms, refresh_expires_in),
    device_id: "dev",
    user: { id: "u1", username, role: "worker", tenant: "t1", tenant_slug: "t", team_id: null },
  };
}

const request = (username: string, password: string, now_ms: number, rest: Partial<OpenRequest> = {}): OpenRequest => ({
  tenant: "t",
  username,
  password,
  now_ms,
  unlock: FAST,
  ...rest,
});

/** Logs in online at T0 and records one change the server has not acknowledged; returns its document id. */
async function loggedInWithUnsentWork(u: string, password = "pw", refresh_expires_in?: number): Promise<string> {
  const opened = await openStore(request(u, password, T0, { online: session(u, T0, refresh_expires_in) }));
  if (opened.kind !== "open") throw new Error(opened.kind);
  const id = newDocumentId();
  await (await Repo.open(opened.store)).change<{ n: number }>(id, (d) => {
    d.n = 1;
  });
  opened.store.close();
  return id;
}

describe("unlocking offline", () => {
  it("opens within the maximum offline period and refuses after it, deleting nothing", async () => {
    const u = user();
    const id = await loggedInWithUnsentWork(u);

    const inside = await openStore(request(u, "pw", T0 + 14 * DAY - 1));
    expect(inside.kind).toBe("open");
    if (inside.kind === "open") inside.store.close();

    const after = await openStore(request(u, "pw", T0 + 14 * DAY));
    expect(after).toEqual({ kind: "offline_expired", until_ms: T0 + 14 * DAY });

    // Back online, the login opens the store again with the unsent change in it, and restarts the period.
    const later = T0 + 20 * DAY;
    const online = await openStore(request(u, "pw", later, { online: session(u, later) }));
    if (online.kind !== "open") throw new Error(online.kind);
    expect((await Repo.open(online.store)).pending()).toEqual([id]);
    online.store.close();
    expect((await openStore(request(u, "pw", later + DAY))).kind).toBe("open");
  });

  it("uses the period the server states at login", async () => {
    const u = user();
    await loggedInWithUnsentWork(u, "pw", 3600);
    const inside = await openStore(request(u, "pw", T0 + 3_599_000));
    expect(inside.kind).toBe("open");
    if (inside.kind === "open") inside.store.close();
    expect(await openStore(request(u, "pw", T0 + 3_600_000))).toMatchObject({ kind: "offline_expired" });
  });

  it("counts a session stored without a deadline from its access token's expiry", () => {
    const old: StoredSession = { ...session("x", T0), offline_until_ms: undefined };
    expect(offlineUntil(old)).toBe(T0 + 15 * 60 * 1000 + DEFAULT_MAX_OFFLINE_MS);
    expect(offlineUntil({ ...old, access_expires_at_ms: undefined })).toBe(0);
    expect(offlineDeadline(T0, undefined)).toBe(T0 + DEFAULT_MAX_OFFLINE_MS);
  });

  it("refuses a wrong password before the deadline is even read", async () => {
    const u = user();
    await loggedInWithUnsentWork(u);
    expect(await openStore(request(u, "wrong", T0 + DAY))).toEqual({ kind: "wrong_password" });
  });

  it("needs the server on a phone without a store for the user, and creates none", async () => {
    const u = user();
    expect(await openStore(request(u, "pw", T0))).toEqual({ kind: "need_online" });
    expect(await EncryptedStore.exists("t", u)).toBe(false);
  });
});

describe("a password changed on the server", () => {
  it("asks for the previous password, saying what the store holds, and re-wraps with it", async () => {
    const u = user();
    const id = await loggedInWithUnsentWork(u, "gammel");
    const online = session(u, T0 + DAY);

    const locked = await openStore(request(u, "ny", T0 + DAY, { online }));
    expect(locked).toEqual({ kind: "store_locked", summary: { documents: 1, pending: 1 } });
    expect(await openStore(request(u, "ny", T0 + DAY, { online, previousPassword: "forkert" }))).toEqual({
      kind: "wrong_previous_password",
    });

    const opened = await openStore(request(u, "ny", T0 + DAY, { online, previousPassword: "gammel" }));
    if (opened.kind !== "open") throw new Error(opened.kind);
    expect((await Repo.open(opened.store)).pending()).toEqual([id]);
    opened.store.close();
    // From now on the new password opens it offline, and the old one does not.
    const offline = await openStore(request(u, "ny", T0 + 2 * DAY));
    expect(offline.kind).toBe("open");
    if (offline.kind === "open") offline.store.close();
    expect(await openStore(request(u, "gammel", T0 + 2 * DAY))).toEqual({ kind: "wrong_password" });
  });

  it("starts an empty store afresh instead of asking for an old password", async () => {
    const u = user();
    const first = await openStore(request(u, "gammel", T0, { online: session(u, T0) }));
    if (first.kind !== "open") throw new Error(first.kind);
    first.store.close();
    const opened = await openStore(request(u, "ny", T0 + DAY, { online: session(u, T0 + DAY) }));
    expect(opened.kind).toBe("open");
    if (opened.kind === "open") opened.store.close();
  });
});
