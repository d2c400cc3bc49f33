/**
 * The HTTP side of the fake: Discord's REST API under `/api/v10` (and unversioned `/api/…`, as Discord
 * also accepts, so a webhook URL from `createWebhook` can be POSTed to directly). Checks the bot token,
 * parses JSON and multipart bodies, applies failure injection and rate limits to message-creating POSTs
 * (noting requests that arrive before an announced retry_after or reset), injected errors and held
 * requests on any route (faults.ts), answers with Discord's error bodies, and logs every request for
 * `requests()`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Faults } from './faults.ts';
import { BodyError, type ParsedBody, parseBody } from './multipart.ts';
import { isObject, type JsonObject, type StoredFile } from './payloads.ts';
import { serverError, type RateLimiter } from './ratelimit.ts';
import type { DiscordState } from './state.ts';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteContext {
  params: string[];
  query: URLSearchParams;
  /** the JSON body (or `payload_json`) when it is an object, else `{}` */
  body: JsonObject;
  /** the parsed JSON as sent (bulk command overwrite sends an array) */
  json: unknown;
  files: StoredFile[];
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** matched against the path after `/api[/vN]`, without the query */
  pattern: RegExp;
  /** needs `Authorization: Bot <token>`; interaction and webhook-token routes do not */
  auth: boolean;
  /** message-creating POSTs name their rate-limit bucket; they also receive injected failures */
  bucket?: (params: string[]) => string;
  handle(ctx: RouteContext): Reply;
}

/** Where routes send gateway events; `intent` is the GatewayIntentBits bit a client needs to receive it. */
export type Dispatch = (event: string, data: unknown, intent: number) => void;

export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  status: number;
  /** `performance.now()` when the answer was ready (benches time against it in-process). */
  at: number;
}

export const discordError = (status: number, code: number, message: string, errors?: JsonObject): Reply => ({
  status,
  body: errors ? { message, code, errors } : { message, code },
});
export const notFound = (): Reply => discordError(404, 0, '404: Not Found');

export function createRestHandler(deps: {
  state: DiscordState;
  limiter: RateLimiter;
  faults: Faults;
  routes: Route[];
  log: RequestRecord[];
}): (req: IncomingMessage, res: ServerResponse) => void {
  const { state, limiter, faults, routes, log } = deps;

  const run = (method: string, path: string, query: URLSearchParams, req: IncomingMessage, raw: Buffer): Reply => {
    const candidates = routes.filter((r) => r.pattern.test(path));
    const route = candidates.find((r) => r.method === method);
    if (!route) return candidates.length > 0 ? discordError(405, 0, '405: Method Not Allowed') : notFound();
    if (route.auth && req.headers.authorization !== `Bot ${state.opts.token}`)
      return discordError(401, 0, '401: Unauthorized');
    let parsed: ParsedBody;
    try {
      parsed = parseBody(req.headers['content-type'], raw);
    } catch (e) {
      if (e instanceof BodyError) return discordError(400, 50109, e.message);
      throw e;
    }
    const params = (route.pattern.exec(path) ?? []).slice(1);
    const ctx: RouteContext = {
      params,
      query,
      body: isObject(parsed.json) ? parsed.json : {},
      json: parsed.json,
      files: parsed.files,
    };
    const fault = faults.take(method, path);
    if (!route.bucket) return fault ?? route.handle(ctx);

    const bucket = route.bucket(params);
    limiter.arrive(bucket, method, path);
    const reply = fault ?? bucketed(bucket, ctx, route);
    limiter.observe(bucket, reply);
    return reply;
  };

  const bucketed = (bucket: string, ctx: RouteContext, route: Route): Reply => {
    const failure = limiter.takeFailure();
    if (failure && !failure.afterCommit) return failureReply(limiter, failure);
    const limited = limiter.consume(bucket);
    if (limited.exceeded) return limited.exceeded;
    const reply = route.handle(ctx);
    if (failure) return failureReply(limiter, failure);
    return { ...reply, headers: { ...limited.headers, ...reply.headers } };
  };

  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      // discord.js encodes `@original` as `%40original`; Discord decodes paths before routing, as we do.
      const m = /^\/api(?:\/v\d+)?(\/.*)$/.exec(safeDecode(url.pathname));
      const path = m?.[1] ?? url.pathname;
      const method = (req.method ?? 'GET').toUpperCase();
      faults.pass(method, path, () => {
        let reply: Reply;
        try {
          reply = m ? run(method, path, url.searchParams, req, Buffer.concat(chunks)) : notFound();
        } catch (e) {
          // A bug in the fake must be loud in the test output, not a silent retry loop.
          console.error('fake-discord: route threw', method, path, e);
          reply = { status: 500, body: { message: `fake-discord bug: ${String(e)}`, code: 0 } };
        }
        log.push({ method, path, query: url.search, status: reply.status, at: performance.now() });
        send(res, reply);
      });
    });
  };
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function failureReply(
  limiter: RateLimiter,
  failure: { status: 500 | 502 | 429; retryAfterMs: number; afterCommit: boolean },
): Reply {
  if (failure.status === 429) return limiter.injected429(failure);
  return serverError(failure.status);
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload = '';
  if (reply.body !== undefined && reply.status !== 204) {
    if (typeof reply.body === 'string') {
      headers['Content-Type'] = 'text/plain';
      payload = reply.body;
    } else {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(reply.body);
    }
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}
