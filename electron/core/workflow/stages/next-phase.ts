import type { AgentName, CommandSource, Phase } from '../../../../shared/index.ts';
import type { AgentRuntime } from '../../agents/runtime.ts';
import { GovernorError, InvalidInputError } from '../../errors.ts';
import type { Tx } from '../../store/ledger.ts';
import type { Reader } from '../../store/read.ts';
import type { Engine } from '../engine.ts';
import { recordGitActions } from '../git-steps.ts';
import { recordHandoff, setAgentStatus } from '../records.ts';

/**
 * What happens after a promotion: the next phase of the roadmap starts (the PM plans it from what the
 * earlier phases taught, and it goes through the same gates), or, after the last phase, the project ends
 * with its final report and a release tag. The loop calls in here when the stage is `promoted`; the
 * promotion itself (stages/promote.ts) knows nothing of what comes after it.
 */

/** The phase after the current one on the roadmap, if any. */
export function nextRoadmapPhase(read: Reader): Phase | null {
  const p = read.project();
  if (!p) return null;
  return [...p.roadmap].filter((r) => r.number > p.phase).sort((a, b) => a.number - b.number)[0] ?? null;
}

/** The release tag that ends the project: `v1.0.0` with the policy's prefix. */
export const releaseTag = (prefix: string) => `${prefix}1.0.0`;

/**
 * Why the team cannot run `phase` (the scripted runtime's script ends before it), in words, or null.
 * Asked before the phase starts, so the loop stops with the reason instead of half-way into a plan.
 */
export function phaseBlocker(e: Engine, phase: number): string | null {
  for (const a of e.read.agents()) {
    let runtime: AgentRuntime;
    try {
      runtime = e.runtimeFor(a.name);
    } catch (err) {
      if (err instanceof GovernorError) return `${a.name}: ${err.message}`;
      throw err;
    }
    const why = runtime.cannot?.({ kind: 'phase', agent: a.name, phase });
    if (why) return why;
  }
  return null;
}

/**
 * Start the next phase: a fact in the ledger (stage `plan` of phase N+1) and a handoff to the PM, who
 * plans it on the loop's next step. Refused, with the reason, unless the current phase is promoted and
 * the roadmap has a phase after it. Shared by the loop (`next_phase: auto`), `/phase next` and `phase.next`.
 */
export function startNextPhase(
  tx: Tx,
  read: Reader,
  by: 'Human' | 'System',
  ts: string,
  who?: { user: string; source: CommandSource },
): Phase {
  const p = read.project();
  if (!p) throw new InvalidInputError('the project has not been initialised');
  if (p.stage === 'released')
    throw new InvalidInputError(`the project was released after phase ${p.phase}; the roadmap has no phase left`);
  if (p.stage !== 'promoted')
    throw new InvalidInputError(
      `phase ${p.phase} is at ${p.stage.replaceAll('_', ' ')}; the next phase starts once it is promoted`,
    );
  const next = nextRoadmapPhase(read);
  if (!next)
    throw new InvalidInputError(
      `phase ${p.phase} was the last on the roadmap; the project is released on the next run`,
    );
  tx.append({
    type: 'phase.started',
    actor: by,
    ts,
    payload: {
      phase: next.number,
      name: next.name,
      iteration: 1,
      ...(who ? { user: who.user, source: who.source } : {}),
    },
  });
  recordHandoff(
    tx,
    read,
    {
      phase: next.number,
      from: by,
      to: 'ProjectManager',
      purpose: `Plan phase ${next.number} — ${next.name}`,
      inputs: ['docs/PROJECT_OVERVIEW.md', 'QA_REPORT.md', 'CHANGELOG.md', 'docs/PROJECT_VARIATIONS.md'],
      outputs: ['REQUIREMENTS.md', 'AGENT_TASKS.md'],
      summary: `Phase ${p.phase} is promoted; plan phase ${next.number} (${next.goal || next.name}) from what it taught.`,
      status: 'delivered',
    },
    ts,
  );
  return next;
}

