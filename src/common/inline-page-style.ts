import { createHash } from 'node:crypto';

/**
 * The one inline stylesheet of Tessera's small built-in pages (invitation landing pages, the
 * protocol error and form_post pages); journey pages use the operator-replaceable stylesheet
 * under `templates/pages/` instead. Colours meet WCAG 2.1 AA contrast (text #1b1b1b on #ffffff,
 * button #ffffff on #0b57d0, both above 4.5:1); the focus ring is visible and never removed.
 */
export const INLINE_PAGE_STYLE = `
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans KR",sans-serif;color:#1b1b1b;background:#fff}
main{max-width:34rem;margin:10vh auto;padding:0 1.25rem}
h1{font-size:1.5rem;line-height:1.3;margin:0 0 1rem}
h2{font-size:1.05rem;margin:1.5rem 0 .25rem}
p{margin:.5rem 0}
.muted{color:#4a4a4a}
dl{margin:.5rem 0;display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
code{font:.95em ui-monospace,monospace}
button{font:inherit;font-weight:600;color:#fff;background:#0b57d0;border:0;border-radius:.375rem;padding:.75rem 1.5rem;margin-top:1rem;cursor:pointer}
button:hover{background:#0842a0}
button:focus-visible{outline:3px solid #1b1b1b;outline-offset:3px}
`.trim();

/** CSP Level 3 §8.3 hash-source of an inline block, so the pages need no `'unsafe-inline'`. */
export function cspHash(inline: string): string {
  return `'sha256-${createHash('sha256').update(inline, 'utf8').digest('base64')}'`;
}

export const INLINE_PAGE_STYLE_HASH = cspHash(INLINE_PAGE_STYLE);
