/**
 * The per-answer CSP nonce the server wrote into the page, for the <style> elements that Mantine and
 * CodeMirror inject. Absent under the Vite dev server, which sends no CSP.
 */
const meta = typeof document === 'undefined' ? '' : (document.querySelector('meta[name="csp-nonce"]')?.getAttribute('content') ?? '');
export const styleNonce: string | undefined = meta && !meta.startsWith('__') ? meta : undefined;

// Mantine's modals and drawers lock the page's scrolling with react-remove-scroll, whose <style>
// element takes its nonce from get-nonce, which reads this global (webpack's name for it): without
// it the browser blocks that style under the CSP and the page behind a dialog keeps scrolling.
if (styleNonce) (globalThis as { __webpack_nonce__?: string }).__webpack_nonce__ = styleNonce;
