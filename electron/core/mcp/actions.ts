import type { AgentName, Severity, Task } from '../../../shared/index.ts';
import { agentNames, escalationTargets, roleOf } from '../../../shared/index.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { Engine } from '../workflow/engine.ts';
import { nextId } from '../workflow/ids.ts';
import { raiseConcern } from '../workflow/records.ts';
import { proposeVariation } from '../workflow/variations.ts';
import { statusSnapshot } from '../api.ts';
import type { ProposedVariation } from '../agents/runtime.ts';

/** What an agent hands back when it is done with a task. */
export interface Handoff {
  summary: string;
  commit_subject: string;
  /** What the agent ran to check its work, and what it saw. */
  tested: string;
}

/**
 * How a task ends for this caller: a worker Governor runs hands its result back to its step; an
 * external agent (a user's own session) has Governor commit its workspace at once.
 */
export interface HandoffSink {
  /** The task the caller works on now (a worker's, or the one an external agent took). */
  currentTask(): Task | null;
  handoff(h: Handoff, task: Task): Promise<string>;
  /** External agents only: take the next runnable task and get a workspace for it. */
  nextTask?(): Promise<{ task: Task; workspace: string; context: Record<string, string> } | null>;
}

const DOCUMENTS = [
  'REQUIREMENTS.md',
  'AGENT_TASKS.md',
  'design/DESIGN_SPEC.md',
  'design/ARCHITECTURE.md',
  'tests/TEST_PLAN.md',
  'tests/TEST_RESULTS.md',
  'docs/PROJECT_OVERVIEW.md',
  'docs/PROJECT_DETAIL.md',
  'docs/PROJECT_VARIATIONS.md',
  'QA_REPORT.md',
  'CHANGELOG.md',
  'status.json',
];

/**
 * The actions Governor offers a coding agent, bound to one agent's identity: whatever the agent sends,
 * it acts as itself, within its own escalation chain and on its own tasks. The MCP server is a thin
 * layer over these; the same checks hold whichever transport calls them.
 */
