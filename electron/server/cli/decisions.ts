import type { DecisionKind, InlineComment } from '../../../shared/index.ts';
import { InvalidInputError } from '../../core/errors.ts';

/** What people type for each decision. */
const ALIASES: Record<string, DecisionKind> = {
  approve: 'approve',
  approved: 'approve',
  a: 'approve',
  conditions: 'approve_with_conditions',
  'approve-with-conditions': 'approve_with_conditions',
  approve_with_conditions: 'approve_with_conditions',
  clarify: 'request_clarification',
  clarification: 'request_clarification',
  'request-clarification': 'request_clarification',
  request_clarification: 'request_clarification',
  changes: 'request_changes',
  'request-changes': 'request_changes',
  request_changes: 'request_changes',
  r: 'request_changes',
  defer: 'defer',
  reject: 'reject',
};

export const DECISION_CHOICES = ['approve', 'conditions', 'clarify', 'changes', 'defer', 'reject'] as const;

export function parseDecision(raw: string): DecisionKind {
  const d = ALIASES[raw.trim().toLowerCase()];
  if (!d) throw new InvalidInputError(`unknown decision "${raw}"; use one of ${DECISION_CHOICES.join(', ')}`);
  return d;
}

/** `--inline design/DESIGN_SPEC.md:12:why parquet?` → an inline comment anchored to line 12. */
export function parseInline(raw: string): InlineComment {
  const m = /^([^:]+):(\d+):(.+)$/s.exec(raw);
  if (!m?.[1] || !m[2] || !m[3]) throw new InvalidInputError(`--inline "${raw}" must look like path:line:text`);
  return { path: m[1], line: Number(m[2]), text: m[3].trim() };
}
