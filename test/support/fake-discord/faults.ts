/**
 * Faults a test can aim at any route, beyond the 5xx/429 injection on message-creating POSTs
 * (ratelimit.ts): Discord error replies on a matching request (a 403 Missing Access, a 400 form-body
 * error, a 500 whose text echoes a header), and a gate that parks matching requests until released, so a
 * test can line up two requests (two clicks' callbacks) before either is answered.
 */
import type { Reply } from './rest.ts';

export interface FaultSpec {
  /** any method when omitted */
  method?: string;
  /** matched against the path after `/api[/vN]` */
  path: RegExp;
  status: number;
  /** Discord's JSON error code; 0 by default */
  code?: number;
  message?: string;
  /** how many matching requests fail; 1 by default */
  count?: number;
}

export interface Gate {
  /** requests parked so far and not yet released */
  held(): number;
  /** answer every parked request (in arrival order) and stop parking */
  release(): void;
}

interface ActiveGate {
  method: string | undefined;
  path: RegExp;
  parked: Array<() => void>;
  open: boolean;
}

export class Faults {
  private readonly faults: Array<Required<Omit<FaultSpec, 'method'>> & { method: string | undefined }> = [];
  private readonly gates: ActiveGate[] = [];

  add(f: FaultSpec): void {
    this.faults.push({
      method: f.method?.toUpperCase(),
      path: f.path,
      status: f.status,
      code: f.code ?? 0,
      message: f.message ?? `${f.status}: injected by fake-discord`,
      count: f.count ?? 1,
    });
  }

  /** The error this request gets, consumed; null when it should go through. */
  take(method: string, path: string): Reply | null {
    const f = this.faults.find(
      (x) => x.count > 0 && (x.method === undefined || x.method === method) && x.path.test(path),
    );
    if (!f) return null;
    f.count--;
    const body: Record<string, unknown> = { message: f.message, code: f.code };
    if (f.status === 400 && f.code === 50035)
      body.errors = {
        content: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 2000 in length.' }] },
      };
    return { status: f.status, body };
  }

  hold(path: RegExp, method?: string): Gate {
    const g: ActiveGate = { method: method?.toUpperCase(), path, parked: [], open: false };
    this.gates.push(g);
    return {
      held: () => g.parked.length,
      release: () => {
        g.open = true;
        this.gates.splice(this.gates.indexOf(g), 1);
        for (const go of g.parked.splice(0)) go();
      },
    };
  }

  /** Parks `go` when a gate holds this request; otherwise runs it now. */
  pass(method: string, path: string, go: () => void): void {
    const g = this.gates.find((x) => !x.open && (x.method === undefined || x.method === method) && x.path.test(path));
    if (g) g.parked.push(go);
    else go();
  }
}
