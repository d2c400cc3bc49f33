/**
 * Text read on a phone names no CLI command. Core texts (errors, a concern's way out) are written for every
 * surface and carry hints such as "list pending reviews with `governor reviews`"; Discord shows them
 * without those hints, the sentence kept. A console command wrapped in `governor command "…"` is what a
 * phone can type itself, so it stays, unwrapped; `governor run` is dropped because the Discord link drives
 * the loop (`governor discord run`, by default).
 */
export function forPhone(text: string): string {
  // Only text that names the CLI is touched: anything else (code in a concern's details) stays as written.
  if (!text.includes('`governor ')) return text;
  return (
    text
      .replace(/`governor command "([^"`]+)"`/g, '`$1`')
      .replace(/,?\s+and\s+`governor run`/g, '')
      .replace(/\s*\([^()]*`governor [^`]*`[^()]*\)/g, '')
      .replace(/[;,]\s*[^;,.()]*`governor [^`]*`[^;.()]*/g, '')
      // A sentence that is only a CLI hint ("`governor doctor` checks the setup.") goes whole.
      .replace(/(^|[.!?]\s+)`governor [^`]*`[^.!?\n]*(?:[.!?][ \t]*|$)/g, '$1')
      .replace(/\s+([.;,])/g, '$1')
      .replace(/[ \t]+$/gm, '')
  );
}
