/**
 * Reads JUnit XML as written by the common runners into `TestCase` records.
 *
 * Dialects handled (each checked against real or representative output in the tests):
 * - node:test `--test-reporter=junit`: nested `<testsuite>`s for `describe`, bare
 *   `<testcase>`s directly under `<testsuites>`, `<skipped type="skipped|todo">`,
 *   and a failing todo carrying both `<skipped type="todo">` and `<failure>` (node
 *   does not count it as a failure, so neither do we: `<skipped>` wins);
 * - vitest and jest-junit: `<failure message>` or a bare `<failure>` body, `<skipped/>`;
 * - pytest `--junitxml`: `<failure>`, `<error>` (setup/teardown), `<skipped type="pytest.skip|xfail">`;
 * - go-junit-report: `<properties>`, `<skipped message>`, `<error>` for build failures;
 * - Surefire-style `<flakyFailure>`/`<flakyError>` on a passing case mean "passed on rerun".
 *
 * Bad input never throws: it becomes a `problems` entry naming the file so the
 * gate can put a named reason in its report.
 */
import { readFile } from 'node:fs/promises';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { TestCase, TestTotals } from '../../../shared/domain/testrun.ts';

export interface JUnitParseResult {
  cases: TestCase[];
  totals: TestTotals;
  problems: string[];
}

/** Stack traces of thousands of failures would bloat the ledger; the head is what a reader needs. */
export const MAX_DETAILS_CHARS = 20_000;

/**
 * preserveOrder keeps document order (node mixes bare testcases and suites under
 * one parent) and gives every element the same shape: `{ tag: children[], ':@': attrs }`.
 * htmlEntities is the only switch in fast-xml-parser v5 that decodes numeric
 * character references (`&#10;` in pytest messages); it also adds HTML names,
 * which XML files do not use. Values stay strings: names like "1e3" must not become numbers.
 */
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

type Attrs = Readonly<Record<string, string>>;
interface XmlElement {
  tag: string;
  attrs: Attrs;
  children: unknown[];
}

const ATTRS_KEY = ':@';
const TEXT_KEY = '#text';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Views one preserveOrder node as an element; text and comment nodes give null. */
function asElement(node: unknown): XmlElement | null {
  if (!isRecord(node)) return null;
  for (const key in node) {
    if (key === ATTRS_KEY || key === TEXT_KEY) continue;
    const children = node[key];
    if (!Array.isArray(children)) return null;
    const rawAttrs = node[ATTRS_KEY];
    const attrs: Record<string, string> = {};
    if (isRecord(rawAttrs)) {
      for (const name in rawAttrs) {
        const value = rawAttrs[name];
        if (typeof value === 'string') attrs[name] = value;
      }
    }
    return { tag: key, attrs, children };
  }
  return null;
}

/** Text content of an element: text and CDATA pieces (kept apart by the parser) joined by line breaks. */
function textOf(el: XmlElement): string {
  const parts: string[] = [];
  for (const child of el.children) {
    if (isRecord(child) && typeof child[TEXT_KEY] === 'string' && child[TEXT_KEY] !== '') {
      parts.push(child[TEXT_KEY]);
    }
  }
  return parts.join('\n').trim();
}

/** `time` is in seconds (Surefire may write "1,234.5"); unusable values count as 0. */
function secondsToMs(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const seconds = Number.parseFloat(raw.replaceAll(',', ''));
  if (!Number.isFinite(seconds) || seconds < 0) return 0;
  return Math.round(seconds * 1_000_000) / 1_000;
}

function firstLine(text: string): string | null {
  for (const line of text.split('\n', 20)) {
    const trimmed = line.trim();
    if (trimmed !== '') return trimmed;
  }
  return null;
}

