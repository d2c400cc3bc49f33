import { createInterface } from 'node:readline/promises';
import pc from 'picocolors';
import type { Review } from '../../../shared/index.ts';
import { decisionNeedsComment } from '../../../shared/index.ts';
import { type Api, type LoopDriver, createApi, dispatch, followOtherProcesses } from '../../core/api.ts';
import { ConflictError, errorMessage } from '../../core/errors.ts';
import type { OpenedProject } from '../../core/host.ts';
import { createNotifier } from '../../core/notify/notifier.ts';
import { assertProjectDir } from '../../core/project.ts';
import { runLoop, waitingOn } from '../../core/workflow/loop.ts';
import { DECISION_CHOICES, parseDecision } from './decisions.ts';
import { acquireLoopLock } from './lock.ts';
import { decideHint, formatNotification, formatReview } from './output.ts';
import { type RunRecording, openSwitchable, replayRun, startRecording } from './recording.ts';

/**
 * `governor run`: take the project as its one driver (a second run, or a host, is refused before anything
 * opens), then drive the loop; at each human gate either ask at the terminal or, with --no-prompt (or no
 * terminal), stop and say how to decide.
 */
export async function runCommand(o: {
  dir: string;
  prompt: boolean;
  replay?: string;
  terminal?: Terminal;
}): Promise<number> {
  const root = await assertProjectDir(o.dir);
  if (o.replay) return replayRun(root, o.replay);
  const release = acquireLoopLock(root, 'run');
  try {
    const ac = new AbortController();
    const abort = () => ac.abort();
    process.once('SIGINT', abort);
    const { p, use } = await openSwitchable(root, true);
    const stop = createNotifier(p.ledger, p.read, [
      (n) => (n.ref?.kind === 'git' || n.title.startsWith('🚦')) && console.log(formatNotification(n)),
    ]);
    try {
      for (const r of p.recovered) console.log(pc.yellow(`recovered: ${r}`));
      const recording = await startRecording(p, use);
      try {
        const terminal = o.terminal ?? (process.stdin.isTTY ? { input: process.stdin, output: process.stdout } : null);
        return await runInteractive(p, { terminal: o.prompt ? terminal : null, signal: ac.signal, recording });
      } finally {
        await recording.finish();
      }
    } finally {
      stop();
      p.close();
      process.off('SIGINT', abort);
    }
  } finally {
    release();
  }
}

/**
 * This run as the loop driver the API wakes: a decision made elsewhere (another terminal, the desktop app,
 * a Discord link) reaches it through `followOtherProcesses`, and a question it is asking about a review that
 * is now decided is dropped, so the run moves on instead of asking forever.
 */
function interactiveDriver(p: OpenedProject) {
  const listeners = new Set<() => void>();
  const driver: LoopDriver = {
    running: true,
    get waiting() {
      return waitingOn(p);
    },
    start() {
      for (const l of [...listeners]) l();
      return { started: false, reason: 'this `governor run` acts on it next' };
    },
  };
  const onWake = (l: () => void) => {
    listeners.add(l);
    return () => listeners.delete(l);
  };
  return { driver, onWake };
}

