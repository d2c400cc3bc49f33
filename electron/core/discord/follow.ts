import { EventPayloads, type LedgerEvent } from '../../../shared/index.ts';
import { DECISION_WORDS, type Notification, byVia, byWhom, cutAtWord, utcStamp } from '../notify/notifications.ts';
import type { Reader } from '../store/read.ts';
import { LIMITS } from './limits.ts';
import type { OutboundMessage } from './message.ts';

/**
 * Messages follow the state of what they announced. After a decision, a resolution, an escalation or a
 * permission answer, the first message about the item is edited: its status and who acted on top, the
 * buttons greyed out, "your decision is needed" only while it is. The edit is built from the stored
 * original (the outbox row that posted it), so it reads like the original, whichever process acts.
 */
export interface ItemStatus {
  ref: { kind: 'review' | 'concern' | 'permission' | 'phase'; id: string };
  line: string;
  /** Still needs the human: buttons stay live and the action line stays. */
  open: boolean;
}

const PERMISSION: Record<string, string> = {
  allow_once: '✅ Allowed once',
  allow_session: '✅ Allowed for the session',
  allow_always: '✅ Always allowed',
  allow_edited: '✅ Allowed (edited)',
  deny: '⛔ Denied',
};

/** The status an event gives its item, or null when it changes none we show. */
export function statusFor(ev: LedgerEvent, read: Reader): ItemStatus | null {
  const quote = (s: string | null | undefined) =>
    s?.trim() ? `\n> ${cutAtWord(s.trim().replace(/\n+/g, ' '), 300)}` : '';
  switch (ev.type) {
    case 'review.decided': {
      const d = EventPayloads['review.decided'].parse(ev.payload);
      const x = d.decision;
      return {
        ref: { kind: 'review', id: d.review_id },
        line:
          `${DECISION_WORDS[x.decision] ?? x.decision} ${byVia(x.reviewed_by, x.source)} · ` +
          `${utcStamp(x.timestamp)}${quote(x.comment)}`,
        open: false,
      };
    }
    case 'concern.acknowledged': {
      const c = EventPayloads['concern.acknowledged'].parse(ev.payload);
      const open = read.concern(c.concern_id)?.to === 'Human';
      return {
        ref: { kind: 'concern', id: c.concern_id },
        line: `👀 Acknowledged ${byWhom(c)} · ${utcStamp(ev.ts)}${quote(c.note)}`,
        open,
      };
    }
    case 'concern.assigned': {
      const c = EventPayloads['concern.assigned'].parse(ev.payload);
      return {
        ref: { kind: 'concern', id: c.concern_id },
        line: `➡️ Assigned to ${c.assigned_to} ${byWhom(c)} · ${utcStamp(ev.ts)}${quote(c.note)}`,
        open: false,
      };
    }
    case 'concern.escalated': {
      const c = EventPayloads['concern.escalated'].parse(ev.payload);
      const toHuman = c.to === 'Human';
      return {
        ref: { kind: 'concern', id: c.concern_id },
        line: `⏫ Escalated ${c.from} → ${toHuman ? 'you' : c.to} · ${utcStamp(ev.ts)}${quote(c.reason)}`,
        open: toHuman,
      };
    }
    case 'concern.resolved': {
      const c = EventPayloads['concern.resolved'].parse(ev.payload);
      return {
        ref: { kind: 'concern', id: c.concern_id },
        line: `✅ Resolved ${byWhom(c)} · ${utcStamp(ev.ts)}${quote(c.note)}`,
        open: false,
      };
    }
    case 'permission.decided': {
      const d = EventPayloads['permission.decided'].parse(ev.payload);
      const x = d.decision;
      return {
        ref: { kind: 'permission', id: d.request_id },
        line:
          `${PERMISSION[x.decision] ?? x.decision} ${byVia(x.by, x.source)} · ${utcStamp(x.at)}` +
          (x.decision === 'deny' ? quote(x.message) : ''),
        open: false,
      };
    }
    case 'phase.started': {
      // The promotion message before it offered to start this phase: it now says who did.
      const ph = EventPayloads['phase.started'].parse(ev.payload);
      const promoted = read
        .promotions()
        .filter((x) => x.phase < ph.phase)
        .at(-1);
      if (ph.iteration !== 1 || !promoted) return null;
      const who =
        ph.user && ph.source ? byVia(ph.user, ph.source) : `by ${ev.actor === 'Human' ? 'Human' : 'the loop'}`;
      return {
        ref: { kind: 'phase', id: String(promoted.phase) },
        line: `▶️ Phase ${ph.phase} — ${ph.name} started ${who} · ${utcStamp(ev.ts)}`,
        open: false,
      };
    }
    case 'permission.timed_out': {
      const d = EventPayloads['permission.timed_out'].parse(ev.payload);
      return {
        ref: { kind: 'permission', id: d.request_id },
        line: `⌛ Timed out unanswered · ${utcStamp(ev.ts)}`,
        open: false,
      };
    }
    case 'permission.withdrawn': {
      const d = EventPayloads['permission.withdrawn'].parse(ev.payload);
      return {
        ref: { kind: 'permission', id: d.request_id },
        line: `↩️ Withdrawn: ${cutAtWord(d.reason, 200)} · ${utcStamp(ev.ts)}`,
        open: false,
      };
    }
    default:
      return null;
  }
}