function capDetails(text: string): string | null {
  if (text === '') return null;
  if (text.length <= MAX_DETAILS_CHARS) return text;
  return `${text.slice(0, MAX_DETAILS_CHARS)}\n… (${text.length - MAX_DETAILS_CHARS} more characters truncated)`;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

function toCase(el: XmlElement, suite: string, suiteFile: string | null): TestCase {
  let failure: XmlElement | null = null;
  let error: XmlElement | null = null;
  let skipped: XmlElement | null = null;
  let flaky: XmlElement | null = null;
  for (const child of el.children) {
    const c = asElement(child);
    if (!c) continue;
    switch (c.tag) {
      case 'failure':
        failure ??= c;
        break;
      case 'error':
        error ??= c;
        break;
      case 'skipped':
        skipped ??= c;
        break;
      case 'flakyFailure':
      case 'flakyError':
        flaky ??= c;
        break;
      default:
        break; // system-out, system-err, properties, rerunFailure: not results
    }
  }

  // Precedence: skipped (node's failing todo is not a failure) > failure > error > passed.
  const problem = failure ?? error;
  let status: TestCase['status'] = 'passed';
  if (skipped) status = 'skipped';
  else if (failure) status = 'failed';
  else if (error) status = 'error';

  let message: string | null = null;
  let details: string | null = null;
  if (status === 'skipped' && skipped) {
    const reason = textOf(skipped);
    message = nonEmpty(skipped.attrs.message) ?? firstLine(reason);
    details = capDetails(problem ? textOf(problem) : reason);
  } else if (problem) {
    const body = textOf(problem);
    // node also copies the message into a `failure` attribute on the testcase.
    message = nonEmpty(problem.attrs.message) ?? nonEmpty(el.attrs.failure) ?? firstLine(body);
    details = capDetails(body);
  } else if (flaky) {
    // Passed on a rerun: what the failed run said is the evidence of the flake.
    const body = textOf(flaky);
    message = nonEmpty(flaky.attrs.message) ?? firstLine(body);
    details = capDetails(body);
  }

  return {
    suite,
    name: el.attrs.name ?? '',
    classname: nonEmpty(el.attrs.classname),
    file: nonEmpty(el.attrs.file) ?? suiteFile,
    status,
    duration_ms: secondsToMs(el.attrs.time),
    message,
    details,
    flaky: status === 'passed' && flaky !== null,
  };
}

/**
 * Iterative walk (an explicit stack, not recursion) so deep nesting cannot
 * overflow; work is linear in the number of elements.
 */
function collectCases(roots: unknown[], out: TestCase[]): void {
  interface Frame {
    nodes: unknown[];
    index: number;
    suite: string;
    file: string | null;
  }
  const stack: Frame[] = [{ nodes: roots, index: 0, suite: '', file: null }];
  for (;;) {
    const frame = stack.at(-1);
    if (frame === undefined) break;
    if (frame.index >= frame.nodes.length) {
      stack.pop();
      continue;
    }
    const el = asElement(frame.nodes[frame.index++]);
    if (!el) continue;
    if (el.tag === 'testcase') {
      out.push(toCase(el, frame.suite, frame.file));
    } else if (el.tag === 'testsuite') {
      const name = el.attrs.name ?? '';
      // Nested suites (node's describe blocks) give a path: "outer > inner".
      const suite = frame.suite === '' ? name : name === '' ? frame.suite : `${frame.suite} > ${name}`;
      stack.push({ nodes: el.children, index: 0, suite, file: nonEmpty(el.attrs.file) ?? frame.file });
    } else if (el.tag === 'testsuites') {
      // The wrapper's name ("vitest tests", "pytest tests") is the tool, not a suite.
      stack.push({ nodes: el.children, index: 0, suite: frame.suite, file: frame.file });
    }
  }
}

export function computeTotals(cases: readonly TestCase[]): TestTotals {
  const totals: TestTotals = { tests: cases.length, passed: 0, failed: 0, skipped: 0, flaky: 0 };
  for (const c of cases) {
    if (c.status === 'passed') totals.passed++;
    else if (c.status === 'skipped') totals.skipped++;
    else totals.failed++; // 'failed' and 'error' both mean the run is not green
    if (c.flaky) totals.flaky++;
  }
  return totals;
}

/** Parses one JUnit document; `label` (usually the path) names it in problems. */
export function parseJUnitText(xml: string, label: string): JUnitParseResult {
  const cases: TestCase[] = [];
  const problems = parseInto(xml, label, cases);
  return { cases, totals: computeTotals(cases), problems };
}

function parseInto(rawXml: string, label: string, cases: TestCase[]): string[] {
  const xml = rawXml.charCodeAt(0) === 0xfeff ? rawXml.slice(1) : rawXml;
  if (xml.trim() === '') return [`JUnit file ${label} is empty`];

  // The parser itself is lenient and would silently accept truncated files;
  // the validator gives the position of the first error.
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    return [`malformed XML in JUnit file ${label} at line ${line}, column ${col}: ${msg}`];
  }

  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (err) {
    return [`malformed XML in JUnit file ${label}: ${err instanceof Error ? err.message : String(err)}`];
  }
  const nodes: unknown[] = Array.isArray(doc) ? doc : [];
  const root = nodes.find((n) => {
    const tag = asElement(n)?.tag;
    return tag === 'testsuites' || tag === 'testsuite';
  });
  if (root === undefined) {
    const found = nodes.map(asElement).find((e) => e !== null)?.tag;
    return [`JUnit file ${label} has no <testsuites> or <testsuite> root${found ? ` (found <${found}>)` : ''}`];
  }
  collectCases([root], cases);
  return [];
}

