// The FIT chart: ORS and SRS totals per contact as an inline SVG line chart with the cutoff lines, scaled to
// the screen's width. Paper totals are drawn as hollow points, since a transcribed total is weaker evidence.

import type { Assessment } from "../fit";
import { formatPoints } from "../fit";
import { svg } from "./dom";
import { t } from "./i18n";

const W = 340;
const H = 200;
const PAD = { left: 30, right: 10, top: 10, bottom: 24 };

export function fitChart(assessment: Assessment): SVGElement {
  const n = assessment.contacts.length;
  const x = (i: number) => PAD.left + (n <= 1 ? (W - PAD.left - PAD.right) / 2 : (i * (W - PAD.left - PAD.right)) / (n - 1));
  const y = (mm: number) => PAD.top + (1 - mm / 400) * (H - PAD.top - PAD.bottom);
  const summary = assessment.contacts
    .map((c, i) => `${i + 1}: ORS ${c.ors_total_mm === null ? "–" : formatPoints(c.ors_total_mm)}, SRS ${c.srs_total_mm === null ? "–" : formatPoints(c.srs_total_mm)}`)
    .join("; ");
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "fit-chart", "aria-label": `${t("fitChart")}. ${summary}` });
  for (const mm of [0, 100, 200, 300, 400]) {
    root.append(svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y(mm), y2: y(mm), class: "grid" }));
    root.append(svg("text", { x: PAD.left - 4, y: y(mm) + 4, class: "axis", "text-anchor": "end" }, String(mm / 10)));
  }
  const orsCutoff = [...assessment.contacts].reverse().find((c) => c.ors_cutoff_mm !== null)?.ors_cutoff_mm ?? 250;
  const srsCutoff = [...assessment.contacts].reverse().find((c) => c.srs_cutoff_mm !== null)?.srs_cutoff_mm ?? 360;
  for (const [mm, cls, name] of [
    [orsCutoff, "cutoff ors", `ORS ${t("cutoff")} ${formatPoints(orsCutoff)}`],
    [srsCutoff, "cutoff srs", `SRS ${t("cutoff")} ${formatPoints(srsCutoff)}`],
  ] as const) {
    root.append(svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y(mm), y2: y(mm), class: cls }));
    // Labelled at the left end, under the line, where the series rarely run.
    root.append(svg("text", { x: PAD.left + 2, y: y(mm) + 11, class: `axis ${cls}` }, name));
  }
  const series = (key: "ors" | "srs") => {
    const points = assessment.contacts.flatMap((c, i) => {
      const v = key === "ors" ? c.ors_total_mm : c.srs_total_mm;
      return v === null ? [] : [{ i, v, paper: key === "ors" ? c.ors_paper_total : c.srs_paper_total }];
    });
    if (points.length > 1) {
      root.append(svg("polyline", { points: points.map((p) => `${x(p.i)},${y(p.v)}`).join(" "), class: `series ${key}` }));
    }
    for (const p of points) {
      root.append(svg("circle", { cx: x(p.i), cy: y(p.v), r: 4, class: `dot ${key}${p.paper ? " paper" : ""}` }));
    }
  };
  series("ors");
  series("srs");
  // Every contact's number while they fit, else every k-th, so the labels never overlap.
  const every = Math.max(1, Math.ceil(n / 12));
  for (let i = 0; i < n; i++) {
    if (i % every !== 0) continue;
    root.append(svg("text", { x: x(i), y: H - 6, class: "axis", "text-anchor": "middle" }, String(i + 1)));
  }
  return root;
}
