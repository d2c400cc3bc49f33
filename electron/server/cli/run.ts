import { createInterface } from 'node:readline/promises';
import pc from 'picocolors';
import type { Review } from '../../../shared/index.ts';
import { decisionNeedsComment } from '../../../shared/index.ts';
import { errorMessage } from '../../core/errors.ts';
import type { OpenedProject } from '../../core/host.ts';
import { decideReview } from '../../core/workflow/decisions.ts';
import { runLoop } from '../../core/workflow/loop.ts';
import { DECISION_CHOICES, parseDecision } from './decisions.ts';
import { decideHint, formatReview } from './output.ts';

/**
 * `governor run`: drive the loop; at each human gate either ask at the terminal or, with
 * --no-prompt (or no terminal), stop and say how to decide.
 */
export async function runInteractive(p: OpenedProject, opts: { prompt: boolean; signal: AbortSignal }): Promise<number> {
  const rl = opts.prompt ? createInterface({ input: process.stdin, output: process.stdout }) : null;
  try {
    for (;;) {
      const outcome = await runLoop(p, { signal: opts.signal });
      if (outcome.state === 'aborted') return 130;
      if (outcome.state === 'needs_setup') {
        console.log(pc.red('\nThe configured runtimes cannot run this project yet:'));
        for (const w of outcome.waitingOn) console.log(w.replace(/^/gm, '  '));
        console.log(pc.dim('\nEdit agents.yaml, check it with `governor doctor`, then `governor run` again.'));
        return 1;
      }
      if (outcome.state === 'done') {
        const promo = p.read.promotions().at(-1);
        const released = p.read.project()?.stage === 'released' ? p.read.gitActions().filter((a) => a.action === 'tag').at(-1) : null;
        if (released) {
          console.log(pc.green(`\n🎉 ${p.read.project()?.name} released as ${released.target}: every phase of the roadmap is promoted. Final report: FINAL_REPORT.md`));
          return 0;
        }
        console.log(pc.green(`\n✅ Phase ${promo?.phase ?? p.read.project()?.phase} promoted${promo ? ` as ${promo.tag}` : ''}.`));
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
        const ok = await ask(p, rl, r);
        if (!ok) return 2;
      }
    }
  } finally {
    rl?.close();
  }
}

async function ask(p: OpenedProject, rl: ReturnType<typeof createInterface>, r: Review): Promise<boolean> {
  console.log(`\n${pc.bold('Human gate:')} ${formatReview(r)}`);
  console.log(pc.dim(`  Open ${p.dir}/${r.subject.path} to read it.`));
  for (;;) {
    let answer: string;
    try {
      answer = (await rl.question(`  Decide [${DECISION_CHOICES.join('/')}, q to stop]: `)).trim();
    } catch {
      return false;
    }
    if (answer === 'q') return false;
    if (!answer) continue;
    try {
      const decision = parseDecision(answer);
      const needs = decisionNeedsComment(decision);
      const comment = (await rl.question(`  Comment${needs ? ' (required)' : ' (optional)'}: `)).trim();
      const r2 = decideReview(p.ledger, p.read, { reviewId: r.id, decision, comment, source: 'cli' });
      console.log(pc.green(`  ✓ ${r2.id}: ${decision}`));
      return true;
    } catch (err) {
      console.log(pc.red(`  ${errorMessage(err)}`));
    }
  }
}
