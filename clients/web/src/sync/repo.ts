// The device's documents in memory, written through to a Persistence (IndexedDB in the app, memory in tests).
//
// Invariant (PROTOCOL.md section 7): a change is persisted before anything can send it. `change` and `update`
// await the write before they notify listeners, and the SyncClient only generates sync messages from listeners
// or from documents already stored, so an unacknowledged change always survives a reload.

import * as Automerge from "@automerge/automerge";

export type RefusalKind = "not_found" | "invalid" | "write_forbidden";

export interface Refusal {
  doc: string;
  kind: RefusalKind;
  /** The server's message: safe to show, never citizen data (PROTOCOL.md section 4). */
  message: string;
  at_ms: number;
}

export interface StoredDoc {
  id: string;
  bytes: Uint8Array;
  acked: string[];
}

/** Where the repo keeps its state between sessions. Every method resolves once the write is durable. */
export interface Persistence {
  loadAll(): Promise<{ docs: StoredDoc[]; cursor: string | null; refusals: Refusal[] }>;
  putDoc(id: string, bytes: Uint8Array): Promise<void>;
  putAcked(id: string, heads: string[]): Promise<void>;
  putCursor(cursor: string | null): Promise<void>;
  putRefusal(refusal: Refusal): Promise<void>;
  deleteRefusal(doc: string): Promise<void>;
  /** Deletes the document with its acked heads and refusal (a Purge). */
  deleteDoc(id: string): Promise<void>;
  /**
   * Records how many documents hold unacknowledged changes. The encrypted store keeps this one number readable
   * without its key, so that a store the worker cannot open still says how much unsent work discarding it loses.
   */
  putPendingCount(count: number): Promise<void>;
}

export type RepoEvent =
  | { type: "doc"; id: string; local: boolean }
  | { type: "acked"; id: string }
  | { type: "purged"; id: string }
  | { type: "purge-deferred"; id: string }
  | { type: "refused"; id: string }
  | { type: "cursor" }
  | { type: "forgotten" };

const sameHeads = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((h, i) => h === [...b].sort()[i]);

export class Repo {
  private readonly docs = new Map<string, Automerge.Doc<unknown>>();
  private readonly acked = new Map<string, string[]>();
  private readonly refusals = new Map<string, Refusal>();
  private listeners = new Set<(event: RepoEvent) => void>();
  private lock: Promise<void> = Promise.resolve();
  /** The pending count last written to the persistence (`null`: not yet written in this session). */
  private recordedPending: number | null = null;
  cursor: bigint | null = null;

  private constructor(private readonly persistence: Persistence) {}

  static async open(persistence: Persistence): Promise<Repo> {
    const repo = new Repo(persistence);
    const state = await persistence.loadAll();
    for (const d of state.docs) {
      repo.docs.set(d.id, Automerge.load(d.bytes));
      repo.acked.set(d.id, d.acked);
    }
    for (const r of state.refusals) repo.refusals.set(r.doc, r);
    repo.cursor = state.cursor === null ? null : BigInt(state.cursor);
    await repo.recordPending();
    return repo;
  }

