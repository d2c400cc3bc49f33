import type { EventType } from '../../../shared/index.ts';
import type { JsonlKind } from './render/index.ts';
import { CONCERN_EVENTS } from './sources.ts';

/** The event types each fixed audit JSONL stream is written from (a phase's handoffs have their own file). */
export const JSONL_SOURCES: Record<JsonlKind, readonly EventType[]> = {
  commands: ['command.received'],
  responses: ['response.sent'],
  git_actions: ['git.action_recorded'],
  concerns: CONCERN_EVENTS,
};
