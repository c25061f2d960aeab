import { Injectable, OnModuleInit } from '@nestjs/common';
import Handlebars from 'handlebars';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InvalidRequestError, type FieldProblem } from '../common/errors';
import { TesseraConfig } from '../config/config.schema';

/** What the `invitation` message says. Names are what users typed: the HTML escapes them. */
export interface InvitationMailContext {
  inviteeName?: string;
  inviterName?: string;
  relyingPartyName: string;
  /** The landing-page (or direct) link; http(s) only. */
  link: string;
  expiresAt: Date;
  /** Ignored here: pass the wanted locale(s) to `render`. Present so an invitation can be spread in. */
  locale?: string;
}

/**
 * Each message template and the context it receives. A new message adds an entry here and a
 * rule below, and its files under `templates/mail/<locale>/`.
 */
export interface MailTemplateContexts {
  invitation: InvitationMailContext;
}

export type MailTemplateName = keyof MailTemplateContexts;

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
  /** The locale whose templates were used (after fallback). */
  locale: string;
}

/**
 * A message to be rendered when it is sent (see `MailTemplates.queue`): what the outbox row
 * keeps instead of the rendered bodies. Plain JSON.
 */
export interface QueuedTemplate {
  name: string;
  /** The locale whose templates were chosen at enqueue, and the one dates are written in. */
  locale: string;
  formatLocale: string;
  /** The locales asked for, to choose again should `locale` leave the folder before sending. */
  locales: string[];
  /** The fields the template receives (no others), dates as ISO 8601 strings. */
  context: Record<string, unknown>;
}

/** What `MailTemplates.queue` decides at enqueue: the subject now, the bodies at send. */
export interface PreparedTemplate {
  subject: string;
  queued: QueuedTemplate;
  /** The message's call to action (the context's link), for the development outbox's log. */
  primaryLink?: string;
}

interface TemplateRule {
  /** Fields a template may name that a caller may leave out (strict mode needs them present). */
  optional: string[];
  /** Fields that are Dates: kept as ISO strings in a queued message, Dates again at send. */
  dates: string[];
  /** The field holding the message's call to action, if any. */
  primaryLink?: string;
  validate(context: Record<string, unknown>): FieldProblem[];
  /** Rendered at start, so that a template naming a field that does not exist fails then. */
  sample: Record<string, unknown>;
}

const RULES: Record<MailTemplateName, TemplateRule> = {
  invitation: {
    optional: ['inviteeName', 'inviterName'],
    dates: ['expiresAt'],
    primaryLink: 'link',
    validate: (c) => [
      ...requiredString(c, 'relyingPartyName'),
      ...optionalString(c, 'inviteeName'),
      ...optionalString(c, 'inviterName'),
      ...httpUrl(c, 'link'),
      ...validDate(c, 'expiresAt'),
    ],
    sample: {
      inviteeName: 'Ada',
      inviterName: 'Grace',
      relyingPartyName: 'Contoso',
      link: 'https://tessera.example/invite/sample',
      expiresAt: new Date(0),
    },
  },
};

const PARTS = ['subject', 'html', 'text'] as const;
type Part = (typeof PARTS)[number];
type Compiled = Record<Part, HandlebarsTemplateDelegate>;

/** BCP 47-shaped and nothing else: locales come from user input and name folders. */
const LOCALE_TAG = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/;
const TEMPLATE_NAME = /^[a-z][a-z0-9-]*$/;
const FALLBACK_LOCALE = 'en';
/** Distinct requested-locale lists remembered (see `MailTemplates.resolve`). */
const MAX_RESOLVED = 256;

/** A broken template folder: an operator's problem, reported at start with the file named. */
export class MailTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MailTemplateError';
  }
}

/**
 * A queued message names a template this version does not have: queued by a newer version
 * sharing the database, whose instances can send it.
 */
export class UnknownMailTemplateError extends MailTemplateError {
  constructor(name: string) {
    super(`no mail template named "${name}"`);
    this.name = 'UnknownMailTemplateError';
  }
}

/**
 * Renders messages from `templates/mail/<locale>/<name>.{subject,html,text}.hbs`. Every
 * template is read and compiled at start, so a broken one stops the start instead of a send.
 * HTML templates escape every value (Handlebars' `{{…}}`; `{{{…}}}` is refused); subject and
 * text are plain text and are not escaped.
 */
@Injectable()
export class MailTemplates implements OnModuleInit {
  readonly directory: string;
  private readonly handlebars = Handlebars.create();
  private templates = new Map<string, Compiled>();

