/**
 * Failure injection and rate limiting for message-creating POSTs, with the headers and bodies real Discord
 * sends, because discord.js's REST queue (@discordjs/rest 2.6.3) decides what to do from them:
 *
 * - 5xx: `handleErrors` retries the same request immediately (no back-off) until it has retried
 *   `rest.retries` times (default 3, i.e. up to 4 attempts), then throws `HTTPError`. `rest: { retries: 0 }`
 *   turns that off. Network errors (ECONNRESET, the 15 s `rest.timeout` abort) count against the same budget.
 * - 429: never counted against `retries`; it waits `Retry-After` seconds (+ `rest.offset`, 50 ms) and
 *   retries indefinitely, unless `rest.rejectOnRateLimit` says to throw a `RateLimitError` instead.
 *   `X-RateLimit-Global` makes it global; otherwise it is per bucket (route + major parameter).
 * - 2xx with `X-RateLimit-Remaining: 0`: the queue waits `X-RateLimit-Reset-After` seconds before the next
 *   request on that bucket, so a well-behaved client never sees the 429 the bucket would give.
 *
 * Deviation from production: `Retry-After` and `Reset-After` carry fractional seconds ("0.3") so tests stay
 * fast; discord.js parses both with `Number()`, so fractions are honoured exactly.
 *
 * Violations: whatever a bucket's last answer announced (a 429's `Retry-After`, or `Remaining: 0` with its
 * `Reset-After`), a request on that bucket arriving before then is recorded, with how early it was. Real
 * Discord counts these against the bot (and bans repeat offenders), so a test asserts there are none.
 */
import type { JsonObject } from './payloads.ts';

export interface InjectedFailure {
  status: 500 | 502 | 429;
  retryAfterMs: number;
  /** Fail *after* the message was stored, as when Discord commits and the edge then times out. */
  afterCommit: boolean;
}

export interface LimitReply {
  status: number;
  headers: Record<string, string>;
  body: JsonObject;
}

const BUCKET = 'f4k3d15c0rdm5g5';

export interface Violation {
  bucket: string;
  method: string;
  path: string;
  /** what the bucket's last answer announced */
  announced: 'retry_after' | 'reset';
  /** how long before the announced time the request arrived */
  early_ms: number;
}

export class RateLimiter {
  private readonly failures: InjectedFailure[] = [];
  private readonly windows = new Map<string, { start: number; used: number }>();
  private readonly announced = new Map<string, { until: number; what: Violation['announced'] }>();
  readonly violations: Violation[] = [];

  constructor(private readonly limit: { limit: number; windowMs: number } | undefined) {}

  failNext(
    count: number,
    status: InjectedFailure['status'],
    opts: { retryAfterMs?: number; afterCommit?: boolean } = {},
  ): void {
    for (let i = 0; i < count; i++)
      this.failures.push({ status, retryAfterMs: opts.retryAfterMs ?? 100, afterCommit: opts.afterCommit ?? false });
  }

  /** The injected failure this request gets, consumed; undefined when it should go through. */
  takeFailure(): InjectedFailure | undefined {
    return this.failures.shift();
  }

  /**
   * Counts a request against its bucket. Returns the headers to add to a success, or the 429 to send
   * instead when the bucket is exhausted.
   */
  consume(bucketKey: string): { headers: Record<string, string>; exceeded?: LimitReply } {
    if (!this.limit) return { headers: {} };
    const now = Date.now();
    let w = this.windows.get(bucketKey);
    if (!w || now >= w.start + this.limit.windowMs) {
      w = { start: now, used: 0 };
      this.windows.set(bucketKey, w);
    }
    const resetAfterMs = Math.max(0, w.start + this.limit.windowMs - now);
    if (w.used >= this.limit.limit) {
      return { headers: {}, exceeded: tooManyRequests(resetAfterMs, this.limit.limit, resetAfterMs) };
    }
    w.used++;
    return { headers: bucketHeaders(this.limit.limit, this.limit.limit - w.used, resetAfterMs) };
  }

  /** A request on `bucket` arrived: before the time its last answer announced, it is a violation. */
  arrive(bucket: string, method: string, path: string): void {
    const a = this.announced.get(bucket);
    const now = Date.now();
    if (a && now < a.until) this.violations.push({ bucket, method, path, announced: a.what, early_ms: a.until - now });
  }

  /** What the answer on `bucket` tells the client to wait for, remembered for `arrive`. */
  observe(bucket: string, reply: { status: number; headers?: Record<string, string> }): void {
    const h = reply.headers ?? {};
    const now = Date.now();
    if (reply.status === 429 && h['Retry-After'] !== undefined)
      this.announced.set(bucket, { until: now + Number(h['Retry-After']) * 1000, what: 'retry_after' });
    else if (h['X-RateLimit-Remaining'] === '0' && h['X-RateLimit-Reset-After'] !== undefined)
      this.announced.set(bucket, { until: now + Number(h['X-RateLimit-Reset-After']) * 1000, what: 'reset' });
  }

  injected429(f: InjectedFailure): LimitReply {
    return tooManyRequests(f.retryAfterMs, this.limit?.limit ?? 5, f.retryAfterMs);
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function bucketHeaders(limit: number, remaining: number, resetAfterMs: number): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(limit),
    'X-RateLimit-Remaining': String(remaining),
    'X-RateLimit-Reset': seconds(Date.now() + resetAfterMs),
    'X-RateLimit-Reset-After': seconds(resetAfterMs),
    'X-RateLimit-Bucket': BUCKET,
  };
}

function tooManyRequests(retryAfterMs: number, limit: number, resetAfterMs: number): LimitReply {
  return {
    status: 429,
    headers: {
      ...bucketHeaders(limit, 0, resetAfterMs),
      'Retry-After': seconds(retryAfterMs),
      'X-RateLimit-Scope': 'user',
    },
    body: { message: 'You are being rate limited.', retry_after: retryAfterMs / 1000, global: false },
  };
}

/** What Discord's edge answers on a 5xx: Cloudflare-ish text for 502, a JSON 500 otherwise. */
export function serverError(status: 500 | 502): { status: number; body: JsonObject | string } {
  return status === 502
    ? { status, body: 'error code: 502' }
    : { status, body: { message: '500: Internal Server Error', code: 0 } };
}
