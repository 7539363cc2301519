// Logging in and unlocking: turns a password into an open, decrypted store, a Repo, a running SyncClient and the
// tenant's FIT rule set.
//
// Online, the server checks the password and issues a token; the same password unwraps the store's data key.
// Offline (or after a reload, when the in-memory key is gone) the password unlocks the store on its own, within
// the maximum offline period, and the stored token is used once the network returns. The password itself is
// never stored. The rules of opening the store are in ./unlock.

import { EncryptedStore, type StoredSession, type StoreSummary } from "../store/idb";
import { DeviceRevoked, SessionExpired, SyncClient } from "../sync/client";
import { Repo } from "../sync/repo";
import { apiOrigin, login, LoginRefused, refresh, RevokedDevice, syncUrl } from "./api";
import { FitRules, httpFitRules } from "./fitrules";
import { httpOpens, onConnected, OpenLog } from "./opens";
import { httpTeam, Team } from "./team";
import { offlineDeadline, openStore, type OpenRequest } from "./unlock";

export interface Running {
  session: StoredSession;
  store: EncryptedStore;
  repo: Repo;
  client: SyncClient;
  /** The openings of cases in this unlocked session, and the queue of those the access log has not received. */
  opens: OpenLog;
  /** The FIT rule set every assessment on the device uses: the tenant's, as last received (see ./fitrules). */
  fitRules: FitRules;
  /** The worker's team, as last received (see ./team): the colleagues the assign form offers. */
  team: Team;
  /** Records that the worker opened `caseId` (its id text) for `purpose`, and sends it at once when online. */
  openCase(caseId: string, purpose: string): Promise<void>;
  /** The access token for an HTTP call, refreshed first when it is about to expire. */
  accessToken(): Promise<string>;
}

export type SignInError = "wrong_password" | "wrong_previous_password" | "refused" | "need_online";

/** Offline, after the maximum offline period: the worker must connect and log in (nothing was deleted). */
export class OfflineExpired {
  constructor(readonly until_ms: number) {}
}

/**
 * The server accepted the password, but the store on this device was locked with the previous one (the password
 * was changed on the server). The store may hold unsent work, so it is never replaced silently: either the
 * previous password re-wraps its key, or the worker, having seen what it holds, discards it.
 */
export class StoreLocked {
  constructor(
    readonly summary: StoreSummary,
    /** Opens the store with the previous password and wraps its key under the new one. */
    readonly withPreviousPassword: (previous: string) => Promise<SignInResult>,
    /** Deletes the store (its unsent changes too) and starts an empty one under the new password. */
    readonly discard: () => Promise<SignInResult>,
  ) {}
}

export type SignInResult = Running | SignInError | OfflineExpired | StoreLocked;

const LAST_USER = "tovholder.lastUser";

/**
 * The last user on this device (tenant, username and the server's id of this device: nothing secret), to offer
 * unlocking after a reload and to continue the same device at the next login.
 */
export function lastUser(): { tenant: string; username: string; device_id?: string } | null {
  const raw = localStorage.getItem(LAST_USER);
  return raw ? (JSON.parse(raw) as { tenant: string; username: string; device_id?: string }) : null;
}

export async function signIn(tenant: string, username: string, password: string): Promise<SignInResult> {
  const api = apiOrigin();
  let online: StoredSession | undefined;
  try {
    const device = `Web ${navigator.platform || "browser"}`;
    // The same user again continues this browser's device, so the server's record of what it holds carries over.
    const previous = lastUser();
    const device_id = previous?.tenant === tenant && previous.username === username ? previous.device_id : undefined;
    const answer = await login(api, { tenant, username, password, device, device_id });
    const now = Date.now();
    online = {
      api,
      tenant,
      username,
      ...answer,
      access_expires_at_ms: now + answer.expires_in * 1000,
      offline_until_ms: offlineDeadline(now, answer.refresh_expires_in),
    };
  } catch (error) {
    if (error instanceof LoginRefused) return "refused";
    // Unreachable: fall through to the offline unlock.
  }
  return open({ tenant, username, password, online, now_ms: Date.now() });
}