  constructor(private readonly config: TesseraConfig) {
    this.directory = config.mail.templatesDir ? resolve(config.mail.templatesDir) : defaultTemplatesDir();
  }

  onModuleInit(): void {
    this.load();
  }

  /** Reads and compiles the whole folder; throws `MailTemplateError` naming the first problem. */
  load(): void {
    if (!existsSync(this.directory) || !statSync(this.directory).isDirectory()) {
      throw new MailTemplateError(`mail templates folder ${this.directory} does not exist (mail.templatesDir)`);
    }
    const templates = new Map<string, Compiled>();
    for (const locale of readdirSync(this.directory).sort()) {
      const folder = join(this.directory, locale);
      if (!statSync(folder).isDirectory()) continue;
      if (!LOCALE_TAG.test(locale)) throw new MailTemplateError(`${folder}: a locale folder is named by a lower-case language tag such as "en" or "pt-br"`);
      const names = new Set(
        readdirSync(folder)
          .map((file) => /^([a-z][a-z0-9-]*)\.(subject|html|text)\.hbs$/.exec(file)?.[1])
          .filter((n): n is string => n !== undefined),
      );
      for (const name of names) {
        const compiled = {} as Compiled;
        for (const part of PARTS) {
          const file = join(folder, `${name}.${part}.hbs`);
          if (!existsSync(file)) throw new MailTemplateError(`${file} is missing: each message needs a subject, an html and a text template`);
          compiled[part] = this.compile(file, part);
        }
        const rule = Object.hasOwn(RULES, name) ? (RULES as Record<string, TemplateRule>)[name] : undefined;
        if (rule) {
          try {
            this.run(compiled, this.view(rule, rule.sample, locale, locale));
          } catch (e) {
            throw new MailTemplateError(`${join(folder, name)}.*.hbs: ${(e as Error).message.split('\n')[0]}`);
          }
        }
        templates.set(`${locale}/${name}`, compiled);
      }
    }
    for (const name of Object.keys(RULES)) {
      if (!templates.has(`${FALLBACK_LOCALE}/${name}`)) {
        throw new MailTemplateError(`${join(this.directory, FALLBACK_LOCALE)} has no "${name}" templates: ${FALLBACK_LOCALE} is every message's last fallback`);
      }
    }
    this.templates = templates;
    this.resolved.clear();
  }

  /** Locales that have `name`, e.g. `['en', 'ko']`. */
  locales(name: MailTemplateName): string[] {
    return [...this.templates.keys()].filter((k) => k.endsWith(`/${name}`)).map((k) => k.slice(0, k.indexOf('/')));
  }

  /**
   * Renders `name` in the first of `locales` that has it — each tried as given and as its bare
   * language (`ko-KR` → `ko`) — and otherwise in English. Pass the invitee's locale, then the
   * relying party's default: `render('invitation', [invitation.locale, rp.defaultLocale], …)`.
   * A context that breaks a rule (a `javascript:` link, an empty relying-party name) is refused
   * with every problem named.
   */
  render<N extends MailTemplateName>(name: N, locales: string | readonly (string | null | undefined)[], context: MailTemplateContexts[N]): RenderedMail {
    const { rule, raw, locale, formatLocale } = this.checked(name, locales, context);
    return { ...this.run(this.templates.get(`${locale}/${name}`)!, this.view(rule, raw, locale, formatLocale)), locale };
  }

  /** What `render` and `queue` start with: the rule, the context checked against it (a 400 naming each problem), the locale chosen. */
  private checked(name: string, locales: string | readonly (string | null | undefined)[], context: object) {
    if (!TEMPLATE_NAME.test(name) || !Object.hasOwn(RULES, name)) throw new MailTemplateError(`no mail template named "${name}"`);
    const rule = RULES[name as MailTemplateName];
    const raw = context as Record<string, unknown>;
    const problems = rule.validate(raw);
    if (problems.length) throw InvalidRequestError.fields(problems);
    const requested = (typeof locales === 'string' ? [locales] : [...locales]).filter((l): l is string => typeof l === 'string' && l.length > 0);
    return { rule, raw, requested, ...this.resolve(name, requested) };
  }

