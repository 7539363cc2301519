// Validation errors with the same field names and problem codes as sync-core/src/validation.rs, so the phone
// refuses exactly what the server would refuse, and says why in the same terms.

export type Problem =
  | "out_of_range"
  | "partial_items"
  | "missing"
  | "unknown_code"
  | "end_before_start"
  | "malformed"
  | "too_long"
  | "unsupported_schema"
  | "unknown_field"
  | "too_large"
  | "removed"
  | "immutable"
  | "duplicate";

export interface ValidationError {
  field: string;
  problem: Problem;
  message: string;
}

export function invalid(field: string, problem: Problem, message: string): ValidationError {
  return { field, problem, message };
}

/** Prefixes the field with the path of the object it was found in, e.g. `ors` + `items[2]` → `ors.items[2]`. */
export function within(error: ValidationError, prefix: string): ValidationError {
  return { ...error, field: error.field === "" ? prefix : `${prefix}.${error.field}` };
}
