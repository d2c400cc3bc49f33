/**
 * The environment agent code gets: an allowlist, never Governor's whole environment. Tests are written by
 * agents, and a test that prints `process.env` would otherwise print every provider key and the Discord bot
 * token. A variable outside the list reaches the tests only when the policy names it (`sandbox.pass_env`) or
 * sets it (`tests[].env`).
 */

/** Safe by name: where things are, how to print, whether this is CI. No credentials. */
const SAFE_NAMES = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TERM',
  'COLORTERM',
  'TMPDIR',
  'TMP',
  'TEMP',
  'CI',
  'NO_COLOR',
  'FORCE_COLOR',
  'SOURCE_DATE_EPOCH',
  'NODE_ENV',
  'NODE_EXTRA_CA_CERTS',
  'NODE_NO_WARNINGS',
]);
const SAFE_PREFIXES = ['LC_'];

export function isSafeEnvName(name: string): boolean {
  return SAFE_NAMES.has(name) || SAFE_PREFIXES.some((p) => name.startsWith(p));
}

export interface ChildEnvOptions {
  /** Where the allowed values come from; Governor's own environment by default. */
  base?: NodeJS.ProcessEnv;
  /** Further names to pass through from `base` (the policy's `sandbox.pass_env`). */
  pass?: readonly string[];
  /** Values set explicitly (the policy's `tests[].env`); they win over `base`. `undefined` removes one. */
  extra?: Readonly<Record<string, string | undefined>>;
}

export function childEnv(o: ChildEnvOptions = {}): Record<string, string> {
  const base = o.base ?? process.env;
  const pass = new Set(o.pass ?? []);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && (isSafeEnvName(name) || pass.has(name))) env[name] = value;
  }
  for (const [name, value] of Object.entries(o.extra ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}
