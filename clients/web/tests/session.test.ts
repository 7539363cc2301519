// The client's protocol session against the in-memory server: upload and Ack, catch-up by cursor, reconnects that
// cost nothing when nothing changed, refusal that does not block other documents, live updates, and persistence
// of every local change before it is sent.

import * as Automerge from "@automerge/automerge";
import { describe, expect, it } from "vitest";
import { newDocumentId } from "../src/sync/ids";
import { MemoryPersistence, Repo } from "../src/sync/repo";
import { SyncSession } from "../src/sync/session";
import { FakeConnection, FakeServer } from "./fake-server";

type Note = { title?: string; n?: number };

/** Connects a repo to the server; frames travel as macrotasks so both sides interleave like a real socket. */
function connect(server: FakeServer, repo: Repo, device = "dev-1") {
  let conn: FakeConnection;
  const session = new SyncSession(repo, {
    client: "web/test",
    device,
    send: (bytes) => setTimeout(() => conn.receive(bytes)),
  });
  conn = server.connect((bytes) => setTimeout(() => void session.receive(bytes)));
  session.start();
  return {
    session,
    conn,
    close() {
      session.close();
      conn.close();
    },
  };
}

async function settle() {
  for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 0));
}

async function newRepo() {
  const persistence = new MemoryPersistence();
  return { persistence, repo: await Repo.open(persistence) };
}

describe("SyncSession", () => {
  it("uploads a new document, gets it acknowledged and persists the cursor", async () => {
    const server = new FakeServer();
    const { repo, persistence } = await newRepo();
    const id = newDocumentId();
    await repo.change<Note>(id, (d) => {
      d.title = "x";
    });
    expect(repo.pending()).toEqual([id]);
    const c = connect(server, repo);
    await settle();
    expect(Automerge.getHeads(server.docs.get(id)!)).toEqual(Automerge.getHeads(repo.get(id)!));
    expect(repo.pending()).toEqual([]);
    expect(persistence.acked.get(id)).toEqual(Automerge.getHeads(repo.get(id)!));
    expect(persistence.cursor).toBe("0");
    c.close();
  });

  it("persists a local change before it can be sent", async () => {
    const { repo, persistence } = await newRepo();
    const id = newDocumentId();
    await repo.change<Note>(id, (d) => {
      d.n = 1;
    });
    const reopened = await Repo.open(persistence);
    expect(reopened.get<Note>(id)?.n).toBe(1);
    expect(reopened.pending()).toEqual([id]);
  });

  it("catches a second device up and then reconnects without any Sync frame", async () => {
    const server = new FakeServer();
    const a = await newRepo();
    const id = newDocumentId();
    await a.repo.change<Note>(id, (d) => {
      d.title = "from a";
    });
    const ca = connect(server, a.repo, "a");
    await settle();
    ca.close();

    const b = await newRepo();
    const first = connect(server, b.repo, "b");
    await settle();
    expect(b.repo.get<Note>(id)?.title).toBe("from a");
    expect(b.persistence.cursor).toBe(server.seq.toString());
    first.close();

    server.received = [];
    const again = connect(server, b.repo, "b");
    await settle();
    expect(server.received.map((f) => f.type)).toEqual(["Hello"]);
    const hello = server.received[0]!;
    expect(hello.type === "Hello" && hello.cursor).toBe(server.seq);
    expect(hello.type === "Hello" && hello.manifest).toEqual([]);
    again.close();
  });

  it("re-announces an unacknowledged document in the next Hello's manifest", async () => {
    const server = new FakeServer();
    const { repo } = await newRepo();
    const id = newDocumentId();
    await repo.change<Note>(id, (d) => {
      d.n = 1;
    });
    const c = connect(server, repo);
    await settle();
    c.close();
    await repo.change<Note>(id, (d) => {
      d.n = 2;
    });
    server.received = [];
    const again = connect(server, repo);
    await settle();
    const hello = server.received[0]!;
    expect(hello.type === "Hello" && hello.manifest.length).toBe(1);
    expect((server.docs.get(id) as Automerge.Doc<Note>).n).toBe(2);
    expect(repo.pending()).toEqual([]);
    again.close();
  });

  it("stores a refusal for one document without blocking another", async () => {
    const server = new FakeServer();
    server.validate = (doc) => ((doc as Note).n === 666 ? "the number is not allowed" : null);
    const { repo } = await newRepo();
    const bad = newDocumentId();
    const good = newDocumentId();
    await repo.change<Note>(bad, (d) => {
      d.n = 666;
    });
    await repo.change<Note>(good, (d) => {
      d.n = 1;
    });
    const c = connect(server, repo);
    await settle();
    expect(repo.refusal(bad)?.kind).toBe("invalid");
    expect(repo.refusal(bad)?.message).toBe("the number is not allowed");
    expect(repo.pending()).toEqual([bad]);
    expect(server.docs.has(good)).toBe(true);
    expect(server.docs.has(bad)).toBe(false);
    c.close();
  });

  it("delivers a live edit from one connected device to another", async () => {
    const server = new FakeServer();
    const a = await newRepo();
    const b = await newRepo();
    const id = newDocumentId();
    await a.repo.change<Note>(id, (d) => {
      d.n = 1;
    });
    const ca = connect(server, a.repo, "a");
    await settle();
    const cb = connect(server, b.repo, "b");
    await settle();
    await a.repo.change<Note>(id, (d) => {
      d.n = 2;
    });
    await settle();
    expect(b.repo.get<Note>(id)?.n).toBe(2);
    expect(a.repo.pending()).toEqual([]);
    ca.close();
    cb.close();
  });

  it("stops syncing a document the server does not know and stores nothing for it", async () => {
    const server = new FakeServer();
    const { repo } = await newRepo();
    const c = connect(server, repo);
    await settle();
    const unknown = newDocumentId();
    repo.ensure(unknown);
    // An empty document offers no heads: the server answers NotFound.
    await (c.session as unknown as { syncDoc(id: string): Promise<void> }).syncDoc(unknown);
    await settle();
    expect(server.received.filter((f) => f.type === "Sync").length).toBe(1);
    c.close();
  });
});
