import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Handlebars from 'handlebars';
import { TesseraConfig } from '../../config/config.schema';
import { ConfigError } from '../../common/errors';
import { PAGE_MESSAGES } from './page.messages';
import type { ErrorView, SelfAssertedView } from './page.views';

const TEMPLATES = ['layout', 'self-asserted', 'error'] as const;
type TemplateName = (typeof TEMPLATES)[number];

export const STYLESHEET_PATH = '/journeys/assets/style.css';

/**
 * Renders the journey pages from Handlebars templates (`templates/pages/*.hbs`, replaceable by
 * the operator: `journeys.pages.templatesDir`, file by file). Templates are compiled once at
 * start, so a broken template stops the start instead of a sign-up; every value is escaped by
 * `{{…}}`, and the layout's `{{{content}}}` is the output of another template.
 */
@Injectable()
export class PageRenderer {
  private readonly templates = new Map<TemplateName, HandlebarsTemplateDelegate>();
  private readonly handlebars = Handlebars.create();
  readonly stylesheet: { body: Buffer; etag: string };

  constructor(config: TesseraConfig) {
    const installed = installedTemplatesDir();
    const custom = config.journeys.pages.templatesDir ? resolve(config.journeys.pages.templatesDir) : undefined;
    if (custom && !existsSync(custom)) throw new ConfigError([{ field: 'journeys.pages.templatesDir', problem: `${custom} does not exist` }]);
    for (const name of TEMPLATES) {
      const file = custom && existsSync(join(custom, `${name}.hbs`)) ? join(custom, `${name}.hbs`) : join(installed, `${name}.hbs`);
      try {
        const source = readFileSync(file, 'utf8');
        // compile() parses lazily, at the first render; precompile() parses now.
        this.handlebars.precompile(source);
        this.templates.set(name, this.handlebars.compile(source));
      } catch (e) {
        throw new ConfigError([{ field: 'journeys.pages.templatesDir', problem: `${file}: ${(e as Error).message}` }]);
      }
    }
    const cssFile = config.journeys.pages.stylesheet ? resolve(config.journeys.pages.stylesheet) : join(installed, 'style.css');
    if (!existsSync(cssFile)) throw new ConfigError([{ field: 'journeys.pages.stylesheet', problem: `${cssFile} does not exist` }]);
    const body = readFileSync(cssFile);
    this.stylesheet = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
  }

  selfAsserted(view: SelfAssertedView): string {
    const messages = PAGE_MESSAGES[view.locale];
    const firstInvalid = view.fields.findIndex((f) => f.error);
    const focus = firstInvalid !== -1 ? firstInvalid : view.errors.length ? -1 : view.fields.findIndex((f) => f.kind === 'input');
    const fields = view.fields.map((f, i) => ({
      ...f,
      isParagraph: f.kind === 'paragraph',
      isReadonly: f.kind === 'readonly',
      describedBy: [f.help ? `${f.id}-help` : '', f.error ? `${f.id}-error` : ''].filter(Boolean).join(' ') || undefined,
      autofocus: i === focus,
    }));
    const content = this.render('self-asserted', { ...view, fields, messages, hasProblems: view.errors.length > 0 || firstInvalid !== -1 });
    return this.layout(view.locale, view.title, view.correlationId, content);
  }

  error(view: ErrorView): string {
    const content = this.render('error', { ...view, messages: PAGE_MESSAGES[view.locale] });
    return this.layout(view.locale, view.title, view.correlationId, content);
  }

  private layout(locale: string, title: string, correlationId: string, content: string): string {
    return this.render('layout', { locale, title, correlationId, content, stylesheet: STYLESHEET_PATH, messages: PAGE_MESSAGES[locale as 'en'] });
  }

  private render(name: TemplateName, context: object): string {
    const template = this.templates.get(name);
    if (!template) throw new Error(`page template ${name} is not loaded`);
    return template(context);
  }
}

/** `templates/pages` of the installation, from `src/` in development and from `dist/` when built. */
function installedTemplatesDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'templates', 'pages');
    if (existsSync(join(candidate, 'layout.hbs'))) return candidate;
    dir = dirname(dir);
  }
  return resolve(__dirname, '..', '..', '..', 'templates', 'pages');
}
