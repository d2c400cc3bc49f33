/**
 * Turns zod issues into sentences a human can act on. zod's own messages ("Invalid input") are
 * written for developers; a governor editing agents.yaml needs to hear which key is wrong, what it
 * holds, and what it may hold instead. Unions get special care: zod reports every branch's failure,
 * and we pick the branch the user evidently meant, or list the allowed values when none fits.
 */
import type { z } from 'zod';

export interface ExplainedIssue {
  /** Path to the offending node, for line lookup; unknown keys point at the key itself. */
  path: PropertyKey[];
  message: string;
}

type Schema = z.core.$ZodType;
type Issue = z.core.$ZodIssue;

export function explainIssues(schema: Schema, data: unknown, issues: readonly Issue[]): ExplainedIssue[] {
  return issues.flatMap((issue) => explainIssue(schema, data, issue, []));
}

/** `agents.Implementer.escalates_to`, `tests[0].command`; empty for the document itself. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function explainIssue(schema: Schema, data: unknown, issue: Issue, prefix: PropertyKey[]): ExplainedIssue[] {
  const path = [...prefix, ...issue.path];
  const at = lookup(data, path);
  const got = at.found ? describeValue(at.value) : 'nothing';
  // zod reports an absent key as the key's value failing its type (or its union, or its enum);
  // the human needs to hear that the key is missing. Only when the parent map itself exists.
  const last = path[path.length - 1];
  if (
    !at.found &&
    typeof last === 'string' &&
    issue.code !== 'custom' &&
    isPlainObject(lookup(data, path.slice(0, -1)).value)
  ) {
    return [{ path, message: `missing required key ${JSON.stringify(last)}` }];
  }
  switch (issue.code) {
    case 'invalid_type': {
      if (path.length === 0 && (at.value === null || at.value === undefined)) {
        const keys = objectKeys(schemasAt(schema, []));
        return [{ path, message: `the file is empty; expected a map with the keys ${keys.join(', ')}` }];
      }
      return [{ path, message: `expected ${typeWord(issue.expected)}, got ${got}` }];
    }
    case 'unrecognized_keys': {
      const allowed = objectKeys(schemasAt(schema, path));
      const hint = allowed.length > 0 ? `; allowed keys here: ${allowed.join(', ')}` : '';
      return issue.keys.map((key) => ({ path: [...path, key], message: `unknown key ${JSON.stringify(key)}${hint}` }));
    }
    case 'invalid_value':
      return [{ path, message: notOneOf(path, got, issue.values.map(String)) }];
    case 'invalid_union':
      return explainUnion(schema, data, issue, path, got);
    case 'too_small':
      return [
        {
          path,
          message: bound('at least', 'more than', issue.origin, Number(issue.minimum), issue.inclusive !== false, got),
        },
      ];
    case 'too_big':
      return [
        {
          path,
          message: bound('at most', 'less than', issue.origin, Number(issue.maximum), issue.inclusive !== false, got),
        },
      ];
    case 'invalid_format': {
      if (issue.format === 'url')
        return [
          {
            path,
            message:
              `${got} is not a valid URL here; expected an http:// or https:// URL such as ` +
              `http://localhost:11434/v1`,
          },
        ];
      // A schema author's own message ("a short name such as unit or e2e") says what is expected.
      const expected = /^Invalid/.test(issue.message) ? `a valid ${issue.format}` : issue.message;
      return [{ path, message: `${got} is not valid here; expected ${expected}` }];
    }
    case 'not_multiple_of':
      return [{ path, message: `must be a multiple of ${issue.divisor}, got ${got}` }];
    default:
      // custom (superRefine), invalid_key, invalid_element: the message is already specific.
      return [{ path, message: issue.message }];
  }
}

function explainUnion(
  schema: Schema,
  data: unknown,
  issue: z.core.$ZodIssueInvalidUnion,
  path: PropertyKey[],
  got: string,
): ExplainedIssue[] {
  // A branch that accepted the value's shape (its complaints lie below the value, or are checks
  // such as a too-short list) is the alternative the user meant: `coverage_min: "eighty"` meant
  // the coverage_min condition. Its issues are the useful ones; prefer the fewest complaints.
  const fits = issue.errors.filter((branch) => branch.length > 0 && !branch.some(isShapeMismatch));
  fits.sort((a, b) => a.length - b.length);
  const best = fits[0];
  // Two branches that fit equally well (`{}` lacks the key of every condition) mean we cannot tell
  // what was meant; listing the alternatives below is then more useful than guessing.
  const ambiguous = fits.length > 1 && fits[1]?.length === best?.length;
  if (best && !ambiguous) return best.flatMap((inner) => explainIssue(schema, data, inner, path));

  const alts = alternatives(schemasAt(schema, path));
  const value = lookup(data, path).value;
  if (alts.keys.length > 0 && alts.values.length === 0) {
    const keyList = alts.keys.join(', ');
    if (isPlainObject(value)) {
      const present = Object.keys(value);
      const unknown = present.find((k) => !alts.keys.includes(k));
      if (unknown !== undefined)
        return [
          { path: [...path, unknown], message: `unknown key ${JSON.stringify(unknown)}; expected one of ${keyList}` },
        ];
      if (present.length > 1)
        return [{ path, message: `put one condition per list item; this item has ${present.join(', ')}` }];
      return [{ path, message: `expected one of the keys ${keyList}` }];
    }
    return [
      {
        path,
        message: `expected a map with one of the keys ${keyList} (for example "${alts.keys[0]}: …"), got ${got}`,
      },
    ];
  }
  if (alts.values.length > 0)
    return [{ path, message: notOneOf(path, got, alts.values) + (alts.list ? ' (or a list of them)' : '') }];
  const words = [...alts.types.map(typeWord), ...(alts.list ? ['a list'] : [])];
  return [
    { path, message: words.length > 0 ? `expected ${words.join(' or ')}, got ${got}` : `${got} is not valid here` },
  ];
}

/** A complaint about the value itself that means "this branch is the wrong kind of thing". */
function isShapeMismatch(issue: Issue): boolean {
  return (
    issue.path.length === 0 &&
    ['invalid_type', 'invalid_union', 'invalid_value', 'unrecognized_keys'].includes(issue.code)
  );
}

