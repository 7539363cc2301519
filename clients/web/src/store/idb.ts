// The device's store in IndexedDB (via `idb`): one database per user on this device, every record encrypted with
// the key from ./crypto. Only the salt and a check value are kept in the clear, so that the password can be
// verified offline before anything is decrypted. Record keys hold document ids, which are random and say
// nothing about the citizen.

import { deleteDB, openDB, type IDBPDatabase } from "idb";
import type { Persistence, Refusal, StoredDoc } from "../sync/repo";
import { deriveKey, openJson, open as openSealed, randomBytes, seal, sealJson, type Sealed } from "./crypto";

const CHECK = "tovholder-store-v1";

/** The session kept for offline use: the token is encrypted like everything else. */
export interface StoredSession {
  api: string;
  tenant: string;
  username: string;
  access_token: string;
  /** When the access token expires (ms since the epoch), to refresh it before connecting. */
  access_expires_at_ms?: number;
  refresh_token?: string;
  device_id: string;
  user: { id: string; username: string; role: string; tenant: string; tenant_slug: string; team_id: string | null };
}

export class WrongPassword extends Error {
  constructor() {
    super("the password does not unlock this device's store");
    this.name = "WrongPassword";
  }
}

export function databaseName(tenant: string, username: string): string {
  return `tovholder:${tenant}:${username}`;
}

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
   * Opens (or creates) the user's store and derives its key from the password. A wrong password is detected
   * by the check record and throws WrongPassword before any record is touched.
   */
  static async unlock(tenant: string, username: string, password: string, iterations?: number): Promise<EncryptedStore> {
    const db = await openDB(databaseName(tenant, username), 1, {
      upgrade(db) {
        db.createObjectStore("meta");
        db.createObjectStore("records");
      },
    });
    let salt = (await db.get("meta", "salt")) as Uint8Array<ArrayBuffer> | undefined;
    if (!salt) {
      salt = randomBytes(16);
      await db.put("meta", salt, "salt");
    }
    const key = await deriveKey(password, salt, iterations);
    const check = (await db.get("meta", "check")) as Sealed | undefined;
    if (check) {
      try {
        await openSealed(key, check, "check");
      } catch {
        db.close();
        throw new WrongPassword();
      }
    } else {
      await db.put("meta", await seal(key, new TextEncoder().encode(CHECK), "check"), "check");
    }
    return new EncryptedStore(db, key);
  }

  close(): void {
    this.db.close();
  }

  /** Deletes the whole store (a revoked device): documents, unsent changes, session. */
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
