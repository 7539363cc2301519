// The encrypted IndexedDB store (fake-indexeddb in Node): records round-trip, nothing readable is stored, a
// wrong password is refused, and a repo reopened from the store still holds its unacknowledged changes.

import "fake-indexeddb/auto";
import * as Automerge from "@automerge/automerge";
import { describe, expect, it } from "vitest";
import { EncryptedStore, WrongPassword, databaseName } from "../src/store/idb";
import { newDocumentId } from "../src/sync/ids";
import { Repo } from "../src/sync/repo";
import { openDB } from "idb";

const FAST = 1000; // PBKDF2 iterations for tests only; the app uses PBKDF2_ITERATIONS.
let n = 0;
const user = () => `worker${++n}`;

describe("EncryptedStore", () => {
  it("keeps documents, acked heads, cursor and refusals across a reopen", async () => {
    const u = user();
    const store = await EncryptedStore.unlock("t", u, "hemmeligt", FAST);
    const repo = await Repo.open(store);
    const id = newDocumentId();
    const doc = await repo.change<{ notes: string }>(id, (d) => {
      d.notes = "Borgeren vil gerne have egen bolig";
    });
    await repo.setAcked(id, Automerge.getHeads(doc));
    await repo.setCursor(42n);
    await repo.refuse({ doc: id, kind: "invalid", message: "m", at_ms: 1 });
    await repo.change<{ notes: string }>(id, (d) => {
      d.notes = "ændret offline";
    });
    store.close();

    const again = await Repo.open(await EncryptedStore.unlock("t", u, "hemmeligt", FAST));
    expect(again.get<{ notes: string }>(id)?.notes).toBe("ændret offline");
    expect(again.ackedHeads(id)).toEqual(Automerge.getHeads(doc));
    expect(again.cursor).toBe(42n);
    expect(again.refusal(id)?.kind).toBe("invalid");
    expect(again.pending()).toEqual([id]);
  });

  it("stores no plaintext", async () => {
    const u = user();
    const store = await EncryptedStore.unlock("t", u, "pw", FAST);
    const repo = await Repo.open(store);
    await repo.change<{ notes: string }>(newDocumentId(), (d) => {
      d.notes = "SECRET-NOTE";
    });
    store.close();
    const db = await openDB(databaseName("t", u));
    const all = await db.getAll("records");
    const text = all.map((r) => new TextDecoder("latin1").decode(new Uint8Array(r.data))).join("");
    expect(text).not.toContain("SECRET-NOTE");
    db.close();
  });

  it("deletes the whole store of a revoked device", async () => {
    const u = user();
    const store = await EncryptedStore.unlock("t", u, "pw", FAST);
    const repo = await Repo.open(store);
    await repo.change<{ n: number }>(newDocumentId(), (d) => {
      d.n = 1;
    });
    expect(await EncryptedStore.exists("t", u)).toBe(true);
    await store.destroy();
    expect(await EncryptedStore.exists("t", u)).toBe(false);
  });

  it("refuses a wrong password", async () => {
    const u = user();
    (await EncryptedStore.unlock("t", u, "right", FAST)).close();
    await expect(EncryptedStore.unlock("t", u, "wrong", FAST)).rejects.toBeInstanceOf(WrongPassword);
  });

  it("deletes a purged document with its acked heads", async () => {
    const u = user();
    const store = await EncryptedStore.unlock("t", u, "pw", FAST);
    const repo = await Repo.open(store);
    const id = newDocumentId();
    await repo.change<{ n: number }>(id, (d) => {
      d.n = 1;
    });
    await repo.setAcked(id, Automerge.getHeads(repo.get(id)!));
    expect(await repo.purge(id)).toBe(true);
    const reopened = await Repo.open(store);
    expect(reopened.ids()).toEqual([]);
  });

  it("keeps a purged document that holds changes the server has not acknowledged", async () => {
    const u = user();
    const store = await EncryptedStore.unlock("t", u, "pw", FAST);
    const repo = await Repo.open(store);
    const id = newDocumentId();
    const acked = await repo.change<{ n: number }>(id, (d) => {
      d.n = 1;
    });
    await repo.setAcked(id, Automerge.getHeads(acked));
    await repo.change<{ n: number }>(id, (d) => {
      d.n = 2;
    });
    expect(await repo.purge(id)).toBe(false);
    const reopened = await Repo.open(store);
    expect(reopened.get<{ n: number }>(id)?.n).toBe(2);
    expect(reopened.pending()).toEqual([id]);
  });
});
