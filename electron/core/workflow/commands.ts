import type { AgentName, Command, CommandErrorCode, CommandSource } from '../../../shared/index.ts';
import { AgentName as AgentNameSchema, helpText, parseCommand } from '../../../shared/index.ts';
import { formatStatusText } from '../artifacts/render/index.ts';
import { ConflictError, GovernorError, InvalidInputError, errorMessage } from '../errors.ts';
import { byVia, utcStamp } from '../notify/notifications.ts';
import type { Ledger } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';
import { decideReview } from './decisions.ts';
import {
  ackConcern,
  assignConcern,
  assignTask,
  escalateConcern,
  findConcern,
  humanAcknowledgement,
  resolveConcern,
} from './human-actions.ts';
import { nextId, normaliseId } from './ids.ts';
import { PAUSING_CATEGORIES } from './failures.ts';
import { respond } from './records.ts';
import { nextRoadmapPhase, startNextPhase } from './stages/next-phase.ts';

export interface CommandDeps {
  ledger: Ledger;
  read: Reader;
  agents: readonly AgentName[];
  /** `/status git`; supplied by the git layer. */
  gitStatus: () => Promise<string>;
  /** The engine's clock (replays and tests pin it); the wall clock when left out. */
  clock?: () => Date;
}

export interface CommandResult {
  ok: boolean;
  command_id: string | null;
  response: string;
  /** Why it was refused (null when carried out): front ends choose how to show a refusal by its code. */
  error: { code: CommandErrorCode; message: string } | null;
}

const CODES: ReadonlySet<string> = new Set(['conflict', 'invalid_input', 'not_found']);

/** A refusal's code: the engine error's own when a command can meet it, else `refused`. */
function codeOf(err: unknown): CommandErrorCode {
  if (err instanceof GovernorError && CODES.has(err.code)) return err.code as CommandErrorCode;
  return err instanceof Error && err.name === 'ZodError' ? 'invalid_input' : 'refused';
}

/**
 * The one human command handler, shared by the UI console, Discord and the CLI.
 * Every accepted command is a `command.received` event and every answer a `response.sent` event
 * carrying its `command_id`, written in one transaction with whatever the command changed.
 */
