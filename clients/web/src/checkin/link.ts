// The worker's side of a check-in: `POST /v1/cases/{id}/checkins` creates a one-time link for one recorded video or
// phone contact; the citizen opens it on their own phone. The link is a credential, so it is kept in memory only
// (never in the store) and shown to the worker to copy and send.

import type { Fetch } from "./api";

/** Contact kinds the server accepts a check-in for (server/src/api/checkin.rs). */
export const CHECKIN_KINDS: readonly string[] = ["video", "phone"];

export const offersCheckin = (kind: string): boolean => CHECKIN_KINDS.includes(kind);

export interface CheckinLink {
  token: string;
  /** `/checkin#<token>`: the token is in the fragment, so it never reaches a server or proxy log. */
  path: string;
  expires_at: number;
}

/**
 * Why no link was made. `offline`: no connection; `not_on_server`: the server does not know the contact yet
 * (recorded on the phone, not synced) or refused its kind; `login`: the token was refused; `refused`: anything else.
 */
export type LinkProblem = "offline" | "not_on_server" | "login" | "refused";

/** The link the citizen opens: the page's own origin and the server's path (the server serves /checkin). */
export function checkinUrl(origin: string, path: string): string {
  return new URL(path, origin).href;
}

export async function createCheckinLink(
  api: string,
  accessToken: string,
  caseIdText: string,
  contactId: string,
  f: Fetch = fetch,
): Promise<CheckinLink | LinkProblem> {
  let response: Response;
  try {
    response = await f(`${api}/v1/cases/${encodeURIComponent(caseIdText)}/checkins`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ contact_id: contactId, scales: ["ors", "srs"], minutes_valid: 120 }),
    });
  } catch {
    return "offline";
  }
  if (response.status === 400) return "not_on_server";
  if (response.status === 401) return "login";
  if (!response.ok) return "refused";
  const body = (await response.json().catch(() => null)) as Partial<CheckinLink> | null;
  if (
    !body ||
    typeof body.token !== "string" ||
    typeof body.path !== "string" ||
    !body.path.startsWith("/checkin#") ||
    typeof body.expires_at !== "number"
  ) {
    return "refused";
  }
  return { token: body.token, path: body.path, expires_at: body.expires_at };
}