  /**
   * The enqueue half of rendering a message whose bodies are rendered when it is sent: checks the
   * context as `render` does (every problem named), chooses the locale and renders the subject;
   * returns them with the context as JSON for the outbox row. Rendering the bodies at send time
   * keeps an invitation's row small (its HTML and text are ~7 KB, most of it the link three
   * times) and its creation cheaper; `renderQueued` produces the same bodies `render` would.
   */
  queue<N extends MailTemplateName>(name: N, locales: string | readonly (string | null | undefined)[], context: MailTemplateContexts[N]): PreparedTemplate {
    const { rule, raw, requested, locale, formatLocale } = this.checked(name, locales, context);
    const compiled = this.templates.get(`${locale}/${name}`)!;
    // Only the fields templates can name (the rule's sample has them all: strict mode refuses
    // any other at start): a caller that spreads a larger object in stores none of the rest.
    const stored: Record<string, unknown> = {};
    for (const key of Object.keys(rule.sample)) {
      const value = raw[key];
      if (value !== undefined) stored[key] = value instanceof Date ? value.toISOString() : value;
    }
    const link = rule.primaryLink ? raw[rule.primaryLink] : undefined;
    return {
      subject: this.subjectOf(compiled, this.view(rule, raw, locale, formatLocale)),
      queued: { name, locale, formatLocale, locales: requested, context: stored },
      ...(typeof link === 'string' ? { primaryLink: link } : {}),
    };
  }

  /**
   * The send half: the bodies of a message `queue` prepared, rendered with the templates loaded
   * now. If its locale's templates have gone since (a folder removed across a restart), the
   * locales asked for are tried again, then English; the subject stays as it was queued. Throws
   * `UnknownMailTemplateError` for a name this version lacks, `MailTemplateError` for a context
   * its rules refuse.
   */
  renderQueued(queued: QueuedTemplate): { html: string; text: string; primaryLink?: string } {
    // Own keys only: a stored name such as "constructor" must not find Object's.
    const rule = TEMPLATE_NAME.test(queued.name) && Object.hasOwn(RULES, queued.name) ? (RULES as Record<string, TemplateRule>)[queued.name] : undefined;
    if (!rule) throw new UnknownMailTemplateError(queued.name);
    const context: Record<string, unknown> = { ...queued.context };
    for (const key of rule.dates) {
      if (typeof context[key] === 'string') context[key] = new Date(context[key] as string);
    }
    const problems = rule.validate(context);
    if (problems.length) throw new MailTemplateError(`queued "${queued.name}" message: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}`);
    const { locale, formatLocale } = this.templates.has(`${queued.locale}/${queued.name}`)
      ? queued
      : this.resolve(queued.name, Array.isArray(queued.locales) ? queued.locales.filter((l) => typeof l === 'string') : []);
    const { html, text } = this.run(this.templates.get(`${locale}/${queued.name}`)!, this.view(rule, context, locale, formatLocale));
    const link = rule.primaryLink ? context[rule.primaryLink] : undefined;
    return { html, text, ...(typeof link === 'string' ? { primaryLink: link } : {}) };
  }

  /** What templates see: dates written out for the reader (plus `<key>Iso`), optional fields present. */
  private view(rule: TemplateRule, context: Record<string, unknown>, locale: string, formatLocale: string): Record<string, unknown> {
    const view: Record<string, unknown> = { locale };
    for (const key of rule.optional) view[key] = null;
    for (const [key, value] of Object.entries(context)) {
      if (key === 'locale') continue;
      if (value instanceof Date) {
        view[key] = this.formatDate(value, formatLocale);
        view[`${key}Iso`] = value.toISOString();
      } else if (value !== undefined) {
        view[key] = value;
      }
    }
    return view;
  }

  private subjectOf(compiled: Compiled, view: Record<string, unknown>): string {
    return compiled.subject(view).replace(/\s+/g, ' ').trim();
  }

  private run(compiled: Compiled, view: Record<string, unknown>): Omit<RenderedMail, 'locale'> {
    const subject = this.subjectOf(compiled, view);
    const withSubject = { ...view, subject };
    return {
      subject,
      html: compiled.html(withSubject),
      text: `${compiled.text(withSubject).replace(/\n{3,}/g, '\n\n').trim()}\n`,
    };
  }

  /**
   * Which templates a list of requested locales ends up with depends only on that list and the
   * folder: remembered, since finding out asks Intl about each tag (as costly as formatting the
   * date). Requests name a few locales (the supported ones, the relying parties' defaults);
   * past the bound, answers are computed and not kept.
   */
  private readonly resolved = new Map<string, { locale: string; formatLocale: string }>();

  private resolve(name: string, requested: string[]): { locale: string; formatLocale: string } {
    const key = JSON.stringify([name, requested]);
    let found = this.resolved.get(key);
    if (!found) {
      found = this.findLocale(name, requested);
      if (this.resolved.size < MAX_RESOLVED) this.resolved.set(key, found);
    }
    return found;
  }

