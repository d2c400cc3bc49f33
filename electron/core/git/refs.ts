/**
 * Ref names: validation and the short ↔ full mapping. Callers speak in short branch names
 * (`develop`, `phase1/implementer`); the files on disk are `refs/heads/…`.
 */
import { InvalidInputError } from '../errors.ts';

export const OID_RE = /^[0-9a-f]{40}$/;

export function isOid(value: string): boolean {
  return OID_RE.test(value);
}

/** The subset of `git check-ref-format` that matters for names we create. */
export function assertValidRefName(full: string): void {
  const bad =
    !full.startsWith('refs/') ||
    full.endsWith('/') ||
    full.endsWith('.') ||
    full.endsWith('.lock') ||
    full.includes('..') ||
    full.includes('//') ||
    full.includes('@{') ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: git check-ref-format forbids control characters in names.
    /[\x00-\x20\x7f~^:?*[\\]/.test(full) ||
    full.split('/').some((seg) => seg.length === 0 || seg.startsWith('.') || seg.endsWith('.lock'));
  if (bad) throw new InvalidInputError(`"${full}" is not a valid git ref name`);
}

export function branchRef(name: string): string {
  const full = name.startsWith('refs/') ? name : `refs/heads/${name}`;
  assertValidRefName(full);
  return full;
}

export function tagRef(name: string): string {
  const full = name.startsWith('refs/') ? name : `refs/tags/${name}`;
  assertValidRefName(full);
  return full;
}

/** `refs/heads/phase1/implementer` → `phase1/implementer`; `refs/tags/v1` → `v1`. */
export function shortName(full: string): string {
  return full.replace(/^refs\/(heads|tags)\//, '');
}