/**
 * The end of the roadmap: the last promotion already put the final report (FINAL_REPORT.md, rendered once
 * the last phase reached its promotion review) into main; the release tag marks that commit, carrying the
 * human's approval of that promotion, and the project is released.
 */
export async function releaseProject(e: Engine): Promise<void> {
  const p = e.read.project();
  const promo = e.read.promotions().at(-1);
  if (!p || !promo) throw new InvalidInputError('nothing to release: no phase has been promoted');
  const approval = e.read
    .reviews()
    .filter((r) => r.kind === 'promotion' && r.phase === promo.phase && r.decision)
    .at(-1);
  const tag = releaseTag(e.policies.git.release_tag_prefix);
  // main's tip: the last promotion's commit (only a promotion moves main, so nothing came after it).
  const commit = (await e.git.resolveRef('main')) ?? promo.commit;
  const tagId = e.ledger.newEventId();
  const ts0 = Math.floor(e.clock().getTime() / 1000);
  const phases = p.roadmap.length;
  await e.git.tagAnnotated({
    name: tag,
    oid: commit,
    message: `${p.name} released after ${phases} phase${phases === 1 ? '' : 's'} (${promo.tag})\n\nThe final report is FINAL_REPORT.md in this commit.${approval ? ` Approved by ${approval.decision?.reviewed_by ?? 'Human'} (${approval.id}).` : ''}`,
    tagger: 'Human',
    timestamp: ts0,
    actor: 'Human',
    auditId: tagId,
  });
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    recordGitActions(
      tx,
      [
        {
          id: tagId,
          action: 'tag',
          source: 'main',
          target: tag,
          trigger: approval ? `human_approval ${approval.id}` : 'release',
          actor: 'Human',
          commit,
          previous: null,
          message: `${p.name} released as ${tag}`,
          files: [],
        },
      ],
      ts,
    );
    tx.append({
      type: 'project.released',
      actor: 'Human',
      ts,
      payload: { phase: promo.phase, tag, commit, report: 'FINAL_REPORT.md' },
    });
    recordHandoff(
      tx,
      e.read,
      {
        phase: promo.phase,
        from: 'ProjectManager',
        to: 'Human',
        purpose: `Project released as ${tag}`,
        inputs: ['FINAL_REPORT.md', 'QA_REPORT.md'],
        outputs: ['FINAL_REPORT.md'],
        summary: `All ${phases} phase(s) of the roadmap are promoted; main ${commit.slice(0, 7)} is tagged ${tag}.`,
        status: 'approved',
      },
      ts,
    );
    for (const a of e.read.agents())
      if (a.status !== 'idle' && a.status !== 'paused') setAgentStatus(tx, a.name as AgentName, 'idle', null, ts);
  });
  e.progress({ kind: 'git', text: `released: ${tag} on main ${commit.slice(0, 7)} (final report: FINAL_REPORT.md)` });
}

/** What the loop does at `promoted`: start the next phase, release the project, or wait (and why). */
export function afterPromotion(e: Engine): { run: () => Promise<void>; describe: string } | { waiting: string } {
  const p = e.read.project();
  if (!p) return { waiting: 'the project is not initialised' };
  const next = nextRoadmapPhase(e.read);
  if (!next) return { describe: 'release the project', run: () => releaseProject(e) };
  const blocker = phaseBlocker(e, next.number);
  if (blocker) return { waiting: blocker };
  if (e.policies.promotion_policy.next_phase === 'on_command') {
    return {
      waiting: `phase ${next.number} — ${next.name} is next: start it with \`/phase next\` (or Start phase ${next.number} on the dashboard)`,
    };
  }
  return {
    describe: `start phase ${next.number} — ${next.name}`,
    run: async () => {
      const started = e.ledger.transact((tx) => startNextPhase(tx, e.read, 'System', e.clock().toISOString()));
      e.progress({ kind: 'stage', text: `phase ${started.number} — ${started.name} starts; the PM plans it` });
    },
  };
}
