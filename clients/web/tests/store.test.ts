// The encrypted IndexedDB store (fake-indexeddb in Node): records round-trip, nothing readable is stored, a
// wrong password is refused, a repo reopened from the store still holds its unacknowledged changes, the data key
// is wrapped (and re-wrapped after a password change), and a store of the first format is migrated whole.

import "fake-indexeddb/auto";
import * as Automerge from "@automerge/automerge";
import { describe, expect, it } from "vitest";
import { EncryptedStore, WrongPassword, databaseName, type UnlockOptions } from "../src/store/idb";
import { newDocumentId } from "../src/sync/ids";
import { Repo } from "../src/sync/repo";
import { openDB } from "idb";
import { legacyKey, open as openSealed, randomBytes, seal, type Sealed } from "../src/store/crypto";

// Cheap key derivation for tests only; the app uses ARGON2ID (and read the first format with 310 000 iterations).
const FAST: UnlockOptions = { kdf: { name: "argon2id", memoryKiB: 64, iterations: 1, parallelism: 1 }, legacyIterations: 1000 };
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

describe("the wrapped data key", () => {
  it("keeps in the clear only the argon2id salt and parameters, the wrapped key and the pending count", async () => {
    const u = user();
    const store = await EncryptedStore.unlock("t", u, "pw", FAST);
    const repo = await Repo.open(store);
    await repo.change<{ n: number }>(newDocumentId(), (d) => {
      d.n = 1;
    });
    store.close();
    const db = await openDB(databaseName("t", u));
    expect(((await db.getAllKeys("meta")) as string[]).sort()).toEqual(["keyring", "pending"]);
    const keyring = await db.get("meta", "keyring");
    expect(keyring.kdf).toEqual(FAST.kdf);
    expect(keyring.salt).toHaveLength(16);
    // 32 bytes of key plus the 16-byte GCM tag: the key itself is nowhere in the clear.
    expect(keyring.wrapped.data.byteLength).toBe(48);
    db.close();
  });

  it("re-wraps the key under a new password with the previous one, keeping unsent changes", async () => {
    const u = user();
    const store = await EncryptedStore.unlock("t", u, "gammel", FAST);
    const repo = await Repo.open(store);
    const id = newDocumentId();
    await repo.change<{ notes: string }>(id, (d) => {
      d.notes = "ikke sendt";
    });
    store.close();
    const before = await rawRecord(u, `doc:${id}`);

    // The server now knows "ny": the store does not open with it alone, nor with a wrong previous password.
    await expect(EncryptedStore.unlock("t", u, "ny", FAST)).rejects.toMatchObject({ which: "password" });
    await expect(EncryptedStore.unlock("t", u, "ny", { ...FAST, previousPassword: "forkert" })).rejects.toMatchObject({
      which: "previous",
    });
    const rewrapped = await EncryptedStore.unlock("t", u, "ny", { ...FAST, previousPassword: "gammel" });
    const again = await Repo.open(rewrapped);
    expect(again.get<{ notes: string }>(id)?.notes).toBe("ikke sendt");
    expect(again.pending()).toEqual([id]);
    rewrapped.close();

    // Only the key was wrapped again: the records are the very same ciphertext.
    expect(await rawRecord(u, `doc:${id}`)).toEqual(before);
    (await EncryptedStore.unlock("t", u, "ny", FAST)).close();
    await expect(EncryptedStore.unlock("t", u, "gammel", FAST)).rejects.toBeInstanceOf(WrongPassword);
  });

  it("re-wraps the key when the app's argon2id parameters change", async () => {
    const u = user();
    const store = await EncryptedStore.unlock("t", u, "pw", FAST);
    const id = newDocumentId();
    await (await Repo.open(store)).change<{ n: number }>(id, (d) => {
      d.n = 7;
    });
    store.close();
    const stronger = { ...FAST, kdf: { ...FAST.kdf!, memoryKiB: 128, iterations: 2 } };
    const reopened = await EncryptedStore.unlock("t", u, "pw", stronger);
    expect((await Repo.open(reopened)).get<{ n: number }>(id)?.n).toBe(7);
    reopened.close();
    const db = await openDB(databaseName("t", u));
    expect((await db.get("meta", "keyring")).kdf).toEqual(stronger.kdf);
    db.close();
  });

  it("counts documents and those with unsent changes without the key", async () => {
    const u = user();
    const store = await EncryptedStore.unlock("t", u, "pw", FAST);
    const repo = await Repo.open(store);
    const [sent, unsent] = [newDocumentId(), newDocumentId()];
    for (const id of [sent, unsent])
      await repo.change<{ n: number }>(id, (d) => {
        d.n = 1;
      });
    expect(await EncryptedStore.summary("t", u)).toEqual({ documents: 2, pending: 2 });
    await repo.setAcked(sent, Automerge.getHeads(repo.get(sent)!));
    expect(await EncryptedStore.summary("t", u)).toEqual({ documents: 2, pending: 1 });
    store.close();
    await EncryptedStore.discard("t", u);
    expect(await EncryptedStore.exists("t", u)).toBe(false);
  });

  it("empties the repo in memory when a revoked device's store is destroyed", async () => {
    const u = user();
    const store = await EncryptedStore.unlock("t", u, "pw", FAST);
    const repo = await Repo.open(store);
    await repo.change<{ n: number }>(newDocumentId(), (d) => {
      d.n = 1;
    });
    const events: string[] = [];
    repo.subscribe((e) => events.push(e.type));
    repo.forget();
    await store.destroy();
    expect(repo.ids()).toEqual([]);
    expect(repo.pending()).toEqual([]);
    expect(events).toEqual(["forgotten"]);
  });
});

