#!/usr/bin/env node
// The `governor` CLI. The engine is TypeScript; tsx loads it directly, so `npx governor` works right after `npm install`.
import { register } from 'tsx/esm/api';

register();
await import('../electron/server/cli/main.ts');
