/** Cobertura XML (coverage.py, JaCoCo's converters, PHPUnit…): its totals, or its lines when it has none. */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { type CoverageResult, branchCounter, counter } from './coverage-counters.ts';

const coberturaOptions = {
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (tag: string): boolean => ['package', 'class', 'line'].includes(tag),
} as const;

/**
 * Per-line and per-method data is the bulk of a Cobertura file; when the root
 * carries the totals (every current generator writes them) those elements are
 * left unparsed as raw text.
 */
const coberturaTotalsParser = new XMLParser({ ...coberturaOptions, stopNodes: ['..lines', '..methods'] });
/** Old generators write only rates: then the class lines are counted. */
const coberturaLinesParser = new XMLParser({ ...coberturaOptions, stopNodes: ['..methods'] });

type XmlObject = Record<string, unknown>;

function isObject(value: unknown): value is XmlObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function children(parent: unknown, tag: string): XmlObject[] {
  if (!isObject(parent)) return [];
  const value = parent[tag];
  const list = Array.isArray(value) ? value : [value];
  return list.filter(isObject);
}

function attr(el: XmlObject, name: string): string | undefined {
  const value = el[`@_${name}`];
  return typeof value === 'string' ? value : undefined;
}

function intAttr(el: XmlObject, name: string): number | null {
  const raw = attr(el, name);
  if (raw === undefined) return null;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? Math.round(n) : null;
}

function coberturaClasses(root: XmlObject): XmlObject[] {
  return children(root, 'packages').flatMap((pkgs) =>
    children(pkgs, 'package').flatMap((pkg) => children(pkg, 'classes').flatMap((cls) => children(cls, 'class'))),
  );
}

/** `condition-coverage="50% (1/2)"`: the pair in parentheses is covered/total branches. */
function conditionCounts(value: string | undefined): [number, number] {
  if (value === undefined) return [0, 0];
  const open = value.indexOf('(');
  const slash = value.indexOf('/', open);
  const close = value.indexOf(')', slash);
  if (open === -1 || slash === -1 || close === -1) return [0, 0];
  const covered = Number(value.slice(open + 1, slash));
  const total = Number(value.slice(slash + 1, close));
  return Number.isFinite(covered) && Number.isFinite(total) ? [covered, total] : [0, 0];
}

/** The totals of a Cobertura report (or its class lines, from generators that write only rates). */
export function parseCobertura(xml: string, path: string): CoverageResult {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    return { problem: `malformed XML in coverage file ${path} at line ${line}, column ${col}: ${msg}` };
  }
  let root = children(coberturaTotalsParser.parse(xml), 'coverage')[0];
  if (!root) {
    return { problem: `coverage file ${path} is XML but not Cobertura (no <coverage> root element)` };
  }

  let linesValid = intAttr(root, 'lines-valid');
  let linesCovered = intAttr(root, 'lines-covered');
  let branchesValid = intAttr(root, 'branches-valid');
  let branchesCovered = intAttr(root, 'branches-covered');

  if (linesValid === null || linesCovered === null) {
    // Clover XML also has a <coverage> root; counting its (absent) class lines would claim 100 %.
    if (attr(root, 'line-rate') === undefined) {
      return {
        problem:
          `coverage file ${path} has a <coverage> root without Cobertura totals (no lines-valid or ` +
          `line-rate attribute)`,
      };
    }
    root = children(coberturaLinesParser.parse(xml), 'coverage')[0] ?? root;
    let total = 0;
    let covered = 0;
    let brTotal = 0;
    let brCovered = 0;
    for (const cls of coberturaClasses(root)) {
      for (const line of children(children(cls, 'lines')[0], 'line')) {
        total++;
        if ((intAttr(line, 'hits') ?? 0) > 0) covered++;
        if (attr(line, 'branch') === 'true') {
          const [c, t] = conditionCounts(attr(line, 'condition-coverage'));
          brCovered += c;
          brTotal += t;
        }
      }
    }
    linesValid = total;
    linesCovered = covered;
    if (branchesValid === null || branchesCovered === null) {
      branchesValid = brTotal;
      branchesCovered = brCovered;
    }
  }

  const filenames = new Set<string>();
  for (const cls of coberturaClasses(root)) filenames.add(attr(cls, 'filename') ?? attr(cls, 'name') ?? '');
  return {
    lines: counter(linesCovered, linesValid),
    branches: branchCounter(branchesCovered ?? 0, branchesValid ?? 0),
    files: filenames.size,
    format: 'cobertura',
  };
}
