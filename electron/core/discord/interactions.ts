import {
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  type ModalSubmitInteraction,
  TextInputBuilder,
  TextInputStyle,
} from 'discord.js';
import type { DiscordFile } from '../../../shared/config.ts';
import { EventPayloads, agentNames } from '../../../shared/index.ts';
import { type LoopDriver, createApi, dispatch, followUp } from '../api.ts';
import { ConflictError, GovernorError, errorMessage } from '../errors.ts';
import type { OpenedProject } from '../host.ts';
import { byVia, utcStamp } from '../notify/notifications.ts';
import { normaliseId } from '../workflow/ids.ts';
import { decodeTs } from '../store/chain.ts';
import { type ModalAction, type PermissionAction, modalId, parseCustomId } from './custom-id.ts';
import { discordHelp, refusalText } from './help.ts';
import { modalText, slashCommandText } from './inbound.ts';
import { LIMITS, clip } from './limits.ts';
import { createOutbox } from './outbox.ts';
import { forPhone } from './phone-text.ts';
import { renderText } from './render.ts';
import { type Me, type Route, agentChoices, projectChoices, routeComponent, routeSlash } from './routing.ts';

export interface InteractionDeps {
  p: OpenedProject;
  file: DiscordFile;
  /** The facts routing needs: this project's tag and name, the live links, what it posted. */
  me: () => Me;
  /** The loop a decision or command wakes; the API syncs the exports after it, as for every surface. */
  loop: LoopDriver;
  log?: (line: string) => void;
  /** Secrets out of any text this handler itself composes for Discord (error replies). */
  redact?: (text: string) => string;
  /** How long a late answer waits for the right project's own (tests shorten it). */
  lateMs?: number;
}

type Acting = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction;
type Kind = 'slash' | 'button' | 'modal';

const kindOf = (i: Acting): Kind => (i.isChatInputCommand() ? 'slash' : i.isButton() ? 'button' : 'modal');
const nameOf = (i: Acting): string =>
  (i.isChatInputCommand()
    ? `/${i.commandName}${i.options.data.map((o) => ` ${o.name}:${String(o.value ?? '')}`).join('')}`
    : i.customId
  ).slice(0, 120);

/** How a Discord user appears in the ledger and in PROJECT_DETAIL: their Discord name (the source says "discord"). */
const who = (i: Acting) => i.user.username.slice(0, 60);

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

/** The project the clicked message's footer names ("<project> · #channel"): for a wrong-project answer. */
function footerProject(i: ButtonInteraction | ModalSubmitInteraction): string | null {
  const text = i.message?.embeds[0]?.footer?.text ?? '';
  const name = text.split(' · ')[0]?.trim();
  return name ? name.slice(0, 100) : null;
}

/**
 * Every interaction, in this order: route it (routing.ts: is it this project's at all? a wrong-project
 * click is answered, and changes nothing); dedup by interaction id (Discord delivering the same interaction
 * twice acts once; two clicks are two interactions, and the first decision wins); authorise against the
 * reviewer allowlist (a refusal is ephemeral, recorded in the ledger, and changes nothing else); validate
 * what it carries (inbound.ts); acknowledge within Discord's 3 s (defer, or show the modal, which must be
 * the first response); then act through the same contract call as the other surfaces, and answer.
 */
