// Checks a sync message from the server before it reaches automerge, as sync-core/src/protocol/sync_message.rs
// checks the client's (PROTOCOL.md section 5.3): sorted, bounded hash lists, at most 4 `have` entries, and bloom
// filters with bits and 1–64 probes. A message that fails is a protocol violation, not something to apply.

import * as Automerge from "@automerge/automerge";
import { DEFAULT_LIMITS, type Limits } from "./frames";

export const MAX_HAVES = 4;
export const MAX_BLOOM_PROBES = 64;

/** Returns null when the message is acceptable, else why not (no document content in the reason). */
export function vetSyncMessage(bytes: Uint8Array, limits: Limits = DEFAULT_LIMITS): string | null {
  let message: ReturnType<typeof Automerge.decodeSyncMessage>;
  try {
    message = Automerge.decodeSyncMessage(bytes);
  } catch {
    return "not an automerge sync message";
  }
  const hashes = (field: string, list: string[]) => {
    if (list.length > limits.maxListLen) return `${field}: too many hashes`;
    for (let i = 1; i < list.length; i++) if (!(list[i - 1]! < list[i]!)) return `${field} not strictly ascending`;
    return null;
  };
  const problem = hashes("heads", message.heads) ?? hashes("need", message.need);
  if (problem) return problem;
  if (message.have.length > MAX_HAVES) return "too many have entries";
  for (const have of message.have) {
    const p = hashes("have.last_sync", have.lastSync) ?? bloom(have.bloom);
    if (p) return p;
  }
  return null;
}

/** A bloom filter is empty, or three LEB128 varints (entries, bits per entry, probes) and at least one byte. */
function bloom(encoded: Uint8Array): string | null {
  if (encoded.length === 0) return null;
  let at = 0;
  const varint = (): number | null => {
    let value = 0;
    for (let i = 0; i < 10 && at < encoded.length; i++) {
      const b = encoded[at++]!;
      value += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return i > 0 && b === 0 ? null : value;
    }
    return null;
  };
  const entries = varint();
  const bits = varint();
  const probes = varint();
  if (entries === null || bits === null || probes === null) return "malformed bloom filter";
  if (probes < 1 || probes > MAX_BLOOM_PROBES || at >= encoded.length) return "malformed bloom filter";
  return null;
}
