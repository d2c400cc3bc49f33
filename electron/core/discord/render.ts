import { ButtonStyle, ComponentType } from 'discord.js';
import type { Severity } from '../../../shared/index.ts';
import { type Notification, cutAtWord } from '../notify/notifications.ts';
import { CUT_MARKER, LIMITS, clip } from './limits.ts';
import type { OutboundEmbed, OutboundMessage } from './message.ts';
import { customId, denyFormId, nextPhaseId, parseCustomId, permissionId } from './custom-id.ts';
import { forPhone } from './phone-text.ts';

const COLOUR: Record<Severity, number> = { critical: 0xd83c3e, warning: 0xf0b232, info: 0x5865f2 };

/** What a message needs to know about its project besides the notification. */
export interface RenderContext {
  /** The project's tag in custom ids (custom-id.ts `projectTag`). */
  tag: string;
  /** The project's name, shown in footers so two projects in one channel are told apart. */
  project: string;
  /** Who is pinged on messages that ping; null: nobody. */
  mentions: { users: string[]; roles: string[] } | null;
  /** Where a phone reaches the web UI; review requests link there. */
  webUrl: string | null;
}

/** Tests and one-off messages (the test post, the daily status) that carry no buttons and ping nobody. */
export const PLAIN: RenderContext = { tag: 'xxxxxxxx', project: 'Governor', mentions: null, webUrl: null };

/** A file name Discord and phones show well: the item id or a slug of the title. */
function fileName(n: Notification): string {
  const base =
    n.ref?.id ??
    n.title
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40)
      .toLowerCase();
  return `${base || 'message'}.md`;
}

/**
 * Pings are for what needs the human now, and nothing else: a critical concern, a review request, a
 * permission request, an escalation to the human.
 */
function pings(n: Notification): boolean {
  if (n.ping) return true;
  if (n.update) return false;
  if (n.ref?.kind === 'concern') return n.severity === 'critical';
  if (n.ref?.kind === 'review') return n.channel === 'approvals';
  return n.ref?.kind === 'permission';
}

/** The title without its leading emoji: what a thread list shows. */
const bare = (title: string) => title.replace(/^\S+\s/, '');

function threadName(n: Notification): string | null {
  if (n.update || !n.ref) return null;
  if (n.ref.kind === 'concern') return cutAtWord(bare(n.title), LIMITS.threadName);
  if (n.ref.kind === 'review')
    return cutAtWord(`Review: ${bare(n.title).replace(/^Review requested:\s*/, '')}`, LIMITS.threadName);
  return null;
}

function buttons(n: Notification, ctx: RenderContext): OutboundMessage['components'] {
  const button = (
    style: ButtonStyle.Primary | ButtonStyle.Secondary | ButtonStyle.Success | ButtonStyle.Danger,
    label: string,
    id: string,
  ) => ({ type: ComponentType.Button as const, style, label, custom_id: id });
  if (n.ref?.kind === 'review' && !n.update && n.channel === 'approvals') {
    const id = n.ref.id;
    return [
      {
        type: ComponentType.ActionRow,
        components: [
          button(ButtonStyle.Success, 'Approve', customId(ctx.tag, 'approve', id)),
          button(ButtonStyle.Secondary, 'Request changes', customId(ctx.tag, 'changes', id)),
          button(ButtonStyle.Primary, 'Clarify', customId(ctx.tag, 'clarify', id)),
          button(ButtonStyle.Secondary, 'Approve with conditions', customId(ctx.tag, 'conditions', id)),
        ],
      },
    ];
  }
  if (n.ref?.kind === 'phase' && n.startsNext && !n.update) {
    const { promoted, next } = n.startsNext;
    return [
      {
        type: ComponentType.ActionRow,
        components: [button(ButtonStyle.Success, `Start phase ${next}`, nextPhaseId(ctx.tag, promoted))],
      },
    ];
  }
  if (n.ref?.kind === 'permission' && n.permission && !n.update) {
    const { digest, session } = n.permission;
    const id = n.ref.id;
    return [
      {
        type: ComponentType.ActionRow,
        components: [
          button(ButtonStyle.Success, 'Allow once', permissionId(ctx.tag, 'allow_once', id, digest)),
          ...(session
            ? [button(ButtonStyle.Primary, 'Allow for session', permissionId(ctx.tag, 'allow_session', id, digest))]
            : []),
          button(ButtonStyle.Danger, 'Deny', permissionId(ctx.tag, 'deny', id, digest)),
          // A reason the agent reads (why not, what to do instead) costs a form; a bare Deny stays one tap.
          button(ButtonStyle.Secondary, 'Deny with reason…', denyFormId(ctx.tag, id, digest)),
        ],
      },
    ];
  }
  return [];
}

