import pc from 'picocolors';
import type { PermissionDecisionKind, PermissionRequest } from '../../../shared/index.ts';
import { InvalidInputError } from '../../core/errors.ts';

/** What people type for each permission decision. */
const ALIASES: Record<string, PermissionDecisionKind> = {
  allow: 'allow_once',
  once: 'allow_once',
  'allow-once': 'allow_once',
  allow_once: 'allow_once',
  session: 'allow_session',
  'allow-session': 'allow_session',
  allow_session: 'allow_session',
  always: 'allow_always',
  'allow-always': 'allow_always',
  allow_always: 'allow_always',
  deny: 'deny',
  edit: 'allow_edited',
  allow_edited: 'allow_edited',
};

export const PERMISSION_CHOICES = ['allow', 'session', 'always', 'deny', 'edit'] as const;

export function parsePermissionDecision(raw: string): PermissionDecisionKind {
  const d = ALIASES[raw.trim().toLowerCase()];
  if (!d)
    throw new InvalidInputError(`unknown permission decision "${raw}"; use one of ${PERMISSION_CHOICES.join(', ')}`);
  return d;
}

/** `--input '{"command":"npm install --offline x"}'` for "edit, then allow". */
export function parseEditedInput(raw: string | undefined): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw new InvalidInputError(`--input is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new InvalidInputError('--input must be a JSON object with the tool\'s fields, e.g. {"command":"npm test"}');
  return v as Record<string, unknown>;
}

export function isPermissionId(raw: string): boolean {
  return /^perm_/.test(raw.trim());
}

export function formatPermission(r: PermissionRequest, now = Date.now()): string {
  const age = Math.max(0, Math.round((now - Date.parse(r.requested_at)) / 60000));
  const head =
    `${pc.bold(r.id)}  ${'permission'.padEnd(16)} ${r.agent} asks: ${r.summary}  ` +
    `${pc.dim(`${age}m ago, ${r.status}`)}`;
  const lines = [
    head,
    `    ${pc.dim('why:')} ${r.reason}`,
    `    ${pc.dim('input:')} ${JSON.stringify(r.input)}`,
    `    ${pc.dim('digest:')} ${r.input_digest}`,
  ];
  if (r.suggested_rule) lines.push(`    ${pc.dim('session / always would allow:')} ${r.suggested_rule}`);
  if (r.decision)
    lines.push(
      `    ` +
        `${pc.dim(`decided: ${r.decision.decision} by ${r.decision.by} via ${r.decision.source} at ${r.decision.at}`)}`,
    );
  if (r.status === 'pending') lines.push(`    ${pc.dim(`times out at ${r.timeout_at}`)}`);
  return lines.join('\n');
}

export function permissionHint(r: PermissionRequest): string {
  return (
    `governor decide ${r.id} allow|session|always|deny|edit --digest ${r.input_digest.slice(0, 12)} ` +
    `[--message "…"] [--input '{…}']`
  );
}
