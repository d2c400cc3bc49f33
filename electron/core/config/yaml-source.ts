/**
 * A YAML text parsed with position information, so that every later complaint (a syntax error,
 * a schema issue deep in the tree) can point the human at a line of the file they edit.
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type YAMLError } from 'yaml';

/** A syntax problem at a 1-based line. */
export interface YamlProblem {
  line: number;
  message: string;
}

export interface ParsedYaml {
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lineCounter: LineCounter;
  /** Syntax errors, sorted by line; when non-empty, `data` is undefined. */
  readonly problems: YamlProblem[];
  /** The plain JS value of the document (null for an empty file). */
  readonly data: unknown;
}

/** Parses without throwing: the policy editor wants every syntax problem, not just the first. */
export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const problems = describeErrors(text, lineCounter, doc.errors);
  let data: unknown;
  if (problems.length === 0) {
    try {
      data = doc.toJS();
    } catch (err) {
      // toJS only throws on alias bombs and the like; blame the start of the document.
      problems.push({ line: 1, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return { text, doc, lineCounter, problems, data };
}

/**
 * The 1-based line of the deepest node that exists along `path` (keys and sequence indices, as in
 * a zod issue). A key is located at the line of the key itself, not its value: a block map value
 * starts on the next line, and the human thinks of `agents.Designer` as the `Designer:` line.
 * A missing key resolves to its parent's line. An empty document gives line 1.
 */
export function lineOfPath(parsed: ParsedYaml, path: readonly PropertyKey[]): number {
  const { doc, lineCounter } = parsed;
  let node: unknown = doc.contents;
  let offset = nodeStart(node) ?? 0;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && scalarKey(p.key) === String(key));
      if (!pair) break;
      offset = nodeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item: unknown = node.items[key];
      const start = nodeStart(item);
      if (start === undefined) break;
      offset = start;
      node = item;
    } else {
      break;
    }
  }
  return lineCounter.linePos(offset).line;
}

function scalarKey(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function nodeStart(node: unknown): number | undefined {
  if (isMap(node) || isSeq(node) || isScalar(node)) return node.range?.[0];
  return undefined;
}

// ---- syntax errors in plain words -------------------------------------------------------------

function describeErrors(text: string, lc: LineCounter, errors: readonly YAMLError[]): YamlProblem[] {
  const lines = text.split(/\r?\n/);
  const problems: YamlProblem[] = [];
  // yaml reports an over-indented `key: value` line as a multi-line implicit key that *starts* on
  // the line above (the previous value swallowed it). The human's mistake is on the later line, so
  // we report that one and drop the companion errors raised at the same start offset.
  const swallowedAt = new Set<number>();
  for (const err of errors) {
    if (err.code !== 'MULTILINE_IMPLICIT_KEY') continue;
    const start = lc.linePos(err.pos[0]).line;
    const end = lc.linePos(err.pos[1]).line;
    if (end > start) {
      swallowedAt.add(err.pos[0]);
      problems.push({
        line: end,
        message:
          `bad indentation: this line is indented deeper than the key on line ${start}, whose value ` +
          `is not a map; align it with the keys around it`,
      });
    }
  }
  for (const err of errors) {
    if (swallowedAt.has(err.pos[0])) continue;
    const pos = lc.linePos(err.pos[0]);
    problems.push({ line: pos.line, message: plainMessage(err, lines[pos.line - 1] ?? '', pos.col) });
  }
  return problems.sort((a, b) => a.line - b.line);
}

function plainMessage(err: YAMLError, lineText: string, col: number): string {
  switch (err.code) {
    case 'DUPLICATE_KEY': {
      const key = /^\s*("[^"]*"|'[^']*'|[^:#]+?)\s*:/.exec(lineText.slice(col - 1))?.[1];
      return key ? `duplicate key ${JSON.stringify(key.replace(/^["']|["']$/g, ''))}` : 'duplicate key';
    }
    case 'TAB_AS_INDENT':
      return 'tabs are not allowed for indentation; use spaces';
    case 'BAD_INDENT':
      return `bad indentation: ${firstLine(err)}`;
    default:
      return firstLine(err);
  }
}

/** yaml's message without its " at line L, column C:" suffix and code excerpt (we add the line). */
function firstLine(err: YAMLError): string {
  const head = err.message.split('\n')[0] ?? err.message;
  const text = head.replace(/ at line \d+, column \d+:?$/, '');
  return text.charAt(0).toLowerCase() + text.slice(1);
}
