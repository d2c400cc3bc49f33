import { renderAll, formatStatusText } from '../../electron/core/artifacts/render/index.ts';
import { buildSnapshot } from '../../test/support/snapshot-fixture.ts';
const files = renderAll(buildSnapshot());
const only = process.argv[2];
for (const [p, c] of files) { if (only && !p.includes(only)) continue; console.log(`===== ${p}`); process.stdout.write(c); }
console.log('===== /status'); console.log(formatStatusText(buildSnapshot()));
