import pc from 'picocolors';
import { REVIEW_PAGE_MAX, type ReviewCursor } from '../../../shared/contract.ts';
import type { InlineComment, Review } from '../../../shared/index.ts';
import { normaliseId } from '../../core/workflow/ids.ts';
import { parseDecision } from './decisions.ts';
import { withEngine } from './engine.ts';
import { decideHint, fail, formatReview } from './output.ts';
import {
  formatPermission,
  isPermissionId,
  parseEditedInput,
  parsePermissionDecision,
  permissionHint,
} from './permissions.ts';
import { GovernorError } from '../../core/errors.ts';

/**
 * The human's CLI commands: `reviews`, `decide`, `command` and `status`. Each is one contract call through
 * `withEngine`, so the same call runs whether a host serves the project or not, and whatever it changes is
 * followed up (exports, the log of human interactions, the loop) in the one place every surface shares.
 */

export async function listReviews(dir: string, all: boolean): Promise<void> {
  await withEngine(dir, async (call, route) => {
    // Every page (a busy year holds a thousand decided reviews), oldest first as the list always read.
    const list: Review[] = [];
    let after: ReviewCursor | undefined;
    do {
      const page = await call('reviews.list', { open: !all, limit: REVIEW_PAGE_MAX, ...(after ? { after } : {}) });
      list.push(...page.items);
      after = page.next ?? undefined;
    } while (after);
    list.sort((a, b) => a.requested_at.localeCompare(b.requested_at));
    const perms = await call('permissions.list', all ? {} : { status: 'pending' });
    if (list.length === 0 && perms.length === 0) {
      console.log(
        all
          ? 'No reviews yet.'
          : `No pending reviews.${route.hostPort === null ? ' `governor run` moves the project on.' : ''}`,
      );
    }
    // Coding agents' permission requests first: an agent is waiting on each.
    for (const r of perms)
      console.log(`${formatPermission(r)}${r.status === 'pending' ? `\n    ${pc.dim(permissionHint(r))}` : ''}`);
    for (const r of list)
      console.log(`${formatReview(r)}${r.status === 'pending' ? `\n    ${pc.dim(decideHint(r))}` : ''}`);
  });
}

/** What `governor decide` was given besides the id and the decision; the last three are for permission requests. */
export interface DecideOptions {
  comment: string;
  inline: InlineComment[];
  digest?: string;
  message?: string;
  input?: string;
}

export async function decide(dir: string, id: string, decision: string, o: DecideOptions): Promise<void> {
  if (isPermissionId(id)) return decidePermissionRequest(dir, id, decision, o);
  const args = {
    reviewId: normaliseId('review', id),
    decision: parseDecision(decision),
    comment: o.comment,
    inline: o.inline,
  };
  await withEngine(dir, async (call, route) => {
    const r = await call('reviews.decide', args);
    console.log(`${pc.green('✓')} ${r.id} (${r.title}): ${r.decision?.decision} ${pc.dim(`(${route.actsOnIt()})`)}`);
  });
}

/**
 * A coding agent's permission request: a human decision like a review's, through the same one way in, so the
 * exports follow and the waiting worker is woken wherever it runs.
 */
async function decidePermissionRequest(dir: string, id: string, decision: string, o: DecideOptions): Promise<void> {
  if (!o.digest) {
    throw new GovernorError(
      'digest_missing',
      `add --digest with the input digest \`governor reviews\` shows for ${id}: a decision is bound to the ` +
        `exact input you saw`,
    );
  }
  const input = parseEditedInput(o.input);
  const args = {
    requestId: id.trim(),
    decision: parsePermissionDecision(decision),
    digest: o.digest,
    message: o.message ?? o.comment,
    ...(input ? { input } : {}),
  };
  await withEngine(dir, async (call, route) => {
    const r = await call('permissions.decide', args);
    const rule = r.decision?.rule ? ` — ${r.decision.rule}` : '';
    const where =
      route.hostPort === null
        ? 'the waiting agent goes on'
        : `through the running host on port ${route.hostPort}; the waiting agent goes on`;
    console.log(`${pc.green('✓')} ${r.id} (${r.summary}): ${r.decision?.decision}${rule} ${pc.dim(`(${where})`)}`);
  });
}

/** A console command; the exit code says whether it was accepted. */
export async function command(dir: string, text: string): Promise<number> {
  return withEngine(dir, async (call, route) => {
    const res = await call('commands.run', { text });
    console.log(res.ok ? res.response : fail(res.response));
    if (res.command_id)
      console.log(pc.dim(`(${res.command_id}${route.hostPort === null ? '' : ', through the running host'})`));
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
