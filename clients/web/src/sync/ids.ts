// Document ids and change hashes in their three forms: raw bytes on the wire, hex in memory and in IndexedDB
// keys (automerge's getHeads() already speaks hex), and automerge-repo's base58check text form for URLs
// (PROTOCOL.md section 11), so that links stay valid for a future automerge-repo compatibility endpoint.

import { sha256 } from "@noble/hashes/sha2.js";

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) throw new Error("not a hex string");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A fresh document id: a UUID v4's 16 bytes (122 random bits), from the platform's CSPRNG. */
export function newDocumentId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

/** A UUID string for the keys of the case document's maps (contacts, goals …), as the Rust model uses. */
export function newUuid(): string {
  return crypto.randomUUID();
}

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

function base58(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = "";
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = "1" + out;
  }
  return out;
}

function unbase58(text: string): Uint8Array | null {
  let n = 0n;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    n = n * 58n + BigInt(v);
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const ch of text) {
    if (ch !== "1") break;
    bytes.unshift(0);
  }
  return Uint8Array.from(bytes);
}

/** The text form of a document id (hex in, base58check out), e.g. `11`×16 → `EnrGHeqCd5UQ2jTW2Mo32rzJipp`. */
export function documentIdText(hex: string): string {
  const bytes = fromHex(hex);
  const check = sha256(sha256(bytes)).slice(0, 4);
  const all = new Uint8Array(bytes.length + 4);
  all.set(bytes);
  all.set(check, bytes.length);
  return base58(all);
}

/** Parses the text form (with or without `automerge:`) back to hex; null if it is not a valid id. */
export function parseDocumentIdText(text: string): string | null {
  const raw = unbase58(text.replace(/^automerge:/, ""));
  if (!raw || raw.length !== 20) return null;
  const bytes = raw.slice(0, 16);
  const check = sha256(sha256(bytes)).slice(0, 4);
  return check.every((b, i) => b === raw[16 + i]) ? toHex(bytes) : null;
}
