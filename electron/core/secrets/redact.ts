/**
 * The one redactor. Keys must never reach the ledger, logs, exports, reports, Discord or git, and tests (which
 * agents write) can print anything. Everything captured from a child process (QA output, test results, tool
 * results, activity) and every model error passes through a redactor that knows
 * - every secret Governor holds: the keys it loaded, the Discord bot token, webhook URLs, and the value of
 *   every variable of its own environment whose name says it is a secret (`*_KEY`, `*_TOKEN`, …);
 * - the shapes of common keys it was never told about: `sk-…`, `sk-ant-…`, GitHub `ghp_…`, Slack `xox…-`,
 *   AWS `AKIA…`, `Bearer …`, Discord bot tokens and webhook URLs, `Authorization:` / `x-api-key:` headers.
 *
 * API for other areas (Discord, coding-agent workers, the MCP server): `new Redactor()`, `add(secret)`,
 * `addFromEnv(env)`, `redact(text)`, `redactValue(anyJson)`. One instance per open project lives on the
 * engine (`engine.redactor`); `projectRedactor()` builds it.
 */

export const REDACTED = '«redacted»';

/** Very short strings would redact ordinary words; real keys are long. */
const MIN_SECRET_LENGTH = 8;

/** Variable names whose values are secrets, wherever they come from. */
export const SECRET_ENV_NAME =
  /(^|_)(API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIALS?|PRIVATE_KEY|WEBHOOK(_URL)?|HOOK(_[A-Z0-9]+)?)($|_)/i;

/**
 * Key shapes, one alternation so a 10 MB output is scanned once. Each alternative is linear (no nested
 * quantifiers), so a hostile output cannot make the scan slow.
 */
const SHAPES = new RegExp(
  [
    String.raw`\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{12,}`, // OpenAI, Anthropic
    String.raw`\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}`, // GitHub tokens
    String.raw`\bgithub_pat_[A-Za-z0-9_]{20,}`,
    String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,}`, // Slack
    String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`, // AWS access key ids
    String.raw`\bAIza[0-9A-Za-z_-]{35}`, // Google API keys
    String.raw`\b[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}`, // Discord bot tokens
    String.raw`https?://(?:[a-z]+\.)?discord(?:app)?\.com/api/(?:v\d+/)?webhooks/\d+/[A-Za-z0-9_-]+`, // webhook URLs
  ].join('|'),
  'g',
);

/** `Bearer <token>` and `Authorization: …` / `x-api-key: …` headers (in text or JSON); the name is kept. */
const HEADERS = /(\bauthorization|\bx-api-key|\bapi[_-]?key)("?\s*[:=]\s*"?)(Bearer\s+|Basic\s+|Bot\s+)?[^"\s,}]+/gi;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class Redactor {
  private readonly secrets = new Set<string>();
  private known: RegExp | null = null;

  add(secret: string | null | undefined): void {
    const s = secret?.trim();
    if (!s || s.length < MIN_SECRET_LENGTH || this.secrets.has(s)) return;
    this.secrets.add(s);
    // A webhook URL's secret part is its last segment; a URL printed with another host still leaks it.
    const tail = /\/webhooks\/\d+\/([A-Za-z0-9_-]{16,})/.exec(s)?.[1];
    if (tail) this.secrets.add(tail);
    this.known = null;
  }

  /** Every value of `env` whose variable name says it holds a secret (plus the names given). */
  addFromEnv(env: NodeJS.ProcessEnv, names: Iterable<string> = []): void {
    const wanted = new Set(names);
    for (const [name, value] of Object.entries(env)) {
      if (value && (wanted.has(name) || SECRET_ENV_NAME.test(name))) this.add(value);
    }
  }

  /** How many secrets are known (for tests and `doctor`; never the secrets). */
  get size(): number {
    return this.secrets.size;
  }

  redact(text: string): string {
    if (text.length === 0) return text;
    let out = text;
    if (this.secrets.size > 0) {
      // Longest first, so a secret that contains another is masked whole.
      this.known ??= new RegExp(
        [...this.secrets]
          .sort((a, b) => b.length - a.length)
          .map(escapeRegExp)
          .join('|'),
        'g',
      );
      out = out.replace(this.known, REDACTED);
    }
    return out.replace(SHAPES, REDACTED).replace(HEADERS, `$1$2$3${REDACTED}`).replace(BEARER, `$1${REDACTED}`);
  }

  /** Every string inside a JSON-like value, redacted; the shape is kept. */
  redactValue<T>(value: T): T {
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.walk(v);
      return out;
    }
    return value;
  }
}

/**
 * The project's redactor, before any key is looked up: the secrets of Governor's own environment (by name,
 * plus the variables the configuration names: api_key_env, token_env, webhook url_env, the signing
 * passphrase). Keys loaded later from a keys file or a store are added as they are loaded.
 */
export function projectRedactor(o: { env?: NodeJS.ProcessEnv; names?: Iterable<string> } = {}): Redactor {
  const r = new Redactor();
  r.addFromEnv(o.env ?? process.env, o.names ?? []);
  return r;
}
