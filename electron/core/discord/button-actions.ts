import {
  type ButtonInteraction,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  type ModalSubmitInteraction,
  TextInputBuilder,
  TextInputStyle,
} from 'discord.js';
import { EventPayloads } from '../../../shared/index.ts';
import { type createApi, dispatch } from '../api.ts';
import { ConflictError } from '../errors.ts';
import type { OpenedProject } from '../host.ts';
import { byVia, utcStamp } from '../notify/notifications.ts';
import { decodeTs } from '../store/chain.ts';
import { normaliseId } from '../workflow/ids.ts';
import { type ModalAction, type PermissionAction, denyModalId, modalId, parseCustomId } from './custom-id.ts';
import { refusalText } from './help.ts';
import { modalText } from './inbound.ts';
import { type Acting, type InteractionReplies, who } from './interaction-replies.ts';
import { LIMITS, clip } from './limits.ts';

const WORDS: Record<string, string> = {
  approve: 'approved',
  request_changes: 'changes requested',
  request_clarification: 'clarification requested',
  reject: 'rejected',
  approve_with_conditions: 'approved with conditions',
  defer: 'deferred',
};
const PERMISSION_WORDS: Record<PermissionAction, string> = {
  allow_once: 'allowed once',
  allow_session: 'allowed for the session',
  deny: 'denied',
};
const MODAL: Record<
  ModalAction,
  { decision: 'request_changes' | 'request_clarification' | 'approve_with_conditions'; title: string; label: string }
> = {
  changes: { decision: 'request_changes', title: 'Request changes', label: 'What should change?' },
  clarify: { decision: 'request_clarification', title: 'Clarify', label: 'What needs clarifying?' },
  conditions: { decision: 'approve_with_conditions', title: 'Approve with conditions', label: 'On what conditions?' },
};
const DECISION_ICON = {
  approve: '✅',
  approve_with_conditions: '☑️',
  request_changes: '✏️',
  request_clarification: '❓',
} as const;

export interface ButtonActionDeps {
  p: OpenedProject;
  /** This project's tag, which the modal's custom id carries (routing sends its answer back here). */
  tag: () => string;
  /** The API as the Discord user who clicked (interactions.ts). */
  apiFor: (i: Acting) => ReturnType<typeof createApi>;
  replies: InteractionReplies;
}

/**
 * What Governor's buttons and forms do, once the interaction is routed, new and authorised: decide a review
 * (Approve at once; Changes, Clarify and Conditions through a form that asks for the words), decide a
 * permission request, or start the phase a promotion offers. Each goes through the same contract call as the
 * other surfaces; a decision somebody else made first is answered privately with who made it.
 */
