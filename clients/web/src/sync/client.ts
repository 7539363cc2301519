// The SyncClient: keeps one WebSocket to the server's /v1/sync open while the app runs, runs a SyncSession on
// each connection, reconnects with exponential backoff, and reports a status for the sync indicator.
//
// The token travels in the subprotocol list because browsers cannot set headers on a WebSocket (PROTOCOL.md 2).

import { ErrorCode } from "./frames";
import type { Repo } from "./repo";
import { SyncSession, type SessionEvent } from "./session";

/** Thrown by a token provider when only a new login can help (the refresh token was refused). */
export class SessionExpired extends Error {
  constructor() {
    super("the session expired; log in again");
    this.name = "SessionExpired";
  }
}

/** Thrown by a token provider when the server says this device was revoked: the app wipes its store. */
export class DeviceRevoked extends Error {
  constructor() {
    super("this device was revoked");
    this.name = "DeviceRevoked";
  }
}

export type SyncPhase = "offline" | "connecting" | "syncing" | "saved" | "stopped";

export interface SyncStatus {
  phase: SyncPhase;
  /** Documents with changes the server has not acknowledged, besides the refused ones. */
  waiting: number;
  /** Documents whose changes the server refused (each case page says why): no sync makes them saved until the
   * worker corrects the case, so they are not "waiting" and do not keep the indicator at "syncing". */
  refused: number;
  /** Why syncing stopped, when it did (an app update needed, a revoked device, a login needed). */
  problem: "update_app" | "revoked" | "login" | null;
}

/** The part of the WebSocket API the client uses, so tests can hand it a fake. */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(): void;
}

export interface SyncClientOptions {
  /** ws:// or wss:// URL of /v1/sync. */
  url: string;
  /** The access token to connect with; may refresh it first (so it may be async). */
  token: () => string | Promise<string>;
  device: string;
  client?: string;
  openSocket?: (url: string, protocols: string[]) => SocketLike;
}

export class SyncClient {
  private socket: SocketLike | null = null;
  private session: SyncSession | null = null;
  private caughtUp = false;
  private stopped = false;
  private problem: SyncStatus["problem"] = null;
  private backoffMs = 1000;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private listeners = new Set<(status: SyncStatus) => void>();

  constructor(
    private readonly repo: Repo,
    private readonly options: SyncClientOptions,
  ) {
    repo.subscribe(() => this.notify());
  }

  onStatus(listener: (status: SyncStatus) => void): () => void {
    this.listeners.add(listener);
    listener(this.status());
    return () => this.listeners.delete(listener);
  }

  status(): SyncStatus {
    const pending = this.repo.pending();
    const refused = pending.filter((id) => this.repo.refusal(id) !== undefined).length;
    const waiting = pending.length - refused;
    let phase: SyncPhase;
    if (this.stopped) phase = "stopped";
    else if (!this.socket) phase = "offline";
    else if (!this.session) phase = "connecting";
    else phase = this.caughtUp && waiting === 0 ? "saved" : "syncing";
    return { phase, waiting, refused, problem: this.problem };
  }

  private notify() {
    const status = this.status();
    for (const l of this.listeners) l(status);
  }

  /** Connects now (and keeps reconnecting until stop()). */
  start(): void {
    this.stopped = false;
    this.problem = null;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.teardown();
    this.notify();
  }

  /** Reconnects right away, e.g. when the browser reports it is online again. */
  retryNow(): void {
    if (this.stopped || this.socket) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.backoffMs = 1000;
    void this.connect();
  }

  /** The browser says the network is gone: drop the socket now rather than wait for it to time out. */
  networkLost(): void {
    if (this.stopped || !this.socket) return;
    this.teardown();
    this.scheduleRetry();
  }

  private connecting = false;

  private async connect() {
    if (this.stopped || this.socket || this.connecting) return;
    const open = this.options.openSocket ?? ((url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike);
    let socket: SocketLike;
    this.connecting = true;
    try {
      const token = await this.options.token();
      if (this.stopped || this.socket) return;
      socket = open(this.options.url, ["tovholder.v1", `bearer.${token}`]);
    } catch (error) {
      if (error instanceof SessionExpired) this.halt("login");
      else if (error instanceof DeviceRevoked) this.halt("revoked");
      else this.scheduleRetry();
      return;
    } finally {
      this.connecting = false;
    }
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    this.caughtUp = false;
    socket.onopen = () => {
      this.session = new SyncSession(this.repo, {
        client: this.options.client ?? "web/0.1",
        device: this.options.device,
        send: (bytes) => socket.send(bytes),
        onEvent: (event) => this.onSessionEvent(event),
      });
      this.session.start();
      this.notify();
    };
    socket.onmessage = (ev) => {
      if (ev.data instanceof ArrayBuffer) void this.session?.receive(new Uint8Array(ev.data));
      else this.teardown(); // Text frames are a protocol violation (PROTOCOL.md section 2).
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.teardown();
      this.scheduleRetry();
    };
    socket.onerror = () => {
      /* onclose follows and handles the retry. */
    };
    this.notify();
  }

  private onSessionEvent(event: SessionEvent) {
    if (event.type === "caught_up") {
      this.caughtUp = true;
      this.backoffMs = 1000;
    } else if (event.type === "error") {
      // PROTOCOL.md section 9: what each error asks of a client.
      if (event.code === ErrorCode.ProtocolVersion) this.halt("update_app");
      else if (event.code === ErrorCode.Revoked) this.halt("revoked");
      else if (event.code === ErrorCode.Unauthorized) this.halt("login");
    } else if (event.type === "violation") {
      this.socket?.close();
    }
    this.notify();
  }

  private halt(problem: SyncStatus["problem"]) {
    this.problem = problem;
    this.stopped = true;
    this.teardown();
  }

  private teardown() {
    this.session?.close();
    this.session = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      try {
        socket.close();
      } catch {
        /* already closed */
      }
    }
    this.caughtUp = false;
    this.notify();
  }

  private scheduleRetry() {
    if (this.stopped) return;
    const delay = this.backoffMs * (0.75 + Math.random() * 0.5);
    this.backoffMs = Math.min(this.backoffMs * 2, 60_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
    this.notify();
  }
}