export function createAgentActions(e: Engine, agent: AgentName, sink: HandoffSink) {
  const phase = () => e.read.project()?.phase ?? 1;
  const chain = () => escalationTargets(e.agentsFile, roleOf(agent));
  const refuseOther = (claimed: string | undefined) => {
    if (claimed !== undefined && claimed !== agent)
      throw new InvalidInputError(`this session is bound to ${agent}; it cannot act as ${claimed}`);
  };

  return {
    agent,
    raiseConcern(c: {
      agent?: string;
      to?: string;
      severity: Severity;
      category: string;
      summary: string;
      details: string;
    }) {
      refuseOther(c.agent);
      const targets = chain();
      const to = c.to ?? targets[0] ?? 'Human';
      const allowed = new Set<string>([
        ...targets,
        'Human',
        ...agentNames(e.agentsFile).filter((a) => targets.includes(roleOf(a))),
      ]);
      if (!allowed.has(to))
        throw new InvalidInputError(
          `${agent} raises concerns up its chain (${[...targets].join(' → ')}, or Human); "${to}" is not on it`,
        );
      const id = e.ledger.transact((tx) =>
        raiseConcern(
          tx,
          {
            phase: phase(),
            from: agent,
            to,
            severity: c.severity,
            category: c.category,
            summary: c.summary,
            details: c.details,
          },
          e.clock().toISOString(),
        ),
      );
      e.progress({ kind: 'concern', agent, text: `${c.severity} concern ${id} → ${to}: ${c.summary}` });
      return {
        concern_id: id,
        to: c.severity === 'critical' ? 'Human' : to,
        note: c.severity === 'critical' ? 'critical: the human sees it at once' : `${to} will look at it`,
      };
    },
    proposeVariation(v: ProposedVariation & { agent?: string }) {
      refuseOther(v.agent);
      const { agent: _a, ...rest } = v;
      const r = e.ledger.transact((tx) => proposeVariation(tx, e, agent, phase(), rest, e.clock().toISOString()));
      return {
        variation_id: r.id,
        number: r.number,
        review_id: r.review_id,
        goes_to: r.review_id ? 'Human' : 'accepted by policy',
      };
    },
    async askClarification(q: { agent?: string; to: 'Designer' | 'ProjectManager'; question: string }) {
      refuseOther(q.agent);
      if (q.to === roleOf(agent)) throw new InvalidInputError(`${agent} cannot ask itself`);
      // Answered within the asking step: the loop is busy with this agent, so nobody else would answer.
      const id = e.ledger.transact((tx) => {
        const cid = nextId.clarification(tx.db);
        tx.append({
          type: 'clarification.requested',
          actor: agent,
          payload: {
            id: cid,
            agent: q.to,
            question: `${agent} asks: ${q.question}`,
            command_id: null,
            review_id: null,
          },
        });
        return cid;
      });
      const runtime = e.runtimeFor(q.to);
      const docs =
        q.to === 'Designer'
          ? ['design/DESIGN_SPEC.md', 'design/ARCHITECTURE.md']
          : ['REQUIREMENTS.md', 'AGENT_TASKS.md'];
      const context = Object.fromEntries(docs.map((p) => [p, e.exporter.rendered(p) ?? '']));
      const answer = await runtime.clarify({ agent: q.to, question: q.question, context });
      e.ledger.transact((tx) =>
        tx.append({
          type: 'clarification.answered',
          actor: q.to,
          payload: { clarification_id: id, agent: q.to, answer, scripted: runtime.scripted },
        }),
      );
      e.progress({ kind: 'info', agent: q.to, text: `answered ${agent}'s ${id}: ${answer.slice(0, 200)}` });
      return { clarification_id: id, from: q.to, answer: runtime.scripted ? `${answer} (scripted)` : answer };
    },
    async handoff(h: Handoff & { agent?: string; task_id?: string }) {
      refuseOther(h.agent);
      const task = sink.currentTask();
      if (!task)
        throw new InvalidInputError(
          `${agent} has no task in progress; ` +
            `${sink.nextTask ? 'take one with next_task first' : 'there is nothing to hand off'}`,
        );
      if (h.task_id !== undefined && h.task_id !== task.id) {
        const other = e.read.task(h.task_id);
        throw new InvalidInputError(
          other && other.agent !== agent
            ? `task ${h.task_id} belongs to ${other.agent}; ${agent} can hand off only its own (${task.id})`
            : `${agent} is working on ${task.id}, not ${h.task_id}`,
        );
      }
      if (!/^(feat|fix|docs|test|refactor|chore|perf|style|build|ci)(\([a-z0-9-]+\))?!?: .+/.test(h.commit_subject))
        throw new InvalidInputError(
          `commit_subject "${h.commit_subject}" is not a Conventional Commit subject such as "feat(parser): read CSV"`,
        );
      return {
        task_id: task.id,
        result: await sink.handoff({ summary: h.summary, commit_subject: h.commit_subject, tested: h.tested }, task),
      };
    },
    async nextTask(o: { agent?: string }) {
      refuseOther(o.agent);
      if (!sink.nextTask)
        throw new InvalidInputError(`${agent}'s tasks are given by Governor; this session cannot take another`);
      const next = await sink.nextTask();
      return next
        ? { task: next.task, workspace: next.workspace, context: next.context }
        : { task: null, note: `no task for ${agent} is ready yet` };
    },
    status() {
      const snap = statusSnapshot(e, { running: true, waiting: [] });
      return { ...snap, you: e.read.agent(agent) };
    },
    tasks(o: { mine?: boolean }) {
      const all = e.read.tasks().filter((t) => t.phase === phase());
      return o.mine === false ? all : all.filter((t) => t.agent === agent);
    },
    readDocument(o: { path: string }) {
      if (!DOCUMENTS.includes(o.path))
        throw new InvalidInputError(`"${o.path}" is not a project document; read one of ${DOCUMENTS.join(', ')}`);
      // One document's own reads, not every export rendered from the whole history.
      const content = e.exporter.rendered(o.path);
      if (content === null) throw new NotFoundError('document', o.path, 'it has not been written yet');
      return { path: o.path, content };
    },
  };
}
export type AgentActions = ReturnType<typeof createAgentActions>;
