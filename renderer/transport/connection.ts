import type { z } from 'zod';
import {
  type CallName,
  type CallRequest,
  type EventData,
  type EventName,
  type Transport,
  contract,
} from '../../shared/contract.ts';

/** Where the link to the engine stands; the UI shows it, and greys out actions that need the engine. */
export type ConnectionState =
  | { status: 'connecting'; attempt: number }
  | { status: 'connected' }
  | { status: 'disconnected'; reason: string; attempt: number; retryAt: number };

/** A transport plus what a front end needs to be honest about the link: its state, and a way to retry. */
export interface Connection extends Transport {
  readonly kind: 'ws' | 'ipc';
  state(): ConnectionState;
  onState(listener: (s: ConnectionState) => void): () => void;
  retryNow(): void;
  close(): void;
}

/** A failed call, with the engine's error code kept so views can say what went wrong and where. */
export class CallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly call: CallName | null,
  ) {
    super(message);
    this.name = 'CallError';
  }
}

/** Validate params before they leave: a bad request is our bug, and the engine should never see it. */
export function checkRequest<N extends CallName>(name: N, params: CallRequest<N>): unknown {
  const schema: z.ZodType = contract.calls[name].request;
  const parsed = schema.safeParse(params);
  if (!parsed.success)
    throw new CallError(
      'invalid_request',
      `${name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}`,
      name,
    );
  return parsed.data;
}

/** Validate a result against the contract; the cast is sound because the schema just accepted it. */
export function checkResponse<N extends CallName>(
  name: N,
  result: unknown,
): z.output<(typeof contract.calls)[N]['response']> {
  const schema: z.ZodType = contract.calls[name].response;
  const parsed = schema.safeParse(result);
  if (!parsed.success)
    throw new CallError(
      'bad_response',
      `${name}: the engine answered outside the contract (${parsed.error.issues[0]?.message ?? 'invalid'})`,
      name,
    );
  return parsed.data as z.output<(typeof contract.calls)[N]['response']>;
}

type AnyListener = (data: unknown) => void;

/** Event listeners by name; every pushed payload is validated once here, before any store sees it. */
export function createEventHub() {
  const listeners = new Map<EventName, Set<AnyListener>>();
  return {
    on<N extends EventName>(name: N, listener: (data: EventData<N>) => void): () => void {
      const set = listeners.get(name) ?? new Set<AnyListener>();
      listeners.set(name, set);
      // Stored untyped; `emit` only hands a listener data its own event's schema accepted.
      const wrapped = listener as AnyListener;
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
    emit(name: EventName, raw: unknown): void {
      const schema: z.ZodType = contract.events[name];
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        console.warn(`governor: dropped a "${name}" event outside the contract`, parsed.error.issues[0]);
        return;
      }
      for (const l of listeners.get(name) ?? []) l(parsed.data);
    },
  };
}

/** State listeners with the current value kept, so late subscribers start from the truth. */
export function createStateCell(initial: ConnectionState) {
  let current = initial;
  const listeners = new Set<(s: ConnectionState) => void>();
  return {
    get: () => current,
    set(next: ConnectionState) {
      current = next;
      for (const l of listeners) l(next);
    },
    on(l: (s: ConnectionState) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}
