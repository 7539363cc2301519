// Opening the user's store at sign-in, and the two rules that decide whether it may be opened:
//
// - Offline, the password alone opens the store only until the maximum offline period has passed since the last
//   login or refresh (DOMAIN.md, lost phones: "a device must re-authenticate after a maximum offline period").
//   After that the worker must connect and log in; nothing on the phone is deleted.
// - Online, a password the server accepted but that does not open the store means the password was changed on
//   the server. The store still holds the worker's unsent work, so it is not replaced: the caller asks for the
//   previous password once (to re-wrap the data key), or discards the store only at the worker's explicit choice.
//
// No I/O besides the store, and the clock is a parameter, so the rules are unit-tested (tests/unlock.test.ts).

import { EncryptedStore, WrongPassword, type StoreSummary, type StoredSession, type UnlockOptions } from "../store/idb";

/** The server's default maximum offline period, for a login answer that does not state one. */
export const DEFAULT_MAX_OFFLINE_MS = 14 * 24 * 60 * 60 * 1000;

export type Opened =
  | { kind: "open"; store: EncryptedStore; session: StoredSession }
  /** Offline, and the password does not open the store. */
  | { kind: "wrong_password" }
  /** The previous password, typed to re-wrap, does not open the store either. */
  | { kind: "wrong_previous_password" }
  /** Offline, and this device has no session for the user: the first login needs the server. */
  | { kind: "need_online" }
  /** Offline, and the maximum offline period has passed (`until_ms`): a login with the server is needed. */
  | { kind: "offline_expired"; until_ms: number }
  /** The server accepted the password, but the store was locked with another one (changed on the server). */
  | { kind: "store_locked"; summary: StoreSummary };

/**
 * Until when the store may be unlocked offline. A session stored before the app recorded it falls back to the
 * access token's expiry (set at the same login or refresh, a quarter of an hour after it) plus the server's
 * default period, and a session with neither is not unlocked offline at all.
 */
export function offlineUntil(session: StoredSession): number {
  if (session.offline_until_ms !== undefined) return session.offline_until_ms;
  if (session.access_expires_at_ms !== undefined) return session.access_expires_at_ms + DEFAULT_MAX_OFFLINE_MS;
  return 0;
}

/** The offline deadline after a successful login or refresh at `now_ms`. */
export function offlineDeadline(now_ms: number, refresh_expires_in_s: number | undefined): number {
  return now_ms + (refresh_expires_in_s !== undefined ? refresh_expires_in_s * 1000 : DEFAULT_MAX_OFFLINE_MS);
}

export interface OpenRequest {
  tenant: string;
  username: string;
  password: string;
  /** Typed by the worker after a `store_locked` answer, to re-wrap the store's key under `password`. */
  previousPassword?: string;
  /** The session the server just issued, or `undefined` when the server could not be reached. */
  online?: StoredSession;
  now_ms: number;
  /** For tests: cheaper key derivation. */
  unlock?: UnlockOptions;
}

export async function openStore(request: OpenRequest): Promise<Opened> {
  const { tenant, username, password, online } = request;
  // Offline, a store is never created: it would be locked with whatever was typed, unchecked by the server.
  if (!online && !(await EncryptedStore.exists(tenant, username))) return { kind: "need_online" };
  let store: EncryptedStore;
  try {
    store = await EncryptedStore.unlock(tenant, username, password, {
      ...request.unlock,
      previousPassword: request.previousPassword,
    });
  } catch (error) {
    if (!(error instanceof WrongPassword)) throw error;
    if (error.which === "previous") return { kind: "wrong_previous_password" };
    if (!online) return { kind: "wrong_password" };
    const summary = await EncryptedStore.summary(tenant, username);
    if (summary.documents > 0) return { kind: "store_locked", summary };
    // A store without documents holds nothing of the worker's (its session is replaced by this login anyway):
    // start it afresh under the password the server accepted rather than ask for an old one.
    await EncryptedStore.discard(tenant, username);
    return openStore({ ...request, previousPassword: undefined });
  }
  if (online) {
    await store.saveSession(online);
    return { kind: "open", store, session: online };
  }
  const session = await store.loadSession();
  if (!session) {
    store.close();
    return { kind: "need_online" };
  }
  const until = offlineUntil(session);
  if (request.now_ms >= until) {
    store.close();
    return { kind: "offline_expired", until_ms: until };
  }
  return { kind: "open", store, session };
}
