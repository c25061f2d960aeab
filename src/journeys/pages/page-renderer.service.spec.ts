import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../common/errors';
import type { TesseraConfig } from '../../config/config.schema';
import { negotiateLocale } from './page.messages';
import { PageRenderer } from './page-renderer.service';
import type { SelfAssertedView } from './page.views';

const config = (pages: { templatesDir?: string; stylesheet?: string } = {}) => ({ journeys: { pages } }) as unknown as TesseraConfig;

const hostile = '"><script>alert(1)</script>';
const view: SelfAssertedView = {
  locale: 'en',
  title: `Create ${hostile}`,
  intro: 'Intro',
  fields: [
    { name: 'email', id: 'field-email', label: `Email ${hostile}`, kind: 'readonly', inputType: 'text', value: `a${hostile}@example.com`, required: true },
    { name: 'newPassword', id: 'field-newPassword', label: 'New password', kind: 'input', inputType: 'password', required: true, help: 'Help', error: `Bad ${hostile}` },
    { name: 'displayName', id: 'field-displayName', label: 'Display name', kind: 'input', inputType: 'text', required: false, value: hostile },
    { name: 'note', id: 'field-note', label: 'Note', kind: 'paragraph', value: `Para ${hostile}`, required: false },
  ],
  errors: [`Page ${hostile}`],
  continueLabel: 'Create',
  cancelLabel: 'Cancel',
  selections: [{ exchangeId: 'SignUp', label: 'Sign up now' }],
  action: 'https://id.example.com/B2C_1A_x/journey',
  csrf: 'csrf-token',
  step: 'step-nonce',
  correlationId: 'corr-1',
};

describe('PageRenderer', () => {
  const sut = new PageRenderer(config());

  it('escapes every value: nothing from a claim or a message becomes markup', () => {
    const html = sut.selfAsserted(view);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it('labels every control, ties help and errors to it, and focuses the first invalid field', () => {
    const html = sut.selfAsserted(view);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<label for="field-newPassword">New password</label>');
    expect(html).toMatch(/<input id="field-newPassword" name="newPassword" type="password" maxlength="\d+"|<input id="field-newPassword" name="newPassword" type="password"[^>]* required aria-required="true" aria-invalid="true" aria-describedby="field-newPassword-help field-newPassword-error" autofocus>/);
    expect(html).toContain('<div class="error-summary" role="alert" aria-labelledby="error-summary-title">');
    expect(html).toContain('<li><a href="#field-newPassword">New password: Bad &quot;&gt;&lt;script&gt;');
    expect(html).toContain('(optional)');
    // Continue comes first, so Enter in a field submits rather than cancels.
    expect(html.indexOf('value="continue"')).toBeLessThan(html.indexOf('value="cancel"'));
    expect(html).toContain('<input type="hidden" name="csrf" value="csrf-token">');
    expect(html).toContain('<input type="hidden" name="step" value="step-nonce">');
    expect(html).toContain('<button type="submit" name="selection" value="SignUp" class="secondary">Sign up now</button>');
    expect(html).toContain('<code>corr-1</code>');
    expect(html).toContain('<link rel="stylesheet" href="/journeys/assets/style.css">');
  });

  it('renders an error page in Korean', () => {
    const html = sut.error({ locale: 'ko', title: '세션이 종료되었습니다', message: 'm', correlationId: 'c-9' });
    expect(html).toContain('<html lang="ko">');
    expect(html).toContain('상관 관계 ID: <code>c-9</code>');
  });

  describe('operator templates', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'tessera-pages-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('takes the operator’s files and the installation’s for the rest, and their stylesheet', () => {
      writeFileSync(join(dir, 'error.hbs'), '<h1 class="brand">{{title}}</h1>');
      writeFileSync(join(dir, 'brand.css'), 'body { color: #123456; }');
      const custom = new PageRenderer(config({ templatesDir: dir, stylesheet: join(dir, 'brand.css') }));
      expect(custom.error({ locale: 'en', title: 'T', message: 'm', correlationId: 'c' })).toContain('<h1 class="brand">T</h1>');
      expect(custom.selfAsserted(view)).toContain('<form method="post"');
      expect(custom.stylesheet.body.toString()).toBe('body { color: #123456; }');
    });

    it('refuses a template that does not parse, at start', () => {
      writeFileSync(join(dir, 'layout.hbs'), '{{#if}}');
      expect(() => new PageRenderer(config({ templatesDir: dir }))).toThrow(ConfigError);
    });

    it('refuses a templates folder or stylesheet that does not exist', () => {
      expect(() => new PageRenderer(config({ templatesDir: join(dir, 'missing') }))).toThrow(/journeys\.pages\.templatesDir/);
      expect(() => new PageRenderer(config({ stylesheet: join(dir, 'missing.css') }))).toThrow(ConfigError);
    });
  });
});

describe('negotiateLocale', () => {
  it.each<[string[] | undefined, string | undefined, string]>([
    [['ko-KR', 'en'], 'en', 'ko'],
    [['fr'], 'ko;q=0.5, fr', 'ko'],
    [undefined, 'fr-CA, ko;q=0.9, en;q=0.8', 'ko'],
    [undefined, 'en;q=0.1, ko;q=0.2', 'ko'],
    [undefined, 'ko;q=0, en', 'en'],
    [undefined, undefined, 'en'],
    [['de'], 'de', 'en'],
  ])('ui_locales %j, Accept-Language %j → %s', (ui, accept, expected) => {
    expect(negotiateLocale(ui, accept)).toBe(expected);
  });
});