export function createButtonActions({ p, tag, apiFor, replies }: ButtonActionDeps) {
  const { say, privately, refuseInput } = replies;
  const phaseStarts = p.ledger.db.prepare<[number], { actor: string; ts: number | string; payload: string }>(
    `SELECT actor, ts, payload FROM events WHERE type = 'phase.started'
       AND json_extract(payload, '$.phase') = ? AND json_extract(payload, '$.iteration') = 1 ORDER BY seq LIMIT 1`,
  );

  function alreadyDecided(reviewId: string): string | null {
    const r = p.read.review(reviewId);
    const x = r?.decision;
    if (!r || !x) return null;
    return (
      `${r.id} (${r.title}) was already decided ${byVia(x.reviewed_by, x.source)} at ${utcStamp(x.timestamp)}: ` +
      `${WORDS[x.decision] ?? x.decision}. The first decision stands; nothing was changed.`
    );
  }

  async function decide(
    i: ButtonInteraction | ModalSubmitInteraction,
    reviewId: string,
    decision: keyof typeof DECISION_ICON,
    comment: string,
  ): Promise<void> {
    await i.deferReply();
    try {
      const r = await dispatch(apiFor(i), 'reviews.decide', { reviewId, decision, comment, inline: [] });
      const quoted = comment ? `\n> ${comment}` : '';
      await i.editReply({
        content: say(
          `${DECISION_ICON[decision]} ${r.id} (${r.title}): ${WORDS[decision]} ${byVia(who(i), 'discord')}.${quoted}`,
        ),
      });
    } catch (err) {
      if (err instanceof ConflictError) return privately(i, alreadyDecided(reviewId) ?? err.message);
      throw err;
    }
  }

  async function decidePermission(
    i: ButtonInteraction | ModalSubmitInteraction,
    requestId: string,
    action: PermissionAction,
    digest: string,
    message = '',
  ): Promise<void> {
    await i.deferReply();
    try {
      const r = await dispatch(apiFor(i), 'permissions.decide', { requestId, decision: action, digest, message });
      await i.editReply({
        content: say(
          `${action === 'deny' ? '⛔' : '✅'} ${r.id} (${r.agent}: ${r.tool}): ` +
            `${PERMISSION_WORDS[action]} ${byVia(who(i), 'discord')}.${message ? `\n> ${message}` : ''}`,
        ),
      });
    } catch (err) {
      if (err instanceof ConflictError) return privately(i, `${err.message}. Nothing was changed.`);
      throw err;
    }
  }

  /** Who started phase `n` (its first iteration), for "already started by … via …". */
  function startedBy(n: number): string | null {
    const row = phaseStarts.get(n);
    if (!row) return null;
    const ph = EventPayloads['phase.started'].parse(JSON.parse(row.payload));
    const by = ph.user && ph.source ? byVia(ph.user, ph.source) : row.actor === 'Human' ? 'by Human' : 'by the loop';
    return `${by} at ${utcStamp(decodeTs(row.ts))}`;
  }

  /** The promotion message's "Start phase N": the next phase through the contract, once (the first click wins). */
  async function startPhase(i: ButtonInteraction, promoted: number): Promise<void> {
    const now = p.read.project();
    if (now && now.phase > promoted) {
      const name = now.roadmap.find((r) => r.number === now.phase)?.name ?? `Phase ${now.phase}`;
      const by = startedBy(now.phase);
      return privately(
        i,
        `Phase ${now.phase} — ${name} was already started${by ? ` ${by}` : ''}. Nothing was changed.`,
      );
    }
    await i.deferReply();
    const res = await dispatch(apiFor(i), 'phase.next', {});
    if (res.error) return privately(i, `${refusalText(res.error)}. Nothing was changed.`);
    const started = p.read.project();
    const name = started?.roadmap.find((r) => r.number === started.phase)?.name ?? `Phase ${started?.phase ?? ''}`;
    await i.editReply({
      content: say(
        `▶️ Phase ${started?.phase ?? ''} — ${name} started ${byVia(who(i), 'discord')}; ` +
          'the project manager plans it next.',
      ),
    });
  }

  return {
    async onButton(i: ButtonInteraction): Promise<void> {
      const parsed = parseCustomId(i.customId);
      if (!parsed || parsed.kind === 'modal' || parsed.kind === 'deny_modal') {
        await i.reply({ content: "This button is not one of Governor's.", flags: MessageFlags.Ephemeral });
        return;
      }
      if (parsed.kind === 'permission') return decidePermission(i, parsed.requestId, parsed.action, parsed.digest);
      if (parsed.kind === 'deny_form') {
        const r = p.read.permissionRequest(parsed.requestId);
        // Asked before the form opens, so nobody types a reason for a request somebody else already settled.
        if (r && r.status !== 'pending') return privately(i, `${r.id} was already ${r.status}. Nothing was changed.`);
        return i.showModal(denyModalFor(tag(), parsed.requestId, parsed.digest, r ? `${r.agent}: ${r.tool}` : ''));
      }
      if (parsed.kind === 'phase') return startPhase(i, parsed.promoted);
      const decided = alreadyDecided(parsed.reviewId);
      if (decided) return privately(i, decided);
      if (parsed.action === 'approve') return decide(i, parsed.reviewId, 'approve', '');
      // The modal must be Discord's first answer to the click: no defer before it.
      await i.showModal(
        modalFor(tag(), parsed.action, parsed.reviewId, p.read.review(parsed.reviewId)?.title ?? parsed.reviewId),
      );
    },

    async onModal(i: ModalSubmitInteraction): Promise<void> {
      const parsed = parseCustomId(i.customId);
      if (parsed?.kind !== 'modal' && parsed?.kind !== 'deny_modal') {
        await i.reply({ content: "This form is not one of Governor's.", flags: MessageFlags.Ephemeral });
        return;
      }
      const text = modalText(
        [...i.fields.fields.values()].map((f) => ({ customId: f.customId, value: 'value' in f ? f.value : undefined })),
      );
      if (!text.ok) return refuseInput(i, text.error);
      if (parsed.kind === 'deny_modal') return decidePermission(i, parsed.requestId, 'deny', parsed.digest, text.value);
      return decide(i, parsed.reviewId, MODAL[parsed.action].decision, text.value);
    },
  };
}

/** The form "Deny with reason…" opens: the reason, which the waiting agent reads with the denial. */
function denyModalFor(tag: string, requestId: string, digest: string, what: string): ModalBuilder {
  const input = new TextInputBuilder()
    .setCustomId('text')
    .setStyle(TextInputStyle.Paragraph)
    .setRequired(true)
    .setMaxLength(4000);
  const label = new LabelBuilder().setLabel('Why not, and what instead?').setTextInputComponent(input);
  return new ModalBuilder()
    .setCustomId(denyModalId(tag, requestId, digest))
    .setTitle(clip(`Deny ${requestId}${what ? ` (${what})` : ''}`, LIMITS.modalTitle))
    .addLabelComponents(label);
}

/** The form a review's Changes, Clarify or Conditions button opens: the one text the decision needs. */
function modalFor(tag: string, action: ModalAction, reviewId: string, title: string): ModalBuilder {
  const id = normaliseId('review', reviewId);
  const input = new TextInputBuilder()
    .setCustomId('text')
    .setStyle(TextInputStyle.Paragraph)
    .setRequired(true)
    .setMaxLength(4000);
  const label = new LabelBuilder().setLabel(MODAL[action].label).setTextInputComponent(input);
  return new ModalBuilder()
    .setCustomId(modalId(tag, action, id))
    .setTitle(clip(`${MODAL[action].title}: ${title}`, LIMITS.modalTitle))
    .addLabelComponents(label);
}
