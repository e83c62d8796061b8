/**
 * The per-answer CSP nonce the server wrote into the page, for the <style> elements that Mantine and
 * CodeMirror inject. Absent under the Vite dev server, which sends no CSP.
 */
const meta = typeof document === 'undefined' ? '' : (document.querySelector('meta[name="csp-nonce"]')?.getAttribute('content') ?? '');
export const styleNonce: string | undefined = meta && !meta.startsWith('__') ? meta : undefined;
