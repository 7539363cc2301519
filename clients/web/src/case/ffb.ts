// KL's FFB code system, read from the file sync-core embeds (sync-core/data/ffb-codesystem.json), indexed like
// sync-core/src/case/ffb.rs: the codes under "Ydelse" (services) and "Måltype" (goal types), by UUID code with
// their Danish display names, so the phone accepts and names exactly the codes the server does.

import codeSystem from "../../../../sync-core/data/ffb-codesystem.json";

interface Concept {
  code: string;
  display: string;
  concept?: Concept[];
}

function findConcept(concepts: Concept[], display: string): Concept | undefined {
  for (const c of concepts) {
    if (c.display === display) return c;
    const found = findConcept(c.concept ?? [], display);
    if (found) return found;
  }
  return undefined;
}

function descendantsOf(concepts: Concept[], root: string): Map<string, string> {
  const found = new Map<string, string>();
  const collect = (list: Concept[]) => {
    for (const c of list) {
      found.set(c.code, c.display);
      collect(c.concept ?? []);
    }
  };
  collect(findConcept(concepts, root)?.concept ?? []);
  return found;
}

const concepts = (codeSystem as { concept: Concept[] }).concept;

/** Services (ydelser), code → Danish display name. */
export const FFB_SERVICES: ReadonlyMap<string, string> = descendantsOf(concepts, "Ydelse");
/** Services in the code system's order, each with its depth (0: a service, 1: a sub-service …), for a picker. */
export const FFB_SERVICE_TREE: readonly { code: string; display: string; depth: number }[] = (() => {
  const out: { code: string; display: string; depth: number }[] = [];
  const walk = (list: Concept[], depth: number) => {
    for (const c of list) {
      out.push({ code: c.code, display: c.display, depth });
      walk(c.concept ?? [], depth + 1);
    }
  };
  walk(findConcept(concepts, "Ydelse")?.concept ?? [], 0);
  return out;
})();
/** Goal types (måltyper), code → Danish display name. */
export const FFB_GOAL_TYPES: ReadonlyMap<string, string> = descendantsOf(concepts, "Måltype");
