// Checking one rating and reading its total, as sync-core/src/fit/rating.rs and text.rs do: a partial item set is
// refused (never padded), items are 0–100 mm, a paper total 0–400 mm, and "skipped" is valid without a total.

import { ITEM_COUNT, ITEM_MAX_MM, TOTAL_MAX_MM, type Instrument, type RaterKind, type Rating } from "./instrument";
import { invalid, type ValidationError } from "./validation";

/** The item scores, if the rating was given item by item. */
export function itemScores(rating: Rating): number[] | null {
  return typeof rating.entry === "object" && "items" in rating.entry ? rating.entry.items.items : null;
}

export function isPaperTotal(rating: Rating): boolean {
  return typeof rating.entry === "object" && "paper_total" in rating.entry;
}

/** The total in mm, or null when skipped. Call only on a validated rating. */
export function totalMm(rating: Rating): number | null {
  const items = itemScores(rating);
  if (items) return items.reduce((sum, mm) => sum + mm, 0);
  if (typeof rating.entry === "object" && "paper_total" in rating.entry) return rating.entry.paper_total.total_mm;
  return null;
}

const isWhole = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n);

/** Validates a rating; `null` means valid. The field is relative to the rating. */
export function validateRating(rating: Rating): ValidationError | null {
  const entry = rating.entry;
  if (entry === "skipped") return null;
  if (typeof entry === "object" && entry !== null && "items" in entry) {
    const items = entry.items?.items;
    if (!Array.isArray(items) || items.length !== ITEM_COUNT) {
      const got = Array.isArray(items) ? items.length : 0;
      return invalid("items", "partial_items", `${rating.instrument} needs all ${ITEM_COUNT} items, got ${got}`);
    }
    const i = items.findIndex((mm) => !isWhole(mm) || mm < 0 || mm > ITEM_MAX_MM);
    return i < 0 ? null : invalid(`items[${i}]`, "out_of_range", `an item is 0 to ${ITEM_MAX_MM} mm`);
  }
  if (typeof entry === "object" && entry !== null && "paper_total" in entry) {
    const total = entry.paper_total?.total_mm;
    return isWhole(total) && total >= 0 && total <= TOTAL_MAX_MM
      ? null
      : invalid("total_mm", "out_of_range", `a total is 0 to ${TOTAL_MAX_MM} mm`);
  }
  return invalid("entry", "malformed", "not a rating entry");
}

/** Parses points with at most one decimal ("6.5") into millimetres, as sync-core's parse_points. */
export function parsePoints(text: string): number | "malformed" | "too_large" {
  const trimmed = text.trim();
  let negative = false;
  let unsigned = trimmed;
  if (trimmed.startsWith("-")) {
    negative = true;
    unsigned = trimmed.slice(1);
  } else if (trimmed.startsWith("+")) {
    unsigned = trimmed.slice(1);
  }
  const dot = unsigned.indexOf(".");
  const whole = dot < 0 ? unsigned : unsigned.slice(0, dot);
  const decimal = dot < 0 ? null : unsigned.slice(dot + 1);
  const allDigits = (s: string) => s.length > 0 && /^[0-9]+$/.test(s);
  if (!allDigits(whole)) return "malformed";
  let tenths = 0;
  if (decimal !== null) {
    if (decimal.length !== 1 || !allDigits(decimal)) return "malformed";
    tenths = Number(decimal);
  }
  const mm = BigInt(whole) * 10n + BigInt(tenths);
  if (mm > BigInt(Number.MAX_SAFE_INTEGER)) return "too_large";
  return negative ? -Number(mm) : Number(mm);
}

function pointsField(text: string, field: string): number | ValidationError {
  const parsed = parsePoints(text);
  if (parsed === "malformed") return invalid(field, "malformed", "not a score in points with at most one decimal");
  if (parsed === "too_large") return invalid(field, "out_of_range", "the number is far too large for a score");
  return parsed;
}

const isError = (v: number | ValidationError): v is ValidationError => typeof v === "object";

/** Four typed item scores in points, comma-separated, e.g. "6.5,5.0,7.2,6.0". */
export function parseItems(instrument: Instrument, text: string, rater: RaterKind): Rating | ValidationError {
  if (text.trim() === "") return invalid("items", "missing", `type the ${ITEM_COUNT} item scores`);
  const parts = text.split(",");
  if (parts.length !== ITEM_COUNT) {
    return invalid("items", "partial_items", `${instrument} needs all ${ITEM_COUNT} items, got ${parts.length}`);
  }
  const items: number[] = [];
  for (const [i, part] of parts.entries()) {
    const mm = pointsField(part, `items[${i}]`);
    if (isError(mm)) return mm;
    items.push(mm);
  }
  const rating: Rating = { instrument, entry: { items: { items } }, rater };
  return validateRating(rating) ?? rating;
}

/** A paper form's total typed in points, e.g. "24.7". */
export function parsePaperTotal(instrument: Instrument, text: string, rater: RaterKind): Rating | ValidationError {
  const mm = pointsField(text, "total_mm");
  if (isError(mm)) return mm;
  const rating: Rating = { instrument, entry: { paper_total: { total_mm: mm } }, rater };
  return validateRating(rating) ?? rating;
}

/** Millimetres shown as points with one decimal: 247 → "24.7". */
export function formatPoints(mm: number): string {
  const sign = mm < 0 ? "-" : "";
  const abs = Math.abs(mm);
  return `${sign}${Math.floor(abs / 10)}.${abs % 10}`;
}
