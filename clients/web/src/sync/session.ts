// One connection's worth of the sync protocol (PROTOCOL.md sections 5–7), without I/O: frames in through
// `receive`, frames out through the `send` callback. The SyncClient wires it to a WebSocket; tests wire it to an
// in-memory server.
//
// Frames are handled one at a time, in order (a promise chain), because each may await IndexedDB and the
// automerge sync state of a document must see its messages in the order they arrived.

import * as Automerge from "@automerge/automerge";
import { decodeFrame, encodeFrame, ErrorCode, RefusalReason, type Frame, type ManifestEntry } from "./frames";
import { fromHex, toHex } from "./ids";
import type { Repo } from "./repo";
import { vetSyncMessage } from "./vet";

export type SessionEvent =
  | { type: "welcomed" }
  | { type: "caught_up" }
  | { type: "error"; code: ErrorCode; message: string }
  | { type: "violation"; message: string };

export interface SessionOptions {
  client: string;
  device: string;
  send: (bytes: Uint8Array) => void;
  onEvent?: (event: SessionEvent) => void;
  now?: () => number;
}

const sorted = (heads: string[]) => [...heads].sort();

/**
 * A sync state as if the server had already said "I have nothing" (the first message of an empty document,
 * received): the next message generated from it carries the whole document (PROTOCOL.md §5.2). The state does not
 * depend on the document it is for.
 */
function serverHasNothing(): Automerge.SyncState {
  const [, nothing] = Automerge.generateSyncMessage(Automerge.init(), Automerge.initSyncState());
  if (!nothing) return Automerge.initSyncState();
  const [, state] = Automerge.receiveSyncMessage(Automerge.init(), Automerge.initSyncState(), nothing);
  return state;
}

