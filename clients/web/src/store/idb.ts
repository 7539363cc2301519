// The device's store in IndexedDB (via `idb`): one database per user on this device, every record encrypted with
// the data key from ./crypto. In the clear are only what unlocking needs before anything can be decrypted (the
// argon2id salt and parameters and the wrapped data key) and the number of documents holding unsent changes (so
// that a store whose password was changed on the server can say what discarding it would lose). Record keys hold
// document ids, which are random and say nothing about the citizen.

import { deleteDB, openDB, type IDBPDatabase } from "idb";
import type { Persistence, Refusal, StoredDoc } from "../sync/repo";
import {
  ARGON2ID,
  legacyKey,
  newDataKey,
  openJson,
  open as openSealed,
  passwordKey,
  randomBytes,
  seal,
  sealJson,
  unwrapDataKey,
  wrapDataKey,
  type KdfParams,
  type Sealed,
} from "./crypto";

/** The first format's check value: the plaintext sealed under the PBKDF2 key in `meta/check`. */
const LEGACY_CHECK = "tovholder-store-v1";

/** The wrapped data key and how to derive the key that unwraps it (`meta/keyring`). */
interface Keyring {
  version: 2;
  kdf: KdfParams;
  salt: Uint8Array<ArrayBuffer>;
  wrapped: Sealed;
}

/** The session kept for offline use: the token is encrypted like everything else. */
export interface StoredSession {
  api: string;
  tenant: string;
  username: string;
  access_token: string;
  /** When the access token expires (ms since the epoch), to refresh it before connecting. */
  access_expires_at_ms?: number;
  refresh_token?: string;
  /**
   * Until when (ms since the epoch) the store may be unlocked without the server: the last login or refresh plus
   * the server's maximum offline period (`refresh_expires_in`), which is also when the refresh token expires.
   */
  offline_until_ms?: number;
  device_id: string;
  user: { id: string; username: string; role: string; tenant: string; tenant_slug: string; team_id: string | null };
}

/**
 * The password does not open the store. `which` says which one was tried: the password (at an ordinary unlock)
 * or the previous password (typed to re-wrap the key after a password change on the server).
 */
export class WrongPassword extends Error {
  constructor(readonly which: "password" | "previous" = "password") {
    super("the password does not unlock this device's store");
    this.name = "WrongPassword";
  }
}

export interface UnlockOptions {
  /**
   * The password the store was last locked with, when the server now knows another one: the data key is
   * unwrapped with it and wrapped again under `password`.
   */
  previousPassword?: string;
  /** argon2id parameters for a new wrapping; tests pass cheaper ones. */
  kdf?: KdfParams;
  /** PBKDF2 iterations of a store in the first format; tests pass fewer. */
  legacyIterations?: number;
}

/** What a store holds, readable without its key. */
export interface StoreSummary {
  documents: number;
  /** Documents with changes the server has not acknowledged; `null` when the store has not recorded it. */
  pending: number | null;
}

export function databaseName(tenant: string, username: string): string {
  return `tovholder:${tenant}:${username}`;
}

/**
 * The database's schema version: 1 has `meta` (in the clear) and `records` (sealed); 2 adds `opens`, the queue of
 * case openings the access log has not received yet (see ../app/opens), sealed like the records. It is a store of
 * its own so that listing the queue reads only the queue, not every document.
 */
const SCHEMA_VERSION = 2;

function openStoreDb(name: string): Promise<IDBPDatabase> {
  return openDB(name, SCHEMA_VERSION, {
    // Each step runs once, in order, so a database of any earlier version (or none) reaches the current one and
    // keeps what it holds.
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore("meta");
        db.createObjectStore("records");
      }
      if (oldVersion < 2) db.createObjectStore("opens");
    },
  });
}

/** A case opened on this device, as POST /v1/access/opens takes it: the case's id text, the purpose, when. */
export interface Opening {
  case_id: string;
  purpose: string;
  at_ms: number;
}

const sameKdf = (a: KdfParams, b: KdfParams) =>
  a.name === b.name && a.memoryKiB === b.memoryKiB && a.iterations === b.iterations && a.parallelism === b.parallelism;

export class EncryptedStore implements Persistence {
  private constructor(
    private readonly db: IDBPDatabase,
    private readonly key: CryptoKey,
  ) {}

  /** Whether this device has a store for the user (so an offline unlock is possible). */
  static async exists(tenant: string, username: string): Promise<boolean> {
    const dbs = (await indexedDB.databases?.()) ?? [];
    return dbs.some((d) => d.name === databaseName(tenant, username));
  }

