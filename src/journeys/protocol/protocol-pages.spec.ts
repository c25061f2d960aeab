import { createHash } from 'node:crypto';
import { pageHeaders, pageLocale, renderErrorPage, renderFormPostPage } from './protocol-pages';

function inlineHash(html: string, tag: 'style' | 'script'): string {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(html);
  if (!match) throw new Error(`no <${tag}>`);
  return `'sha256-${createHash('sha256').update(match[1], 'utf8').digest('base64')}'`;
}

describe('renderFormPostPage', () => {
  const sut = renderFormPostPage({
    locale: 'en',
    action: 'https://app.example.com/cb?x=1&y=2',
    fields: [
      { name: 'code', value: 'abc' },
      { name: 'state', value: '"><script>alert(1)</script>&' },
    ],
  });

  it('posts every field to the redirect URI, escaped', () => {
    expect(sut).toContain('<form id="response" method="post" action="https://app.example.com/cb?x&#x3D;1&amp;y&#x3D;2"');
    expect(sut).toContain('<input type="hidden" name="code" value="abc">');
    expect(sut).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;"');
    expect(sut).not.toContain('<script>alert(1)');
  });

  it('works without JavaScript: a visible, focused submit button', () => {
    expect(sut).toMatch(/<button type="submit" autofocus>Continue<\/button>/);
  });

  it('is allowed by its own CSP: the inline style and script hashes, and the form target', () => {
    const csp = pageHeaders('https://app.example.com/cb?x=1&y=2')['Content-Security-Policy'];
    expect(csp).toContain(`style-src ${inlineHash(sut, 'style')}`);
    expect(csp).toContain(`script-src ${inlineHash(sut, 'script')}`);
    expect(csp).toContain('form-action https://app.example.com');
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('allows a custom-scheme redirect URI by its scheme', () => {
    expect(pageHeaders('com.example.app:/cb')['Content-Security-Policy']).toContain('form-action com.example.app:');
  });

  it('speaks Korean when asked', () => {
    const ko = renderFormPostPage({ locale: 'ko', action: 'https://a.example/cb', fields: [] });
    expect(ko).toContain('<html lang="ko">');
    expect(ko).toContain('>계속</button>');
  });
});

describe('renderErrorPage', () => {
  const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
  const sut = renderErrorPage({
    locale: 'en',
    error: 'invalid_request',
    description: "AADB2C90006: The redirect URI '<img src=x>' provided in the request is not registered for the client ID 'spa'.",
    correlationId: '6f1c1d2e-0000-4000-8000-000000000001',
    at,
  });

  it('shows the error, the escaped description, the correlation id and the time', () => {
    expect(sut).toContain('<code>invalid_request</code>');
    expect(sut).toContain('&lt;img src&#x3D;x&gt;');
    expect(sut).not.toContain('<img');
    expect(sut).toContain('<code>6f1c1d2e-0000-4000-8000-000000000001</code>');
    expect(sut).toContain('<code>2026-01-02T03:04:05.000Z</code>');
  });

  it('has no script and no form, and its CSP forbids both', () => {
    expect(sut).not.toContain('<script');
    expect(sut).not.toContain('<form');
    const csp = pageHeaders()['Content-Security-Policy'];
    expect(csp).toContain("form-action 'none'");
    expect(csp).not.toContain('script-src');
    expect(csp).toContain(`style-src ${inlineHash(sut, 'style')}`);
  });

  it('has a Korean version', () => {
    const ko = renderErrorPage({ locale: 'ko', error: 'invalid_request', description: 'd', correlationId: 'c', at });
    expect(ko).toContain('<html lang="ko">');
    expect(ko).toContain('상관관계 ID');
  });
});

describe('pageLocale', () => {
  it('prefers ui_locales, then Accept-Language, then English', () => {
    expect(pageLocale(['fr', 'ko-KR'], 'en')).toBe('ko');
    expect(pageLocale(['fr'], 'ko;q=0.9, fr')).toBe('ko');
    expect(pageLocale(undefined, 'de')).toBe('en');
    expect(pageLocale(undefined, undefined)).toBe('en');
  });
});