/**
 * One embed per notification, in the seed's wording. When the text (or the excerpt the notification chose)
 * does not fit, the embed carries a version cut at a word and the full text rides along as a `.md`
 * attachment. Review requests get the four decision buttons and permission requests theirs; their custom
 * ids carry the project. Only messages that need the human now ping, and only the configured people.
 */
export function renderNotification(n: Notification, ctx: RenderContext = PLAIN): OutboundMessage {
  const files: OutboundMessage['files'] = [...(n.files ?? [])];
  // Read on a phone: a concern's way out says `/resolve …`, not `governor command "/resolve …"`.
  const title = cutAtWord(forPhone(n.title), LIMITS.embedTitle);
  let description = forPhone(n.body);
  if (n.ref?.kind === 'review' && !n.update && ctx.webUrl)
    description = `${description}\n[Open the review](${ctx.webUrl.replace(/\/+$/, '')}/#/reviews/${n.ref.id})`;
  if (description.length > LIMITS.embedDescription || n.detail) {
    const full = n.detail ?? `# ${n.title}\n\n${n.body}\n`;
    files.push({ name: fileName(n), text: full });
    if (description.length > LIMITS.embedDescription)
      description = `${cutAtWord(description, LIMITS.embedDescription - CUT_MARKER.length - 1)}\n${CUT_MARKER}`;
    else description = `${description}\n_(full text attached)_`.slice(0, LIMITS.embedDescription);
  }
  const embed: OutboundEmbed = {
    title,
    color: COLOUR[n.severity],
    footer: { text: clip(`${ctx.project} · #${n.channel}`, LIMITS.embedFooter) },
  };
  if (description.trim()) embed.description = description;
  const m: OutboundMessage = {
    content: '',
    embeds: [embed],
    components: buttons(n, ctx),
    files: files.slice(0, 10),
    thread_name: threadName(n),
  };
  const who = ctx.mentions;
  if (pings(n) && who && who.users.length + who.roles.length > 0) {
    m.content = clip(
      [...who.users.map((u) => `<@${u}>`), ...who.roles.map((r) => `<@&${r}>`)].join(' '),
      LIMITS.content,
    );
    m.mentions = { users: [...who.users], roles: [...who.roles] };
  }
  return m;
}

/**
 * Plain text for a reply (a slash command's answer): in a code-free message when it fits, otherwise cut
 * with the whole answer attached.
 */
export function renderText(text: string, name = 'reply.md'): { content: string; files: OutboundMessage['files'] } {
  if (text.length <= LIMITS.content) return { content: text, files: [] };
  return {
    content: `${cutAtWord(text, LIMITS.content - CUT_MARKER.length - 1)}\n${CUT_MARKER}`,
    files: [{ name, text }],
  };
}

/** Webhooks of a non-application owner cannot carry buttons: say where to decide instead. */
export function forWebhook(m: OutboundMessage): OutboundMessage {
  if (m.components.length === 0) return { ...m, thread_name: null };
  const first = m.components[0]?.components[0];
  const parsed = first && 'custom_id' in first ? parseCustomId(first.custom_id) : null;
  const hint =
    parsed?.kind === 'phase'
      ? 'Start the next phase in the Governor app (the dashboard).'
      : `Decide ${parsed?.kind === 'permission' ? 'this permission request' : 'this review'} ` +
        'in the Governor app (Reviews).';
  const embeds = m.embeds.map((e, i) =>
    i === 0 ? { ...e, description: clip(`${e.description ?? ''}\n\n${hint}`, LIMITS.embedDescription) } : e,
  );
  return { ...m, embeds, components: [], thread_name: null };
}
