// The worker's check-in link against canned server answers: which contacts offer one, the request it sends, the
// full URL the citizen opens, and a plain problem for every way it can fail.

import { describe, expect, it } from "vitest";
import type { Fetch } from "../src/checkin/api";
import { checkinUrl, createCheckinLink, offersCheckin } from "../src/checkin/link";

const answer = (status: number, body: unknown): Fetch => async () =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("check-in link", () => {
  it("is offered for video and phone contacts only", () => {
    expect(offersCheckin("video")).toBe(true);
    expect(offersCheckin("phone")).toBe(true);
    for (const kind of ["home_visit", "group", "cafe", "office", "acute", ""]) expect(offersCheckin(kind)).toBe(false);
  });

  it("asks for both scales for the contact, with the bearer token, and returns the link", async () => {
    let seen: { url: string; init?: RequestInit } | null = null;
    const link = { token: "t".repeat(43), path: `/checkin#${"t".repeat(43)}`, expires_at: 1_800_000_000_000 };
    const f: Fetch = async (url, init) => {
      seen = { url, init };
      return new Response(JSON.stringify(link), { status: 200 });
    };
    expect(await createCheckinLink("https://x.example", "acc", "2xYz", "c-1", f)).toEqual(link);
    expect(seen!.url).toBe("https://x.example/v1/cases/2xYz/checkins");
    expect(seen!.init?.method).toBe("POST");
    expect((seen!.init?.headers as Record<string, string>).authorization).toBe("Bearer acc");
    expect(JSON.parse(String(seen!.init?.body))).toEqual({ contact_id: "c-1", scales: ["ors", "srs"], minutes_valid: 120 });
  });

  it("builds the citizen's URL from the page's origin and the server's path, keeping the fragment", () => {
    expect(checkinUrl("https://app.example", "/checkin#abc_-1")).toBe("https://app.example/checkin#abc_-1");
    expect(checkinUrl("http://localhost:4173", "/checkin#T")).toBe("http://localhost:4173/checkin#T");
  });

  it("says why no link was made", async () => {
    const down: Fetch = async () => {
      throw new TypeError("fetch failed");
    };
    expect(await createCheckinLink("", "a", "c", "k", down)).toBe("offline");
    expect(await createCheckinLink("", "a", "c", "k", answer(400, { error: { code: "bad_request" } }))).toBe("not_on_server");
    expect(await createCheckinLink("", "a", "c", "k", answer(401, {}))).toBe("login");
    expect(await createCheckinLink("", "a", "c", "k", answer(404, {}))).toBe("refused");
    expect(await createCheckinLink("", "a", "c", "k", answer(403, {}))).toBe("refused");
    // A 200 that is not a check-in link (e.g. a captive portal's page) is not shown as one.
    expect(await createCheckinLink("", "a", "c", "k", answer(200, { path: "https://evil.example/" }))).toBe("refused");
  });
});
