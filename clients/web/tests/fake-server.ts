// A small in-memory stand-in for the Tovholder sync server, enough to test the client's side of PROTOCOL.md:
// Welcome with the documents changed since the cursor, Ack of announced heads once held, CaughtUp, refusal by a
// validation callback, and live updates to other connections. It is not the reference: sync-core is.

import * as Automerge from "@automerge/automerge";
import { decodeFrame, encodeFrame, RefusalReason, type Frame } from "../src/sync/frames";
import { fromHex, toHex } from "../src/sync/ids";

export class FakeServer {
  docs = new Map<string, Automerge.Doc<unknown>>();
  changedAt = new Map<string, bigint>();
  seq = 0n;
  connections = new Set<FakeConnection>();
  /** Returns a refusal message when a device's document would be invalid. */
  validate: (doc: Automerge.Doc<unknown>) => string | null = () => null;
  /** Every frame the server received, decoded, for assertions. */
  received: Frame[] = [];

  connect(send: (bytes: Uint8Array) => void): FakeConnection {
    const c = new FakeConnection(this, send);
    this.connections.add(c);
    return c;
  }

  commit(id: string, doc: Automerge.Doc<unknown>, from: FakeConnection | null) {
    this.docs.set(id, doc);
    this.seq += 1n;
    this.changedAt.set(id, this.seq);
    for (const c of this.connections) if (c !== from) c.push(id);
  }
}

export class FakeConnection {
  private states = new Map<string, Automerge.SyncState>();
  private lastAck = new Map<string, string>();
  private welcomed = false;
  constructor(
    private server: FakeServer,
    private out: (bytes: Uint8Array) => void,
  ) {}

  private send(frame: Frame) {
    this.out(encodeFrame(frame));
  }

  close() {
    this.server.connections.delete(this);
  }

  push(id: string) {
    if (!this.welcomed) return;
    const doc = this.server.docs.get(id)!;
    const [state, msg] = Automerge.generateSyncMessage(doc, this.states.get(id) ?? Automerge.initSyncState());
    this.states.set(id, state);
    if (msg) this.send({ type: "Sync", doc: fromHex(id), message: msg });
  }

  receive(bytes: Uint8Array) {
    const frame = decodeFrame(bytes);
    this.server.received.push(frame);
    if (frame.type === "Hello") {
      const since = frame.cursor ?? -1n;
      const changed = [...this.server.changedAt]
        .filter(([, at]) => at > since)
        .map(([id]) => ({ doc: fromHex(id), heads: Automerge.getHeads(this.server.docs.get(id)!).map(fromHex) }));
      this.send({ type: "Welcome", cursor: this.server.seq, changed });
      this.welcomed = true;
      for (const entry of frame.manifest) {
        const doc = this.server.docs.get(toHex(entry.doc));
        const heads = entry.heads.map(toHex);
        if (doc && Automerge.hasHeads(doc, heads)) this.ack(toHex(entry.doc), heads);
      }
      this.send({ type: "CaughtUp", cursor: this.server.seq });
      return;
    }
    if (frame.type !== "Sync") throw new Error("unexpected frame");
    const id = toHex(frame.doc);
    const known = this.server.docs.get(id);
    const announced = Automerge.decodeSyncMessage(frame.message).heads;
    if (!known && announced.length === 0) {
      this.send({ type: "Refused", doc: frame.doc, reason: RefusalReason.NotFound, message: "not found" });
      return;
    }
    // A clone, so that a refused change leaves the committed document usable.
    const before = known ? Automerge.clone(known) : Automerge.init();
    const [after, state] = Automerge.receiveSyncMessage(before, this.states.get(id) ?? Automerge.initSyncState(), frame.message);
    const moved = Automerge.getHeads(after).join() !== Automerge.getHeads(before).join();
    if (moved) {
      const problem = this.server.validate(after);
      if (problem) {
        // Quarantine: keep the old document, forget this connection's state for it, tell the device why.
        this.states.delete(id);
        this.send({ type: "Refused", doc: frame.doc, reason: RefusalReason.Invalid, message: problem });
        return;
      }
      this.server.commit(id, after, this);
    }
    this.states.set(id, state);
    const doc = this.server.docs.get(id);
    if (doc && announced.length > 0 && Automerge.hasHeads(doc, announced)) this.ack(id, announced);
    if (doc) this.push(id);
    else {
      // "I have nothing": the answer of an empty document, keeping nothing yet (section 5.2).
      const [s, msg] = Automerge.generateSyncMessage(Automerge.init(), state);
      this.states.set(id, s);
      if (msg) this.send({ type: "Sync", doc: frame.doc, message: msg });
    }
  }

  private ack(id: string, heads: string[]) {
    const key = [...heads].sort().join();
    if (this.lastAck.get(id) === key) return;
    this.lastAck.set(id, key);
    this.send({ type: "Ack", doc: fromHex(id), heads: [...heads].sort().map(fromHex) });
  }
}