  /**
   * Opens (or creates) the user's store and unwraps its data key with the password. A wrong password fails the
   * unwrapping (or, in the first format, the check record) and throws WrongPassword before any record is read.
   *
   * A store in the first format (records encrypted directly under a PBKDF2 key of the password) is migrated
   * here: every record is decrypted with the old key and sealed again under a new data key, and all of it is
   * written in one IndexedDB transaction, so an interrupted migration leaves the old store whole.
   */
  static async unlock(tenant: string, username: string, password: string, options: UnlockOptions = {}): Promise<EncryptedStore> {
    const kdf = options.kdf ?? ARGON2ID;
    const db = await openStoreDb(databaseName(tenant, username));
    try {
      const keyring = (await db.get("meta", "keyring")) as Keyring | undefined;
      let key: CryptoKey;
      if (keyring) key = await EncryptedStore.openKeyring(db, keyring, password, options.previousPassword, kdf);
      else if (await db.get("meta", "check")) key = await EncryptedStore.migrate(db, password, options, kdf);
      else key = await EncryptedStore.create(db, password, kdf);
      return new EncryptedStore(db, key);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** A new store: a fresh data key, wrapped under the password. */
  private static async create(db: IDBPDatabase, password: string, kdf: KdfParams): Promise<CryptoKey> {
    const { keyring, key } = await EncryptedStore.wrapNew(await newDataKey(), password, kdf);
    await db.put("meta", keyring, "keyring");
    return key;
  }

  /**
   * Wraps `extractable` (a data key) under a key derived from `password` with a fresh salt; returns the keyring to
   * store and the non-extractable copy of the data key to use.
   */
  private static async wrapNew(extractable: CryptoKey, password: string, kdf: KdfParams): Promise<{ keyring: Keyring; key: CryptoKey }> {
    const salt = randomBytes(16);
    const kek = await passwordKey(password, salt, kdf);
    const wrapped = await wrapDataKey(kek, extractable);
    return { keyring: { version: 2, kdf, salt, wrapped }, key: await unwrapDataKey(kek, wrapped) };
  }

  private static async openKeyring(
    db: IDBPDatabase,
    keyring: Keyring,
    password: string,
    previous: string | undefined,
    kdf: KdfParams,
  ): Promise<CryptoKey> {
    const secret = previous ?? password;
    const kek = await passwordKey(secret, keyring.salt, keyring.kdf);
    // Re-wrap when the password changed, or when the stored wrapping used other argon2id parameters than the
    // app's current ones (so raising them later reaches every store at its next unlock).
    const rewrap = previous !== undefined || !sameKdf(keyring.kdf, kdf);
    let dataKey: CryptoKey;
    try {
      dataKey = await unwrapDataKey(kek, keyring.wrapped, rewrap);
    } catch {
      throw new WrongPassword(previous === undefined ? "password" : "previous");
    }
    if (!rewrap) return dataKey;
    const next = await EncryptedStore.wrapNew(dataKey, password, kdf);
    await db.put("meta", next.keyring, "keyring");
    return next.key;
  }

  /** The first format → a wrapped data key, every record sealed again (see `unlock`). */
  private static async migrate(db: IDBPDatabase, password: string, options: UnlockOptions, kdf: KdfParams): Promise<CryptoKey> {
    const salt = (await db.get("meta", "salt")) as Uint8Array<ArrayBuffer>;
    const check = (await db.get("meta", "check")) as Sealed;
    const old = await legacyKey(options.previousPassword ?? password, salt, options.legacyIterations);
    try {
      const plain = new TextDecoder().decode(await openSealed(old, check, "check"));
      if (plain !== LEGACY_CHECK) throw new Error("unexpected check value");
    } catch {
      throw new WrongPassword(options.previousPassword === undefined ? "password" : "previous");
    }
    const extractable = await newDataKey();
    // Decrypt and re-encrypt outside the transaction: an IndexedDB transaction commits by itself as soon as it
    // waits on anything but its own requests, and WebCrypto is such a wait.
    const names = (await db.getAllKeys("records")) as string[];
    const resealed: [string, Sealed][] = [];
    for (const name of names) {
      const sealed = (await db.get("records", name)) as Sealed;
      resealed.push([name, await seal(extractable, await openSealed(old, sealed, name), name)]);
    }
    const { keyring, key } = await EncryptedStore.wrapNew(extractable, password, kdf);
    const tx = db.transaction(["meta", "records"], "readwrite");
    const records = tx.objectStore("records");
    const meta = tx.objectStore("meta");
    await Promise.all([
      ...resealed.map(([name, sealed]) => records.put(sealed, name)),
      meta.put(keyring, "keyring"),
      meta.delete("salt"),
      meta.delete("check"),
      tx.done,
    ]);
    return key;
  }

  /**
   * How many documents the user's store holds, and how many of them hold unsent changes, without its key: what
   * the app shows before it offers to discard a store it cannot open.
   */
  static async summary(tenant: string, username: string): Promise<StoreSummary> {
    const db = await openStoreDb(databaseName(tenant, username));
    try {
      const keys = (await db.getAllKeys("records")) as string[];
      const pending = (await db.get("meta", "pending")) as number | undefined;
      return { documents: keys.filter((k) => k.startsWith("doc:")).length, pending: pending ?? null };
    } finally {
      db.close();
    }
  }

  /** Deletes a store that cannot be opened, at the worker's explicit choice (see `summary`). */
  static async discard(tenant: string, username: string): Promise<void> {
    await deleteDB(databaseName(tenant, username));
  }

  close(): void {
    this.db.close();
  }

  /** Deletes the whole store (a revoked device): documents, unsent changes, session, unreported openings. */
  async destroy(): Promise<void> {
    const name = this.db.name;
    this.db.close();
    await deleteDB(name);
  }

  private async put(name: string, value: unknown) {
    await this.db.put("records", await sealJson(this.key, value, name), name);
  }

  private async get<T>(name: string): Promise<T | undefined> {
    const sealed = (await this.db.get("records", name)) as Sealed | undefined;
    return sealed ? openJson<T>(this.key, sealed, name) : undefined;
  }

  async saveSession(session: StoredSession): Promise<void> {
    await this.put("session", session);
  }

  async loadSession(): Promise<StoredSession | undefined> {
    return this.get<StoredSession>("session");
  }

  async loadAll(): Promise<{ docs: StoredDoc[]; cursor: string | null; refusals: Refusal[] }> {
    const keys = (await this.db.getAllKeys("records")) as string[];
    const docs: StoredDoc[] = [];
    const refusals: Refusal[] = [];
    for (const k of keys) {
      if (k.startsWith("doc:")) {
        const id = k.slice(4);
        const sealed = (await this.db.get("records", k)) as Sealed;
        const bytes = await openSealed(this.key, sealed, k);
        docs.push({ id, bytes, acked: (await this.get<string[]>(`acked:${id}`)) ?? [] });
      } else if (k.startsWith("refusal:")) {
        const r = await this.get<Refusal>(k);
        if (r) refusals.push(r);
      }
    }
    return { docs, cursor: (await this.get<string>("cursor")) ?? null, refusals };
  }

  async putDoc(id: string, bytes: Uint8Array): Promise<void> {
    const name = `doc:${id}`;
    await this.db.put("records", await seal(this.key, new Uint8Array(bytes), name), name);
  }

  async putAcked(id: string, heads: string[]): Promise<void> {
    await this.put(`acked:${id}`, heads);
  }

  async putCursor(cursor: string | null): Promise<void> {
    await this.put("cursor", cursor);
  }

  async putRefusal(refusal: Refusal): Promise<void> {
    await this.put(`refusal:${refusal.doc}`, refusal);
  }

  async deleteRefusal(doc: string): Promise<void> {
    await this.db.delete("records", `refusal:${doc}`);
  }

  /**
   * The tenant's FIT rule set as the server last sent it (../app/fitrules), so that assessing offline after a
   * reload uses the same rules as the server. Sealed like every record, although it holds no citizen data.
   */
  async putFitRules(value: unknown): Promise<void> {
    await this.put("fit-rules", value);
  }

  /** The stored rule set, unread: the caller reads it as it would read the server's answer. */
  async loadFitRules(): Promise<unknown> {
    return this.get<unknown>("fit-rules");
  }

  /**
   * The team's members as the server last sent them (../app/team), so that a colleague can be put on a case
   * offline after a reload. Sealed like every record.
   */
  async putTeam(value: unknown): Promise<void> {
    await this.put("team", value);
  }

  /** The stored team, unread: the caller reads it as it would read the server's answer. */
  async loadTeam(): Promise<unknown> {
    return this.get<unknown>("team");
  }

  async putPendingCount(count: number): Promise<void> {
    await this.db.put("meta", count, "pending");
  }

  /**
   * Queues an opening under a fresh random key (two openings of the same case at the same millisecond are two
   * entries) and returns the key. Sealed and bound to its key like every record.
   */
  async putOpening(opening: Opening): Promise<string> {
    const name = `open:${crypto.randomUUID()}`;
    await this.db.put("opens", await sealJson(this.key, opening, name), name);
    return name;
  }

  /** The queued openings with their keys, oldest first. */
  async loadOpenings(): Promise<{ key: string; opening: Opening }[]> {
    const keys = (await this.db.getAllKeys("opens")) as string[];
    const out: { key: string; opening: Opening }[] = [];
    for (const key of keys) {
      const sealed = (await this.db.get("opens", key)) as Sealed | undefined;
      if (sealed) out.push({ key, opening: await openJson<Opening>(this.key, sealed, key) });
    }
    return out.sort((a, b) => a.opening.at_ms - b.opening.at_ms || (a.key < b.key ? -1 : 1));
  }

  /** Removes exactly these openings from the queue, in one transaction. */
  async deleteOpenings(keys: string[]): Promise<void> {
    const tx = this.db.transaction("opens", "readwrite");
    await Promise.all([...keys.map((key) => tx.store.delete(key)), tx.done]);
  }

  async deleteDoc(id: string): Promise<void> {
    const tx = this.db.transaction("records", "readwrite");
    await Promise.all([
      tx.store.delete(`doc:${id}`),
      tx.store.delete(`acked:${id}`),
      tx.store.delete(`refusal:${id}`),
      tx.done,
    ]);
  }
}