function describeReadError(err: unknown, path: string): string {
  const code = isRecord(err) && typeof err.code === 'string' ? err.code : null;
  if (code === 'ENOENT') return `JUnit results file not found: ${path}`;
  if (code === 'EISDIR') return `JUnit results path is a directory, not a file: ${path}`;
  const detail = err instanceof Error ? err.message : String(err);
  return `could not read JUnit results file ${path}: ${detail}`;
}

/**
 * Reads and merges several JUnit files (one per runner or shard), in the given order. `read` lets the QA gate
 * read each report once for the parse and the report's hash (a rejection is reported as a read error).
 */
export async function parseJUnitFiles(
  paths: readonly string[],
  read: (path: string) => Promise<string> = (path) => readFile(path, 'utf8'),
): Promise<JUnitParseResult> {
  const cases: TestCase[] = [];
  const problems: string[] = [];
  for (const path of paths) {
    let xml: string;
    try {
      xml = await read(path);
    } catch (err) {
      problems.push(describeReadError(err, path));
      continue;
    }
    problems.push(...parseInto(xml, path, cases));
  }
  return { cases, totals: computeTotals(cases), problems };
}

function identity(c: TestCase): string {
  return `${c.file ?? ''}\u0000${c.suite}\u0000${c.classname ?? ''}\u0000${c.name}`;
}

/**
 * Merges the attempts of a policy retry, earliest first. Each attempt may be a
 * full rerun or only the failures; a case absent from later attempts keeps its
 * last result. The latest result of a case wins, except that a case which
 * failed (or errored) earlier and passes later is `passed` with `flaky: true`.
 * Identical names inside one attempt (parametrised tests) stay distinct: they
 * are matched by occurrence number. Cases keep the order of first appearance.
 */
export function mergeRetries(attempts: readonly (readonly TestCase[])[]): TestCase[] {
  const merged = new Map<string, { result: TestCase; everFailed: boolean; lastFailure: TestCase | null }>();
  for (const attempt of attempts) {
    const seen = new Map<string, number>();
    for (const c of attempt) {
      const base = identity(c);
      const occurrence = seen.get(base) ?? 0;
      seen.set(base, occurrence + 1);
      const key = `${base}\u0000${occurrence}`;
      const failedNow = c.status === 'failed' || c.status === 'error';
      const previous = merged.get(key);
      const everFailed = (previous?.everFailed ?? false) || failedNow;
      const lastFailure = failedNow ? c : (previous?.lastFailure ?? null);
      const recovered = c.status === 'passed' && lastFailure !== null;
      // A flaky pass keeps what its last failure said: that is what the human needs to judge the flake.
      const result = recovered
        ? { ...c, flaky: true, message: c.message ?? lastFailure.message, details: c.details ?? lastFailure.details }
        : c;
      merged.set(key, { result, everFailed, lastFailure });
    }
  }
  return [...merged.values()].map((entry) => entry.result);
}
