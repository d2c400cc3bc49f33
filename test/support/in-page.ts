/**
 * The few browser globals our Playwright page functions use. The node tsconfig has no DOM lib (and must
 * not get one: core code would then typecheck against `window`), so a page function starts with
 * `const w = globalThis as unknown as InPage;` — a type-only cast, erased before the function is sent.
 */
export interface InPageElement {
  textContent: string | null;
  parentElement: InPageElement | null;
  style: { top: string };
  getAttribute(name: string): string | null;
  getClientRects(): { length: number };
  querySelector(selector: string): InPageElement | null;
  querySelectorAll(selector: string): Iterable<InPageElement> & ArrayLike<InPageElement>;
}

export interface InPage {
  document: Pick<InPageElement, 'querySelector' | 'querySelectorAll'>;
  performance: { now(): number };
  requestAnimationFrame(cb: (t: number) => void): number;
  setTimeout(cb: () => void, ms: number): number;
  addEventListener(type: string, listener: () => void, options?: { capture?: boolean; once?: boolean }): void;
}
