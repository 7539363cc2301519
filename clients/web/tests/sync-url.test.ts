// The sync URL names the device's municipality for a load balancer: the examples of docs/PROTOCOL.md section 2,
// which sync-core's `sync_path` test checks too.

import { describe, expect, it } from "vitest";
import { syncUrl } from "../src/app/api";

describe("syncUrl", () => {
  it("turns the API origin into the sync WebSocket with the municipality", () => {
    expect(syncUrl("http://127.0.0.1:8080", "hoeje-taastrup")).toBe("ws://127.0.0.1:8080/v1/sync?tenant=hoeje-taastrup");
    expect(syncUrl("https://tovholder.kommune.dk", "kø benhavn")).toBe(
      "wss://tovholder.kommune.dk/v1/sync?tenant=k%C3%B8%20benhavn",
    );
  });
});
