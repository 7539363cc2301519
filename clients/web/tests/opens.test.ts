// The queue of case openings for the access log (src/app/opens.ts) over the encrypted store (fake-indexeddb):
// openings recorded offline wait sealed in the store; a send removes exactly the ones the server answered for, in
// batches of at most 500; a network failure or a passing refusal keeps them, a refusal for good drops them; two
// sends at once never post an opening twice; and a wipe takes the queue with the store.

import "fake-indexeddb/auto";
import { openDB } from "idb";
import { describe, expect, it } from "vitest";
import { MAX_BATCH, OpenLog, onConnected, type OpensApi } from "../src/app/opens";
import { EncryptedStore, databaseName, type Opening, type UnlockOptions } from "../src/store/idb";
import { documentIdText, newDocumentId } from "../src/sync/ids";

const FAST: UnlockOptions = { kdf: { name: "argon2id", memoryKiB: 64, iterations: 1, parallelism: 1 } };
let n = 0;
const user = () => `opener${++n}`;
const caseText = () => documentIdText(newDocumentId());

/** A server that answers each post with the next status of `answers` ("down" = unreachable), then 200. */
function server(answers: (number | "down")[] = []): OpensApi & { posts: Opening[][] } {
  const posts: Opening[][] = [];
  return {
    posts,
    async post(batch) {
      const answer = answers.shift() ?? 200;
      if (answer === "down") throw new TypeError("Failed to fetch");
      posts.push(batch);
      return answer;
    },
  };
}

async function queued(store: EncryptedStore): Promise<Opening[]> {
  return (await store.loadOpenings()).map((q) => q.opening);
}