export async function handleCommand(
  deps: CommandDeps,
  text: string,
  who: { user: string; source: CommandSource },
): Promise<CommandResult> {
  const parsed = parseCommand(text, deps.agents);
  if (!parsed.ok)
    return {
      ok: false,
      command_id: null,
      response: `${parsed.error}\n\n${helpText()}`,
      error: { code: 'unparsed', message: parsed.error },
    };
  const c = parsed.command;
  // Read-only answers that need async work are computed before the write transaction.
  const gitText = c.cmd === '/status' && c.scope === 'git' ? await deps.gitStatus() : null;

  const clock = deps.clock ?? (() => new Date());
  return deps.ledger.transact((tx) => {
    const ts = clock().toISOString();
    const commandId = nextId.command(tx.db, ts);
    const command: Command = {
      command_id: commandId,
      cmd: c.cmd,
      target: parsed.target,
      args: parsed.args,
      user: who.user,
      source: who.source,
      timestamp: ts,
    };
    tx.append({ type: 'command.received', actor: 'Human', payload: command, ts });
    const reply = (response: string, error: CommandResult['error'] = null): CommandResult => {
      const ok = error === null;
      respond(tx, { command_id: commandId, from: 'System', to: 'Human', response, ok }, ts);
      return { ok, command_id: commandId, response, error };
    };
    try {
      switch (c.cmd) {
        case '/help':
          return reply(helpText(c.topic));
        case '/status': {
          if (gitText !== null) return reply(gitText);
          const spend = deps.read.agents().reduce((sum, a) => sum + a.cost_usd, 0);
          return reply(`${formatStatusText(deps.read.statusFacts())}\nSpend: $${spend.toFixed(2)}`);
        }
        case '/clarify': {
          const agent = AgentNameSchema.parse(c.agent);
          const pending = deps.read.pendingClarification(agent);
          if (pending)
            throw new InvalidInputError(
              `${agent} already has a pending question (${pending.id}: "${pending.question}"); one at a time`,
            );
          const id = nextId.clarification(tx.db);
          tx.append({
            type: 'clarification.requested',
            actor: 'Human',
            ts,
            payload: { id, agent, question: c.question, command_id: commandId, review_id: null },
          });
          return reply(`Question ${id} queued for ${agent}; the answer follows as a response to ${commandId}.`);
        }
        case '/assign': {
          const agent = AgentNameSchema.parse(c.agent);
          const [maybeConcern = '', ...note] = c.text.split(/\s+/);
          const concernId = normaliseId('concern', maybeConcern);
          if (/^concern_\d+$/.test(concernId) && deps.read.concern(concernId)) {
            assignConcern(tx, deps.read, concernId, agent, 'Human', note.join(' '), ts, who);
            return reply(`Concern ${concernId} assigned to ${agent}.`);
          }
          // Written as a concern id, it was meant as one: a typo must not become a task.
          if (/^#?concern_\d+$/i.test(maybeConcern))
            throw new InvalidInputError(`no such concern: ${concernId} (/status lists the open ones)`);
          const taskId = assignTask(tx, deps.read, agent, c.text, commandId);
          return reply(`Task ${taskId} assigned to ${agent}: ${c.text}`);
        }
        case '/ack':
        case '/resolve': {
          // Several at once, all or none: every id is checked before any is changed.
          const wanted = [...new Set(c.concerns.map((id) => normaliseId('concern', id)))];
          for (const id of wanted) {
            const found = findConcern(deps.read, id);
            if (found.status === 'resolved')
              throw new InvalidInputError(`concern ${found.id} is already resolved; nothing was changed`);
            // Acknowledging is a decision like any other: the first one stands, a second is told whose it was.
            const acked = c.cmd === '/ack' ? humanAcknowledgement(tx, found.id) : null;
            if (acked)
              throw new ConflictError(
                `concern ${found.id} was already acknowledged ${acked.source ? byVia(acked.user, acked.source) : `by ${acked.user}`} at ${utcStamp(acked.at)}; nothing was changed`,
              );
          }
          const ids = wanted.map((id) =>
            c.cmd === '/ack'
              ? ackConcern(tx, deps.read, id, 'Human', c.note, ts, who)
              : resolveConcern(tx, deps.read, id, 'Human', c.note, ts, who),
          );
          const verb = c.cmd === '/ack' ? 'acknowledged' : 'resolved';
          return reply(ids.length === 1 ? `Concern ${ids[0]} ${verb}.` : `Concerns ${ids.join(', ')} ${verb}.`);
        }
        case '/escalate': {
          const to = c.to === 'Human' ? 'Human' : AgentNameSchema.parse(c.to);
          return reply(
            `Concern ${escalateConcern(tx, deps.read, c.concern, to, 'Human', c.reason || 'escalated by the human', ts)} escalated to ${to}.`,
          );
        }
        case '/pause':
        case '/resume': {
          const targets = c.agent === 'all' ? [...deps.agents] : [AgentNameSchema.parse(c.agent)];
          const lines: string[] = [];
          for (const agent of targets) {
            const state = deps.read.agent(agent);
            if (!state) continue;
            if (c.cmd === '/pause') {
              if (state.status === 'paused') continue;
              const pending = state.status === 'working';
              tx.append({ type: 'agent.paused', actor: 'Human', ts, payload: { agent, by: 'Human', pending } });
              lines.push(pending ? `${agent} will pause after its current step.` : `${agent} paused.`);
            } else {
              // The concern that paused the agent (a failure, a budget) is settled by resuming it: the human acted on it.
              const causes = deps.read
                .openConcerns()
                .filter((x) => x.from === agent && PAUSING_CATEGORIES.includes(x.category));
              if (state.status !== 'paused' && !state.pause_requested && causes.length === 0) continue;
              if (state.status === 'paused' || state.pause_requested)
                tx.append({ type: 'agent.resumed', actor: 'Human', ts, payload: { agent, by: 'Human' } });
              for (const x of causes)
                tx.append({
                  type: 'concern.resolved',
                  actor: 'Human',
                  ts,
                  payload: { concern_id: x.id, by: 'Human', note: `${agent} resumed by the human` },
                });
              lines.push(`${agent} resumed.${causes.length ? ` Settled ${causes.map((x) => x.id).join(', ')}.` : ''}`);
            }
          }
          return reply(
            lines.length > 0 ? lines.join('\n') : c.cmd === '/pause' ? 'Nothing to pause.' : 'Nothing to resume.',
          );
        }
        case '/phase': {
          if (c.action === 'list') return reply(roadmapText(deps.read));
          const next = startNextPhase(tx, deps.read, 'Human', ts, who);
          return reply(`Phase ${next.number} — ${next.name} started: the PM plans it on the loop's next step.`);
        }
        case '/approve':
        case '/reject': {
          const decision = c.cmd === '/approve' ? 'approve' : 'reject';
          const comment = c.cmd === '/approve' ? c.note : c.reason;
          const r = decideReview(
            deps.ledger,
            deps.read,
            { reviewId: c.review, decision, comment, source: who.source, by: who.user },
            clock,
          );
          return reply(`Review ${r.id} (${r.title}) ${decision === 'approve' ? 'approved' : 'rejected'}.`);
        }
      }
    } catch (err) {
      if (!(err instanceof GovernorError) && !(err instanceof Error && err.name === 'ZodError')) throw err;
      return reply(errorMessage(err), { code: codeOf(err), message: errorMessage(err) });
    }
  });
}

/** `/phase`: the roadmap, where the project is on it, and what comes next. */
function roadmapText(read: Reader): string {
  const p = read.project();
  if (!p) return 'The project has not been initialised.';
  if (p.roadmap.length === 0)
    return `Phase ${p.phase} is at ${p.stage.replaceAll('_', ' ')}; the roadmap is written with the first plan.`;
  const tags = new Map(read.promotions().map((x) => [x.phase, x.tag]));
  const rows = p.roadmap.map(
    (r) =>
      `  ${r.number === p.phase ? '▶' : ' '} Phase ${r.number} — ${r.name}: ${r.status}${tags.has(r.number) ? ` (${tags.get(r.number)})` : ''}`,
  );
  const next = nextRoadmapPhase(read);
  const hint =
    p.stage === 'released'
      ? 'The project is released.'
      : p.stage === 'promoted'
        ? next
          ? `Next: phase ${next.number} — ${next.name} (\`/phase next\` starts it).`
          : 'That was the last phase: the next run releases the project.'
        : `Phase ${p.phase} is at ${p.stage.replaceAll('_', ' ')}.`;
  return ['Roadmap:', ...rows, hint].join('\n');
}
