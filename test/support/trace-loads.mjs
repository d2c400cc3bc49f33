// Loaded with `node --import` by test/cli-startup.test.ts: appends every module file the process loads
// through the ESM loader (our chunks, and npm packages left to node_modules) to the file named by
// GOVERNOR_TRACE_LOADS, one URL a line. A file, not stderr: the hooks run on their own thread, and on
// Node 24 what that thread writes to stderr may not arrive before a short command exits.
import { register } from 'node:module';

const out = process.env.GOVERNOR_TRACE_LOADS;
if (out) {
  const hooks = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(${JSON.stringify(out)}, url + '\\n');
  return next(url, context);
}`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
