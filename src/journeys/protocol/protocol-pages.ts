import Handlebars from 'handlebars';
import { negotiateLocale } from '../../invitations/landing.pages';
import { cspHash, INLINE_PAGE_STYLE, INLINE_PAGE_STYLE_HASH } from '../../common/inline-page-style';
import { PRIVATE_PAGE_HEADERS } from '../../common/page-headers';

/**
 * The two pages of the protocol surface: the error page (when the client's redirect URI cannot
 * be trusted, so the error cannot go back to it) and the form_post response page. Both are
 * server-rendered, usable without JavaScript, English and Korean. Handlebars escapes every
 * `{{value}}`: descriptions may echo request parameters.
 */

export type PageLocale = 'en' | 'ko';

interface Messages {
  errorTitle: string;
  errorLead: string;
  errorTodo: string;
  details: string;
  correlationId: string;
  timestamp: string;
  postTitle: string;
  postLead: string;
  continue: string;
}

const MESSAGES: Record<PageLocale, Messages> = {
  en: {
    errorTitle: 'This sign-in request cannot be completed',
    errorLead: 'The application that sent you here made a request this service cannot accept, so you have not been sent back to it.',
    errorTodo: "Go back to the application and try again. If this happens again, give the application's support team the details below.",
    details: 'Details',
    correlationId: 'Correlation ID',
    timestamp: 'Timestamp',
    postTitle: 'Returning to the application',
    postLead: 'If you are not taken back to the application automatically, select Continue.',
    continue: 'Continue',
  },
  ko: {
    errorTitle: '로그인 요청을 완료할 수 없습니다',
    errorLead: '이 페이지로 보낸 애플리케이션의 요청을 이 서비스에서 처리할 수 없어 애플리케이션으로 돌려보내지 않았습니다.',
    errorTodo: '애플리케이션으로 돌아가 다시 시도하세요. 문제가 계속되면 아래 세부 정보를 애플리케이션 지원 담당자에게 전달하세요.',
    details: '세부 정보',
    correlationId: '상관관계 ID',
    timestamp: '타임스탬프',
    postTitle: '애플리케이션으로 돌아가는 중',
    postLead: '자동으로 애플리케이션으로 돌아가지 않으면 계속을 누르세요.',
    continue: '계속',
  },
};

const STYLE = INLINE_PAGE_STYLE;

/** Submits the response form at once; without JavaScript the visible button does it. */
const AUTO_SUBMIT = 'document.getElementById("response").submit();';

/** CSP Level 3 §8.3 hash-sources for the one inline style and the one inline script. */
const STYLE_HASH = INLINE_PAGE_STYLE_HASH;
const SCRIPT_HASH = cspHash(AUTO_SUBMIT);

const LAYOUT = Handlebars.compile(
  `<!doctype html>
<html lang="{{lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>{{title}}</title>
<style>{{{style}}}</style>
</head>
<body>
<main>
<h1 id="title">{{title}}</h1>
{{{content}}}
</main>
{{#if script}}<script>{{{script}}}</script>{{/if}}
</body>
</html>
`,
  { strict: true },
);

const ERROR = Handlebars.compile(
  `<p>{{lead}}</p>
<p>{{todo}}</p>
<h2>{{details}}</h2>
<dl>
<dt>{{errorLabel}}</dt><dd><code>{{error}}</code></dd>
<dt>{{correlationLabel}}</dt><dd><code>{{correlationId}}</code></dd>
<dt>{{timestampLabel}}</dt><dd><code>{{timestamp}}</code></dd>
</dl>
<p>{{description}}</p>
`,
  { strict: true },
);

const FORM_POST = Handlebars.compile(
  `<form id="response" method="post" action="{{action}}" aria-labelledby="title">
{{#each fields}}<input type="hidden" name="{{name}}" value="{{value}}">
{{/each}}<p>{{lead}}</p>
<button type="submit" autofocus>{{continueLabel}}</button>
</form>
`,
  { strict: true },
);

export interface ErrorPageContext {
  locale: PageLocale;
  error: string;
  description: string;
  correlationId: string;
  at: Date;
}

export function renderErrorPage(c: ErrorPageContext): string {
  const m = MESSAGES[c.locale];
  const content = ERROR({
    lead: m.errorLead,
    todo: m.errorTodo,
    details: m.details,
    errorLabel: 'error',
    error: c.error,
    correlationLabel: m.correlationId,
    correlationId: c.correlationId,
    timestampLabel: m.timestamp,
    timestamp: c.at.toISOString(),
    description: c.description,
  });
  return LAYOUT({ lang: c.locale, title: m.errorTitle, style: STYLE, content, script: '' });
}

export interface FormPostPageContext {
  locale: PageLocale;
  action: string;
  fields: Array<{ name: string; value: string }>;
}

/** OAuth 2.0 Form Post Response Mode §2: an HTML form that posts the response to the client. */
export function renderFormPostPage(c: FormPostPageContext): string {
  const m = MESSAGES[c.locale];
  const content = FORM_POST({ action: c.action, fields: c.fields, lead: m.postLead, continueLabel: m.continue });
  return LAYOUT({ lang: c.locale, title: m.postTitle, style: STYLE, content, script: AUTO_SUBMIT });
}

/**
 * Headers for both pages: nothing may cache them (they carry tokens or echo a request), frame
 * them, or leak their URL in a Referer. The CSP admits the hashed style, and for the response
 * page the hashed script and a form posting to the client's redirect URI only.
 */
export function pageHeaders(formAction?: string): Record<string, string> {
  const csp = [
    "default-src 'none'",
    `style-src ${STYLE_HASH}`,
    ...(formAction ? [`script-src ${SCRIPT_HASH}`, `form-action ${formActionSource(formAction)}`] : ["form-action 'none'"]),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return { ...PRIVATE_PAGE_HEADERS, 'Content-Security-Policy': csp };
}

/** CSP source-expression for a redirect URI: its origin, or its scheme for an app's custom scheme. */
function formActionSource(uri: string): string {
  const url = new URL(uri);
  return url.origin !== 'null' ? url.origin : url.protocol;
}

/** The page language: `ui_locales` first (OpenID Connect Core §3.1.2.1), then Accept-Language. */
export function pageLocale(uiLocales: string[] | undefined, acceptLanguage: string | undefined): PageLocale {
  for (const tag of uiLocales ?? []) {
    const lang = tag.toLowerCase().split('-')[0];
    if (lang === 'en' || lang === 'ko') return lang;
  }
  return negotiateLocale(acceptLanguage);
}
