import type { CallResponse } from '../../../shared/contract.ts';

export type Refs = CallResponse<'git.refs'>;

/** The value of the "from" picker that means "nothing": every file shows as added. */
export const EMPTY = '';

/** A commit as people say it (`69fe65f`, `69fe65f^`); branch and tag names as they are. */
export function shortRev(rev: string): string {
  const m = /^([0-9a-f]{40})(\^\d*)?$/.exec(rev);
  return m ? `${m[1]?.slice(0, 7)}${m[2] ?? ''}` : rev;
}

/** Is `value` one of the listed branches or tags (or the empty tree)? */
export const isListed = (refs: Refs, value: string): boolean =>
  value === EMPTY || refs.branches.some((b) => b.name === value) || refs.tags.some((t) => t.name === value);

/** Branches, then any commit the value names that is no branch or tag, then tags. */
export function RefSelect({
  id,
  label,
  value,
  refs,
  allowEmpty,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  refs: Refs;
  allowEmpty: boolean;
  onChange(v: string): void;
}) {
  // A link or the commit picker may name a commit (or a parent, `oid^`) that is no branch or tag: list it, so the
  // picker shows what is compared.
  const listed = isListed(refs, value);
  return (
    <label className="df-ref">
      {label}{' '}
      <select data-testid={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {allowEmpty && <option value={EMPTY}>(empty tree)</option>}
        <optgroup label="Branches">
          {refs.branches.map((b) => (
            <option key={`b:${b.name}`} value={b.name}>
              {b.name}
            </option>
          ))}
        </optgroup>
        {!listed && (
          <optgroup label="Commit">
            <option value={value} title={value}>
              {shortRev(value)}
            </option>
          </optgroup>
        )}
        {refs.tags.length > 0 && (
          <optgroup label="Tags">
            {refs.tags.map((t) => (
              <option key={`t:${t.name}`} value={t.name}>
                {t.name}
              </option>
            ))}
          </optgroup>
        )}
      </select>
    </label>
  );
}