describe("OpenLog", () => {
  it("keeps openings made offline and sends them at the next connection, removing exactly those sent", async () => {
    const store = await EncryptedStore.unlock("t", user(), "pw", FAST);
    const log = new OpenLog(store);
    const [a, b] = [caseText(), caseText()];
    await log.recordOpen(a, "follow_up", 1000);
    await log.recordOpen(b, "visit", 2000);

    // No signal: nothing leaves, nothing is lost.
    expect(await log.sendOpens(server(["down"]))).toEqual({ sent: 0, dropped: 0, kept: 2 });
    expect(await queued(store)).toHaveLength(2);

    // Signal again, and a third opening is made while the batch is on its way: only the two sent are removed.
    const api = server();
    const c = caseText();
    const post = api.post;
    api.post = async (batch) => {
      await log.recordOpen(c, "review", 3000);
      return post(batch);
    };
    expect(await log.sendOpens(api)).toEqual({ sent: 2, dropped: 0, kept: 0 });
    expect(api.posts).toEqual([
      [
        { case_id: a, purpose: "follow_up", at_ms: 1000 },
        { case_id: b, purpose: "visit", at_ms: 2000 },
      ],
    ]);
    expect(await queued(store)).toEqual([{ case_id: c, purpose: "review", at_ms: 3000 }]);
    store.close();
  });

  it("posts at most 500 per request and keeps the batches after a failure for next time", async () => {
    const store = await EncryptedStore.unlock("t", user(), "pw", FAST);
    const log = new OpenLog(store);
    const total = 2 * MAX_BATCH + 7;
    for (let i = 0; i < total; i++) await log.recordOpen(caseText(), "visit", i);

    // The first batch is logged, then the server fails: the other two batches stay, whole and in order.
    const api = server([200, 503]);
    expect(await log.sendOpens(api)).toEqual({ sent: MAX_BATCH, dropped: 0, kept: MAX_BATCH + 7 });
    expect(api.posts.map((p) => p.length)).toEqual([MAX_BATCH, MAX_BATCH]);
    const left = await queued(store);
    expect(left.map((o) => o.at_ms)).toEqual(Array.from({ length: MAX_BATCH + 7 }, (_, i) => MAX_BATCH + i));

    const again = server();
    expect(await log.sendOpens(again)).toEqual({ sent: MAX_BATCH + 7, dropped: 0, kept: 0 });
    expect(again.posts.map((p) => p.length)).toEqual([MAX_BATCH, 7]);
    expect(await queued(store)).toEqual([]);
    store.close();
  });

  it("drops a batch the server refuses for good and goes on; keeps one it refuses for now", async () => {
    const store = await EncryptedStore.unlock("t", user(), "pw", FAST);
    const log = new OpenLog(store);
    for (let i = 0; i < MAX_BATCH + 1; i++) await log.recordOpen(caseText(), "coordination", i);

    // 401 (a token to refresh at the next login) and 429 pass: everything stays.
    for (const status of [401, 429]) {
      expect(await log.sendOpens(server([status]))).toEqual({ sent: 0, dropped: 0, kept: MAX_BATCH + 1 });
    }
    // 400 would be refused at every connection: that batch goes, and the next one is still sent.
    const api = server([400, 200]);
    expect(await log.sendOpens(api)).toEqual({ sent: 1, dropped: MAX_BATCH, kept: 0 });
    expect(await queued(store)).toEqual([]);
    // Nothing left: no request at all.
    const idle = server();
    expect(await log.sendOpens(idle)).toEqual({ sent: 0, dropped: 0, kept: 0 });
    expect(idle.posts).toEqual([]);
    store.close();
  });

  it("never posts an opening twice when sends overlap", async () => {
    const store = await EncryptedStore.unlock("t", user(), "pw", FAST);
    const log = new OpenLog(store);
    for (let i = 0; i < 3; i++) await log.recordOpen(caseText(), "visit", i);
    const api = server();
    // A connection and a fresh opening trigger sends at the same moment.
    await Promise.all([log.sendOpens(api), log.sendOpens(api), log.sendOpens(api)]);
    expect(api.posts.flat()).toHaveLength(3);
    store.close();
  });

  it("remembers the purpose per case for the session, only once the opening is stored, and refuses unknown ones", async () => {
    const u = user();
    const store = await EncryptedStore.unlock("t", u, "pw", FAST);
    const log = new OpenLog(store);
    const id = caseText();
    expect(log.purposeOf(id)).toBeUndefined();
    await log.recordOpen(id, "follow_up", 1);
    expect(log.purposeOf(id)).toBe("follow_up");
    await expect(log.recordOpen(id, "curiosity", 2)).rejects.toThrow();
    expect(log.purposeOf(id)).toBe("follow_up");

    // A closed (locked) store cannot take the opening: the purpose does not count as chosen.
    const other = caseText();
    store.close();
    await expect(log.recordOpen(other, "visit", 3)).rejects.toThrow();
    expect(log.purposeOf(other)).toBeUndefined();

    // A new unlock is a new session: nothing chosen yet, but the queue is still there.
    const reopened = await EncryptedStore.unlock("t", u, "pw", FAST);
    const next = new OpenLog(reopened);
    expect(next.purposeOf(id)).toBeUndefined();
    expect(await queued(reopened)).toEqual([{ case_id: id, purpose: "follow_up", at_ms: 1 }]);
    reopened.close();
  });

  it("keeps the queue sealed, and a wiped store takes its queue with it", async () => {
    const u = user();
    const store = await EncryptedStore.unlock("t", u, "pw", FAST);
    const log = new OpenLog(store);
    const id = caseText();
    await log.recordOpen(id, "coordination", 1);
    const db = await openDB(databaseName("t", u));
    const raw = (await db.getAll("opens")).map((r) => new TextDecoder("latin1").decode(new Uint8Array(r.data))).join("");
    db.close();
    expect(raw).not.toContain(id);
    expect(raw).not.toContain("coordination");

    // A revoked device: the store goes, and a send afterwards fails without posting anything.
    await store.destroy();
    expect(await EncryptedStore.exists("t", u)).toBe(false);
    const api = server();
    await expect(log.sendOpens(api)).rejects.toThrow();
    expect(api.posts).toEqual([]);
    const fresh = await EncryptedStore.unlock("t", u, "pw", FAST);
    expect(await queued(fresh)).toEqual([]);
    fresh.close();
  });
});

describe("the store's schema", () => {
  it("upgrades a version 1 database to the queue, keeping what it holds", async () => {
    const u = user();
    const v1 = await openDB(databaseName("t", u), 1, {
      upgrade(db) {
        db.createObjectStore("meta");
        db.createObjectStore("records");
      },
    });
    await v1.put("records", { iv: new Uint8Array(12), data: new ArrayBuffer(4) }, "doc:kept");
    v1.close();

    const store = await EncryptedStore.unlock("t", u, "pw", FAST);
    await new OpenLog(store).recordOpen(caseText(), "visit", 1);
    store.close();
    const db = await openDB(databaseName("t", u));
    expect(db.version).toBe(2);
    expect([...db.objectStoreNames].sort()).toEqual(["meta", "opens", "records"]);
    expect(await db.getAllKeys("records")).toEqual(["doc:kept"]);
    expect(await db.count("opens")).toBe(1);
    db.close();
  });
});

describe("onConnected", () => {
  it("sends once per connection of the sync, not at every status", () => {
    let listener: (s: { phase: string }) => void = () => undefined;
    let sends = 0;
    onConnected({ onStatus: (l) => ((listener = l), l({ phase: "offline" }), () => undefined) }, () => sends++);
    for (const phase of ["connecting", "syncing", "saved", "syncing", "offline", "connecting", "saved"]) listener({ phase });
    expect(sends).toBe(2);
  });
});
