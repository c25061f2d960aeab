import Handlebars from 'handlebars';
import type { Locale } from '../relying-parties/relying-parties.config';
import { INLINE_PAGE_STYLE, INLINE_PAGE_STYLE_HASH } from '../common/inline-page-style';
import { PRIVATE_PAGE_HEADERS } from '../common/page-headers';

/**
 * The landing pages, server-rendered and usable without JavaScript. Handlebars escapes every
 * `{{value}}`; the only triple-stash inserts are messages rendered (and so escaped) by Handlebars
 * themselves, the title included: escaping it again would show `R&amp;D` for `R&D`.
 * English and Korean; the invitation's locale chooses, else the browser's Accept-Language.
 */

export type StatusPageKind = 'unknown' | 'superseded' | 'expired' | 'revoked' | 'redeemed' | 'forbidden' | 'unavailable' | 'busy' | 'failed';

interface Messages {
  inviteTitle: string;
  leadWithInviter: string;
  lead: string;
  invitee: string;
  expires: string;
  continue: string;
  next: string;
  whatToDo: string;
  status: Record<StatusPageKind, { title: string; what: string; todo: string }>;
}

const MESSAGES: Record<Locale, Messages> = {
  en: {
    inviteTitle: 'You are invited to {{rp}}',
    leadWithInviter: '{{inviter}} invited you to join {{rp}}.',
    lead: 'You have been invited to join {{rp}}.',
    invitee: 'This invitation is for {{email}}.',
    expires: 'It is valid until {{date}}.',
    continue: 'Continue',
    next: 'Select Continue to go to {{rp}} and create your account.',
    whatToDo: 'What you can do',
    status: {
      unknown: {
        title: 'Invitation not found',
        what: 'This invitation link is not valid. It may have been copied incompletely.',
        todo: 'Open the complete link from your invitation email, or ask the person who invited you to send you a new invitation.',
      },
      superseded: {
        title: 'This invitation link has been replaced',
        what: 'A newer invitation email was sent to you, and this older link no longer works.',
        todo: 'Use the link in the most recent invitation email, or ask the person who invited you for a new invitation.',
      },
      expired: {
        title: 'This invitation has expired',
        what: 'Invitations are valid for a limited time, and this one ended on {{date}}.',
        todo: 'Ask the person who invited you to send you a new invitation.',
      },
      revoked: {
        title: 'This invitation has been withdrawn',
        what: 'The person who invited you has cancelled this invitation.',
        todo: 'If you think this is a mistake, ask them to send you a new invitation.',
      },
      redeemed: {
        title: 'This invitation has already been used',
        what: 'An account has already been created with this invitation.',
        todo: 'If that was you, sign in to {{rp}} instead of signing up.',
      },
      forbidden: {
        title: 'This request could not be verified',
        what: 'The Continue button has to be used on the invitation page itself; this request came from somewhere else, or the page was out of date.',
        todo: 'Open the link in your invitation email again and select Continue.',
      },
      unavailable: {
        title: 'This invitation cannot be used right now',
        what: 'The invitation is valid, but the service cannot continue with it at the moment.',
        todo: 'Try again later, or contact the person who invited you.',
      },
      busy: {
        title: 'Too many attempts',
        what: 'This page was requested too often from your network in a short time. Your invitation is not affected.',
        todo: 'Wait a minute, then open the link in your invitation email again.',
      },
      failed: {
        title: 'Something went wrong on our side',
        what: 'The invitation page could not be shown because of a problem with the service. Your invitation is not affected.',
        todo: 'Try again in a few minutes. If it keeps happening, contact the person who invited you.',
      },
    },
  },
  ko: {
    inviteTitle: '{{rp}}에 초대되었습니다',
    leadWithInviter: '{{inviter}}님이 {{rp}}에 초대했습니다.',
    lead: '{{rp}}에 초대되었습니다.',
    invitee: '이 초대는 {{email}} 주소로 보낸 것입니다.',
    expires: '{{date}}까지 유효합니다.',
    continue: '계속',
    next: '계속을 누르면 {{rp}}(으)로 이동하여 계정을 만듭니다.',
    whatToDo: '할 수 있는 일',
    status: {
      unknown: {
        title: '초대를 찾을 수 없습니다',
        what: '이 초대 링크는 유효하지 않습니다. 링크가 일부만 복사되었을 수 있습니다.',
        todo: '초대 이메일의 링크 전체를 열거나, 초대한 분께 새 초대를 요청하세요.',
      },
      superseded: {
        title: '이 초대 링크는 새 링크로 바뀌었습니다',
        what: '새 초대 이메일이 발송되어 이전 링크는 더 이상 사용할 수 없습니다.',
        todo: '가장 최근에 받은 초대 이메일의 링크를 사용하거나, 초대한 분께 새 초대를 요청하세요.',
      },
      expired: {
        title: '초대가 만료되었습니다',
        what: '초대는 정해진 기간 동안만 유효하며, 이 초대는 {{date}}에 만료되었습니다.',
        todo: '초대한 분께 새 초대를 요청하세요.',
      },
      revoked: {
        title: '초대가 취소되었습니다',
        what: '초대한 분이 이 초대를 취소했습니다.',
        todo: '잘못된 것 같다면 초대한 분께 새 초대를 요청하세요.',
      },
      redeemed: {
        title: '이미 사용된 초대입니다',
        what: '이 초대로 이미 계정이 만들어졌습니다.',
        todo: '본인이 만든 계정이라면 가입하지 말고 {{rp}}에 로그인하세요.',
      },
      forbidden: {
        title: '요청을 확인할 수 없습니다',
        what: '계속 버튼은 초대 페이지에서 직접 눌러야 합니다. 요청이 다른 곳에서 왔거나 페이지가 오래되었습니다.',
        todo: '초대 이메일의 링크를 다시 열고 계속을 누르세요.',
      },
      unavailable: {
        title: '지금은 이 초대를 사용할 수 없습니다',
        what: '초대는 유효하지만 지금은 서비스가 처리할 수 없습니다.',
        todo: '잠시 후 다시 시도하거나 초대한 분께 문의하세요.',
      },
      busy: {
        title: '요청이 너무 많습니다',
        what: '짧은 시간에 사용자의 네트워크에서 이 페이지를 너무 자주 요청했습니다. 초대에는 영향이 없습니다.',
        todo: '잠시 기다린 후 초대 이메일의 링크를 다시 여세요.',
      },
      failed: {
        title: '서비스에 문제가 발생했습니다',
        what: '서비스 문제로 초대 페이지를 표시하지 못했습니다. 초대에는 영향이 없습니다.',
        todo: '몇 분 후 다시 시도하세요. 문제가 계속되면 초대한 분께 문의하세요.',
      },
    },
  },
};

