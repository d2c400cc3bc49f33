// Loaded with `node --import` by test/cli-startup.test.ts: reports every module file the process loads
// through the ESM loader (our chunks, and npm packages left to node_modules) as a line on stderr.
import { register } from 'node:module';

const hooks = `export async function load(url, context, next) {
  if (url.startsWith('file:')) process.stderr.write('GOVERNOR_LOADED ' + url + '\\n');
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
