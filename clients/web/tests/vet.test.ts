// The client's checks on the server's sync messages (PROTOCOL.md section 5.3).

import * as Automerge from "@automerge/automerge";
import { describe, expect, it } from "vitest";
import { vetSyncMessage } from "../src/sync/vet";

function messages() {
  let a = Automerge.from<{ n: number }>({ n: 0 });
  for (let i = 1; i < 4; i++) a = Automerge.change(a, (d) => void (d.n = i));
  let b = Automerge.init<{ n: number }>();
  let sa = Automerge.initSyncState();
  let sb = Automerge.initSyncState();
  const out: Uint8Array[] = [];
  for (let round = 0; round < 6; round++) {
    let m: Uint8Array | null;
    [sa, m] = Automerge.generateSyncMessage(a, sa);
    if (m) {
      out.push(m);
      [b, sb] = Automerge.receiveSyncMessage(b, sb, m);
    }
    [sb, m] = Automerge.generateSyncMessage(b, sb);
    if (m) {
      out.push(m);
      [a, sa] = Automerge.receiveSyncMessage(a, sa, m);
    }
  }
  return out;
}

describe("vetSyncMessage", () => {
  it("accepts everything automerge itself produces", () => {
    const all = messages();
    expect(all.length).toBeGreaterThan(1);
    for (const m of all) expect(vetSyncMessage(m)).toBeNull();
  });
  it("refuses bytes that are not a sync message", () => {
    expect(vetSyncMessage(new Uint8Array([0x99, 1, 2]))).toBe("not an automerge sync message");
  });
  it("refuses a message with more hashes than the limit allows", () => {
    const [first] = messages();
    const limits = { maxFrameBytes: 1 << 24, maxListLen: 0, maxStringBytes: 4096 };
    expect(vetSyncMessage(first!, limits)).toMatch(/too many hashes/);
  });
});
