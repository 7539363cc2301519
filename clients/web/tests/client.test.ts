// The SyncClient over a fake WebSocket wired to the in-memory server: it opens with the subprotocols of
// PROTOCOL.md section 2, reports offline → syncing → all saved with the number of waiting documents, and
// reconnects after the connection drops; a revoked device is wiped, in memory as in its store.

import "fake-indexeddb/auto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { wipeWhenRevoked } from "../src/app/session";
import { EncryptedStore } from "../src/store/idb";
import { DeviceRevoked, SessionExpired, SyncClient, type SocketLike } from "../src/sync/client";
import { encodeFrame, ErrorCode } from "../src/sync/frames";
import { newDocumentId } from "../src/sync/ids";
import { MemoryPersistence, Repo } from "../src/sync/repo";
import { FakeServer, type FakeConnection } from "./fake-server";

class FakeSocket implements SocketLike {
  binaryType = "blob";
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  conn: FakeConnection;
  constructor(
    server: FakeServer,
    readonly protocols: string[],
  ) {
    this.conn = server.connect((bytes) =>
      setTimeout(() => this.onmessage?.({ data: bytes.slice().buffer })),
    );
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }
  send(data: Uint8Array) {
    setTimeout(() => this.conn.receive(data));
  }
  close() {
    this.readyState = 3;
    this.conn.close();
    setTimeout(() => this.onclose?.({}));
  }
  /** The server side going away, as when the network drops. */
  drop() {
    this.conn.close();
    this.readyState = 3;
    this.onclose?.({});
  }
}

async function settle() {
  for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 0));
}

afterEach(() => {
  vi.useRealTimers();
});

describe("SyncClient", () => {
  it("authenticates through the subprotocols and reports progress to 'all saved'", async () => {
    const server = new FakeServer();
    const repo = await Repo.open(new MemoryPersistence());
    const id = newDocumentId();
    await repo.change<{ n: number }>(id, (d) => {
      d.n = 1;
    });
    const sockets: FakeSocket[] = [];
    const client = new SyncClient(repo, {
      url: "ws://server/v1/sync",
      token: () => "jwt",
      device: "dev",
      openSocket: (_url, protocols) => {
        const s = new FakeSocket(server, protocols);
        sockets.push(s);
        return s;
      },
    });
    const phases: string[] = [];
    client.onStatus((s) => phases.push(`${s.phase}:${s.waiting}`));
    expect(phases).toEqual(["offline:1"]);
    client.start();
    await settle();
    expect(sockets[0]!.protocols).toEqual(["tovholder.v1", "bearer.jwt"]);
    expect(sockets[0]!.binaryType).toBe("arraybuffer");
    expect(phases.at(-1)).toBe("saved:0");
    expect(phases).toContain("syncing:1");

    // The network drops: the client reports offline and reconnects by itself.
    vi.useFakeTimers();
    sockets[0]!.drop();
    expect(client.status().phase).toBe("offline");
    await vi.advanceTimersByTimeAsync(2000);
    vi.useRealTimers();
    await settle();
    expect(sockets.length).toBe(2);
    expect(client.status().phase).toBe("saved");
    client.stop();
  });

  it("counts a refused document apart: the rest is saved, not syncing for ever", async () => {
    const server = new FakeServer();
    server.validate = (doc) => ((doc as { bad?: boolean }).bad ? "not a case" : null);
    const repo = await Repo.open(new MemoryPersistence());
    const good = newDocumentId();
    const bad = newDocumentId();
    await repo.change<{ n: number }>(good, (d) => {
      d.n = 1;
    });
    await repo.change<{ bad: boolean }>(bad, (d) => {
      d.bad = true;
    });
    const client = new SyncClient(repo, {
      url: "ws://server/v1/sync",
      token: () => "jwt",
      device: "dev",
      openSocket: (_url, protocols) => new FakeSocket(server, protocols),
    });
    expect(client.status()).toMatchObject({ phase: "offline", waiting: 2, refused: 0 });
    client.start();
    await settle();
    expect(repo.refusal(bad)?.kind).toBe("invalid");
    expect(client.status()).toMatchObject({ phase: "saved", waiting: 0, refused: 1 });
    client.stop();
  });

  it("stops and asks for an app update on Error ProtocolVersion", async () => {
    const repo = await Repo.open(new MemoryPersistence());
    let socket: SocketLike | null = null;
    const client = new SyncClient(repo, {
      url: "ws://x",
      token: () => "t",
      device: "d",
      openSocket: () => {
        const s: SocketLike = {
          binaryType: "",
          readyState: 1,
          onopen: null,
          onmessage: null,
          onclose: null,
          onerror: null,
          send: () => undefined,
          close: () => undefined,
        };
        socket = s;
        return s;
      },
    });
    client.start();
    await settle();
    socket!.onopen?.({});
    const error = encodeFrame({ type: "Error", code: ErrorCode.ProtocolVersion, message: "client speaks protocol 1" });
    socket!.onmessage?.({ data: error.buffer });
    await settle();
    expect(client.status()).toMatchObject({ phase: "stopped", problem: "update_app" });
  });

  it("asks for a new login when the token cannot be refreshed", async () => {
    const repo = await Repo.open(new MemoryPersistence());
    let opened = 0;
    const client = new SyncClient(repo, {
      url: "ws://x",
      token: async () => {
        throw new SessionExpired();
      },
      device: "d",
      openSocket: () => {
        opened++;
        throw new Error("not reached");
      },
    });
    client.start();
    await settle();
    expect(opened).toBe(0);
    expect(client.status()).toMatchObject({ phase: "stopped", problem: "login" });
  });

  it("wipes a revoked device: its documents leave memory at once, and its store is deleted", async () => {
    const fast = { kdf: { name: "argon2id", memoryKiB: 64, iterations: 1, parallelism: 1 } } as const;
    const store = await EncryptedStore.unlock("t", "revoked-worker", "pw", fast);
    const repo = await Repo.open(store);
    await repo.change<{ n: number }>(newDocumentId(), (d) => {
      d.n = 1;
    });
    const client = new SyncClient(repo, {
      url: "ws://x",
      token: async () => {
        throw new DeviceRevoked();
      },
      device: "d",
      openSocket: () => {
        throw new Error("not reached");
      },
    });
    let forgotUser = false;
    const wiped = wipeWhenRevoked(client, repo, store, () => (forgotUser = true));
    client.start();
    await wiped;
    expect(client.status()).toMatchObject({ phase: "stopped", problem: "revoked" });
    expect(repo.ids()).toEqual([]);
    expect(forgotUser).toBe(true);
    expect(await EncryptedStore.exists("t", "revoked-worker")).toBe(false);
  });
});