  private findLocale(name: string, requested: string[]): { locale: string; formatLocale: string } {
    for (const tag of requested) {
      const normalized = tag.trim().toLowerCase().replace(/_/g, '-');
      if (!LOCALE_TAG.test(normalized)) continue;
      const language = normalized.split('-')[0];
      for (const candidate of [normalized, language]) {
        if (this.templates.has(`${candidate}/${name}`)) {
          // Keep the region for dates (`en-GB` writes 8 January 2026) when Intl knows it.
          const formatLocale = Intl.DateTimeFormat.supportedLocalesOf(normalized).length ? normalized : candidate;
          return { locale: candidate, formatLocale };
        }
      }
    }
    return { locale: FALLBACK_LOCALE, formatLocale: FALLBACK_LOCALE };
  }

  // Building an Intl.DateTimeFormat costs far more than using one; keep one per locale. Using one
  // (with a time zone name) still costs as much as the rest of a message's view: its output only
  // changes with the minute, and invitations created together expire in the same minute, so the
  // last answer per locale is kept too (the offsets of time zones in use today are whole minutes).
  private readonly dateFormats = new Map<string, Intl.DateTimeFormat>();
  private readonly lastFormatted = new Map<string, { minute: number; text: string }>();

  private formatDate(date: Date, locale: string): string {
    const minute = Math.floor(date.getTime() / 60_000);
    const last = this.lastFormatted.get(locale);
    if (last?.minute === minute) return last.text;
    let format = this.dateFormats.get(locale);
    if (!format) {
      format = new Intl.DateTimeFormat(locale, {
        year: 'numeric',
        month: 'long',
        day: 'numeric',
        hour: 'numeric',
        minute: '2-digit',
        timeZone: this.config.mail.timeZone,
        timeZoneName: 'short',
      });
      this.dateFormats.set(locale, format);
    }
    const text = format.format(date);
    // Bounded like dateFormats: by the locales the templates resolve to.
    this.lastFormatted.set(locale, { minute, text });
    return text;
  }

  private compile(file: string, part: Part): HandlebarsTemplateDelegate {
    const source = readFileSync(file, 'utf8');
    let ast: hbs.AST.Program;
    try {
      ast = this.handlebars.parse(source);
    } catch (e) {
      throw new MailTemplateError(`${file}: ${(e as Error).message.split('\n')[0]}`);
    }
    if (part === 'html' && hasUnescapedOutput(ast)) {
      throw new MailTemplateError(`${file}: HTML templates must not use {{{…}}} or {{& …}}: values include names typed by users and are always escaped`);
    }
    // strict: a field the template names but the context lacks is an error, not an empty hole.
    // Subject and text are plain text: HTML-escaping would show "&amp;" to the reader.
    return this.handlebars.compile(ast, { strict: true, noEscape: part !== 'html' });
  }
}

/** Walks a Handlebars AST for `{{{x}}}` / `{{& x}}` (MustacheStatement with `escaped: false`). */
function hasUnescapedOutput(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasUnescapedOutput);
  if (!node || typeof node !== 'object') return false;
  const n = node as { type?: string; escaped?: boolean };
  if (n.type === 'MustacheStatement' && n.escaped === false) return true;
  return Object.entries(node).some(([key, value]) => key !== 'loc' && typeof value === 'object' && hasUnescapedOutput(value));
}

/**
 * `templates/mail` of the installation: this file lives in `src/mail/` (tests) or `dist/mail/`
 * (built), both two levels below the root; walking up also finds it from other layouts.
 */
function defaultTemplatesDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'templates', 'mail');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return resolve(__dirname, '..', '..', 'templates', 'mail');
}

function requiredString(c: Record<string, unknown>, field: string): FieldProblem[] {
  const v = c[field];
  return typeof v === 'string' && v.trim() ? [] : [{ field, problem: 'must be a non-empty string' }];
}

function optionalString(c: Record<string, unknown>, field: string): FieldProblem[] {
  const v = c[field];
  return v === undefined || v === null || typeof v === 'string' ? [] : [{ field, problem: 'must be a string' }];
}

function httpUrl(c: Record<string, unknown>, field: string): FieldProblem[] {
  const v = c[field];
  try {
    if (typeof v === 'string' && ['http:', 'https:'].includes(new URL(v).protocol)) return [];
  } catch {
    // not a URL: reported below
  }
  return [{ field, problem: 'must be an absolute http or https URL' }];
}

function validDate(c: Record<string, unknown>, field: string): FieldProblem[] {
  const v = c[field];
  return v instanceof Date && !Number.isNaN(v.getTime()) ? [] : [{ field, problem: 'must be a valid Date' }];
}
