// The frames of the Tovholder sync protocol (docs/PROTOCOL.md sections 3–4, 8), encoded and decoded byte for
// byte as sync-core/src/protocol/codec.rs does: a version byte, a type byte, then the fields with nothing after.
// Decoding is strict (minimal varints, known codes, limits checked before allocating) so that any byte string
// that decodes re-encodes to exactly the same bytes.

export const PROTOCOL_VERSION = 1;
export const DOCUMENT_ID_BYTES = 16;
export const CHANGE_HASH_BYTES = 32;

export interface Limits {
  maxFrameBytes: number;
  maxListLen: number;
  maxStringBytes: number;
}

export const DEFAULT_LIMITS: Limits = { maxFrameBytes: 16 * 1024 * 1024, maxListLen: 100_000, maxStringBytes: 4096 };

export const RefusalReason = { NotFound: 0, Invalid: 1, WriteForbidden: 2 } as const;
export type RefusalReason = (typeof RefusalReason)[keyof typeof RefusalReason];
export const PurgeReason = { Unassigned: 0, CourseEnded: 1, DeviceRevoked: 2, Other: 3 } as const;
export type PurgeReason = (typeof PurgeReason)[keyof typeof PurgeReason];
export const ErrorCode = {
  ProtocolVersion: 0,
  Unauthorized: 1,
  FrameTooLarge: 2,
  RateLimited: 3,
  Malformed: 4,
  UnexpectedFrame: 5,
  Revoked: 6,
  Internal: 7,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ManifestEntry {
  doc: Uint8Array;
  heads: Uint8Array[];
}

/** Cursors are u64 on the wire; bigint keeps every value exact. */
export type Frame =
  | { type: "Hello"; client: string; device: string; cursor: bigint | null; manifest: ManifestEntry[] }
  | { type: "Welcome"; cursor: bigint; changed: ManifestEntry[] }
  | { type: "Sync"; doc: Uint8Array; message: Uint8Array }
  | { type: "Ack"; doc: Uint8Array; heads: Uint8Array[] }
  | { type: "Refused"; doc: Uint8Array; reason: RefusalReason; message: string }
  | { type: "Purge"; doc: Uint8Array; reason: PurgeReason }
  | { type: "Error"; code: ErrorCode; message: string }
  | { type: "CaughtUp"; cursor: bigint };

const TYPE_CODES = { Hello: 1, Welcome: 2, Sync: 3, Ack: 4, Refused: 5, Purge: 6, Error: 7, CaughtUp: 8 } as const;

/** Why a frame did not decode (or encode); the codec never guesses. */
export class FrameError extends Error {
  constructor(
    readonly kind:
      | "version"
      | "truncated"
      | "trailing"
      | "unknown_type"
      | "unknown_code"
      | "varint"
      | "utf8"
      | "limit"
      | "too_large",
    message: string,
    /** For "version": the version byte the frame carried. */
    readonly version?: number,
  ) {
    super(message);
    this.name = "FrameError";
  }
}

const U64_MAX = (1n << 64n) - 1n;

class Writer {
  private chunks: number[] = [];
  private parts: Uint8Array[] = [];
  byte(b: number) {
    this.chunks.push(b);
  }
  raw(bytes: Uint8Array) {
    this.flush();
    this.parts.push(bytes);
  }
  varint(value: bigint | number) {
    let v = BigInt(value);
    if (v < 0n || v > U64_MAX) throw new FrameError("varint", "varint out of u64 range");
    do {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      this.byte(v === 0n ? low : low | 0x80);
    } while (v !== 0n);
  }
  bytes(bytes: Uint8Array) {
    this.varint(bytes.length);
    this.raw(bytes);
  }
  string(s: string, limits: Limits) {
    const utf8 = new TextEncoder().encode(s);
    if (utf8.length > limits.maxStringBytes) throw new FrameError("limit", "string too long");
    this.bytes(utf8);
  }
  fixed(bytes: Uint8Array, len: number, what: string) {
    if (bytes.length !== len) throw new FrameError("limit", `${what} must be ${len} bytes`);
    this.raw(bytes);
  }
  heads(heads: Uint8Array[], limits: Limits) {
    if (heads.length > limits.maxListLen) throw new FrameError("limit", "too many heads");
    this.varint(heads.length);
    for (const h of heads) this.fixed(h, CHANGE_HASH_BYTES, "a change hash");
  }
  manifest(entries: ManifestEntry[], limits: Limits) {
    if (entries.length > limits.maxListLen) throw new FrameError("limit", "too many manifest entries");
    this.varint(entries.length);
    for (const e of entries) {
      this.fixed(e.doc, DOCUMENT_ID_BYTES, "a document id");
      this.heads(e.heads, limits);
    }
  }
  private flush() {
    if (this.chunks.length > 0) {
      this.parts.push(Uint8Array.from(this.chunks));
      this.chunks = [];
    }
  }
  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

export function encodeFrame(frame: Frame, limits: Limits = DEFAULT_LIMITS): Uint8Array {
  const w = new Writer();
  w.byte(PROTOCOL_VERSION);
  w.byte(TYPE_CODES[frame.type]);
  switch (frame.type) {
    case "Hello":
      w.string(frame.client, limits);
      w.string(frame.device, limits);
      if (frame.cursor === null) w.byte(0);
      else {
        w.byte(1);
        w.varint(frame.cursor);
      }
      w.manifest(frame.manifest, limits);
      break;
    case "Welcome":
      w.varint(frame.cursor);
      w.manifest(frame.changed, limits);
      break;
    case "Sync":
      w.fixed(frame.doc, DOCUMENT_ID_BYTES, "a document id");
      w.bytes(frame.message);
      break;
    case "Ack":
      w.fixed(frame.doc, DOCUMENT_ID_BYTES, "a document id");
      w.heads(frame.heads, limits);
      break;
    case "Refused":
      w.fixed(frame.doc, DOCUMENT_ID_BYTES, "a document id");
      w.byte(frame.reason);
      w.string(frame.message, limits);
      break;
    case "Purge":
      w.fixed(frame.doc, DOCUMENT_ID_BYTES, "a document id");
      w.byte(frame.reason);
      break;
    case "Error":
      w.byte(frame.code);
      w.string(frame.message, limits);
      break;
    case "CaughtUp":
      w.varint(frame.cursor);
      break;
  }
  const out = w.finish();
  if (out.length > limits.maxFrameBytes) throw new FrameError("too_large", "frame exceeds max_frame_bytes");
  return out;
}

class Reader {
  private at = 0;
  constructor(
    private readonly buf: Uint8Array,
    private readonly limits: Limits,
  ) {}
  get remaining() {
    return this.buf.length - this.at;
  }
  byte(): number {
    if (this.at >= this.buf.length) throw new FrameError("truncated", "frame ends early");
    return this.buf[this.at++]!;
  }
  take(n: number): Uint8Array {
    if (n > this.remaining) throw new FrameError("truncated", "frame ends early");
    // A copy, so that decoded fields do not pin or alias the WebSocket's buffer.
    const out = this.buf.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }
  varint(): bigint {
    let value = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      const group = BigInt(b & 0x7f);
      // The tenth byte may carry only the 64th bit.
      if (i === 9 && b > 1) throw new FrameError("varint", "varint overflows u64");
      value |= group << BigInt(7 * i);
      if ((b & 0x80) === 0) {
        if (i > 0 && b === 0) throw new FrameError("varint", "non-minimal varint");
        return value;
      }
    }
    throw new FrameError("varint", "varint longer than 10 bytes");
  }
  /** A length or count, checked against a limit and the bytes left before anything is allocated. */
  length(limit: number, minBytesEach: number): number {
    const v = this.varint();
    if (v > BigInt(limit)) throw new FrameError("limit", "length beyond the limit");
    const n = Number(v);
    if (n * minBytesEach > this.remaining) throw new FrameError("truncated", "length beyond the frame");
    return n;
  }
  bytes(): Uint8Array {
    return this.take(this.length(this.limits.maxFrameBytes, 1));
  }
  string(): string {
    const raw = this.take(this.length(this.limits.maxStringBytes, 1));
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(raw);
    } catch {
      throw new FrameError("utf8", "invalid UTF-8");
    }
  }
  heads(): Uint8Array[] {
    const n = this.length(this.limits.maxListLen, CHANGE_HASH_BYTES);
    return Array.from({ length: n }, () => this.take(CHANGE_HASH_BYTES));
  }
  manifest(): ManifestEntry[] {
    // An entry is at least a document id and a one-byte head count.
    const n = this.length(this.limits.maxListLen, DOCUMENT_ID_BYTES + 1);
    return Array.from({ length: n }, () => ({ doc: this.take(DOCUMENT_ID_BYTES), heads: this.heads() }));
  }
  code<T extends number>(max: number): T {
    const b = this.byte();
    if (b > max) throw new FrameError("unknown_code", `unknown enum code ${b}`);
    return b as T;
  }
  end() {
    if (this.remaining !== 0) throw new FrameError("trailing", "bytes after the last field");
  }
}