/** Where the run asks: the user's terminal, or (tests) a pair of streams. */
export interface Terminal {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

/** Drive the loop; with a terminal, ask at each human gate, else stop there and say how to decide. */
export async function runInteractive(
  p: OpenedProject,
  opts: { terminal: Terminal | null; signal: AbortSignal; recording?: RunRecording },
): Promise<number> {
  const rl = opts.terminal ? createInterface({ input: opts.terminal.input, output: opts.terminal.output }) : null;
  const { driver, onWake } = interactiveDriver(p);
  const api = createApi(p, driver, { user: 'Human', source: 'cli' });
  const unfollow = followOtherProcesses(p, driver);
  try {
    for (;;) {
      const at = p.ledger.count();
      const outcome = await runLoop(p, { signal: opts.signal });
      opts.recording?.step({ step: 'loop', at_seq: at, end_seq: p.ledger.count() });
      if (outcome.state === 'aborted') return 130;
      if (outcome.state === 'needs_setup') {
        console.log(pc.red('\nThe configured runtimes cannot run this project yet:'));
        for (const w of outcome.waitingOn) console.log(w.replace(/^/gm, '  '));
        console.log(pc.dim('\nEdit agents.yaml, check it with `governor doctor`, then `governor run` again.'));
        return 1;
      }
      if (outcome.state === 'done') {
        const promo = p.read.promotions().at(-1);
        const released =
          p.read.project()?.stage === 'released'
            ? p.read
                .gitActions()
                .filter((a) => a.action === 'tag')
                .at(-1)
            : null;
        if (released) {
          console.log(
            pc.green(
              `\n🎉 ${p.read.project()?.name} released as ${released.target}: every phase of the roadmap is ` +
                `promoted. Final report: FINAL_REPORT.md`,
            ),
          );
          return 0;
        }
        console.log(
          pc.green(`\n✅ Phase ${promo?.phase ?? p.read.project()?.phase} promoted${promo ? ` as ${promo.tag}` : ''}.`),
        );
        for (const w of outcome.waitingOn) console.log(w);
        return 0;
      }
      const pending = p.read.pendingReviews();
      if (pending.length === 0) {
        console.log(pc.yellow('\nThe loop is waiting:'));
        for (const w of outcome.waitingOn) console.log(`  - ${w}`);
        console.log(pc.dim('Settle concerns with `governor command "/resolve <concern-id> <note>"`, then run again.'));
        return 3;
      }
      if (!rl) {
        console.log(pc.yellow(`\n⏸  Waiting on the human (${pending.length} review${pending.length > 1 ? 's' : ''}):`));
        for (const r of pending) console.log(`${formatReview(r)}\n    ${pc.dim(decideHint(r))}`);
        console.log(pc.dim('\nThen resume with `governor run`.'));
        return 2;
      }
      for (const r of pending) {
        const ok = await ask(p, api, rl, r, onWake, opts.recording);
        if (!ok) return 2;
      }
    }
  } finally {
    unfollow();
    rl?.close();
  }
}

/** Someone else decided this review: say who, how and where, once. */
function decidedElsewhere(p: OpenedProject, id: string): string | null {
  const d = p.read.review(id)?.decision;
  return d
    ? `${id} was decided elsewhere: ${d.decision} by ${d.reviewed_by} via ${d.source} at ${d.timestamp}; moving on.`
    : null;
}

/** Ask for one review's decision. True when the review is settled (here or elsewhere); false to stop. */
async function ask(
  p: OpenedProject,
  api: Api,
  rl: ReturnType<typeof createInterface>,
  r: Review,
  onWake: (l: () => void) => () => void,
  recording?: RunRecording,
): Promise<boolean> {
  const already = decidedElsewhere(p, r.id);
  if (already) {
    console.log(pc.dim(`\n${already}`));
    return true;
  }
  console.log(`\n${pc.bold('Human gate:')} ${formatReview(r)}`);
  console.log(pc.dim(`  Open ${p.dir}/${r.subject.path} to read it.`));
  // A decision landing elsewhere while we wait for an answer drops the question.
  const settled = new AbortController();
  const off = onWake(() => {
    if (p.read.review(r.id)?.status === 'decided') settled.abort();
  });
  const question = async (text: string): Promise<string | null> => {
    try {
      return (await rl.question(text, { signal: settled.signal })).trim();
    } catch (err) {
      if (settled.signal.aborted) return null;
      throw err;
    }
  };
  try {
    for (;;) {
      let answer: string | null;
      try {
        answer = await question(`  Decide [${DECISION_CHOICES.join('/')}, q to stop]: `);
      } catch {
        return false; // the terminal closed
      }
      if (answer === null) break;
      if (answer === 'q') return false;
      if (!answer) continue;
      try {
        const decision = parseDecision(answer);
        const needs = decisionNeedsComment(decision);
        const comment = await question(`  Comment${needs ? ' (required)' : ' (optional)'}: `);
        if (comment === null) break;
        const params = { reviewId: r.id, decision, comment, inline: [] };
        const before = p.ledger.count();
        const r2 = await dispatch(api, 'reviews.decide', params);
        // A replay passes the same decision on at the same point of the ledger (a refused one changed nothing).
        recording?.step({ step: 'input', at_seq: before, end_seq: p.ledger.count(), call: 'reviews.decide', params });
        console.log(pc.green(`  ✓ ${r2.id}: ${decision}`));
        return true;
      } catch (err) {
        if (err instanceof ConflictError) break;
        console.log(pc.red(`  ${errorMessage(err)}`));
      }
    }
    console.log(pc.yellow(`\n  ${decidedElsewhere(p, r.id) ?? `${r.id} was decided elsewhere; moving on.`}`));
    return true;
  } finally {
    off();
  }
}
