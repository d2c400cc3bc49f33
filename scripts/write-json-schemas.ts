/**
 * Writes the JSON Schemas of agents.yaml and .project_policies.yaml to resources/schemas, from the
 * zod schemas in shared/config.ts. Run after changing those schemas: `npm run schemas`.
 * test/config.test.ts fails when the checked-in files differ from a fresh generation.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildJsonSchemas, serializeJsonSchema } from '../electron/core/config/json-schema.ts';
import { resourcesRoot } from '../electron/core/config/templates.ts';

const dir = join(resourcesRoot(), 'resources', 'schemas');
mkdirSync(dir, { recursive: true });
for (const { file, schema } of buildJsonSchemas()) {
  writeFileSync(join(dir, file), serializeJsonSchema(schema));
  console.log(`wrote ${join('resources', 'schemas', file)}`);
}