/** A record as IndexedDB holds it (ciphertext and IV), to compare before and after a re-wrap or migration. */
async function rawRecord(u: string, name: string): Promise<{ iv: number[]; data: number[] }> {
  const db = await openDB(databaseName("t", u));
  const sealed = (await db.get("records", name)) as Sealed;
  db.close();
  return { iv: [...sealed.iv], data: [...new Uint8Array(sealed.data)] };
}

describe("a store of the first format (records under a PBKDF2 key of the password)", () => {
  /** Writes a store the way the app did before the data key was wrapped: salt, check, records sealed directly. */
  async function legacyStore(u: string, password: string, records: [string, Uint8Array<ArrayBuffer>][]): Promise<CryptoKey> {
    const db = await openDB(databaseName("t", u), 1, {
      upgrade(db) {
        db.createObjectStore("meta");
        db.createObjectStore("records");
      },
    });
    const salt = randomBytes(16);
    const key = await legacyKey(password, salt, FAST.legacyIterations);
    await db.put("meta", salt, "salt");
    await db.put("meta", await seal(key, new TextEncoder().encode("tovholder-store-v1"), "check"), "check");
    for (const [name, plain] of records) await db.put("records", await seal(key, plain, name), name);
    db.close();
    return key;
  }

  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

  /** A case with an acknowledged change and an unsent one, its acked heads, a cursor, a refusal and a session. */
  function legacyContents() {
    const id = newDocumentId();
    const acked = Automerge.change(Automerge.init<{ notes: string; n: number }>(), (d) => {
      d.notes = "sendt";
    });
    const unsent = Automerge.change(acked, (d) => {
      d.n = 2;
    });
    const session = { api: "http://x", tenant: "t", username: "u", access_token: "jwt", device_id: "dev" };
    const records: [string, Uint8Array<ArrayBuffer>][] = [
      [`doc:${id}`, new Uint8Array(Automerge.save(unsent))],
      [`acked:${id}`, json(Automerge.getHeads(acked))],
      ["cursor", json("17")],
      [`refusal:${id}`, json({ doc: id, kind: "invalid", message: "m", at_ms: 1 })],
      ["session", json(session)],
    ];
    return { id, acked, records, session };
  }

  it("migrates on the next unlock, re-encrypting every record under a new data key and losing nothing", async () => {
    const u = user();
    const { id, acked, records, session } = legacyContents();
    const oldKey = await legacyStore(u, "pw", records);

    const store = await EncryptedStore.unlock("t", u, "pw", FAST);
    const repo = await Repo.open(store);
    expect(repo.get<{ notes: string; n: number }>(id)).toMatchObject({ notes: "sendt", n: 2 });
    expect(repo.ackedHeads(id)).toEqual(Automerge.getHeads(acked));
    expect(repo.pending()).toEqual([id]);
    expect(repo.cursor).toBe(17n);
    expect(repo.refusal(id)?.kind).toBe("invalid");
    expect(await store.loadSession()).toEqual(session);
    store.close();

    // The old format is gone: a wrapped key instead of salt and check, and no record opens under the old key.
    const db = await openDB(databaseName("t", u));
    expect(((await db.getAllKeys("meta")) as string[]).sort()).toEqual(["keyring", "pending"]);
    expect(((await db.getAllKeys("records")) as string[]).sort()).toEqual(records.map(([name]) => name).sort());
    for (const [name] of records) {
      await expect(openSealed(oldKey, (await db.get("records", name)) as Sealed, name)).rejects.toThrow();
    }
    db.close();
    expect(await EncryptedStore.summary("t", u)).toEqual({ documents: 1, pending: 1 });
    // Unlocks again in the new format, and still refuses a wrong password.
    const reopened = await Repo.open(await EncryptedStore.unlock("t", u, "pw", FAST));
    expect(reopened.get<{ n: number }>(id)?.n).toBe(2);
    await expect(EncryptedStore.unlock("t", u, "wrong", FAST)).rejects.toBeInstanceOf(WrongPassword);
  });

  it("refuses a wrong password and leaves the old store untouched", async () => {
    const u = user();
    const { records } = legacyContents();
    await legacyStore(u, "pw", records);
    const before = await rawRecord(u, "session");
    await expect(EncryptedStore.unlock("t", u, "wrong", FAST)).rejects.toMatchObject({ which: "password" });
    const db = await openDB(databaseName("t", u));
    expect(((await db.getAllKeys("meta")) as string[]).sort()).toEqual(["check", "salt"]);
    db.close();
    expect(await rawRecord(u, "session")).toEqual(before);
    // The right one still migrates it.
    (await EncryptedStore.unlock("t", u, "pw", FAST)).close();
  });

  it("migrates with the previous password when the password was changed on the server", async () => {
    const u = user();
    const { id, records } = legacyContents();
    await legacyStore(u, "gammel", records);
    await expect(EncryptedStore.unlock("t", u, "ny", FAST)).rejects.toMatchObject({ which: "password" });
    const store = await EncryptedStore.unlock("t", u, "ny", { ...FAST, previousPassword: "gammel" });
    expect((await Repo.open(store)).pending()).toEqual([id]);
    store.close();
    (await EncryptedStore.unlock("t", u, "ny", FAST)).close();
  });
});