export function decodeFrame(buf: Uint8Array, limits: Limits = DEFAULT_LIMITS): Frame {
  // The version is checked before anything else, the size included (PROTOCOL.md section 9).
  if (buf.length === 0) throw new FrameError("truncated", "empty frame");
  if (buf[0] !== PROTOCOL_VERSION) {
    throw new FrameError("version", `frame speaks protocol ${buf[0]}, this client speaks 1`, buf[0]);
  }
  if (buf.length > limits.maxFrameBytes) throw new FrameError("too_large", "frame exceeds max_frame_bytes");
  const r = new Reader(buf, limits);
  r.byte();
  const type = r.byte();
  let frame: Frame;
  switch (type) {
    case 1: {
      const client = r.string();
      const device = r.string();
      const tag = r.byte();
      if (tag > 1) throw new FrameError("unknown_code", "bad option tag");
      const cursor = tag === 1 ? r.varint() : null;
      frame = { type: "Hello", client, device, cursor, manifest: r.manifest() };
      break;
    }
    case 2:
      frame = { type: "Welcome", cursor: r.varint(), changed: r.manifest() };
      break;
    case 3:
      frame = { type: "Sync", doc: r.take(DOCUMENT_ID_BYTES), message: r.bytes() };
      break;
    case 4:
      frame = { type: "Ack", doc: r.take(DOCUMENT_ID_BYTES), heads: r.heads() };
      break;
    case 5:
      frame = { type: "Refused", doc: r.take(DOCUMENT_ID_BYTES), reason: r.code(2), message: r.string() };
      break;
    case 6:
      frame = { type: "Purge", doc: r.take(DOCUMENT_ID_BYTES), reason: r.code(3) };
      break;
    case 7:
      frame = { type: "Error", code: r.code(7), message: r.string() };
      break;
    case 8:
      frame = { type: "CaughtUp", cursor: r.varint() };
      break;
    default:
      throw new FrameError("unknown_type", `unknown frame type ${type}`);
  }
  r.end();
  return frame;
}
