// The citizen's check-in link as the page uses it: `GET /v1/checkin/{token}` for what to show and
// `POST /v1/checkin/{token}` with the scores in millimetres. The link is the credential (no login); a used or
// expired link is answered 410 with `checkin_used` / `checkin_expired`, an unknown one 404.

import type { Instrument } from "../fit";

export interface CheckinPage {
  municipality: string;
  scales: { instrument: Instrument; items: { key: string; da: string; en: string }[] }[];
  expires_at: number;
}

export type CheckinProblem = "used" | "expired" | "unknown" | "unreachable" | "refused";

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** The token travels in the URL fragment (`/checkin#<token>`), so it never reaches a server or proxy log. */
export function tokenFromHash(hash: string): string | null {
  const token = decodeURIComponent(hash.replace(/^#/, ""));
  return /^[A-Za-z0-9_-]{16,128}$/.test(token) ? token : null;
}

async function problemOf(response: Response): Promise<CheckinProblem> {
  if (response.status === 404) return "unknown";
  if (response.status === 410) {
    const body = (await response.json().catch(() => null)) as { error?: { code?: string } } | null;
    return body?.error?.code === "checkin_used" ? "used" : "expired";
  }
  return "refused";
}

export async function loadCheckin(api: string, token: string, f: Fetch = fetch): Promise<CheckinPage | CheckinProblem> {
  try {
    const response = await f(`${api}/v1/checkin/${encodeURIComponent(token)}`);
    return response.ok ? ((await response.json()) as CheckinPage) : problemOf(response);
  } catch {
    return "unreachable";
  }
}

export async function submitCheckin(
  api: string,
  token: string,
  scores: { ors?: number[]; srs?: number[] },
  f: Fetch = fetch,
): Promise<"saved" | CheckinProblem> {
  try {
    const response = await f(`${api}/v1/checkin/${encodeURIComponent(token)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(scores),
    });
    return response.ok ? "saved" : problemOf(response);
  } catch {
    return "unreachable";
  }
}
