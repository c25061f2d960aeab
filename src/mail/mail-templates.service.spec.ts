import Handlebars from 'handlebars';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidRequestError } from '../common/errors';
import { loadConfig } from '../config/config.loader';
import { MailTemplateError, MailTemplates, UnknownMailTemplateError, type InvitationMailContext } from './mail-templates.service';

const SHIPPED = resolve(__dirname, '..', '..', 'templates', 'mail');

function templates(mail: Record<string, unknown> = {}): MailTemplates {
  const { config } = loadConfig({ env: {}, cwd: tmpdir(), overrides: { mail } });
  const sut = new MailTemplates(config);
  sut.onModuleInit();
  return sut;
}

const context: InvitationMailContext = {
  inviteeName: 'Ada Lovelace',
  inviterName: 'Grace Hopper',
  relyingPartyName: 'Contoso',
  link: 'https://id.contoso.test/invite/Zm9vYmFy?src=mail&x=1',
  expiresAt: new Date(Date.UTC(2026, 0, 8, 15, 0)),
};

describe('MailTemplates', () => {
  describe('shipped invitation templates', () => {
    const sut = templates();

    it('are found from the source tree and offered in English and Korean', () => {
      expect(sut.directory).toBe(SHIPPED);
      expect(sut.locales('invitation')).toEqual(['en', 'ko']);
    });

    it('writes each expiry for its own minute and locale, however often it is asked in a row', () => {
      const at = (iso: string) => new Date(iso);
      const written = (locale: string, expiresAt: Date) => sut.render('invitation', locale, { ...context, expiresAt }).text;
      expect(written('en', at('2026-01-08T15:00:05Z'))).toContain('January 8, 2026 at 3:00 PM UTC');
      expect(written('en', at('2026-01-08T15:00:59Z'))).toContain('January 8, 2026 at 3:00 PM UTC');
      expect(written('ko', at('2026-01-08T15:00:30Z'))).not.toContain('January');
      expect(written('en', at('2026-01-08T15:01:00Z'))).toContain('January 8, 2026 at 3:01 PM UTC');
      expect(written('en', at('2026-01-08T15:00:10Z'))).toContain('January 8, 2026 at 3:00 PM UTC');
    });

    it('render English: subject, one button, the raw link as text, the expiry in words', () => {
      const mail = sut.render('invitation', 'en', context);

      expect(mail.locale).toBe('en');
      expect(mail.subject).toBe('Grace Hopper invited you to Contoso');
      const escapedLink = Handlebars.escapeExpression(context.link);
      expect(mail.html).toContain('<html lang="en"');
      expect(mail.html.match(new RegExp(`<a href="${escapedLink.replace(/[.?]/g, '\\$&')}"`, 'g'))).toHaveLength(2);
      expect(mail.html).toContain(`>${escapedLink}</a>`);
      expect(mail.html).toContain('January 8, 2026 at 3:00 PM UTC');
      expect(mail.html).toContain('datetime="2026-01-08T15:00:00.000Z"');
      expect(mail.html).toContain('<title>Grace Hopper invited you to Contoso</title>');
      expect(mail.text).toContain('Hello Ada Lovelace,');
      expect(mail.text).toContain(`\n${context.link}\n`);
      expect(mail.text).toContain('January 8, 2026 at 3:00 PM UTC');
    });

    it('render Korean with the date written the Korean way', () => {
      const mail = sut.render('invitation', 'ko', context);

      expect(mail.locale).toBe('ko');
      expect(mail.subject).toBe('Grace Hopper님이 Contoso에 초대했습니다');
      expect(mail.html).toContain('<html lang="ko"');
      expect(mail.html).toContain('초대 수락하기');
      expect(mail.text).toContain('2026년 1월 8일');
      expect(mail.text).toContain(context.link);
    });

    it('word the message without names when none are given', () => {
      const mail = sut.render('invitation', 'en', { relyingPartyName: 'Contoso', link: context.link, expiresAt: context.expiresAt });

      expect(mail.subject).toBe("You're invited to Contoso");
      expect(mail.text.startsWith('Hello,\n')).toBe(true);
      expect(mail.html).not.toContain('null');
      expect(mail.text).not.toMatch(/\n{3}/);
    });

    it.each([
      ['<script>alert(1)</script>'],
      ['"quotes" and \'apostrophes\''],
      ['Tom & Jerry'],
      ['<img src=x onerror="alert(1)">'],
      ['`backticks` = equals'],
    ])('escape every user-supplied value in the HTML: %s', (hostile) => {
      for (const locale of ['en', 'ko']) {
        const mail = sut.render('invitation', locale, { ...context, inviteeName: hostile, inviterName: hostile, relyingPartyName: hostile });

        expect(mail.html).not.toContain(hostile);
        expect(mail.html).toContain(Handlebars.escapeExpression(hostile));
        expect(mail.html).not.toMatch(/<script|<img|onerror=/);
        // Subject and text are plain text: the reader sees what was typed, not entities.
        expect(mail.subject).toContain(hostile);
        expect(mail.text).toContain(hostile);
      }
    });

    it('escape a link inside the href attribute, so it cannot close the attribute', () => {
      const link = 'https://id.contoso.test/invite/x?a="><script>alert(1)</script>';
      const mail = sut.render('invitation', 'en', { ...context, link });

      expect(mail.html).not.toContain('"><script>');
      expect(mail.html).toContain(`href="${Handlebars.escapeExpression(link)}"`);
    });

    it.each([
      ['fr', 'en'],
      ['ko-KR', 'ko'],
      ['KO_kr', 'ko'],
      ['../../etc/passwd', 'en'],
      ['', 'en'],
    ])('choose locale %j → %s', (requested, expected) => {
      expect(sut.render('invitation', requested, context).locale).toBe(expected);
    });

    it("fall back to the relying party's default before English", () => {
      expect(sut.render('invitation', ['fr', 'ko'], context).locale).toBe('ko');
      expect(sut.render('invitation', [undefined, null, 'ko'], context).locale).toBe('ko');
      expect(sut.render('invitation', ['fr', 'de'], context).locale).toBe('en');
    });

    it('keep the region of the requested locale for the date', () => {
      const mail = sut.render('invitation', 'en-GB', context);
      expect(mail.locale).toBe('en');
      expect(mail.text).toContain('8 January 2026');
    });

    it('refuse a context that breaks the rules, naming each field', () => {
      let error: unknown;
      try {
        sut.render('invitation', 'en', { ...context, link: 'javascript:alert(1)', relyingPartyName: ' ', expiresAt: new Date(Number.NaN) });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).details?.map((d) => d.field).sort()).toEqual(['expiresAt', 'link', 'relyingPartyName']);
    });
  });

  describe('queued messages (queue now, renderQueued when sending)', () => {
    const sut = templates();
    /** What the outbox row keeps: the queued template as it comes back from a JSON column. */
    const throughJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

    it.each([
      ['en', context],
      ['ko', context],
      ['en-GB', context],
      ['fr', { relyingPartyName: 'Contoso', link: context.link, expiresAt: context.expiresAt }],
      ['en', { ...context, inviteeName: '<script>alert(1)</script>', inviterName: 'Tom & "Jerry"' }],
    ])('render %s exactly as render() does, from a context that went through JSON', (locale, ctx: InvitationMailContext) => {
      const rendered = sut.render('invitation', locale, ctx);
      const prepared = sut.queue('invitation', locale, ctx);

      expect(prepared.subject).toBe(rendered.subject);
      expect(prepared.primaryLink).toBe(ctx.link);
      expect(prepared.queued).toMatchObject({ name: 'invitation', locale: rendered.locale });
      expect(sut.renderQueued(throughJson(prepared.queued))).toEqual({ html: rendered.html, text: rendered.text, primaryLink: ctx.link });
    });

    it('keeps only what the templates need: their fields, dates as ISO strings, no bodies', () => {
      // An invitation spread in brings fields of its own (claims, say): none of them is kept.
      const spread = { ...context, locale: 'ko', claims: { role: 'admin' }, current_jti: 'a-secret-jti' } as InvitationMailContext;
      const { queued } = sut.queue('invitation', ['ko', undefined, 'en'], spread);
      expect(queued).toEqual({
        name: 'invitation',
        locale: 'ko',
        formatLocale: 'ko',
        locales: ['ko', 'en'],
        context: { ...context, expiresAt: '2026-01-08T15:00:00.000Z' },
      });
      expect(JSON.stringify(queued).length).toBeLessThan(400);
    });

    it('refuses a context that breaks the rules when queued, naming each field', () => {
      let error: unknown;
      try {
        sut.queue('invitation', 'en', { ...context, link: 'javascript:alert(1)', relyingPartyName: '' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).details?.map((d) => d.field).sort()).toEqual(['link', 'relyingPartyName']);
    });

    it('says a queued message cannot be rendered when no template has its name or its context breaks the rules', () => {
      const { queued } = sut.queue('invitation', 'en', context);
      expect(() => sut.renderQueued({ ...queued, name: 'farewell' })).toThrow(new UnknownMailTemplateError('farewell'));
      // Names are looked up as the rules' own keys only.
      expect(() => sut.renderQueued({ ...queued, name: 'constructor' })).toThrow(UnknownMailTemplateError);
      expect(() => sut.render('constructor' as 'invitation', 'en', context)).toThrow(MailTemplateError);
      expect(() => sut.renderQueued({ ...queued, context: { ...queued.context, expiresAt: 'soon' } })).toThrow(/expiresAt must be a valid Date/);
      expect(() => sut.renderQueued({ ...queued, context: { ...queued.context, link: 'javascript:alert(1)' } })).toThrow(MailTemplateError);
    });

    it('chooses again among the locales asked for, then English, when the queued locale has left the folder since', () => {
      const dir = mkdtempSync(join(tmpdir(), 'tessera-templates-'));
      try {
        cpSync(SHIPPED, dir, { recursive: true });
        cpSync(join(SHIPPED, 'en'), join(dir, 'en-gb'), { recursive: true });
        const custom = templates({ templatesDir: dir });
        const first = custom.queue('invitation', ['ko', 'en-GB'], context);
        const second = custom.queue('invitation', 'ko', context);
        expect(first.queued.locale).toBe('ko');
        rmSync(join(dir, 'ko'), { recursive: true });
        custom.load();
        // en-GB was asked for next: its templates, and its way of writing dates.
        expect(custom.renderQueued(first.queued).html).toBe(custom.render('invitation', 'en-GB', context).html);
        expect(custom.renderQueued(first.queued).text).toContain('8 January 2026');
        expect(custom.renderQueued(second.queued).html).toBe(sut.render('invitation', 'en', context).html);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('write dates in the configured time zone', () => {
    const sut = templates({ timeZone: 'Asia/Seoul' });
    expect(sut.render('invitation', 'ko', context).text).toContain('2026년 1월 9일');
  });

  describe('an operator-supplied folder (mail.templatesDir)', () => {
    let dir: string;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'tessera-templates-'));
      cpSync(SHIPPED, dir, { recursive: true });
    });

    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('is used instead of the shipped one, including new locales', () => {
      mkdirSync(join(dir, 'fr'));
      writeFileSync(join(dir, 'fr', 'invitation.subject.hbs'), 'Invitation à {{relyingPartyName}}');
      writeFileSync(join(dir, 'fr', 'invitation.html.hbs'), '<p lang="{{locale}}">{{link}}</p>');
      writeFileSync(join(dir, 'fr', 'invitation.text.hbs'), '{{link}} avant le {{expiresAt}}');
      const sut = templates({ templatesDir: dir });

      const mail = sut.render('invitation', 'fr-CA', context);
      expect(mail.locale).toBe('fr');
      expect(mail.subject).toBe('Invitation à Contoso');
      expect(mail.text).toContain('8 janvier 2026');
    });

    it('chooses locales from the folder as it is after a reload', () => {
      const sut = templates({ templatesDir: dir });
      expect(sut.render('invitation', ['ko', 'en'], context).locale).toBe('ko');
      rmSync(join(dir, 'ko'), { recursive: true });
      sut.load();
      // The same request, answered before the reload: not from what was remembered then.
      expect(sut.render('invitation', ['ko', 'en'], context).locale).toBe('en');
    });

    it('may not print values unescaped in HTML', () => {
      writeFileSync(join(dir, 'en', 'invitation.html.hbs'), '<p>{{{inviteeName}}}</p>');
      expect(() => templates({ templatesDir: dir })).toThrow(/must not use \{\{\{/);
      writeFileSync(join(dir, 'en', 'invitation.html.hbs'), '<p>{{& inviteeName}}</p>');
      expect(() => templates({ templatesDir: dir })).toThrow(MailTemplateError);
    });

    it('fails at start on a field that does not exist, naming the template', () => {
      writeFileSync(join(dir, 'ko', 'invitation.text.hbs'), '{{relyingPartyNmae}}');
      expect(() => templates({ templatesDir: dir })).toThrow(/ko[/\\]invitation.*relyingPartyNmae/);
    });

    it('fails at start when a part or the English fallback is missing, or on a syntax error', () => {
      rmSync(join(dir, 'ko', 'invitation.text.hbs'));
      expect(() => templates({ templatesDir: dir })).toThrow(/invitation\.text\.hbs is missing/);
      rmSync(join(dir, 'ko'), { recursive: true });
      rmSync(join(dir, 'en'), { recursive: true });
      expect(() => templates({ templatesDir: dir })).toThrow(/no "invitation" templates/);
      cpSync(join(SHIPPED, 'en'), join(dir, 'en'), { recursive: true });
      writeFileSync(join(dir, 'en', 'invitation.subject.hbs'), '{{#if inviterName}}unclosed');
      expect(() => templates({ templatesDir: dir })).toThrow(/invitation\.subject\.hbs/);
    });

    it('must exist', () => {
      expect(() => templates({ templatesDir: join(dir, 'missing') })).toThrow(/does not exist/);
    });
  });
});