  subscribe(listener: (event: RepoEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: RepoEvent) {
    for (const l of this.listeners) l(event);
  }

  ids(): string[] {
    return [...this.docs.keys()];
  }

  get<T>(id: string): Automerge.Doc<T> | undefined {
    return this.docs.get(id) as Automerge.Doc<T> | undefined;
  }

  ackedHeads(id: string): string[] {
    return this.acked.get(id) ?? [];
  }

  /** Documents with changes the server has not acknowledged: the "n waiting" of the sync indicator. */
  pending(): string[] {
    return this.ids().filter((id) => {
      const doc = this.docs.get(id)!;
      const heads = Automerge.getHeads(doc);
      return heads.length > 0 && !sameHeads(heads, this.ackedHeads(id));
    });
  }

  /** Writes the pending count through when it changed (one small write on the first edit and on each Ack). */
  private async recordPending(): Promise<void> {
    const count = this.pending().length;
    if (count === this.recordedPending) return;
    await this.persistence.putPendingCount(count);
    this.recordedPending = count;
  }

  refusal(id: string): Refusal | undefined {
    return this.refusals.get(id);
  }

  allRefusals(): Refusal[] {
    return [...this.refusals.values()];
  }

  /** A local edit: made, persisted, then announced (so the SyncClient sends it only once it is stored). */
  async change<T>(id: string, edit: Automerge.ChangeFn<T>, message?: string): Promise<Automerge.Doc<T>> {
    return (await this.update(
      id,
      (before) => {
        const doc = (before as Automerge.Doc<T> | undefined) ?? Automerge.init<T>();
        return message ? Automerge.change(doc, message, edit) : Automerge.change(doc, edit);
      },
      true,
    )) as Automerge.Doc<T>;
  }

  /**
   * Replaces a document with `fn(current)` under the repo's lock, persisting it when its heads moved.
   *
   * automerge documents are immutable snapshots and an outdated one cannot be changed again, so every update
   * must start from the newest: the lock makes edits from the UI and from sync take turns. The map is updated
   * only after the write, so whatever the SyncClient reads from it is already stored.
   */
  update(
    id: string,
    fn: (current: Automerge.Doc<unknown> | undefined) => Automerge.Doc<unknown>,
    local = false,
  ): Promise<Automerge.Doc<unknown>> {
    const run = async () => {
      const before = this.docs.get(id);
      const after = fn(before);
      const moved = !before || !sameHeads(Automerge.getHeads(before), Automerge.getHeads(after));
      if (moved && Automerge.getHeads(after).length > 0) {
        await this.persistence.putDoc(id, Automerge.save(after));
        this.docs.set(id, after);
        await this.recordPending();
        this.emit({ type: "doc", id, local });
      } else {
        this.docs.set(id, after);
      }
      return after;
    };
    const result = this.lock.then(run);
    this.lock = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Holds an empty document in memory only: nothing worth persisting until its first change arrives. */
  ensure(id: string): Automerge.Doc<unknown> {
    let doc = this.docs.get(id);
    if (!doc) {
      doc = Automerge.init();
      this.docs.set(id, doc);
    }
    return doc;
  }

  async setAcked(id: string, heads: string[]): Promise<void> {
    if (!this.docs.has(id)) return;
    await this.persistence.putAcked(id, heads);
    this.acked.set(id, heads);
    if (this.refusals.has(id)) {
      await this.persistence.deleteRefusal(id);
      this.refusals.delete(id);
    }
    await this.recordPending();
    this.emit({ type: "acked", id });
  }

  async setCursor(cursor: bigint): Promise<void> {
    await this.persistence.putCursor(cursor.toString());
    this.cursor = cursor;
    this.emit({ type: "cursor" });
  }

  async refuse(refusal: Refusal): Promise<void> {
    await this.persistence.putRefusal(refusal);
    this.refusals.set(refusal.doc, refusal);
    this.emit({ type: "refused", id: refusal.doc });
  }

  /**
   * A Purge (docs/PROTOCOL.md §10): deletes the document with its acked heads and refusal, unless it holds changes
   * the server has not acknowledged. Those are the worker's unsent work: the document is kept, listed in the next
   * Hello's manifest, and the server sends the Purge again once it holds them. Returns whether it was deleted.
   */
  async purge(id: string): Promise<boolean> {
    if (this.pending().includes(id)) {
      this.emit({ type: "purge-deferred", id });
      return false;
    }
    await this.persistence.deleteDoc(id);
    this.docs.delete(id);
    this.acked.delete(id);
    this.refusals.delete(id);
    this.emit({ type: "purged", id });
    return true;
  }

  /**
   * Drops every document from memory without touching the persistence: for a revoked device, whose store is
   * deleted as a whole, so that nothing of the citizens' cases stays on screen until the next reload.
   */
  forget(): void {
    this.docs.clear();
    this.acked.clear();
    this.refusals.clear();
    this.cursor = null;
    this.emit({ type: "forgotten" });
  }
}

/** Persistence in memory: for tests, and for a session whose store could not be opened. */
export class MemoryPersistence implements Persistence {
  docs = new Map<string, Uint8Array>();
  acked = new Map<string, string[]>();
  cursor: string | null = null;
  refusals = new Map<string, Refusal>();

  async loadAll() {
    return {
      docs: [...this.docs].map(([id, bytes]) => ({ id, bytes, acked: this.acked.get(id) ?? [] })),
      cursor: this.cursor,
      refusals: [...this.refusals.values()],
    };
  }
  async putDoc(id: string, bytes: Uint8Array) {
    this.docs.set(id, bytes);
  }
  async putAcked(id: string, heads: string[]) {
    this.acked.set(id, heads);
  }
  async putCursor(cursor: string | null) {
    this.cursor = cursor;
  }
  async putRefusal(refusal: Refusal) {
    this.refusals.set(refusal.doc, refusal);
  }
  async deleteRefusal(doc: string) {
    this.refusals.delete(doc);
  }
  async deleteDoc(id: string) {
    this.docs.delete(id);
    this.acked.delete(id);
    this.refusals.delete(id);
  }
  pendingCount: number | null = null;
  async putPendingCount(count: number) {
    this.pendingCount = count;
  }
}
