import { useEffect, useId, useRef, useState } from 'react';

/**
 * A multi-select of event types in a popover. It floats over the timeline, so it gets out of the way as
 * a menu does: a click anywhere else or Escape closes it (Escape hands the focus back to its button).
 */
export function TypeFilter({
  all,
  selected,
  onChange,
}: {
  all: readonly string[];
  selected: string[];
  onChange: (types: string[]) => void;
}) {
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuId = useId();
  const toggle = (t: string) =>
    onChange(selected.includes(t) ? selected.filter((x) => x !== t) : [...selected, t].sort());

  useEffect(() => {
    if (!open) return;
    // Pointer-down, not click: a press that starts outside closes it even if it ends on a timeline row.
    // The button is inside the root, so pressing it is left to its own toggle.
    const onPointer = (e: PointerEvent) => {
      if (e.target instanceof Node && !rootRef.current?.contains(e.target)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      setOpen(false);
      buttonRef.current?.focus();
    };
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="type-filter" data-testid="type-filter" ref={rootRef}>
      <button
        type="button"
        ref={buttonRef}
        aria-expanded={open}
        aria-controls={menuId}
        onClick={() => setOpen((o) => !o)}
      >
        Types:{' '}
        {selected.length === 0 ? 'all' : selected.length <= 2 ? selected.join(', ') : `${selected.length} chosen`} ▾
      </button>
      {selected.length > 0 && (
        <button type="button" className="link-button" onClick={() => onChange([])}>
          clear
        </button>
      )}
      {open && (
        <fieldset className="type-menu" id={menuId} data-testid="type-menu">
          <legend className="muted">Show only</legend>
          {all.map((t) => (
            <label key={t}>
              <input
                type="checkbox"
                data-testid="type-option"
                value={t}
                checked={selected.includes(t)}
                onChange={() => toggle(t)}
              />{' '}
              {t}
            </label>
          ))}
        </fieldset>
      )}
    </div>
  );
}
