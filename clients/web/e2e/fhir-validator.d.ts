// Types for @asymmetrik/fhir-json-schema-validator (plain CommonJS, no types of its own): the one class the FHIR
// export test uses.
declare module "@asymmetrik/fhir-json-schema-validator" {
  export default class JSONSchemaValidator {
    constructor(schema?: unknown, ajvSettings?: unknown);
    /** The schema errors of `resource`; empty when it is valid. */
    validate(resource: unknown, verbose?: boolean): unknown[];
  }
}
