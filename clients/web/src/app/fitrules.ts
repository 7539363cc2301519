// The tenant's FIT rule set on the phone. A municipality may load its own cutoffs and thresholds on the server
// (PUT /v1/fit-rules), and the server then assesses its cases with them; the phone must assess with the same set,
// or the worker's alerts and the back office's would disagree. So each time the sync connects the app asks
// GET /v1/fit-rules and keeps the answer sealed in the store, and after a reload, offline, it assesses with the
// stored set. Until a set was ever received it uses sync-core's fit-rules/1, which the app ships.
//
// An answer that is not a readable rule set (a field missing, a server without the route) is ignored and the
// previous set kept: a broken answer must never stop the worker's assessment. The screens are told when the set
// changes, so alerts already on screen are assessed again.

import { readRuleSet, RULES_V1, type RuleSet } from "../fit";
import type { EncryptedStore } from "../store/idb";

/** The rule set part of the store, so that tests can give an in-memory one. */
export type FitRulesStore = Pick<EncryptedStore, "putFitRules" | "loadFitRules">;

/** GET /v1/fit-rules' answer: the tenant's set, and when it was loaded (null for the built-in set). */
export interface TenantRuleSet {
  version: string;
  loaded_at: number | null;
  rules: RuleSet;
}

/** Asks the server for the tenant's set; resolves to the answer's JSON, or null for any answer other than 200. */
export interface FitRulesApi {
  get(): Promise<unknown>;
}

/** Reads GET /v1/fit-rules' answer (or the stored copy of one); null when it is not a readable rule set. */
export function readTenantRuleSet(value: unknown): TenantRuleSet | null {
  if (typeof value !== "object" || value === null) return null;
  const answer = value as Record<string, unknown>;
  const rules = readRuleSet(answer.rules);
  // The version is named twice; an answer that disagrees with itself is not one to assess with.
  if (!rules || answer.version !== rules.version) return null;
  const loaded_at = typeof answer.loaded_at === "number" ? answer.loaded_at : null;
  return { version: rules.version, loaded_at, rules };
}

export class FitRules {
  private rules: RuleSet = RULES_V1;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly store: FitRulesStore) {}

  /** The rule set to assess with now: the tenant's last received, else fit-rules/1. */
  get current(): RuleSet {
    return this.rules;
  }

  /** Calls `listener` whenever the current set changes; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes the set stored at an earlier connection, if there is a readable one. */
  async load(): Promise<void> {
    const stored = readTenantRuleSet(await this.store.loadFitRules().catch(() => undefined));
    if (stored) this.use(stored.rules);
  }

  /**
   * Asks the server for the tenant's set and takes a readable answer: used at once, and stored for the next
   * reload. Resolves to whether it was taken; never rejects (unreachable, refused or unreadable keeps the set).
   */
  async refresh(api: FitRulesApi): Promise<boolean> {
    let answer: unknown;
    try {
      answer = await api.get();
    } catch {
      return false;
    }
    const read = readTenantRuleSet(answer);
    if (!read) return false;
    this.use(read.rules);
    // A store closed meanwhile (locked) or deleted (a revoked device) keeps nothing; the set is asked for again
    // at the next connection.
    await this.store.putFitRules(read).catch(() => undefined);
    return true;
  }

  private use(rules: RuleSet) {
    if (JSON.stringify(rules) === JSON.stringify(this.rules)) return;
    this.rules = rules;
    for (const listener of this.listeners) listener();
  }
}

/** GET /v1/fit-rules on `origin` with the access token `token()` gives (refreshed when it is about to expire). */
export function httpFitRules(origin: string, token: () => Promise<string>): FitRulesApi {
  return {
    async get() {
      const response = await fetch(`${origin}/v1/fit-rules`, { headers: { authorization: `Bearer ${await token()}` } });
      return response.ok ? ((await response.json()) as unknown) : null;
    },
  };
}
