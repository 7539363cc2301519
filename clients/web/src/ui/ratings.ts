// A contact's stored ratings as the worker reads them on the case page and after saving: the form (ORS, CORS,
// GSRS …), the total in points, "(papir)" for a total transcribed from a paper form, skipped, and who rated when
// it was not the citizen.

import type { Contact } from "../case/model";
import { formatPoints, isPaperTotal, totalMm, type Rating } from "../fit";
import { raterLabel, t } from "./i18n";

/** One stored rating as the worker reads it: the form (CORS, GSRS, …), its total in points, flagged when typed
 * from a paper form; "–" when not given. */
function ratingText(slot: "ORS" | "SRS", rating: Rating | null): string {
  if (!rating) return `${slot} –`;
  const form = rating.instrument.toUpperCase();
  if (rating.entry === "skipped") return `${form} ${t("skipped").toLowerCase()}`;
  const total = totalMm(rating);
  return `${form} ${total === null ? "–" : formatPoints(total)}${isPaperTotal(rating) ? ` (${t("paper")})` : ""}`;
}

/** A contact's two ratings, and who gave them when it was not the citizen (assessed as a series of its own). */
export function ratingsText(contact: Contact): string {
  const rater = [contact.ors, contact.srs].find((r) => r && r.rater !== "citizen")?.rater;
  const text = `${ratingText("ORS", contact.ors)} · ${ratingText("SRS", contact.srs)}`;
  return rater ? `${text} · ${raterLabel(rater)}` : text;
}
