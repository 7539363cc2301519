// The server's HTTP API as the app uses it: where it is, and logging in. The server does not serve the app yet,
// so its origin is configurable (a `?api=` parameter remembered in localStorage, or VITE_API_ORIGIN at build
// time); by default it is the app's own origin, which is how `tovholder serve` will run it.

export interface LoginResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  /** Present once the server issues refresh tokens (POST /v1/auth/refresh, rotated on every use). */
  refresh_token?: string;
  refresh_expires_in?: number;
  device_id: string;
  user: { id: string; username: string; role: string; tenant: string; tenant_slug: string; team_id: string | null };
}

export class LoginRefused extends Error {
  constructor(readonly status: number) {
    super(`login refused (${status})`);
    this.name = "LoginRefused";
  }
}

export function apiOrigin(): string {
  const fromQuery = new URLSearchParams(location.search).get("api");
  if (fromQuery) localStorage.setItem("tovholder.api", fromQuery);
  return (
    localStorage.getItem("tovholder.api") ?? (import.meta.env.VITE_API_ORIGIN as string | undefined) ?? location.origin
  ).replace(/\/$/, "");
}

/**
 * The sync WebSocket's URL for a device of the municipality `tenant`: `ws(s)://…/v1/sync?tenant=<slug>`, the hint a
 * load balancer routes on (docs/PROTOCOL.md section 2; sync-core's `sync_path` builds the same).
 */
export function syncUrl(api: string, tenant: string): string {
  return `${api.replace(/^http/, "ws")}/v1/sync?tenant=${encodeURIComponent(tenant)}`;
}

/** Logs in; throws LoginRefused for an answer other than 200, and a TypeError when the network is unreachable. */
export async function login(
  api: string,
  body: { tenant: string; username: string; password: string; device: string; device_id?: string },
): Promise<LoginResponse> {
  const response = await fetch(`${api}/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new LoginRefused(response.status);
  return (await response.json()) as LoginResponse;
}

export interface RefreshResponse {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
  device_id: string;
}

/** Trades a refresh token for new tokens. The old refresh token is spent, whatever happens next. */
/** The refresh token's device was revoked (a lost phone): the app deletes what it holds. */
export class RevokedDevice extends Error {
  constructor() {
    super("this device was revoked");
    this.name = "RevokedDevice";
  }
}

export async function refresh(api: string, refreshToken: string): Promise<RefreshResponse> {
  const response = await fetch(`${api}/v1/auth/refresh`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ refresh_token: refreshToken }),
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { code?: string } } | null;
    if (body?.error?.code === "device_revoked") throw new RevokedDevice();
    throw new LoginRefused(response.status);
  }
  return (await response.json()) as RefreshResponse;
}
