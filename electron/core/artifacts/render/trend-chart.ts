/**
 * A small inline-SVG line chart of coverage and pass rate across QA gates, for `QA_REPORT.html`.
 * Pure and deterministic (numbers are rounded to one decimal), so the exported page is byte-stable.
 * The SVG carries no `xmlns`: inside an HTML5 page the parser assigns the SVG namespace itself, and
 * leaving the URL out keeps the page free of anything that looks like an external reference.
 */

/** One gate on the chart; a null value (nothing measured) leaves a gap in that series. */
export interface TrendPoint {
  label: string;
  coverage: number | null;
  passRate: number | null;
}

/**
 * The five entities that make text safe in HTML element content, attribute values and XML alike.
 * Shared with the HTML report so both escape the same way.
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const WIDTH = 560;
const HEIGHT = 220;
const LEFT = 44;
const RIGHT = WIDTH - 12;
const TOP = 34;
const BOTTOM = HEIGHT - 30;
/** Keeps the first and last dots off the axes. */
const INSET = 14;
/** More x labels than this overlap at this width, so every k-th gate is labelled instead. */
const MAX_LABELS = 8;

interface Series {
  key: 'coverage' | 'passRate';
  name: string;
  colour: string;
  dash: string | null;
}
// Mid-tone colours read on both light and dark backgrounds; the dash and the dot shape keep the two
// series apart for readers who cannot tell the colours apart.
const SERIES: readonly Series[] = [
  { key: 'coverage', name: 'Coverage (lines)', colour: '#3b82f6', dash: null },
  { key: 'passRate', name: 'Pass rate', colour: '#22a35a', dash: '5 3' },
];

