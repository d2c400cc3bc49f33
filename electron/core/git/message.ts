/**
 * Who signs, and what a Governor commit message looks like:
 *
 *   feat(backtester): implement run config parser
 *
 *   optional body
 *
 *   Signed-off-by: Implementer-Agent <implementer@agents.local>
 *   Audit-ID: 01J…
 *
 * Author, committer and tagger are always explicit with a caller-supplied time at UTC, so
 * replaying the same ledger writes byte-identical objects (same oids).
 */
import { AgentName, agentSlug, type Actor } from '../../../shared/domain/common.ts';
import { InvalidInputError } from '../errors.ts';

export interface Identity {
  name: string;
  email: string;
}

export interface Signature extends Identity {
  timestamp: number;
  timezoneOffset: number;
}

/** Seconds since the epoch, or an ISO-8601 timestamp (the ledger's `ts`). */
export type GitTime = number | string;

export function identityOf(actor: Actor): Identity {
  if (actor === 'Human') return { name: 'Human', email: 'human@agents.local' };
  if (actor === 'System') return { name: 'Governor-System', email: 'system@agents.local' };
  const agent = AgentName.parse(actor);
  return { name: `${agent}-Agent`, email: `${agentSlug(agent)}@agents.local` };
}

export function toSeconds(time: GitTime): number {
  const seconds = typeof time === 'number' ? time : Date.parse(time) / 1000;
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new InvalidInputError(`"${String(time)}" is not a usable commit time (seconds since epoch or ISO-8601)`);
  }
  return Math.floor(seconds);
}

/** An actor, or an explicit identity (e.g. `{ name: 'Human', email: 'human@agents.local' }`). */
export type Signer = Actor | Identity;

function resolveSigner(signer: Signer): Identity {
  if (typeof signer === 'string') return identityOf(signer);
  if (!signer.name.trim() || /[<>\n]/.test(signer.name) || !/^[^\s<>]+@[^\s<>]+$/.test(signer.email)) {
    throw new InvalidInputError(`"${signer.name} <${signer.email}>" is not a usable git identity`);
  }
  return { name: signer.name, email: signer.email };
}

export function signatureOf(signer: Signer, time: GitTime): Signature {
  return { ...resolveSigner(signer), timestamp: toSeconds(time), timezoneOffset: 0 };
}

/** Conventional Commits: `type(scope)!: description`, one line. */
const SUBJECT_RE = /^[a-z][a-z0-9-]*(\([^()\r\n]+\))?!?: \S[^\r\n]*$/;

export function assertSubject(subject: string): void {
  if (!SUBJECT_RE.test(subject) || subject.length > 200) {
    throw new InvalidInputError(
      `commit subject "${subject.slice(0, 80)}" is not a one-line Conventional Commit such as "feat(backtester): add run config parser"`,
    );
  }
}

function assertAuditId(auditId: string): void {
  if (!/^[^\s]{1,120}$/.test(auditId))
    throw new InvalidInputError(`Audit-ID "${auditId}" must be one token without spaces`);
}

export function buildMessage(input: {
  subject: string;
  body?: string | undefined;
  actor: Signer;
  auditId?: string | undefined;
}): string {
  assertSubject(input.subject);
  const id = resolveSigner(input.actor);
  const trailers = [`Signed-off-by: ${id.name} <${id.email}>`];
  if (input.auditId !== undefined) {
    assertAuditId(input.auditId);
    trailers.push(`Audit-ID: ${input.auditId}`);
  }
  const body = input.body?.replace(/\r\n/g, '\n').trim();
  return `${[input.subject, ...(body ? [body] : []), trailers.join('\n')].join('\n\n')}\n`;
}

export interface ParsedMessage {
  subject: string;
  body: string;
  /** Every trailer of the final paragraph, by key, in order. */
  trailers: Record<string, string[]>;
  signedOffBy: string | null;
  auditId: string | null;
}

const TRAILER_RE = /^([A-Za-z0-9][A-Za-z0-9-]*): (.*)$/;

export function parseMessage(message: string): ParsedMessage {
  const text = message.replace(/\r\n/g, '\n').replace(/\n+$/, '');
  const newline = text.indexOf('\n');
  const subject = newline < 0 ? text : text.slice(0, newline);
  const paragraphs =
    newline < 0
      ? []
      : text
          .slice(newline + 1)
          .trim()
          .split(/\n{2,}/);
  const trailers: Record<string, string[]> = {};
  const last = paragraphs.at(-1);
  if (last?.split('\n').every((line) => TRAILER_RE.test(line))) {
    paragraphs.pop();
    for (const line of last.split('\n')) {
      const m = TRAILER_RE.exec(line);
      if (m?.[1] === undefined || m[2] === undefined) continue;
      const values = trailers[m[1]] ?? [];
      values.push(m[2]);
      trailers[m[1]] = values;
    }
  }
  return {
    subject,
    body: paragraphs.join('\n\n'),
    trailers,
    signedOffBy: trailers['Signed-off-by']?.[0] ?? null,
    auditId: trailers['Audit-ID']?.[0] ?? null,
  };
}
