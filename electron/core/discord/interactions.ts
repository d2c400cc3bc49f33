import { type ButtonInteraction, type ChatInputCommandInteraction, type Interaction, LabelBuilder, MessageFlags, ModalBuilder, type ModalSubmitInteraction, TextInputBuilder, TextInputStyle } from 'discord.js';
import type { DiscordFile } from '../../../shared/config.ts';
import { agentNames } from '../../../shared/index.ts';
import { type LoopDriver, createApi, dispatch } from '../api.ts';
import { ConflictError, GovernorError, errorMessage } from '../errors.ts';
import type { OpenedProject } from '../host.ts';
import { normaliseId } from '../workflow/ids.ts';
import { type ButtonAction, modalId, parseCustomId } from './custom-id.ts';
import { modalText, slashCommandText } from './inbound.ts';
import { LIMITS, clip } from './limits.ts';
import { createOutbox } from './outbox.ts';
import { renderText } from './render.ts';

export interface InteractionDeps {
  p: OpenedProject;
  file: DiscordFile;
  /** The loop a decision or command wakes; the API syncs the exports after it, as for every surface. */
  loop: LoopDriver;
  log?: (line: string) => void;
  /** Secrets out of any text this handler itself composes for Discord (error replies). */
  redact?: (text: string) => string;
}

type Acting = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction;
type Kind = 'slash' | 'button' | 'modal';

const kindOf = (i: Acting): Kind => (i.isChatInputCommand() ? 'slash' : i.isButton() ? 'button' : 'modal');
const nameOf = (i: Acting): string => (i.isChatInputCommand() ? `/${i.commandName}` : i.customId).slice(0, 120);

/** How a Discord user appears in the ledger and in PROJECT_DETAIL: their Discord name (the source says "discord"). */
const who = (i: Acting) => i.user.username.slice(0, 60);

const WORDS: Record<string, string> = { approve: 'approved', request_changes: 'changes requested', request_clarification: 'clarification requested', reject: 'rejected', approve_with_conditions: 'approved with conditions', defer: 'deferred' };

/**
 * Every interaction, in this order: dedup by interaction id (Discord delivering the same interaction twice
 * acts once; two clicks are two interactions, and the first decision wins in `decideReview`); authorise
 * against the reviewer allowlist (a refusal is ephemeral, recorded in the ledger, and changes nothing
 * else); validate what it carries (inbound.ts); acknowledge within Discord's 3 s (defer, or show the modal,
 * which must be the first response); then act through the same contract call as the UI and the CLI
 * (`dispatch(createApi(…))`, which records, syncs the exports and wakes the loop), and answer.
 */
