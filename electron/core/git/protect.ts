/**
 * The branching model, enforced. Every ref write in the GitService asks `assertMayWrite` first,
 * before any object is written, so a refusal changes nothing. Conventions in prompts are not
 * enough: an agent (or a bug in the orchestrator) must not be able to move `main`.
 */
import { AgentName, agentSlug, type Actor } from '../../../shared/domain/common.ts';
import { ProtectedRefError } from '../errors.ts';
import { shortName } from './refs.ts';

/** Why a ref is being written. Only some actions may touch the shared branches. */
export type GitWriteAction =
  | 'branch' // create a branch
  | 'commit' // an agent's own commit
  | 'gate_merge' // the QA gate merging into develop
  | 'rollback' // reverting a merge
  | 'promote' // the human-approved develop → main promotion (and its tag)
  | 'configure' // the human's own edits of agents.yaml, .project_policies.yaml or discord.yaml, committed for them
  | 'tag'
  | 'archive' // archiving an idle experiment to a tag and deleting the branch
  | 'delete';

const AGENT_BRANCH_RE = /^refs\/heads\/phase([1-9][0-9]*)\/([a-z0-9-]+)$/;
const EXPERIMENT_RE = /^refs\/heads\/experiments\/.+$/;
const RELEASE_TAG_RE = /^refs\/tags\/v[0-9][^/]*$/;
const ARCHIVE_TAG_RE = /^refs\/tags\/archived\/.+$/;

function asAgent(actor: Actor): AgentName | null {
  const parsed = AgentName.safeParse(actor);
  return parsed.success ? parsed.data : null;
}

/** Returns null when allowed, or the reason it is not. */
export function refusalReason(ref: string, actor: Actor, action: GitWriteAction): string | null {
  if (ref === 'refs/heads/main') {
    if (action === 'delete') return 'main is never deleted';
    if (actor === 'Human' && (action === 'promote' || action === 'configure')) return null;
    return "main moves only by a human-approved promotion (or a commit of the human's own configuration edits)";
  }
  if (ref === 'refs/heads/develop') {
    if (action === 'delete') return 'develop is never deleted';
    return actor === 'System' && (action === 'gate_merge' || action === 'rollback')
      ? null
      : 'develop moves only by the QA gate (gate_merge) or a rollback, as System';
  }
  const agentBranch = AGENT_BRANCH_RE.exec(ref);
  if (agentBranch) {
    const agent = asAgent(actor);
    const owner = agentBranch[2];
    return agent !== null && agentSlug(agent) === owner ? null : `${shortName(ref)} belongs to the agent "${owner}"`;
  }
  if (EXPERIMENT_RE.test(ref)) {
    if (asAgent(actor) !== null) return null;
    return actor === 'System' && action === 'archive'
      ? null
      : 'experiments/* are written by agents (System may only archive them)';
  }
  if (RELEASE_TAG_RE.test(ref)) {
    return actor === 'Human' ? null : 'release tags are created only with a human-approved promotion';
  }
  if (ARCHIVE_TAG_RE.test(ref)) {
    return actor === 'System' ? null : 'archived/* tags are written by System when it archives an experiment';
  }
  if (ref.startsWith('refs/tags/')) {
    return actor === 'Human' || actor === 'System' ? null : 'agents may not create tags';
  }
  return 'not part of the branching model (main, develop, phaseN/<agent>, experiments/*, tags)';
}

export function assertMayWrite(ref: string, actor: Actor, action: GitWriteAction): void {
  const reason = refusalReason(ref, actor, action);
  if (reason !== null) throw new ProtectedRefError(actor, shortName(ref), `${reason} (action: ${action})`);
}
