import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type Json, obj, str } from './loose-json.ts';

/**
 * A newline-delimited JSON-RPC connection to `codex app-server` (its messages omit the "jsonrpc" field,
 * which is why no generic JSON-RPC library is used). Requests the server makes of us go to `onRequest`.
 */
export function connectAppServer(
  child: ChildProcess,
  h: {
    onRequest(method: string, params: Json): Promise<unknown>;
    onNotification(method: string, params: Json): void;
    onBadLine(line: string): void;
  },
) {
  let next = 0;
  const waiting = new Map<number, { resolve(v: Json): void; reject(e: Error): void; method: string }>();
  const write = (m: Json) => {
    if (child.stdin?.writable) child.stdin.write(`${JSON.stringify(m)}\n`);
  };
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (!line.trim()) return;
    let m: Json;
    try {
      m = obj(JSON.parse(line));
    } catch {
      return h.onBadLine(line);
    }
    const method = str(m.method);
    if (!method && typeof m.id === 'number') {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (!w) return;
      if (m.error) w.reject(new Error(`${w.method}: ${str(obj(m.error).message) || JSON.stringify(m.error)}`));
      else w.resolve(obj(m.result));
    } else if (method && m.id !== undefined) {
      const id = m.id;
      h.onRequest(method, obj(m.params)).then(
        (result) => write({ id, result }),
        (err: unknown) =>
          write({ id, error: { code: -32603, message: err instanceof Error ? err.message : String(err) } }),
      );
    } else if (method) h.onNotification(method, obj(m.params));
    else h.onBadLine(line);
  });
  return {
    request(method: string, params: Json): Promise<Json> {
      const id = ++next;
      return new Promise((res, rej) => {
        waiting.set(id, { resolve: res, reject: rej, method });
        write({ id, method, params });
      });
    },
    notify: (method: string, params?: Json) => write(params ? { method, params } : { method }),
    failAll(err: Error) {
      for (const w of waiting.values()) w.reject(err);
      waiting.clear();
    },
  };
}
