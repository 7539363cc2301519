// The frame codec against the hex examples of docs/PROTOCOL.md section 4.1, round trips of every frame type, and
// the inputs a decoder must reject (section 3.2).

import { describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame, FrameError, type Frame } from "../src/sync/frames";

const hex = (s: string) => Uint8Array.from((s.replace(/\s+/g, "").match(/../g) ?? []).map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const fill = (n: number, byte: number) => new Uint8Array(n).fill(byte);
const doc11 = fill(16, 0x11);
const headAb = fill(32, 0xab);

const HELLO_HEX =
  "01 01 07 746f762f302e31 02 6431 01 ac02 01" + " 11".repeat(16) + " 01" + " ab".repeat(32);
const ACK_HEX = "01 04" + " 11".repeat(16) + " 01" + " ab".repeat(32);

function rejects(bytes: Uint8Array, kind: FrameError["kind"]) {
  try {
    decodeFrame(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(FrameError);
    expect((e as FrameError).kind).toBe(kind);
    return;
  }
  throw new Error("decoded, but should have been rejected");
}

describe("PROTOCOL.md examples", () => {
  it("encodes the Hello example in 66 bytes", () => {
    const frame: Frame = {
      type: "Hello",
      client: "tov/0.1",
      device: "d1",
      cursor: 300n,
      manifest: [{ doc: doc11, heads: [headAb] }],
    };
    const bytes = encodeFrame(frame);
    expect(bytes.length).toBe(66);
    expect(toHex(bytes)).toBe(toHex(hex(HELLO_HEX)));
    expect(decodeFrame(bytes)).toEqual(frame);
  });
  it("encodes the Ack example in 51 bytes", () => {
    const bytes = encodeFrame({ type: "Ack", doc: doc11, heads: [headAb] });
    expect(bytes.length).toBe(51);
    expect(toHex(bytes)).toBe(toHex(hex(ACK_HEX)));
  });
  it("encodes CaughtUp, Error and Purge", () => {
    expect(toHex(encodeFrame({ type: "CaughtUp", cursor: 300n }))).toBe("0108ac02");
    expect(toHex(encodeFrame({ type: "Error", code: 3, message: "slow down" }))).toBe("0107030973" + "6c6f7720646f776e");
    expect(toHex(encodeFrame({ type: "Purge", doc: doc11, reason: 0 }))).toBe("0106" + "11".repeat(16) + "00");
  });
});

describe("round trips", () => {
  const frames: Frame[] = [
    { type: "Hello", client: "web/0.1", device: "dev-æøå", cursor: null, manifest: [] },
    { type: "Hello", client: "", device: "d", cursor: (1n << 64n) - 1n, manifest: [{ doc: doc11, heads: [] }] },
    { type: "Welcome", cursor: 0n, changed: [{ doc: doc11, heads: [headAb, fill(32, 0xcd)] }] },
    { type: "Sync", doc: doc11, message: hex("42 00 01 02") },
    { type: "Sync", doc: doc11, message: fill(200, 7) },
    { type: "Ack", doc: doc11, heads: [] },
    { type: "Refused", doc: doc11, reason: 1, message: "ugyldig" },
    { type: "Purge", doc: doc11, reason: 3 },
    { type: "Error", code: 7, message: "" },
    { type: "CaughtUp", cursor: 127n },
    { type: "CaughtUp", cursor: 128n },
  ];
  for (const frame of frames) {
    it(`${frame.type} decodes to itself and re-encodes to the same bytes`, () => {
      const bytes = encodeFrame(frame);
      const back = decodeFrame(bytes);
      expect(back).toEqual(frame);
      expect(toHex(encodeFrame(back))).toBe(toHex(bytes));
    });
  }
});

describe("strict decoding", () => {
  it("rejects another protocol version before anything else", () => rejects(hex("02 08 00"), "version"));
  it("rejects trailing bytes", () => rejects(hex("01 08 00 00"), "trailing"));
  it("rejects an unknown frame type", () => rejects(hex("01 09"), "unknown_type"));
  it("rejects an unknown enum code", () => {
    rejects(hex("01 06" + "11".repeat(16) + "04"), "unknown_code");
    rejects(hex("01 07 08 00"), "unknown_code");
    rejects(hex("01 05" + "11".repeat(16) + "03 00"), "unknown_code");
  });
  it("rejects a bad option tag", () => rejects(hex("01 01 00 00 02 00"), "unknown_code"));
  it("rejects a non-minimal varint", () => rejects(hex("01 08 80 00"), "varint"));
  it("rejects an overlong varint", () => {
    rejects(hex("01 08 ff ff ff ff ff ff ff ff ff 02"), "varint");
    rejects(hex("01 08 ff ff ff ff ff ff ff ff ff ff 01"), "varint");
    expect(decodeFrame(hex("01 08 ff ff ff ff ff ff ff ff ff 01"))).toEqual({
      type: "CaughtUp",
      cursor: (1n << 64n) - 1n,
    });
  });
  it("rejects invalid UTF-8", () => rejects(hex("01 07 00 01 ff"), "utf8"));
  it("rejects a string beyond max_string_bytes", () => rejects(hex("01 07 00 81 20"), "limit"));
  it("rejects a count that cannot fit in what is left", () => rejects(hex("01 04" + "11".repeat(16) + "02"), "truncated"));
  it("rejects a list beyond max_list_len", () => rejects(hex("01 04" + "11".repeat(16) + "a1 8d 06"), "limit"));
  it("rejects a truncated frame", () => {
    rejects(hex("01"), "truncated");
    rejects(hex("01 03" + "11".repeat(15)), "truncated");
  });
  it("refuses to encode a wrong-sized id", () => {
    expect(() => encodeFrame({ type: "Purge", doc: fill(15, 1), reason: 0 })).toThrow(FrameError);
  });
});
