import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';
import { writeFileAtomic } from '../artifacts/atomic.ts';

/**
 * "Allow always": add the rule to `agent_permissions.allow` in .project_policies.yaml, keeping the
 * human's comments and layout (yaml's document API edits in place), written atomically. Returns false
 * when the rule was already there.
 */
export async function addAllowRule(projectDir: string, rule: string): Promise<boolean> {
  const path = join(projectDir, '.project_policies.yaml');
  const doc = parseDocument(await readFile(path, 'utf8'));
  const perms = doc.get('agent_permissions');
  if (!isMap(perms)) doc.set('agent_permissions', doc.createNode({ allow: [rule] }));
  else {
    const allow = perms.get('allow');
    if (isSeq(allow)) {
      if (allow.items.some((i) => String((i as { value?: unknown }).value ?? i) === rule)) return false;
      allow.add(doc.createNode(rule));
    } else perms.set('allow', doc.createNode([rule]));
  }
  await writeFileAtomic(path, doc.toString(), true);
  return true;
}