export class SyncSession {
  private welcomed = false;
  private closed = false;
  private readonly states = new Map<string, Automerge.SyncState>();
  /** Documents this connection must not sync (Refused NotFound): never retried within the connection. */
  private readonly notFound = new Set<string>();
  /** Documents the Welcome listed that are not yet held at the listed heads. */
  private readonly catchingUp = new Map<string, string[]>();
  /** Documents already synced on this connection at least once, so that only their first message goes up whole. */
  private readonly started = new Set<string>();
  private caughtUpCursor: bigint | null = null;
  private queue: Promise<void> = Promise.resolve();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly repo: Repo,
    private readonly options: SessionOptions,
  ) {
    // Local edits made while connected are sent once they are stored (the repo persists before it notifies).
    this.unsubscribe = repo.subscribe((event) => {
      if (event.type === "doc" && event.local && this.welcomed && !this.closed) {
        this.enqueue(async () => this.syncDoc(event.id));
      }
    });
  }

  /** Sends Hello: the cursor and the manifest of documents with unacknowledged changes (section 6). */
  start(): void {
    const cursor = this.repo.cursor;
    const ids = cursor === null ? this.repo.ids() : this.repo.pending();
    const manifest: ManifestEntry[] = ids.map((id) => ({
      doc: fromHex(id),
      heads: sorted(Automerge.getHeads(this.repo.get(id)!)).map(fromHex),
    }));
    this.send({ type: "Hello", client: this.options.client, device: this.options.device, cursor, manifest });
  }

  /** Feeds one binary message from the server; resolves once it has been fully handled. */
  receive(bytes: Uint8Array): Promise<void> {
    return this.enqueue(() => this.handle(bytes));
  }

  /** Resolves when every frame received so far has been handled (for tests and orderly shutdown). */
  idle(): Promise<void> {
    return this.queue;
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(task).catch((error: unknown) => {
      // No citizen data here: only the kind of failure.
      this.options.onEvent?.({ type: "violation", message: error instanceof Error ? error.name : "error" });
    });
    return this.queue;
  }

  private send(frame: Frame) {
    if (!this.closed) this.options.send(encodeFrame(frame));
  }

  private async handle(bytes: Uint8Array): Promise<void> {
    if (this.closed) return;
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (error) {
      this.violation(`undecodable frame: ${(error as Error).message}`);
      return;
    }
    if (!this.welcomed && frame.type !== "Welcome" && frame.type !== "Error") {
      this.violation(`${frame.type} before Welcome`);
      return;
    }
    switch (frame.type) {
      case "Welcome":
        return this.onWelcome(frame.cursor, frame.changed);
      case "Sync":
        return this.onSync(toHex(frame.doc), frame.message);
      case "Ack":
        return this.repo.setAcked(toHex(frame.doc), frame.heads.map(toHex));
      case "Refused":
        return this.onRefused(toHex(frame.doc), frame.reason, frame.message);
      case "Purge": {
        const id = toHex(frame.doc);
        // The document leaves this device, so it is not waited for; but if it holds unsent work it stays (the
        // repo keeps it) and keeps its sync state, so the changes still go up on this connection.
        this.catchingUp.delete(id);
        if (await this.repo.purge(id)) this.states.delete(id);
        return this.maybePersistCursor();
      }
      case "CaughtUp":
        this.caughtUpCursor = frame.cursor;
        return this.maybePersistCursor();
      case "Error":
        this.options.onEvent?.({ type: "error", code: frame.code, message: frame.message });
        this.close();
        return;
      case "Hello":
        this.violation("the server sent Hello");
        return;
    }
  }

  private violation(message: string) {
    this.options.onEvent?.({ type: "violation", message });
    this.close();
  }

  private async onWelcome(cursor: bigint, changed: ManifestEntry[]) {
    if (this.welcomed) return this.violation("a second Welcome");
    this.welcomed = true;
    void cursor; // The cursor to persist is the CaughtUp's, which equals the Welcome's (section 5.1).
    const toSync = new Set(this.repo.pending());
    for (const entry of changed) {
      const id = toHex(entry.doc);
      const heads = entry.heads.map(toHex);
      const local = this.repo.get(id);
      // An unchanged document costs no Sync frame: the device already holds every listed head.
      if (local && Automerge.hasHeads(local, heads)) continue;
      this.repo.ensure(id);
      this.catchingUp.set(id, heads);
      toSync.add(id);
    }
    this.options.onEvent?.({ type: "welcomed" });
    for (const id of toSync) await this.syncDoc(id, true);
  }

  private async onSync(id: string, message: Uint8Array) {
    if (this.notFound.has(id)) return;
    const problem = vetSyncMessage(message);
    if (problem) return this.violation(`sync message refused: ${problem}`);
    this.started.add(id);
    const next = await this.repo.update(id, (current) => {
      const state = this.states.get(id) ?? Automerge.initSyncState();
      const [doc, nextState] = Automerge.receiveSyncMessage(current ?? Automerge.init(), state, message);
      this.states.set(id, nextState);
      return doc;
    });
    const wanted = this.catchingUp.get(id);
    if (wanted && Automerge.hasHeads(next, wanted)) {
      this.catchingUp.delete(id);
      await this.maybePersistCursor();
    }
    await this.syncDoc(id);
  }

  private async onRefused(id: string, reason: RefusalReason, message: string) {
    const now = this.options.now?.() ?? Date.now();
    if (reason === RefusalReason.NotFound) {
      // Not to be retried within this connection (section 10); it no longer blocks the cursor either.
      this.notFound.add(id);
      this.catchingUp.delete(id);
      this.states.delete(id);
      if (this.repo.get(id)) await this.repo.refuse({ doc: id, kind: "not_found", message, at_ms: now });
      return this.maybePersistCursor();
    }
    await this.repo.refuse({
      doc: id,
      kind: reason === RefusalReason.Invalid ? "invalid" : "write_forbidden",
      message,
      at_ms: now,
    });
    // Start the document over: the server's read-only flag keeps us from re-sending the refused changes.
    await this.syncDoc(id, true);
  }

  /** Generates and sends the next sync message for a document, if automerge has anything to say. */
  private async syncDoc(id: string, fresh = false): Promise<void> {
    if (this.notFound.has(id) || this.closed) return;
    const doc = this.repo.get(id);
    if (!doc) return;
    const state = fresh ? this.freshState(id) : (this.states.get(id) ?? this.freshState(id));
    const [nextState, message] = Automerge.generateSyncMessage(doc, state);
    this.states.set(id, nextState);
    if (message) this.send({ type: "Sync", doc: fromHex(id), message });
  }

  /**
   * The state a document's sync starts from on this connection. A document the server never acknowledged (made on
   * this device) goes up whole in its first message instead of asking first what the server holds (PROTOCOL.md
   * §5.2); a restart after a refusal, or one the Welcome listed, asks.
   */
  private freshState(id: string): Automerge.SyncState {
    const first = !this.started.has(id);
    this.started.add(id);
    const neverAcked = this.repo.ackedHeads(id).length === 0 && !this.catchingUp.has(id);
    return first && neverAcked ? serverHasNothing() : Automerge.initSyncState();
  }

  /** The cursor is persisted only once nothing is catching up, so a broken connection repeats the catch-up. */
  private async maybePersistCursor() {
    if (this.caughtUpCursor !== null && this.catchingUp.size === 0) {
      const cursor = this.caughtUpCursor;
      this.caughtUpCursor = null;
      await this.repo.setCursor(cursor);
      this.options.onEvent?.({ type: "caught_up" });
    }
  }
}