export function createInteractionHandler(d: InteractionDeps) {
  const { p, file } = d;
  const agents = agentNames(p.agentsFile);
  // The API as this Discord user: the ledger names them, and the source says Discord.
  const apiFor = (i: Acting) => createApi(p, d.loop, { user: who(i), source: 'discord' });
  const redact = d.redact ?? ((t: string) => t);
  const outbox = createOutbox(p.ledger.db);
  const firstSeen = p.ledger.db.prepare('INSERT OR IGNORE INTO discord_interactions (id, kind, user_id, received_at) VALUES (?, ?, ?, ?)');

  /** Input we will not act on: say why, privately, before anything is deferred or changed. */
  async function refuseInput(i: Acting, why: string): Promise<void> {
    d.log?.(`discord: refused ${kindOf(i)} ${nameOf(i)} from ${i.user.username}: ${why}`);
    await i.reply({ content: clip(redact(`⚠️ Governor did not accept that: ${why}. Nothing was changed.`), LIMITS.content), flags: MessageFlags.Ephemeral });
  }

  function authorised(i: Acting): boolean {
    if (file.reviewers.users.includes(i.user.id)) return true;
    const member = i.member;
    if (!member || file.reviewers.roles.length === 0) return false;
    const roles = Array.isArray(member.roles) ? member.roles : [...member.roles.cache.keys()];
    return roles.some((r) => file.reviewers.roles.includes(r));
  }

  function alreadyDecided(reviewId: string): string | null {
    const r = p.read.review(reviewId);
    const x = r?.decision;
    if (!r || !x) return null;
    return `${r.id} (${r.title}) was already decided by ${x.reviewed_by} at ${x.timestamp.slice(0, 16).replace('T', ' ')} UTC via ${x.source}: ${WORDS[x.decision] ?? x.decision}. The first decision stands; nothing was changed.`;
  }

  async function onSlash(i: ChatInputCommandInteraction): Promise<void> {
    const text = slashCommandText(i.commandName, i.options.data, agents);
    if (!text.ok) return refuseInput(i, text.error);
    const deferred = await i.deferReply({ withResponse: true });
    const res = await dispatch(apiFor(i), 'commands.run', { text: text.value });
    // The agent answers a /clarify later, as its own message: it goes where the question was asked, as a
    // reply to this answer (the outbox looks this up when it delivers the answer).
    const replyId = deferred.interaction.responseMessageId;
    if (res.ok && res.command_id && i.commandName === 'clarify' && replyId) {
      outbox.saveThread({ kind: 'command', id: res.command_id }, { channel_id: i.channelId, message_id: replyId, thread_id: i.channelId });
    }
    const reply = renderText(res.ok ? res.response : `⚠️ ${res.response}`, `${res.command_id ?? 'reply'}.md`);
    await i.editReply({ content: reply.content, files: reply.files.map((f) => ({ name: f.name, attachment: Buffer.from(f.text, 'utf8') })) });
  }

  async function decide(i: ButtonInteraction | ModalSubmitInteraction, reviewId: string, decision: 'approve' | 'request_changes' | 'request_clarification', comment: string): Promise<void> {
    await i.deferReply();
    try {
      const r = await dispatch(apiFor(i), 'reviews.decide', { reviewId, decision, comment, inline: [] });
      await i.editReply({ content: clip(`${decision === 'approve' ? '✅' : decision === 'request_changes' ? '✏️' : '❓'} ${r.id} (${r.title}): ${WORDS[decision]} by ${who(i)}.${comment ? `\n> ${comment}` : ''}`, LIMITS.content) });
    } catch (err) {
      if (err instanceof ConflictError) {
        await i.editReply({ content: clip(alreadyDecided(reviewId) ?? err.message, LIMITS.content) });
        return;
      }
      throw err;
    }
  }

  async function onButton(i: ButtonInteraction): Promise<void> {
    const parsed = parseCustomId(i.customId);
    if (parsed?.kind !== 'button') {
      await i.reply({ content: 'This button is not one of Governor\'s.', flags: MessageFlags.Ephemeral });
      return;
    }
    const decided = alreadyDecided(parsed.reviewId);
    if (decided) {
      await i.reply({ content: decided, flags: MessageFlags.Ephemeral });
      return;
    }
    if (parsed.action === 'approve') return decide(i, parsed.reviewId, 'approve', '');
    // The modal must be Discord's first answer to the click: no defer before it.
    await i.showModal(modalFor(parsed.action, parsed.reviewId, p.read.review(parsed.reviewId)?.title ?? parsed.reviewId));
  }

  async function onModal(i: ModalSubmitInteraction): Promise<void> {
    const parsed = parseCustomId(i.customId);
    if (parsed?.kind !== 'modal') {
      await i.reply({ content: 'This form is not one of Governor\'s.', flags: MessageFlags.Ephemeral });
      return;
    }
    const text = modalText([...i.fields.fields.values()].map((f) => ({ customId: f.customId, value: 'value' in f ? f.value : undefined })));
    if (!text.ok) return refuseInput(i, text.error);
    return decide(i, parsed.reviewId, parsed.action === 'changes' ? 'request_changes' : 'request_clarification', text.value);
  }

  return async function handle(i: Interaction): Promise<void> {
    if (!i.isChatInputCommand() && !i.isButton() && !i.isModalSubmit()) return;
    const kind = kindOf(i);
    const fresh = firstSeen.run(i.id, kind, i.user.id, new Date().toISOString()).changes > 0;
    if (!fresh) return; // the first delivery of this interaction answers it
    try {
      if (!authorised(i)) {
        p.ledger.append([{ type: 'discord.interaction_refused', actor: 'System', payload: { interaction_id: i.id, user_id: i.user.id, user_name: i.user.username.slice(0, 100), kind, name: nameOf(i) } }]);
        d.log?.(`discord: refused ${kind} ${nameOf(i)} from ${i.user.username} (${i.user.id}): not on the reviewer allowlist`);
        await i.reply({ content: '⛔ You are not on this project\'s reviewer allowlist (discord.yaml `reviewers`), so Governor did nothing. The attempt was recorded.', flags: MessageFlags.Ephemeral });
        return;
      }
      if (i.isChatInputCommand()) await onSlash(i);
      else if (i.isButton()) await onButton(i);
      else await onModal(i);
    } catch (err) {
      const message = redact(err instanceof GovernorError || (err instanceof Error && err.name === 'ZodError') ? errorMessage(err) : `Something went wrong: ${errorMessage(err)}`);
      d.log?.(`discord: ${kind} ${nameOf(i)}: ${errorMessage(err)}`);
      try {
        if (i.deferred || i.replied) await i.editReply({ content: clip(`⚠️ ${message}`, LIMITS.content) });
        else await i.reply({ content: clip(`⚠️ ${message}`, LIMITS.content), flags: MessageFlags.Ephemeral });
      } catch {
        // The interaction token may have expired; the ledger has the facts.
      }
    }
  };
}

function modalFor(action: Exclude<ButtonAction, 'approve'>, reviewId: string, title: string): ModalBuilder {
  const id = normaliseId('review', reviewId);
  const input = new TextInputBuilder().setCustomId('text').setStyle(TextInputStyle.Paragraph).setRequired(true).setMaxLength(4000);
  const label = new LabelBuilder().setLabel(action === 'changes' ? 'What should change?' : 'What needs clarifying?').setTextInputComponent(input);
  return new ModalBuilder()
    .setCustomId(modalId(action, id))
    .setTitle(clip(`${action === 'changes' ? 'Request changes' : 'Clarify'}: ${title}`, LIMITS.modalTitle))
    .addLabelComponents(label);
}
