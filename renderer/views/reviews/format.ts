import type { DecisionKind } from '../../../shared/index.ts';

export { KIND_LABEL } from '../../labels.ts';

export const DECISIONS: readonly { kind: DecisionKind; label: string; testid: string; key?: string }[] = [
  { kind: 'approve', label: 'Approve', testid: 'decide-approve', key: 'a' },
  { kind: 'approve_with_conditions', label: 'Approve with conditions', testid: 'decide-approve-with-conditions' },
  { kind: 'request_clarification', label: 'Request clarification', testid: 'decide-request-clarification' },
  { kind: 'request_changes', label: 'Request changes', testid: 'decide-request-changes', key: 'r' },
  { kind: 'defer', label: 'Defer', testid: 'decide-defer' },
  { kind: 'reject', label: 'Reject', testid: 'decide-reject' },
];

export function decisionLabel(d: DecisionKind): string {
  return DECISIONS.find((x) => x.kind === d)?.label ?? d;
}

export function formatStamp(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toLocaleString();
}