/** One decimal at most, and never `-0`, so the output does not depend on float noise. */
function num(n: number): string {
  const r = Math.round(n * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

function pct(n: number): string {
  return `${num(n)}%`;
}

const clamp = (v: number): number => Math.min(100, Math.max(0, v));
const yOf = (v: number): number => BOTTOM - (clamp(v) / 100) * (BOTTOM - TOP);

function xOf(i: number, n: number): number {
  if (n <= 1) return (LEFT + RIGHT) / 2;
  return LEFT + INSET + (i * (RIGHT - LEFT - 2 * INSET)) / (n - 1);
}

/** Which points get an x label: every k-th, and always the newest, dropping a neighbour it would collide with. */
function labelled(n: number): Set<number> {
  const step = Math.max(1, Math.ceil(n / MAX_LABELS));
  const picked = new Set<number>();
  for (let i = 0; i < n; i += step) picked.add(i);
  if (n > 0 && !picked.has(n - 1)) {
    const previous = Math.floor((n - 1) / step) * step;
    if (n - 1 - previous < step / 2) picked.delete(previous);
    picked.add(n - 1);
  }
  return picked;
}

/** Consecutive measured points of one series; a gap (null) starts a new polyline. */
function segments(points: readonly TrendPoint[], key: Series['key']): Array<Array<{ x: number; y: number }>> {
  const out: Array<Array<{ x: number; y: number }>> = [];
  let current: Array<{ x: number; y: number }> = [];
  points.forEach((p, i) => {
    const v = p[key];
    if (v === null) {
      if (current.length > 0) out.push(current);
      current = [];
      return;
    }
    current.push({ x: xOf(i, points.length), y: yOf(v) });
  });
  if (current.length > 0) out.push(current);
  return out;
}

function dot(series: Series, x: number, y: number, tip: string): string {
  const title = `<title>${escapeXml(tip)}</title>`;
  // Circles for coverage, squares for pass rate: the shape alone tells the series apart.
  if (series.key === 'coverage')
    return `<circle cx="${num(x)}" cy="${num(y)}" r="3.5" fill="${series.colour}">${title}</circle>`;
  return `<rect x="${num(x - 3.5)}" y="${num(y - 3.5)}" width="7" height="7" fill="${series.colour}">${title}</rect>`;
}

function seriesSvg(points: readonly TrendPoint[], series: Series): string[] {
  const out: string[] = [];
  const dash = series.dash ? ` stroke-dasharray="${series.dash}"` : '';
  for (const seg of segments(points, series.key)) {
    // A single point has no line; its dot alone shows it.
    if (seg.length < 2) continue;
    out.push(
      `<polyline fill="none" stroke="${series.colour}" stroke-width="2"${dash} ` +
        `points="${seg.map((p) => `${num(p.x)},${num(p.y)}`).join(' ')}"/>`,
    );
  }
  points.forEach((p, i) => {
    const v = p[series.key];
    if (v !== null)
      out.push(dot(series, xOf(i, points.length), yOf(v), `${p.label}: ${series.name.toLowerCase()} ${pct(v)}`));
  });
  return out;
}

/** What a screen reader hears instead of the picture: the newest values and the range covered. */
function summary(points: readonly TrendPoint[]): string {
  const last = points.at(-1);
  if (!last) return 'No QA gates yet.';
  const show = (v: number | null): string => (v === null ? 'not measured' : pct(v));
  const first = points[0];
  const span = points.length === 1 ? '1 gate' : `${points.length} gates, ${first?.label ?? ''} to ${last.label}`;
  return `${span}. Latest coverage ${show(last.coverage)}, pass rate ${show(last.passRate)}.`;
}

/**
 * The chart as an SVG string: y axis fixed at 0–100 % (so iterations compare at a glance), one x
 * position per gate oldest to newest, a polyline and dots per series, a legend, and a `<title>` plus
 * `aria-label` for assistive technology. Zero points render the empty axes with a message.
 */
export function trendChart(points: readonly TrendPoint[], title = 'Coverage and pass rate by QA gate'): string {
  const label = `${title}. ${summary(points)}`;
  const out: string[] = [
    `<svg class="trend-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" ` +
      `role="img" aria-label="${escapeXml(label)}" font-family="system-ui, sans-serif" font-size="11">`,
    `<title>${escapeXml(label)}</title>`,
  ];
  for (const v of [0, 25, 50, 75, 100]) {
    const y = num(yOf(v));
    out.push(
      `<line x1="${LEFT}" y1="${y}" x2="${RIGHT}" y2="${y}" stroke="currentColor" ` +
        `stroke-opacity="${v === 0 ? '0.6' : '0.15'}"/>`,
    );
    out.push(`<text x="${LEFT - 6}" y="${num(yOf(v) + 4)}" text-anchor="end" fill="currentColor">${v}%</text>`);
  }
  out.push(`<line x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${BOTTOM}" stroke="currentColor" stroke-opacity="0.6"/>`);

  if (points.length === 0) {
    out.push(
      `<text x="${num((LEFT + RIGHT) / 2)}" y="${num((TOP + BOTTOM) / 2)}" text-anchor="middle" ` +
        `fill="currentColor">No QA gates yet</text>`,
    );
  } else {
    const ticks = labelled(points.length);
    points.forEach((p, i) => {
      if (!ticks.has(i)) return;
      const x = num(xOf(i, points.length));
      out.push(
        `<line x1="${x}" y1="${BOTTOM}" x2="${x}" y2="${BOTTOM + 4}" stroke="currentColor" stroke-opacity="0.6"/>`,
      );
      out.push(
        `<text x="${x}" y="${BOTTOM + 16}" text-anchor="middle" fill="currentColor">${escapeXml(p.label)}</text>`,
      );
    });
    for (const series of SERIES) out.push(...seriesSvg(points, series));
  }

  // Legend across the top, one swatch (line sample plus dot shape) per series.
  SERIES.forEach((series, i) => {
    const x = LEFT + i * 150;
    const dash = series.dash ? ` stroke-dasharray="${series.dash}"` : '';
    out.push(`<line x1="${x}" y1="14" x2="${x + 22}" y2="14" stroke="${series.colour}" stroke-width="2"${dash}/>`);
    out.push(dot(series, x + 11, 14, series.name));
    out.push(`<text x="${x + 28}" y="18" fill="currentColor">${escapeXml(series.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
