import pc from 'picocolors';
import type { InlineComment } from '../../../shared/index.ts';
import { normaliseId } from '../../core/workflow/ids.ts';
import { parseDecision } from './decisions.ts';
import { withEngine } from './engine.ts';
import { decideHint, fail, formatReview } from './output.ts';

/**
 * The human's CLI commands: `reviews`, `decide`, `command` and `status`. Each is one contract call through
 * `withEngine`, so the same call runs whether a host serves the project or not, and whatever it changes is
 * followed up (exports, the log of human interactions, the loop) in the one place every surface shares.
 */

export async function listReviews(dir: string, all: boolean): Promise<void> {
  await withEngine(dir, async (call, route) => {
    const list = await call('reviews.list', all ? {} : { status: 'pending' });
    if (list.length === 0) console.log(all ? 'No reviews yet.' : `No pending reviews.${route.hostPort === null ? ' `governor run` moves the project on.' : ''}`);
    for (const r of list) console.log(`${formatReview(r)}${r.status === 'pending' ? `\n    ${pc.dim(decideHint(r))}` : ''}`);
  });
}

export async function decide(dir: string, id: string, decision: string, o: { comment: string; inline: InlineComment[] }): Promise<void> {
  const args = { reviewId: normaliseId('review', id), decision: parseDecision(decision), comment: o.comment, inline: o.inline };
  await withEngine(dir, async (call, route) => {
    const r = await call('reviews.decide', args);
    console.log(`${pc.green('✓')} ${r.id} (${r.title}): ${r.decision?.decision} ${pc.dim(`(${route.actsOnIt()})`)}`);
  });
}

/** A console command; the exit code says whether it was accepted. */
export async function command(dir: string, text: string): Promise<number> {
  return withEngine(dir, async (call, route) => {
    const res = await call('commands.run', { text });
    console.log(res.ok ? res.response : fail(res.response));
    if (res.command_id) console.log(pc.dim(`(${res.command_id}${route.hostPort === null ? '' : ', through the running host'})`));
    return res.ok ? 0 : 1;
  });
}

/** `governor status`: `/status`, answered without the command id. */
export async function status(dir: string): Promise<void> {
  await withEngine(dir, async (call) => {
    const res = await call('commands.run', { text: '/status' });
    console.log(res.response);
  });
}