async function open(request: OpenRequest): Promise<SignInResult> {
  const opened = await openStore(request);
  switch (opened.kind) {
    case "open":
      return start(opened.store, opened.session);
    case "offline_expired":
      return new OfflineExpired(opened.until_ms);
    case "store_locked":
      return new StoreLocked(
        opened.summary,
        (previous) => open({ ...request, previousPassword: previous }),
        async () => {
          await EncryptedStore.discard(request.tenant, request.username);
          return open(request);
        },
      );
    default:
      return opened.kind;
  }
}

async function start(store: EncryptedStore, s: StoredSession): Promise<Running> {
  localStorage.setItem(LAST_USER, JSON.stringify({ tenant: s.tenant, username: s.username, device_id: s.device_id }));
  const repo = await Repo.open(store);
  const client = new SyncClient(repo, {
    url: syncUrl(s.api, s.tenant),
    token: () => freshToken(s, store),
    device: s.device_id,
    client: "web/0.1",
  });
  void wipeWhenRevoked(client, repo, store, () => localStorage.removeItem(LAST_USER));
  const opens = new OpenLog(store);
  const opensApi = httpOpens(s.api, () => freshToken(s, store));
  // A failed send keeps the queue for the next connection; it fails outright only when the store was closed
  // (locked) or deleted (a revoked device), and then there is nothing left to send.
  const sendOpens = () => void opens.sendOpens(opensApi).catch(() => undefined);
  onConnected(client, sendOpens);
  // The tenant's FIT rule set: the stored one from the start (offline too), a fresh one at each connection.
  const fitRules = new FitRules(store);
  await fitRules.load();
  const fitRulesApi = httpFitRules(s.api, () => freshToken(s, store));
  onConnected(client, () => void fitRules.refresh(fitRulesApi));
  // The team: the stored list from the start (offline too), a fresh one at each connection.
  const team = new Team(store);
  await team.load();
  const teamApi = httpTeam(s.api, () => freshToken(s, store));
  onConnected(client, () => void team.refresh(teamApi));
  client.start();
  return {
    session: s,
    store,
    repo,
    client,
    opens,
    fitRules,
    team,
    async openCase(caseId, purpose) {
      await opens.recordOpen(caseId, purpose, Date.now());
      if (navigator.onLine) sendOpens();
    },
    accessToken: () => freshToken(s, store),
  };
}

/**
 * A revoked device (lost or stolen) deletes the citizens' cases it holds, unsent changes included: they can no
 * longer reach the server, and keeping them is the risk revocation removes. The documents go from memory as well
 * as from the store, so the screens empty at once instead of at the next reload. Resolves once the store is gone.
 */
export function wipeWhenRevoked(client: SyncClient, repo: Repo, store: EncryptedStore, forgetUser: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let wiped = false;
    const unsubscribe = client.onStatus((status) => {
      if (wiped || status.problem !== "revoked") return;
      wiped = true;
      // onStatus calls back at once with the current status, before `unsubscribe` is assigned.
      queueMicrotask(() => unsubscribe());
      forgetUser();
      repo.forget();
      store.destroy().then(resolve, reject);
    });
  });
}

let refreshing: Promise<string> | null = null;

/**
 * The access token, refreshed first when it is about to expire. Refresh tokens rotate and a reused one revokes
 * the device, so only one refresh is ever in flight and the new pair is stored before it is used.
 */
function freshToken(session: StoredSession, store: EncryptedStore): Promise<string> {
  const expiresAt = session.access_expires_at_ms ?? Infinity;
  if (!session.refresh_token || Date.now() < expiresAt - 60_000) return Promise.resolve(session.access_token);
  refreshing ??= (async () => {
    try {
      const answer = await refresh(session.api, session.refresh_token!);
      session.access_token = answer.access_token;
      session.refresh_token = answer.refresh_token;
      const now = Date.now();
      session.access_expires_at_ms = now + answer.expires_in * 1000;
      // A refresh is contact with the server: the offline period starts again from here.
      session.offline_until_ms = offlineDeadline(now, answer.refresh_expires_in);
      await store.saveSession(session);
      return session.access_token;
    } catch (error) {
      // Refused: the maximum offline period passed or the device was revoked; a login is needed. Unreachable:
      // try the old token, the connection fails, and the client retries later.
      if (error instanceof RevokedDevice) throw new DeviceRevoked();
      if (error instanceof LoginRefused) throw new SessionExpired();
      return session.access_token;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}