export function createInteractionHandler(d: InteractionDeps) {
  const { p, file } = d;
  const agents = agentNames(p.agentsFile);
  const redact = d.redact ?? ((t: string) => t);
  const outbox = createOutbox(p.ledger.db);
  const phaseStarts = p.ledger.db.prepare<[number], { actor: string; ts: number | string; payload: string }>(
    `SELECT actor, ts, payload FROM events WHERE type = 'phase.started'
       AND json_extract(payload, '$.phase') = ? AND json_extract(payload, '$.iteration') = 1 ORDER BY seq LIMIT 1`,
  );
  const firstSeen = p.ledger.db.prepare(
    'INSERT OR IGNORE INTO discord_interactions (id, kind, user_id, received_at) VALUES (?, ?, ?, ?)',
  );
  // The API as this Discord user: the ledger names them, the source says Discord, and the contract call
  // records, syncs the exports and wakes the loop, as for the UI and the CLI.
  const apiFor = (i: Acting) => createApi(p, d.loop, { user: who(i), source: 'discord' });

  const say = (text: string) => clip(forPhone(redact(text)), LIMITS.content);

  /** Input we will not act on: say why, privately, before anything is deferred or changed. */
  async function refuseInput(i: Acting, why: string): Promise<void> {
    d.log?.(`discord: refused ${kindOf(i)} ${nameOf(i)} from ${i.user.username}: ${why}`);
    await i.reply({
      content: say(`⚠️ Governor did not accept that: ${why}. Nothing was changed.`),
      flags: MessageFlags.Ephemeral,
    });
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
    return `${r.id} (${r.title}) was already decided ${byVia(x.reviewed_by, x.source)} at ${utcStamp(x.timestamp)}: ${WORDS[x.decision] ?? x.decision}. The first decision stands; nothing was changed.`;
  }

  async function onSlash(i: ChatInputCommandInteraction): Promise<void> {
    // `project` chose where the command goes (routing); the command itself does not take it.
    const options = i.options.data.filter((o) => o.name !== 'project');
    const text = slashCommandText(i.commandName, options, agents);
    if (!text.ok) return refuseInput(i, text.error);
    // Help on Discord lists what Discord has (its registered commands), not the console's grammar; it
    // changes nothing and is the same for every project, so it is answered here.
    if (i.commandName === 'help') {
      const topic = options.find((o) => o.name === 'command')?.value;
      await i.reply({ content: say(discordHelp(typeof topic === 'string' ? topic : null)) });
      return;
    }
    const deferred = await i.deferReply({ withResponse: true });
    // `/phase next` is the contract's own call, as the dashboard's "Start phase N" makes it.
    const res =
      text.value === '/phase next'
        ? await dispatch(apiFor(i), 'phase.next', {})
        : await dispatch(apiFor(i), 'commands.run', { text: text.value });
    if (res.error) return privately(i, refusalText(res.error));
    // The agent answers a /clarify later, as its own message: it goes where the question was asked, as a
    // reply to this answer (the outbox looks this up when it delivers the answer).
    const replyId = deferred.interaction.responseMessageId;
    if (res.command_id && i.commandName === 'clarify' && replyId) {
      outbox.saveThread(
        { kind: 'command', id: res.command_id },
        { channel_id: i.channelId, message_id: replyId, thread_id: i.channelId },
      );
    }
    const reply = renderText(forPhone(res.response), `${res.command_id ?? 'reply'}.md`);
    await i.editReply({
      content: reply.content,
      files: reply.files.map((f) => ({ name: f.name, attachment: Buffer.from(f.text, 'utf8') })),
    });
  }

  /**
   * Every refusal ("already decided", "already acknowledged", "already started", a command not taken) is
   * private, whichever path found it: a deferred public "thinking…" is removed and the answer sent privately.
   */
  async function privately(i: Acting, text: string): Promise<void> {
    if (i.deferred || i.replied) {
      await i.deleteReply().catch(() => undefined);
      await i.followUp({ content: say(text), flags: MessageFlags.Ephemeral });
    } else await i.reply({ content: say(text), flags: MessageFlags.Ephemeral });
  }

  async function decide(
    i: ButtonInteraction | ModalSubmitInteraction,
    reviewId: string,
    decision: 'approve' | 'request_changes' | 'request_clarification' | 'approve_with_conditions',
    comment: string,
  ): Promise<void> {
    await i.deferReply();
    try {
      const r = await dispatch(apiFor(i), 'reviews.decide', { reviewId, decision, comment, inline: [] });
      const icon =
        decision === 'approve'
          ? '✅'
          : decision === 'approve_with_conditions'
            ? '☑️'
            : decision === 'request_changes'
              ? '✏️'
              : '❓';
      await i.editReply({
        content: say(
          `${icon} ${r.id} (${r.title}): ${WORDS[decision]} ${byVia(who(i), 'discord')}.${comment ? `\n> ${comment}` : ''}`,
        ),
      });
    } catch (err) {
      if (err instanceof ConflictError) return privately(i, alreadyDecided(reviewId) ?? err.message);
      throw err;
    }
  }

  async function decidePermission(
    i: ButtonInteraction,
    requestId: string,
    action: PermissionAction,
    digest: string,
  ): Promise<void> {
    await i.deferReply();
    try {
      const r = await dispatch(apiFor(i), 'permissions.decide', { requestId, decision: action, digest, message: '' });
      await i.editReply({
        content: say(
          `${action === 'deny' ? '⛔' : '✅'} ${r.id} (${r.agent}: ${r.tool}): ${PERMISSION_WORDS[action]} ${byVia(who(i), 'discord')}.`,
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
        `▶️ Phase ${started?.phase ?? ''} — ${name} started ${byVia(who(i), 'discord')}; the project manager plans it next.`,
      ),
    });
  }

  async function onButton(i: ButtonInteraction): Promise<void> {
    const parsed = parseCustomId(i.customId);
    if (!parsed || parsed.kind === 'modal') {
      await i.reply({ content: "This button is not one of Governor's.", flags: MessageFlags.Ephemeral });
      return;
    }
    if (parsed.kind === 'permission') return decidePermission(i, parsed.requestId, parsed.action, parsed.digest);
    if (parsed.kind === 'phase') return startPhase(i, parsed.promoted);
    const decided = alreadyDecided(parsed.reviewId);
    if (decided) return privately(i, decided);
    if (parsed.action === 'approve') return decide(i, parsed.reviewId, 'approve', '');
    // The modal must be Discord's first answer to the click: no defer before it.
    await i.showModal(
      modalFor(d.me().tag, parsed.action, parsed.reviewId, p.read.review(parsed.reviewId)?.title ?? parsed.reviewId),
    );
  }

  async function onModal(i: ModalSubmitInteraction): Promise<void> {
    const parsed = parseCustomId(i.customId);
    if (parsed?.kind !== 'modal') {
      await i.reply({ content: "This form is not one of Governor's.", flags: MessageFlags.Ephemeral });
      return;
    }
    const text = modalText(
      [...i.fields.fields.values()].map((f) => ({ customId: f.customId, value: 'value' in f ? f.value : undefined })),
    );
    if (!text.ok) return refuseInput(i, text.error);
    return decide(i, parsed.reviewId, MODAL[parsed.action].decision, text.value);
  }

  function route(i: Acting | AutocompleteInteraction): Route {
    const me = d.me();
    if (i.isChatInputCommand() || i.isAutocomplete()) {
      const project = i.options.data.find((o) => o.name === 'project');
      const parent = i.channel?.isThread() ? i.channel.parentId : null;
      return routeSlash(
        me,
        typeof project?.value === 'string' && project.value ? project.value : null,
        i.channelId ?? '',
        parent,
        i.commandName === 'help',
      );
    }
    return routeComponent(me, parseCustomId(i.customId), i.message?.id ?? null, footerProject(i));
  }

  async function onAutocomplete(i: AutocompleteInteraction): Promise<void> {
    const focused = i.options.getFocused(true);
    const typed = String(focused.value);
    const choices =
      focused.name === 'project'
        ? projectChoices(d.me(), typed)
        : focused.name === 'agent'
          ? agentChoices(d.me(), route(i), agents, typed, i.commandName === 'pause' || i.commandName === 'resume')
          : null;
    if (choices) await i.respond(choices).catch(() => undefined); // another project may have answered first
  }

  return async function handle(i: Interaction): Promise<void> {
    if (i.isAutocomplete()) return onAutocomplete(i);
    if (!i.isChatInputCommand() && !i.isButton() && !i.isModalSubmit()) return;
    let routed = route(i);
    if (routed.kind === 'late') {
      // The message may be this project's and still being recorded (a click right after the post): look again.
      await new Promise((r) => setTimeout(r, d.lateMs ?? 1500));
      routed = route(i);
    }
    if (routed.kind === 'quiet') return;
    if (routed.kind === 'answer' || routed.kind === 'late') {
      d.log?.(`discord: ${kindOf(i)} ${nameOf(i)} from ${i.user.username} is not this project's: ${routed.text}`);
      // Late: the right project may have answered already; Discord then refuses this one, as it should.
      await i.reply({ content: say(routed.text), flags: MessageFlags.Ephemeral }).catch(() => undefined);
      return;
    }
    const kind = kindOf(i);
    const fresh = firstSeen.run(i.id, kind, i.user.id, new Date().toISOString()).changes > 0;
    if (!fresh) return; // the first delivery of this interaction answers it
    try {
      if (!authorised(i)) {
        const since = p.ledger.count();
        p.ledger.append([
          {
            type: 'discord.interaction_refused',
            actor: 'System',
            payload: {
              interaction_id: i.id,
              user_id: i.user.id,
              user_name: i.user.username.slice(0, 100),
              kind,
              name: nameOf(i),
            },
          },
        ]);
        d.log?.(
          `discord: refused ${kind} ${nameOf(i)} from ${i.user.username} (${i.user.id}): not on the reviewer allowlist`,
        );
        try {
          await i.reply({
            content:
              "⛔ You are not on this project's reviewer allowlist (discord.yaml `reviewers`), so Governor did nothing. The attempt was recorded.",
            flags: MessageFlags.Ephemeral,
          });
        } finally {
          // Recorded like any change the API makes, the exports follow (after the answer: Discord allows 3 s).
          await followUp(p, d.loop, { since, wake: false });
        }
        return;
      }
      if (i.isChatInputCommand()) await onSlash(i);
      else if (i.isButton()) await onButton(i);
      else await onModal(i);
    } catch (err) {
      const message = redact(
        err instanceof GovernorError || (err instanceof Error && err.name === 'ZodError')
          ? errorMessage(err)
          : `Something went wrong: ${errorMessage(err)}`,
      );
      d.log?.(`discord: ${kind} ${nameOf(i)}: ${errorMessage(err)}`);
      try {
        await privately(i, `⚠️ ${message}`);
      } catch {
        // The interaction token may have expired; the ledger has the facts.
      }
    }
  };
}

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