const ACTION = /^Action: /;
const CLOSED_COLOUR = 0x99aab5;

/** The original message with the status applied: an edit of it. */
export function applyStatus(original: OutboundMessage, s: ItemStatus): OutboundMessage {
  const embeds = original.embeds.map((e, i) => {
    if (i !== 0) return e;
    const lines = (e.description ?? '').split('\n').filter((l) => s.open || !ACTION.test(l));
    const description = cutAtWord(`**Status:** ${s.line}\n\n${lines.join('\n')}`, LIMITS.embedDescription);
    return { ...e, description, ...(s.open ? {} : { color: CLOSED_COLOUR }) };
  });
  const components = original.components.map((row) => ({
    ...row,
    components: row.components.map((b) => ({ ...b, ...(s.open ? {} : { disabled: true }) })),
  }));
  // A closed item's edit drops the ping text; editing never pings again (allowed_mentions is empty).
  return {
    content: s.open ? original.content : '',
    embeds,
    components,
    files: [],
    thread_name: null,
    edit: { kind: s.ref.kind, id: s.ref.id },
  };
}

/**
 * An escalation to the human is re-posted in the channel (not only in the thread the human may not
 * follow), and it pings: it needs them now.
 */
export function escalationRepost(ev: LedgerEvent, read: Reader): Notification | null {
  if (ev.type !== 'concern.escalated') return null;
  const c = EventPayloads['concern.escalated'].parse(ev.payload);
  if (c.to !== 'Human') return null;
  const concern = read.concern(c.concern_id);
  if (!concern) return null;
  return {
    event_id: ev.id,
    channel: 'agent-concerns',
    severity: concern.severity,
    title: `⏫ Needs you: ${cutAtWord(concern.summary, 200)}`,
    body: [
      `Escalated ${c.from} → you`,
      `Reason: ${cutAtWord(c.reason, 1000)}`,
      'Action: your decision is needed.',
      `Id: ${concern.id}`,
    ].join('\n'),
    ref: null,
    ping: true,
  };
}

/** The file name a document is attached under: its own name, `.md`. */
const docName = (path: string) => `${(path.split('/').pop() ?? 'document').replace(/\.md$/i, '')}.md`;

/** The first section of a Markdown document: its title and what follows, up to the next heading. */
function firstSection(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() !== '');
  const next = lines.findIndex(
    (l, i) => i > start + 1 && /^#{1,6}\s/.test(l) && lines.slice(start + 1, i).some((x) => x.trim() && !/^#/.test(x)),
  );
  return lines
    .slice(Math.max(0, start), next === -1 ? undefined : next)
    .join('\n')
    .trim();
}

/**
 * A review request, readable on a phone: an excerpt (the "Changes since" summary for a revision, else the
 * document's first section) and the document itself attached as a `.md` file.
 */
export function withDocument(n: Notification, ev: LedgerEvent, read: Reader): Notification {
  if (ev.type !== 'review.requested') return n;
  const r = EventPayloads['review.requested'].parse(ev.payload);
  const doc = read.latestArtifact(r.subject.path);
  if (!doc) return n;
  const excerpt =
    doc.revision > 1 && doc.delta_summary
      ? `Changes since r${doc.revision - 1}:\n${doc.delta_summary}`
      : firstSection(doc.content);
  const quoted = cutAtWord(excerpt, 900)
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
  return {
    ...n,
    body: `${n.body}\n\n**Excerpt** (the whole document is attached):\n${quoted}`,
    files: [...(n.files ?? []), { name: docName(r.subject.path), text: doc.content }],
  };
}
