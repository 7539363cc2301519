// Opening the user's store at sign-in, and the rule that decides whether it may be opened offline: the password
// alone opens the store only until the maximum offline period has passed since the last login or refresh
// (DOMAIN.md, lost phones: "a device must re-authenticate after a maximum offline period"). After that the worker
// must connect and log in; nothing on the phone is deleted.
//
// No I/O besides the store, and the clock is a parameter, so the rule is unit-tested (tests/unlock.test.ts).

import { EncryptedStore, WrongPassword, type StoredSession, type UnlockOptions } from "../store/idb";

/** The server's default maximum offline period, for a login answer that does not state one. */
export const DEFAULT_MAX_OFFLINE_MS = 14 * 24 * 60 * 60 * 1000;

export type Opened =
  | { kind: "open"; store: EncryptedStore; session: StoredSession }
  /** The password does not open the store. */
  | { kind: "wrong_password" }
  /** Offline, and this device has no session for the user: the first login needs the server. */
  | { kind: "need_online" }
  /** Offline, and the maximum offline period has passed (`until_ms`): a login with the server is needed. */
  | { kind: "offline_expired"; until_ms: number };

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
    store = await EncryptedStore.unlock(tenant, username, password, request.unlock);
  } catch (error) {
    if (error instanceof WrongPassword) return { kind: "wrong_password" };
    throw error;
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
