import { z } from 'zod';
import { AgentState } from './domain/agent.ts';
import { Concern } from './domain/concern.ts';
import { Actor, AgentName, Id } from './domain/common.ts';
import { DecisionKind, InlineComment, Review, ReviewStatus } from './domain/review.ts';
import { Stage } from './domain/plan.ts';

/** One call: a request schema and a response schema. */
function call<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) {
  return { request, response } as const;
}

/** What the dashboard shows at a glance; pushed whenever the ledger moves. */
export const StatusSnapshot = z.object({
  name: z.string(),
  phase: z.number().int(),
  phase_name: z.string(),
  stage: Stage,
  iteration: z.number().int(),
  tasks: z.object({ done: z.number().int(), total: z.number().int() }),
  open_concerns: z.number().int(),
  critical_concerns: z.number().int(),
  pending_reviews: z.number().int(),
  last_critical_at: z.string().nullable(),
  spend_usd: z.number(),
  last_seq: z.number().int(),
  last_update: z.string(),
  loop: z.object({ running: z.boolean(), waiting_on: z.array(z.string()) }),
});
export type StatusSnapshot = z.infer<typeof StatusSnapshot>;

export const TimelineEvent = z.object({ seq: z.number().int(), id: Id, ts: z.string(), type: z.string(), actor: Actor, payload: z.unknown() });
export type TimelineEvent = z.infer<typeof TimelineEvent>;

export const ProgressLine = z.object({ kind: z.string(), agent: z.string().optional(), text: z.string() });

export const CommandResult = z.object({ ok: z.boolean(), command_id: z.string().nullable(), response: z.string() });

export const ConcernAction = z.enum(['ack', 'resolve', 'assign', 'escalate']);

const Empty = z.object({}).strict();

/**
 * The one contract between the engine and every front end. Both transports (Electron IPC through the
 * preload bridge, WebSocket through the headless host) are derived from this object and validate every
 * request and response with it. Adding a call is one line here plus one handler in core.
 */
export const contract = {
  calls: {
    'project.status': call(Empty, StatusSnapshot),
    'reviews.list': call(z.object({ status: ReviewStatus.optional() }).strict(), z.array(Review)),
    'reviews.get': call(z.object({ id: Id }).strict(), Review),
    'reviews.decide': call(z.object({ reviewId: Id, decision: DecisionKind, comment: z.string().max(20_000), inline: z.array(InlineComment).max(200).default([]) }).strict(), Review),
    'concerns.list': call(z.object({ open: z.boolean().optional() }).strict(), z.array(Concern)),
    'concerns.act': call(z.object({ concernId: Id, action: ConcernAction, note: z.string().max(10_000).default(''), to: z.union([AgentName, z.literal('Human')]).optional() }).strict(), Concern),
    'commands.run': call(z.object({ text: z.string().min(1).max(10_000) }).strict(), CommandResult),
    'agents.list': call(Empty, z.array(AgentState)),
    'ledger.page': call(z.object({ before: z.number().int().positive().optional(), limit: z.number().int().min(1).max(1000).default(100), types: z.array(z.string()).max(50).optional() }).strict(), z.object({ events: z.array(TimelineEvent), total: z.number().int() })),
    'ledger.verify': call(Empty, z.object({ ok: z.boolean(), checked: z.number().int(), firstBad: z.object({ seq: z.number().int(), id: z.string(), reason: z.string() }).nullable(), exports: z.array(z.object({ path: z.string(), problem: z.string() })) })),
    'loop.run': call(Empty, z.object({ started: z.boolean(), reason: z.string() })),
  },
  events: {
    'status.changed': StatusSnapshot,
    'ledger.appended': z.object({ events: z.array(TimelineEvent.omit({ payload: true })) }),
    progress: ProgressLine,
  },
} as const;

export type Contract = typeof contract;
export type CallName = keyof Contract['calls'];
export type CallRequest<N extends CallName> = z.input<Contract['calls'][N]['request']>;
export type CallResponse<N extends CallName> = z.output<Contract['calls'][N]['response']>;
export type EventName = keyof Contract['events'];
export type EventData<N extends EventName> = z.output<Contract['events'][N]>;
export const CALL_NAMES = Object.keys(contract.calls) as CallName[];
export const EVENT_NAMES = Object.keys(contract.events) as EventName[];

/** The WebSocket frames, also validated at the boundary. */
export const ClientFrame = z.object({ id: z.number().int().nonnegative(), call: z.enum(CALL_NAMES as [CallName, ...CallName[]]), params: z.unknown() }).strict();
export const ServerFrame = z.union([
  z.object({ id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number().int().nullable(), ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
  z.object({ event: z.enum(EVENT_NAMES as [EventName, ...EventName[]]), data: z.unknown() }),
]);

/** What a transport offers the renderer: typed calls and typed event subscriptions. */
export interface Transport {
  call<N extends CallName>(name: N, params: CallRequest<N>): Promise<CallResponse<N>>;
  on<N extends EventName>(name: N, listener: (data: EventData<N>) => void): () => void;
}