const STYLE = INLINE_PAGE_STYLE;

/** CSP source for the one inline style block. */
export const STYLE_HASH = INLINE_PAGE_STYLE_HASH;

const LAYOUT = Handlebars.compile(
  `<!doctype html>
<html lang="{{lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>{{{title}}}</title>
<style>{{{style}}}</style>
</head>
<body>
<main>
<h1 id="title">{{{title}}}</h1>
{{{content}}}
</main>
</body>
</html>
`,
  { strict: true },
);

const INVITATION = Handlebars.compile(
  `<p>{{{lead}}}</p>
<p class="muted">{{{invitee}}} {{{expires}}}</p>
<form method="post" action="{{action}}" aria-labelledby="title">
<input type="hidden" name="csrf" value="{{csrf}}">
<p>{{{next}}}</p>
<button type="submit" autofocus>{{continueLabel}}</button>
</form>
`,
  { strict: true },
);

const STATUS = Handlebars.compile(
  `<p>{{{what}}}</p>
<h2>{{whatToDo}}</h2>
<p>{{{todo}}}</p>
`,
  { strict: true },
);

const compiled = new Map<string, HandlebarsTemplateDelegate>();
function message(source: string, values: Record<string, string | undefined>): string {
  let template = compiled.get(source);
  if (!template) compiled.set(source, (template = Handlebars.compile(source)));
  return template(values);
}

export interface InvitationPageContext {
  locale: Locale;
  relyingPartyName: string;
  inviterName?: string;
  email: string;
  expiresAt: Date;
  action: string;
  csrf: string;
  timeZone: string;
}

export function renderInvitationPage(c: InvitationPageContext): string {
  const m = MESSAGES[c.locale];
  const values = { rp: c.relyingPartyName, inviter: c.inviterName, email: c.email, date: formatDate(c.expiresAt, c.locale, c.timeZone) };
  const content = INVITATION({
    lead: message(c.inviterName ? m.leadWithInviter : m.lead, values),
    invitee: message(m.invitee, values),
    expires: message(m.expires, values),
    next: message(m.next, values),
    action: c.action,
    csrf: c.csrf,
    continueLabel: m.continue,
  });
  return LAYOUT({ lang: c.locale, title: message(m.inviteTitle, values), style: STYLE, content });
}

export interface StatusPageContext {
  locale: Locale;
  relyingPartyName?: string;
  expiresAt?: Date;
  timeZone: string;
}

export function renderStatusPage(kind: StatusPageKind, c: StatusPageContext): string {
  const m = MESSAGES[c.locale];
  const s = m.status[kind];
  const values = {
    rp: c.relyingPartyName ?? (c.locale === 'ko' ? '서비스' : 'the service'),
    date: c.expiresAt ? formatDate(c.expiresAt, c.locale, c.timeZone) : undefined,
  };
  const content = STATUS({ what: message(s.what, values), whatToDo: m.whatToDo, todo: message(s.todo, values) });
  return LAYOUT({ lang: c.locale, title: Handlebars.escapeExpression(s.title), style: STYLE, content });
}

/**
 * The code is in the URL, so nothing may cache the page or leak it in a Referer; the CSP
 * allows the one hashed style block and a form posting here (and, since CSP3 `form-action`
 * also governs the redirect that follows, to the relying party's sign-up origin).
 */
export function landingPageHeaders(publicUrl: string, formTarget?: string): Record<string, string> {
  const self = new URL(publicUrl).origin;
  const targets = ["'self'", self, ...(formTarget ? [safeOrigin(formTarget)] : [])].filter(Boolean).join(' ');
  return {
    ...PRIVATE_PAGE_HEADERS,
    'Content-Security-Policy': `default-src 'none'; style-src ${STYLE_HASH}; form-action ${targets}; frame-ancestors 'none'; base-uri 'none'`,
  };
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

/** Picks en or ko from an Accept-Language header (RFC 9110 §12.5.4), by quality. */
export function negotiateLocale(header: string | undefined, fallback: Locale = 'en'): Locale {
  if (!header) return fallback;
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
      return { lang: tag.split('-')[0], q: q ? Number(q[1]) : 1, i };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { lang } of ranked) if (lang === 'en' || lang === 'ko') return lang;
  return fallback;
}

function formatDate(date: Date, locale: Locale, timeZone: string): string {
  // dateStyle/timeStyle cannot be combined with timeZoneName (ECMA-402 §11.1.2), so spell it out.
  return new Intl.DateTimeFormat(locale === 'ko' ? 'ko-KR' : 'en-GB', {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  }).format(date);
}
