import { GovernorError } from '../../errors.ts';

export type LlmErrorKind =
  | 'auth'
  | 'model_not_found'
  | 'rate_limited'
  | 'server'
  | 'timeout'
  | 'context_length'
  | 'unreachable'
  | 'invalid_output'
  | 'budget'
  | 'other';

/** A model call that failed, in words a user can act on; the workflow turns it into a concern. */
export class LlmError extends GovernorError {
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
  ) {
    super(`llm_${kind}`, message);
  }
}
