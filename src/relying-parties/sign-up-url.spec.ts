import { buildSignUpUrl, parseSignUpUrl, signUpUrlProblems } from './sign-up-url';

const B2C =
  'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1A_SIGNUP_INVITATION/oauth2/v2.0/authorize' +
  '?client_id=63ba0d17-c4ba-47fd-89e9-31b3c2734339&redirect_uri=https%3A%2F%2Fjwt.ms&scope=openid' +
  '&response_type=id_token&nonce={nonce}&prompt=login';

describe('sign-up URL template', () => {
  describe('buildSignUpUrl', () => {
    it('expresses the B2C authorize URL and appends id_token_hint last, keeping the rest byte for byte', () => {
      const sut = parseSignUpUrl(B2C);
      const url = buildSignUpUrl(sut, { id_token_hint: 'aaa.bbb.ccc', nonce: 'n-1' });
      expect(url).toBe(B2C.replace('{nonce}', 'n-1') + '&id_token_hint=aaa.bbb.ccc');
      const parsed = new URL(url);
      expect(parsed.searchParams.get('redirect_uri')).toBe('https://jwt.ms');
      expect([...parsed.searchParams.keys()].at(-1)).toBe('id_token_hint');
    });

    it('puts the hint where the template places it, URL-encoding every value', () => {
      const sut = parseSignUpUrl('https://app.example.com/join?hint={id_token_hint}&lang={locale}&ref={invitation_id}');
      expect(buildSignUpUrl(sut, { id_token_hint: 'a.b.c', locale: 'ko', invitation_id: 'x&y=z' })).toBe(
        'https://app.example.com/join?hint=a.b.c&lang=ko&ref=x%26y%3Dz',
      );
    });

    it('starts a query string when the template has none, and reuses a trailing separator', () => {
      expect(buildSignUpUrl(parseSignUpUrl('https://app.example.com/join'), { id_token_hint: 'h' })).toBe(
        'https://app.example.com/join?id_token_hint=h',
      );
      expect(buildSignUpUrl(parseSignUpUrl('https://app.example.com/join?a=1&'), { id_token_hint: 'h' })).toBe(
        'https://app.example.com/join?a=1&id_token_hint=h',
      );
    });

    it('refuses to build without a value for a placeholder the template uses', () => {
      const sut = parseSignUpUrl('https://app.example.com/join?nonce={nonce}');
      expect(() => buildSignUpUrl(sut, { id_token_hint: 'h' })).toThrow(/\{nonce\}/);
    });

    it('reports the origin the browser is sent to', () => {
      expect(parseSignUpUrl(B2C).origin).toBe('https://contoso.b2clogin.com');
    });
  });

  describe('signUpUrlProblems', () => {
    it.each([
      ['http://app.example.com/join', /https/],
      ['ftp://app.example.com/join', /https/],
      ['/relative/path', /absolute/],
      ['https://app.example.com/join?x={email}', /unknown placeholder \{email\}/],
      ['https://{tenant}.b2clogin.com/join', /outside the query/],
      ['https://app.example.com/join?a={id_token_hint}&b={id_token_hint}', /more than once/],
      ['https://app.example.com/join?a={nonce', /unbalanced/],
      ['https://app.example.com/join#frag', /fragment/],
      ['https://user:pw@app.example.com/join', /credentials/],
      ['', /non-empty/],
    ])('refuses %s', (template, problem) => {
      expect(signUpUrlProblems(template).join('; ')).toMatch(problem);
    });

    it.each(['http://127.0.0.1:8080/cb', 'http://localhost/cb', 'http://[::1]:3000/x', B2C])('accepts %s', (template) => {
      expect(signUpUrlProblems(template)).toEqual([]);
    });
  });
});
