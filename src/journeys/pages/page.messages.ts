import type { Locale } from '../policy/policy.model';

/**
 * Every text of the pages that a policy does not supply, in English and Korean. Policies supply
 * their own headings, labels and button texts (claim type display names, `language.*` items).
 */
export interface PageMessages {
  continue: string;
  cancel: string;
  signup: string;
  required: string;
  optional: string;
  problemsHeading: string;
  correlation: string;
  fieldRequired: string;
  fieldInvalid: string;
  emailInvalid: string;
  numberInvalid: string;
  tooLong: string;
  oneValue: string;
  passwordsDiffer: string;
  defaultTitle: string;
  selectionTitle: string;
  errors: Record<'sessionMissing' | 'sessionFinished' | 'forbidden' | 'wrongPolicy' | 'serverError', { title: string; message: string; hint: string }>;
}

export const PAGE_MESSAGES: Record<Locale, PageMessages> = {
  en: {
    continue: 'Continue',
    cancel: 'Cancel',
    signup: 'Sign up now',
    required: 'required',
    optional: 'optional',
    problemsHeading: 'There is a problem',
    correlation: 'Correlation ID',
    fieldRequired: 'This information is required.',
    fieldInvalid: 'Please enter a valid value.',
    emailInvalid: 'Please enter a valid email address.',
    numberInvalid: 'Please enter a whole number.',
    tooLong: 'This is too long: use at most {{max}} characters.',
    oneValue: 'Please enter one value.',
    // B2C's own wording for the built-in password confirmation check.
    passwordsDiffer: 'The password entry fields do not match. Please enter the same password in both fields and try again.',
    defaultTitle: 'Your details',
    selectionTitle: 'Choose how to continue',
    errors: {
      sessionMissing: {
        title: 'Your session has ended',
        message: 'This sign-in page is no longer active: it has expired, or it was opened in another browser.',
        hint: 'Go back to the application and start again.',
      },
      sessionFinished: {
        title: 'This sign-in has already finished',
        message: 'The page was sent more than once, or it was opened again after the sign-in completed.',
        hint: 'Go back to the application; if you are not signed in, start again.',
      },
      forbidden: {
        title: 'This request could not be verified',
        message: 'The form was not sent from this sign-in page, or the page was out of date.',
        hint: 'Go back to the application and start again.',
      },
      wrongPolicy: {
        title: 'This page does not belong to this sign-in',
        message: 'The address of the page does not match the sign-in that is in progress.',
        hint: 'Go back to the application and start again.',
      },
      serverError: {
        title: 'Something went wrong',
        message: 'We could not complete this step because of an error on our side.',
        hint: 'Try again in a few minutes. If it keeps happening, give the correlation ID below to support.',
      },
    },
  },
  ko: {
    continue: '계속',
    cancel: '취소',
    signup: '지금 가입',
    required: '필수',
    optional: '선택',
    problemsHeading: '문제가 있습니다',
    correlation: '상관 관계 ID',
    fieldRequired: '이 정보는 필수입니다.',
    fieldInvalid: '올바른 값을 입력하세요.',
    emailInvalid: '올바른 이메일 주소를 입력하세요.',
    numberInvalid: '정수를 입력하세요.',
    tooLong: '너무 깁니다. {{max}}자 이하로 입력하세요.',
    oneValue: '값을 하나만 입력하세요.',
    passwordsDiffer: '비밀번호 입력 필드가 일치하지 않습니다. 두 필드에 같은 비밀번호를 입력하고 다시 시도하세요.',
    defaultTitle: '정보 입력',
    selectionTitle: '계속할 방법 선택',
    errors: {
      sessionMissing: {
        title: '세션이 종료되었습니다',
        message: '이 로그인 페이지는 더 이상 사용할 수 없습니다. 만료되었거나 다른 브라우저에서 열렸습니다.',
        hint: '애플리케이션으로 돌아가 다시 시작하세요.',
      },
      sessionFinished: {
        title: '이 로그인은 이미 완료되었습니다',
        message: '페이지가 두 번 이상 제출되었거나 로그인이 완료된 뒤 다시 열렸습니다.',
        hint: '애플리케이션으로 돌아가세요. 로그인되어 있지 않다면 다시 시작하세요.',
      },
      forbidden: {
        title: '요청을 확인할 수 없습니다',
        message: '이 로그인 페이지에서 보낸 양식이 아니거나 페이지가 오래되었습니다.',
        hint: '애플리케이션으로 돌아가 다시 시작하세요.',
      },
      wrongPolicy: {
        title: '이 페이지는 진행 중인 로그인에 속하지 않습니다',
        message: '페이지 주소가 진행 중인 로그인과 일치하지 않습니다.',
        hint: '애플리케이션으로 돌아가 다시 시작하세요.',
      },
      serverError: {
        title: '문제가 발생했습니다',
        message: '서버 쪽 오류로 이 단계를 완료하지 못했습니다.',
        hint: '잠시 후 다시 시도하세요. 계속 발생하면 아래 상관 관계 ID를 지원 담당자에게 알려 주세요.',
      },
    },
  },
};

export type ErrorPageKind = keyof PageMessages['errors'];

/** RFC 4647 lookup over `ui_locales` (OpenID Connect Core §3.1.2.1), then Accept-Language, then English. */
export function negotiateLocale(uiLocales: readonly string[] | undefined, acceptLanguage: string | undefined): Locale {
  for (const tag of uiLocales ?? []) {
    const locale = supported(tag);
    if (locale) return locale;
  }
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
      return { tag, q: q ? Number(q[1]) : 1, i };
    })
    .filter((e) => e.tag && e.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    const locale = supported(tag);
    if (locale) return locale;
  }
  return 'en';
}

function supported(tag: string): Locale | undefined {
  const primary = tag.trim().toLowerCase().split('-')[0];
  return primary === 'en' || primary === 'ko' ? primary : undefined;
}
