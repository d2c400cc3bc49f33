#!/usr/bin/env node
// Entry for `npm start` / `npm run dist`: loads the TypeScript implementation through tsx (no build step)
// and exits with its status. Usage: node scripts/prepare-electron.mjs <bundle|check|native|start|dist|icons> [args...]
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./prepare-electron.ts');
process.exitCode = await main(process.argv.slice(2));
