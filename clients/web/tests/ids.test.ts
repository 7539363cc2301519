// Document ids: automerge-repo's base58check text form (PROTOCOL.md section 11) and its inverse.

import { describe, expect, it } from "vitest";
import { documentIdText, newDocumentId, parseDocumentIdText } from "../src/sync/ids";

describe("document ids", () => {
  it("spells 11×16 as the protocol's example", () => {
    expect(documentIdText("11".repeat(16))).toBe("EnrGHeqCd5UQ2jTW2Mo32rzJipp");
  });
  it("parses the text form back, with or without the automerge: prefix", () => {
    const id = newDocumentId();
    expect(parseDocumentIdText(documentIdText(id))).toBe(id);
    expect(parseDocumentIdText(`automerge:${documentIdText(id)}`)).toBe(id);
  });
  it("rejects a text form with a wrong checksum", () => {
    expect(parseDocumentIdText("EnrGHeqCd5UQ2jTW2Mo32rzJipq")).toBeNull();
    expect(parseDocumentIdText("0OIl")).toBeNull();
  });
  it("makes ids of 16 bytes with the UUID v4 version bits", () => {
    const id = newDocumentId();
    expect(id).toMatch(/^[0-9a-f]{12}4[0-9a-f]{19}$/);
  });
});
