/**
 * The code and tests the fake model team writes for "csvjson", a CLI that converts CSV to JSON, phase by
 * phase. Real code: the QA gate runs these tests with Node's test runner, as the project's template says.
 */

export const PACKAGE_JSON =
  '{\n  "name": "csvjson",\n  "private": true,\n  "type": "module",\n  "bin": { "csvjson": "bin/csvjson.js" }\n}\n';

const CSV_JS = `/** Parse CSV text (RFC 4180: quoted fields, doubled quotes, CRLF) into rows of strings. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\\n' || ch === '\\r') {
      if (ch === '\\r' && text[i + 1] === '\\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
`;

const CSV_TEST = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../src/csv.js';

test('splits plain fields and lines', () => assert.deepEqual(parseCsv('a,b\\n1,2\\n'), [['a', 'b'], ['1', '2']]));
test('keeps commas and doubled quotes inside quotes', () => assert.deepEqual(parseCsv('"x, y","say ""hi"""'), [['x, y', 'say "hi"']]));
test('accepts CRLF line ends', () => assert.deepEqual(parseCsv('a\\r\\nb\\r\\n'), [['a'], ['b']]));
test('empty input has no rows', () => assert.deepEqual(parseCsv(''), []));
`;

const PEOPLE_CSV = 'name,age,admin\nAda,36,true\n"Lovelace, A",,false\n';

const PARSE_E2E = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseCsv } from '../src/csv.js';

test('parses a whole file from disk', () => {
  const rows = parseCsv(readFileSync(new URL('./fixtures/people.csv', import.meta.url), 'utf8'));
  assert.deepEqual(rows, [['name', 'age', 'admin'], ['Ada', '36', 'true'], ['Lovelace, A', '', 'false']]);
});
`;

const INFER_JS = `/** A cell's JSON value: null for empty, booleans, numbers; anything else stays a string. */
export function inferValue(cell) {
  if (cell === '') return null;
  if (cell === 'true') return true;
  if (cell === 'false') return false;
  if (/^-?\\d+(\\.\\d+)?$/.test(cell)) return Number(cell);
  return cell;
}
`;

const CONVERT_JS = `import { parseCsv } from './csv.js';
import { inferValue } from './infer.js';

/** CSV text with a header row → an array of objects keyed by the header. */
export function csvToJson(text, { infer = true } = {}) {
  const [header = [], ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, infer ? inferValue(r[i] ?? '') : (r[i] ?? '')])));
}
`;

const INFER_TEST = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferValue } from '../src/infer.js';

test('numbers, booleans and empty cells', () => {
  assert.equal(inferValue('42'), 42);
  assert.equal(inferValue('-1.5'), -1.5);
  assert.equal(inferValue('true'), true);
  assert.equal(inferValue('false'), false);
  assert.equal(inferValue(''), null);
  assert.equal(inferValue('Ada'), 'Ada');
});
`;

const CONVERT_TEST = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvToJson } from '../src/convert.js';

test('objects keyed by the header, values inferred', () => assert.deepEqual(csvToJson('a,b\\n1,x\\n'), [{ a: 1, b: 'x' }]));
test('raw strings when inference is off', () => assert.deepEqual(csvToJson('a\\n1\\n', { infer: false }), [{ a: '1' }]));
test('a header-only file is an empty array', () => assert.deepEqual(csvToJson('a,b\\n'), []));
test('an empty cell is null', () => assert.deepEqual(csvToJson('a,b\\n,2\\n'), [{ a: null, b: 2 }]));
`;

const CONVERT_E2E = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { csvToJson } from '../src/convert.js';

test('converts a whole file to typed objects', () => {
  const out = csvToJson(readFileSync(new URL('./fixtures/people.csv', import.meta.url), 'utf8'));
  assert.deepEqual(out, [{ name: 'Ada', age: 36, admin: true }, { name: 'Lovelace, A', age: null, admin: false }]);
});
`;

const CLI_JS = `import { readFileSync } from 'node:fs';
import { csvToJson } from './convert.js';

/** csvjson [--raw] [file]: the file (or stdin) as pretty JSON on stdout. */
export function run(argv, io) {
  const raw = argv.includes('--raw');
  const file = argv.find((a) => !a.startsWith('--'));
  const text = file ? readFileSync(file, 'utf8') : io.stdin();
  io.stdout(JSON.stringify(csvToJson(text, { infer: !raw }), null, 2) + '\\n');
  return 0;
}
`;

const BIN_JS = `#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { run } from '../src/cli.js';

process.exitCode = run(process.argv.slice(2), { stdin: () => readFileSync(0, 'utf8'), stdout: (s) => process.stdout.write(s) });
`;

const CLI_TEST = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../src/cli.js';

const io = (input) => {
  const out = [];
  return { out, stdin: () => input, stdout: (s) => out.push(s) };
};
test('reads stdin when no file is given', () => {
  const x = io('a\\n1\\n');
  assert.equal(run([], x), 0);
  assert.deepEqual(JSON.parse(x.out.join('')), [{ a: 1 }]);
});
test('--raw keeps strings', () => {
  const x = io('a\\n1\\n');
  run(['--raw'], x);
  assert.deepEqual(JSON.parse(x.out.join('')), [{ a: '1' }]);
});
`;

const CLI_E2E = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/csvjson.js', import.meta.url));
const people = fileURLToPath(new URL('./fixtures/people.csv', import.meta.url));
test('csvjson converts a file end to end', () => {
  const r = spawnSync(process.execPath, [bin, people], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout)[0], { name: 'Ada', age: 36, admin: true });
});
test('csvjson reads stdin', () => {
  const r = spawnSync(process.execPath, [bin], { input: 'x,y\\ntrue,3\\n', encoding: 'utf8' });
  assert.deepEqual(JSON.parse(r.stdout), [{ x: true, y: 3 }]);
});
`;

/** What each phase of the roadmap means to the fake team: its code, its tests, its commit scope. */
export const PHASE_WORK: Record<
  string,
  { scope: string; summary: string; code: Record<string, string>; tests: Record<string, string> }
> = {
  Parser: {
    scope: 'parser',
    summary: 'parseCsv() reads RFC 4180 CSV: quoted fields, doubled quotes, CRLF.',
    code: { 'package.json': PACKAGE_JSON, 'src/csv.js': CSV_JS },
    tests: {
      'tests/csv.test.js': CSV_TEST,
      'e2e/fixtures/people.csv': PEOPLE_CSV,
      'e2e/parse-file.test.js': PARSE_E2E,
    },
  },
  'Type inference': {
    scope: 'convert',
    summary: 'csvToJson() keys rows by the header and infers numbers, booleans and empty cells.',
    code: { 'src/infer.js': INFER_JS, 'src/convert.js': CONVERT_JS },
    tests: {
      'tests/infer.test.js': INFER_TEST,
      'tests/convert.test.js': CONVERT_TEST,
      'e2e/convert-file.test.js': CONVERT_E2E,
    },
  },
  CLI: {
    scope: 'cli',
    summary: 'csvjson [--raw] [file] prints the JSON; stdin when no file is given.',
    code: { 'src/cli.js': CLI_JS, 'bin/csvjson.js': BIN_JS },
    tests: { 'tests/cli.test.js': CLI_TEST, 'e2e/cli.test.js': CLI_E2E },
  },
};
