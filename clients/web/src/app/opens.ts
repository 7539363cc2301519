// Why the worker opened a case, for the server's access log (DOMAIN.md: every read of a case is logged with its
// purpose). The phone shows the cases it holds without asking the server, often with no signal, so each opening
// (case, purpose, when) is queued in the encrypted store and sent to POST /v1/access/opens at the next connection;
// the server turns each into a `read` row. The purpose chosen for a case is also remembered for the rest of the
// unlocked session, so the worker is asked once per case, not at every re-render; a new unlock asks again.
//
// Sending is at least once: an opening leaves the queue only after the server has answered for it, so an answer
// lost on the way back sends it again (one more row in the log, never one fewer). A purge leaves a case's queued
// openings alone: they hold no case content, and the server answers for an opening of a case the user no longer
// sees by skipping it, so it leaves the queue at the next send all the same. A wipe deletes the queue with the store.

import { OPEN_PURPOSES } from "../case/model";
import type { EncryptedStore, Opening } from "../store/idb";

/** At most this many openings per request (the server's `MAX_OPENS`). */
export const MAX_BATCH = 500;

/** The queue's part of the store, so that tests can count what it holds. */
export type OpeningsStore = Pick<EncryptedStore, "putOpening" | "loadOpenings" | "deleteOpenings">;

/** Posts one batch; resolves to the HTTP status, rejects when the server cannot be reached. */
export interface OpensApi {
  post(batch: Opening[]): Promise<number>;
}

/** What one `sendOpens` did: sent (the server answered 200), dropped (refused for good), kept for next time. */
export interface SendOutcome {
  sent: number;
  dropped: number;
  kept: number;
}

/**
 * Answers that say the server will never take this batch as it is (a malformed body, an unknown purpose, a batch
 * too large): sending it again would fail again at every connection, and the openings behind it would be stuck
 * forever, so it is dropped. Anything else (401 until the next login, 429, 5xx, a server without the route yet)
 * may pass later, so the batch is kept.
 */
const REFUSED_FOR_GOOD = new Set([400, 413, 422]);

export class OpenLog {
  private readonly purposes = new Map<string, string>();
  private sending: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: OpeningsStore) {}

  /** The purpose chosen for `caseId` (the case's id text) in this unlocked session, if any. */
  purposeOf(caseId: string): string | undefined {
    return this.purposes.get(caseId);
  }

  /**
   * Queues an opening of `caseId` (its id text, as the server names cases) with `purpose` at `atMs` (this
   * device's clock) and remembers the purpose for the session. The purpose counts as chosen only once the
   * opening is stored: a case is not shown with its read left out of the log.
   */
  async recordOpen(caseId: string, purpose: string, atMs: number): Promise<void> {
    if (!OPEN_PURPOSES.some((p) => p.code === purpose)) throw new Error(`unknown purpose ${purpose}`);
    await this.store.putOpening({ case_id: caseId, purpose, at_ms: atMs });
    this.purposes.set(caseId, purpose);
  }

  /**
   * Sends the queued openings in batches of at most MAX_BATCH and deletes exactly the ones the server answered
   * for. Sends run one after another: two at once would read the same queue and log its openings twice.
   */
  sendOpens(api: OpensApi): Promise<SendOutcome> {
    const run = this.sending.catch(() => undefined).then(() => this.sendQueued(api));
    this.sending = run;
    return run;
  }

  private async sendQueued(api: OpensApi): Promise<SendOutcome> {
    const queued = await this.store.loadOpenings();
    const outcome: SendOutcome = { sent: 0, dropped: 0, kept: 0 };
    for (let start = 0; start < queued.length; start += MAX_BATCH) {
      const batch = queued.slice(start, start + MAX_BATCH);
      let status: number;
      try {
        status = await api.post(batch.map((q) => q.opening));
      } catch {
        // Unreachable (or no token until the next login): everything from here waits for the next connection.
        outcome.kept = queued.length - start;
        return outcome;
      }
      if (status !== 200 && !REFUSED_FOR_GOOD.has(status)) {
        outcome.kept = queued.length - start;
        return outcome;
      }
      await this.store.deleteOpenings(batch.map((q) => q.key));
      if (status === 200) outcome.sent += batch.length;
      else outcome.dropped += batch.length;
    }
    return outcome;
  }
}

/** POST /v1/access/opens on `origin` with the access token `token()` gives (refreshed when it is about to expire). */
export function httpOpens(origin: string, token: () => Promise<string>): OpensApi {
  return {
    async post(batch) {
      const response = await fetch(`${origin}/v1/access/opens`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${await token()}` },
        body: JSON.stringify({ opens: batch }),
      });
      return response.status;
    },
  };
}

/** The sync client's status, as far as noticing a new connection needs it. */
export interface StatusSource {
  onStatus(listener: (status: { phase: string }) => void): () => void;
}

/**
 * Calls `send` each time the sync connects (its phase becomes `syncing` or `saved` from anything else): the moment
 * the app knows the server is reachable, so openings made offline go out at the next connection.
 */
export function onConnected(client: StatusSource, send: () => void): () => void {
  let connected = false;
  return client.onStatus(({ phase }) => {
    const now = phase === "syncing" || phase === "saved";
    if (now && !connected) send();
    connected = now;
  });
}
