// Encryption of the local store. Every record is sealed with AES-GCM under a random 256-bit data key; the data
// key is kept in the store only wrapped (AES-GCM) by a key derived from the password with argon2id. A password
// changed on the server then means re-wrapping one key, not re-encrypting (or losing) the store: the phone's
// unsent work stays readable with the previous password once, and the new one from then on.
//
// The keys in memory are non-extractable: the data key is generated extractable only long enough to be wrapped,
// and is then used as the non-extractable copy that unwrapping gives. A lost phone's IndexedDB holds ciphertext,
// the argon2id salt and parameters, and the wrapped key.
//
// argon2id comes from hash-wasm: its WebAssembly is inlined in the module (no separate asset for the service
// worker to cache) and the same code runs in Chromium and in Node for the unit tests.

import { argon2id } from "hash-wasm";

/** How the key-encryption key is derived from the password. Stored beside the wrapped key. */
export interface KdfParams {
  name: "argon2id";
  /** Memory in KiB. */
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

/**
 * OWASP's recommended argon2id setting (m = 19 MiB, t = 2, p = 1): well under a second on a phone, and each guess
 * at a stolen store's password costs the same memory.
 */
export const ARGON2ID: KdfParams = { name: "argon2id", memoryKiB: 19 * 1024, iterations: 2, parallelism: 1 };

/** The iterations of the first store format's PBKDF2 key, which encrypted records directly; read to migrate. */
export const LEGACY_PBKDF2_ITERATIONS = 310_000;

/** Additional data of the wrapped data key, so no record's ciphertext can stand in for it. */
const DATA_KEY_AAD = "tovholder-data-key-v2";

export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(n));
}

const encode = (text: string) => new TextEncoder().encode(text);

/** The key-encryption key: argon2id of the password, usable only to wrap and unwrap the data key. */
export async function passwordKey(password: string, salt: Uint8Array<ArrayBuffer>, params: KdfParams): Promise<CryptoKey> {
  const raw = await argon2id({
    password,
    salt,
    parallelism: params.parallelism,
    iterations: params.iterations,
    memorySize: params.memoryKiB,
    hashLength: 32,
    outputType: "binary",
  });
  try {
    return await crypto.subtle.importKey("raw", new Uint8Array(raw), "AES-GCM", false, ["wrapKey", "unwrapKey"]);
  } finally {
    raw.fill(0);
  }
}

/** A fresh data key. Extractable only so that it can be wrapped; use the copy `unwrapDataKey` returns. */
export function newDataKey(): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
}

export async function wrapDataKey(kek: CryptoKey, dataKey: CryptoKey): Promise<Sealed> {
  const iv = randomBytes(12);
  const data = await crypto.subtle.wrapKey("raw", dataKey, kek, { name: "AES-GCM", iv, additionalData: encode(DATA_KEY_AAD) });
  return { iv, data };
}

/**
 * Unwraps the data key; throws when `kek` is not the key it was wrapped with (the GCM tag fails), which is how a
 * wrong password shows. `extractable` only for re-wrapping it under a new password.
 */
export function unwrapDataKey(kek: CryptoKey, wrapped: Sealed, extractable = false): Promise<CryptoKey> {
  return crypto.subtle.unwrapKey(
    "raw",
    wrapped.data,
    kek,
    { name: "AES-GCM", iv: wrapped.iv, additionalData: encode(DATA_KEY_AAD) },
    { name: "AES-GCM", length: 256 },
    extractable,
    ["encrypt", "decrypt"],
  );
}

/** The first store format's record key: PBKDF2-SHA-256 of the password. Only read now, to migrate such a store. */
export async function legacyKey(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations = LEGACY_PBKDF2_ITERATIONS,
): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", encode(password), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", salt, iterations, hash: "SHA-256" },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

export interface Sealed {
  iv: Uint8Array<ArrayBuffer>;
  data: ArrayBuffer;
}

/**
 * Encrypts with a fresh 96-bit IV. `aad` binds the ciphertext to its record key, so a record copied under
 * another key (one document's bytes swapped for another's) fails to decrypt instead of being read as it.
 */
export async function seal(key: CryptoKey, plain: Uint8Array<ArrayBuffer>, aad: string): Promise<Sealed> {
  const iv = randomBytes(12);
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encode(aad) }, key, plain);
  return { iv, data };
}

export async function open(key: CryptoKey, sealed: Sealed, aad: string): Promise<Uint8Array<ArrayBuffer>> {
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv, additionalData: encode(aad) }, key, sealed.data);
  return new Uint8Array(plain);
}

export async function sealJson(key: CryptoKey, value: unknown, aad: string): Promise<Sealed> {
  return seal(key, encode(JSON.stringify(value)), aad);
}

export async function openJson<T>(key: CryptoKey, sealed: Sealed, aad: string): Promise<T> {
  return JSON.parse(new TextDecoder().decode(await open(key, sealed, aad))) as T;
}
