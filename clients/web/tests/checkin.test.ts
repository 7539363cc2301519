// The citizen check-in client against canned server answers: the page, a saved submission, and the plain
// answers for a used, expired or unknown link.

import { describe, expect, it } from "vitest";
import { loadCheckin, submitCheckin, tokenFromHash, type Fetch } from "../src/checkin/api";

const answer = (status: number, body: unknown): Fetch => async () =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("check-in", () => {
  it("reads the token from the fragment only when it looks like one", () => {
    expect(tokenFromHash("#abcdefghijklmnop_-12")).toBe("abcdefghijklmnop_-12");
    expect(tokenFromHash("#short")).toBeNull();
    expect(tokenFromHash("#../../v1/me")).toBeNull();
  });
  it("loads the page", async () => {
    const page = { municipality: "Høje-Taastrup", scales: [{ instrument: "srs", items: [] }], expires_at: 1 };
    expect(await loadCheckin("", "t".repeat(20), answer(200, page))).toEqual(page);
  });
  it("says plainly when the link was used, expired or never existed", async () => {
    const gone = (code: string) => answer(410, { error: { code, message: "" } });
    expect(await loadCheckin("", "t".repeat(20), gone("checkin_used"))).toBe("used");
    expect(await submitCheckin("", "t".repeat(20), { srs: [1, 2, 3, 4] }, gone("checkin_expired"))).toBe("expired");
    expect(await loadCheckin("", "t".repeat(20), answer(404, {}))).toBe("unknown");
  });
  it("posts the scores in millimetres", async () => {
    let sent: unknown = null;
    const f: Fetch = async (_url, init) => {
      sent = JSON.parse(String(init?.body));
      return new Response(JSON.stringify({ status: "saved" }), { status: 200 });
    };
    expect(await submitCheckin("", "t".repeat(20), { ors: [10, 20, 30, 40] }, f)).toBe("saved");
    expect(sent).toEqual({ ors: [10, 20, 30, 40] });
  });
  it("reports an unreachable server without throwing", async () => {
    const down: Fetch = async () => {
      throw new TypeError("fetch failed");
    };
    expect(await loadCheckin("", "t".repeat(20), down)).toBe("unreachable");
  });
});
