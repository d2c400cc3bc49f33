/**
 * Text read on a phone names no CLI command. Core texts (errors, a concern's way out) are written for every
 * surface and carry hints such as "list pending reviews with `governor reviews`"; Discord shows them
 * without those hints, the sentence kept. A console command wrapped in `governor command "…"` is what a
 * phone can type itself, so it stays, unwrapped; `governor run` is dropped because the Discord link drives
 * the loop (`governor discord run`, by default).
 */
export function forPhone(text: string): string {
  return text
    .replace(/`governor command "([^"`]+)"`/g, '`$1`')
    .replace(/,?\s+and\s+`governor run`/g, '')
    .replace(/\s*\([^()]*`governor [^`]*`[^()]*\)/g, '')
    .replace(/[;,]\s*[^;,.()]*`governor [^`]*`[^;.()]*/g, '')
    .replace(/\s+([.;,])/g, '$1');
}