// ---- plain words --------------------------------------------------------------------------------

/** What the enum values at a key are, so the sentence reads "is not a role" rather than "invalid". */
const NOUNS: Record<string, string> = {
  escalates_to: 'a role',
  impact: 'an impact level',
  baseline: 'a known baseline',
};

function notOneOf(path: readonly PropertyKey[], got: string, values: readonly string[]): string {
  const key = [...path].reverse().find((k): k is string => typeof k === 'string');
  const noun = (key && NOUNS[key]) ?? 'an allowed value';
  return values.length === 1
    ? `${got} is not allowed here; expected ${values[0]}`
    : `${got} is not ${noun}; expected one of ${values.join(', ')}`;
}

function bound(incl: string, excl: string, origin: string, limit: number, inclusive: boolean, got: string): string {
  const rel = inclusive ? incl : excl;
  if (origin === 'string')
    return limit === 1 && incl === 'at least' ? 'must not be empty' : `must be ${rel} ${limit} characters long`;
  if (origin === 'array' || origin === 'set') {
    return limit === 1 && incl === 'at least'
      ? 'must list at least one item'
      : `must list ${rel} ${limit} item${limit === 1 ? '' : 's'}`;
  }
  return `must be ${rel} ${limit}, got ${got}`;
}

function typeWord(expected: string): string {
  const words: Record<string, string> = {
    string: 'text',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    array: 'a list',
    object: 'a map of keys',
    record: 'a map of keys',
    null: 'nothing (null)',
  };
  return words[expected] ?? expected;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'nothing (null)';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return String(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lookup(data: unknown, path: readonly PropertyKey[]): { found: boolean; value: unknown } {
  let value = data;
  for (const key of path) {
    if (Array.isArray(value) && typeof key === 'number' && key < value.length) value = value[key];
    else if (isPlainObject(value) && typeof key === 'string' && Object.hasOwn(value, key)) value = value[key];
    else return { found: false, value: undefined };
  }
  return { found: true, value };
}

// ---- schema introspection ----------------------------------------------------------------------

/** The schema(s) that validate the node at `path`, seen through defaults, optionals and unions. */
function schemasAt(root: Schema, path: readonly PropertyKey[]): Schema[] {
  let current: Schema[] = [root];
  for (const key of path) {
    current = current.flatMap(flatten).flatMap((s) => child(s, key));
  }
  return current.flatMap(flatten);
}

/** Strips wrappers and spreads unions into their options. */
function flatten(schema: Schema): Schema[] {
  const s = schema as z.core.$ZodTypes;
  const def = s._zod.def;
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      return flatten(def.innerType);
    case 'pipe':
      return flatten(def.in);
    case 'lazy':
      return flatten(def.getter());
    case 'union':
      return def.options.flatMap(flatten);
    default:
      return [schema];
  }
}

function child(schema: Schema, key: PropertyKey): Schema[] {
  const def = (schema as z.core.$ZodTypes)._zod.def;
  if (def.type === 'object' && typeof key === 'string') {
    const sub = def.shape[key];
    return sub ? [sub] : [];
  }
  if (def.type === 'array' && typeof key === 'number') return [def.element];
  if (def.type === 'record' && typeof key === 'string') return [def.valueType];
  return [];
}

function objectKeys(schemas: readonly Schema[]): string[] {
  const keys = new Set<string>();
  for (const s of schemas) {
    const def = (s as z.core.$ZodTypes)._zod.def;
    if (def.type === 'object') for (const k of Object.keys(def.shape)) keys.add(k);
  }
  return [...keys];
}

interface Alternatives {
  values: string[];
  keys: string[];
  types: string[];
  list: boolean;
}

function alternatives(schemas: readonly Schema[]): Alternatives {
  const alts: Alternatives = { values: [], keys: [], types: [], list: false };
  for (const s of schemas) {
    const def = (s as z.core.$ZodTypes)._zod.def;
    if (def.type === 'enum') alts.values.push(...Object.values(def.entries).map(String));
    else if (def.type === 'literal') alts.values.push(...def.values.map(String));
    else if (def.type === 'object') alts.keys.push(...Object.keys(def.shape));
    else if (def.type === 'array') alts.list = true;
    else alts.types.push(def.type);
  }
  return alts;
}
