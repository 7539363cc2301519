// The worker's team on the phone, so that a colleague is put on a case by name instead of by user id. Each time the
// sync connects the app asks GET /v1/team and keeps the answer sealed in the store; after a reload, offline, the
// stored list is used. Until a list was ever received there is none, and the assign form asks for a user id.
//
// An answer that is not a readable team (a field missing, a server without the route, an admin's 403) is ignored
// and the previous list kept: a broken answer must never stop the worker from assigning.

import type { EncryptedStore } from "../store/idb";

/** The team part of the store, so that tests can give an in-memory one. */
export type TeamStore = Pick<EncryptedStore, "putTeam" | "loadTeam">;

export interface TeamMember {
  id: string;
  username: string;
  role: string;
}

/** GET /v1/team's answer. */
export interface TeamList {
  team_id: string;
  members: TeamMember[];
}

/** Asks the server for the team; resolves to the answer's JSON, or null for any answer other than 200. */
export interface TeamApi {
  get(): Promise<unknown>;
}

const nonEmpty = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

/** Reads GET /v1/team's answer (or the stored copy of one); null when it is not a readable team. */
export function readTeam(value: unknown): TeamList | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const answer = value as Record<string, unknown>;
  if (!nonEmpty(answer.team_id) || !Array.isArray(answer.members)) return null;
  const members: TeamMember[] = [];
  const seen = new Set<string>();
  for (const m of answer.members as unknown[]) {
    if (typeof m !== "object" || m === null) return null;
    const member = m as Record<string, unknown>;
    if (!nonEmpty(member.id) || !nonEmpty(member.username)) return null;
    if (seen.has(member.id)) continue;
    seen.add(member.id);
    members.push({ id: member.id, username: member.username, role: typeof member.role === "string" ? member.role : "" });
  }
  members.sort((a, b) => a.username.localeCompare(b.username));
  return { team_id: answer.team_id, members };
}

export class Team {
  private list: TeamMember[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(private readonly store: TeamStore) {}

  /** The team's members as last received (empty until a list was ever received). */
  get members(): readonly TeamMember[] {
    return this.list;
  }

  /** Calls `listener` whenever the list changes; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes the list stored at an earlier connection, if there is a readable one. */
  async load(): Promise<void> {
    const stored = readTeam(await this.store.loadTeam().catch(() => undefined));
    if (stored) this.use(stored.members);
  }

  /**
   * Asks the server for the team and takes a readable answer: used at once, and stored for the next reload.
   * Resolves to whether it was taken; never rejects (unreachable, refused or unreadable keeps the list).
   */
  async refresh(api: TeamApi): Promise<boolean> {
    let answer: unknown;
    try {
      answer = await api.get();
    } catch {
      return false;
    }
    const read = readTeam(answer);
    if (!read) return false;
    this.use(read.members);
    await this.store.putTeam(read).catch(() => undefined);
    return true;
  }

  private use(members: TeamMember[]) {
    if (JSON.stringify(members) === JSON.stringify(this.list)) return;
    this.list = members;
    for (const listener of this.listeners) listener();
  }
}

/** GET /v1/team on `origin` with the access token `token()` gives (refreshed when it is about to expire). */
export function httpTeam(origin: string, token: () => Promise<string>): TeamApi {
  return {
    async get() {
      const response = await fetch(`${origin}/v1/team`, { headers: { authorization: `Bearer ${await token()}` } });
      return response.ok ? ((await response.json()) as unknown) : null;
    },
  };
}
