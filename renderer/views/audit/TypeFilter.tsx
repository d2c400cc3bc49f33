import { useState } from 'react';

/** A multi-select of event types, grouped by their prefix (`review.`, `concern.`…). */
export function TypeFilter({ all, selected, onChange }: { all: readonly string[]; selected: string[]; onChange: (types: string[]) => void }) {
  const [open, setOpen] = useState(false);
  const toggle = (t: string) => onChange(selected.includes(t) ? selected.filter((x) => x !== t) : [...selected, t].sort());
  return (
    <div className="type-filter" data-testid="type-filter">
      <button type="button" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        Types: {selected.length === 0 ? 'all' : selected.length <= 2 ? selected.join(', ') : `${selected.length} chosen`} ▾
      </button>
      {selected.length > 0 && (
        <button type="button" className="link-button" onClick={() => onChange([])}>
          clear
        </button>
      )}
      {open && (
        <fieldset className="type-menu">
          <legend className="muted">Show only</legend>
          {all.map((t) => (
            <label key={t}>
              <input type="checkbox" data-testid="type-option" value={t} checked={selected.includes(t)} onChange={() => toggle(t)} /> {t}
            </label>
          ))}
        </fieldset>
      )}
    </div>
  );
}
