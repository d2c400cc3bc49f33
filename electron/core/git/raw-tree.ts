/**
 * Git's tree format, in bytes: modes, entries, and the raw-body operations the commits and diffs use (find,
 * index, splice, compare), with no I/O. A loose tree is edited in its raw body so that a commit's cost is the
 * names it changes, not a decode and re-encode of every entry (objects.ts reads and writes the objects).
 */
import type { TreeEntry } from 'isomorphic-git';

export const MODE_FILE = '100644';
export const MODE_EXEC = '100755';
export const MODE_SYMLINK = '120000';
export const MODE_TREE = '040000';
export const MODE_GITLINK = '160000';

export type Entry = TreeEntry;

/** One raw tree record: offsets into the body, so unchanged entries are never decoded. */
interface RawRecord {
  start: number;
  nameStart: number;
  nameEnd: number;
  end: number;
}

function rawRecords(body: Buffer): RawRecord[] {
  const out: RawRecord[] = [];
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(0x20, i);
    const nul = body.indexOf(0, space);
    out.push({ start: i, nameStart: space + 1, nameEnd: nul, end: nul + 21 });
    i = nul + 21;
  }
  return out;
}

function decodeRecord(body: Buffer, r: RawRecord): Entry {
  const mode = body
    .subarray(r.start, r.nameStart - 1)
    .toString('latin1')
    .padStart(6, '0');
  const oid = body.subarray(r.nameEnd + 1, r.end).toString('hex');
  const type = mode === MODE_TREE ? 'tree' : mode === MODE_GITLINK ? 'commit' : 'blob';
  return { mode, path: body.subarray(r.nameStart, r.nameEnd).toString('utf8'), oid, type };
}

/**
 * The entries that differ between two raw tree bodies, as [left, right] pairs (either may be absent).
 * Records whose bytes are identical (same mode, name and oid) are skipped without decoding, which is
 * most of a tree in a typical diff. Names are matched by bytes, so tree sort order does not matter.
 */
export function differingEntries(a: Buffer, b: Buffer): Array<[Entry | undefined, Entry | undefined]> {
  const left = rawRecords(a);
  const right = rawRecords(b);
  const byName = new Map<string, RawRecord>();
  for (const r of right) byName.set(b.toString('latin1', r.nameStart, r.nameEnd), r);
  const out: Array<[Entry | undefined, Entry | undefined]> = [];
  for (const l of left) {
    const key = a.toString('latin1', l.nameStart, l.nameEnd);
    const r = byName.get(key);
    if (r) {
      byName.delete(key);
      if (a.compare(b, r.start, r.end, l.start, l.end) === 0) continue;
      out.push([decodeRecord(a, l), decodeRecord(b, r)]);
    } else out.push([decodeRecord(a, l), undefined]);
  }
  for (const r of byName.values()) out.push([undefined, decodeRecord(b, r)]);
  return out;
}

/** The byte length of a record's name, for each name looked for: most records are skipped without decoding. */
const nameLengths = (names: Iterable<string>) => new Set([...names].map((n) => Buffer.byteLength(n, 'utf8')));

/** The entry named `name` in a raw tree body, decoding no other record; undefined when there is none. */
export function findTreeEntry(body: Buffer, name: string): Entry | undefined {
  const length = Buffer.byteLength(name, 'utf8');
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(0x20, i);
    const nul = body.indexOf(0, space);
    const r = { start: i, nameStart: space + 1, nameEnd: nul, end: nul + 21 };
    if (nul - space - 1 === length && body.toString('utf8', r.nameStart, r.nameEnd) === name)
      return decodeRecord(body, r);
    i = r.end;
  }
  return undefined;
}

/**
 * Every entry of a raw tree body by name, decoded in one pass: for a rewrite that looks up many names in one
 * tree (a records commit adding a stream's sealed segments), where `findTreeEntry` per name would walk the
 * body once per name, quadratic in the folder's size.
 */
export function indexTreeEntries(body: Buffer): Map<string, Entry> {
  return new Map(parseTree(body).map((e) => [e.path, e]));
}

/** A tree entry's sort key (git compares a folder's name as if it ended in `/`) and its record's bytes. */
function recordOf(e: Entry): { key: Buffer; bytes: Buffer } {
  const name = Buffer.from(e.path, 'utf8');
  const key = e.mode === MODE_TREE ? Buffer.concat([name, SLASH]) : name;
  return {
    key,
    bytes: Buffer.concat([Buffer.from(`${e.mode.replace(/^0/, '')} `), name, NUL, Buffer.from(e.oid, 'hex')]),
  };
}
const SLASH = Buffer.from('/');
const NUL = Buffer.alloc(1);

/**
 * A sorted raw tree body with a few entries set (an Entry) or removed (null), by name: the records that stay are
 * copied as they are, in runs, and the new ones merged in at their place in git's order, so the cost is the
 * bytes copied plus the edited names, not a decode and re-encode of every entry (a notes tree's root holds up
 * to 256 fan-out folders, rewritten for every note). The body must be in git's order, as git and writeTree
 * write it (`git fsck` reports any other).
 */
export function spliceTree(body: Buffer, edits: ReadonlyMap<string, Entry | null>): Buffer {
  const added: Array<{ key: Buffer; bytes: Buffer }> = [];
  for (const e of edits.values()) if (e !== null) added.push(recordOf(e));
  added.sort((a, b) => Buffer.compare(a.key, b.key));
  const lengths = nameLengths(edits.keys());
  const parts: Buffer[] = [];
  let next = 0;
  // The run of kept records not copied yet starts here.
  let run = 0;
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(0x20, i);
    const nul = body.indexOf(0, space);
    const end = nul + 21;
    if (lengths.has(nul - space - 1) && edits.has(body.toString('utf8', space + 1, nul))) {
      // Replaced or removed: the run ends before it; a replacement is merged in by its key like a new entry.
      if (run < i) parts.push(body.subarray(run, i));
      run = end;
    } else if (next < added.length) {
      const name = body.subarray(space + 1, nul);
      const isTree = body.toString('latin1', i, space).padStart(6, '0') === MODE_TREE;
      const key = isTree ? Buffer.concat([name, SLASH]) : name;
      for (let a = added[next]; a !== undefined && Buffer.compare(a.key, key) < 0; a = added[++next]) {
        if (run < i) parts.push(body.subarray(run, i));
        run = i;
        parts.push(a.bytes);
      }
    }
    i = end;
  }
  if (run < body.length) parts.push(body.subarray(run));
  for (const a of added.slice(next)) parts.push(a.bytes);
  return Buffer.concat(parts);
}

/** Git's binary tree format: `<mode> <name>\0<20-byte oid>` repeated. */
export function parseTree(body: Buffer): Entry[] {
  const out: Entry[] = [];
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(0x20, i);
    const nul = body.indexOf(0, space);
    const rawMode = body.subarray(i, space).toString('latin1');
    const mode = rawMode.padStart(6, '0');
    const name = body.subarray(space + 1, nul).toString('utf8');
    const oid = body.subarray(nul + 1, nul + 21).toString('hex');
    const type = mode === MODE_TREE ? 'tree' : mode === MODE_GITLINK ? 'commit' : 'blob';
    out.push({ mode, path: name, oid, type });
    i = nul + 21;
  }
  return out;
}

/** A tree's body from its entries, in git's order (names compared as bytes, a folder as if it ended in `/`). */
export function treeBody(entries: readonly Entry[]): Buffer {
  const records = entries.map(recordOf);
  records.sort((a, b) => Buffer.compare(a.key, b.key));
  return Buffer.concat(records.map((r) => r.bytes));
}
