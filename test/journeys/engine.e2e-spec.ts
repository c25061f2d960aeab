import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { DatabaseService } from '../../src/persistence/database.service';
import { TokensService } from '../../src/tokens/tokens.service';
import { TEST_ADMIN_KEY } from '../utils/app';
import { describeEachDialect } from '../utils/database';
import {
  CLIENT_ID,
  decodeJwtPayload,
  fieldValue,
  formOf,
  invite,
  PASSWORD,
  SIGNIN,
  SIGNUP,
  startJourneyApp,
  type JourneyApp,
} from './journey-support';

/**
 * The journey engine over HTTP, without a browser: the shipped example policies, the real
 * protocol endpoints, invitations from the admin API, hints validated through Tessera's own
 * discovery document, accounts in the real database.
 */
describeEachDialect('journeys: the engine over HTTP', (dialect) => {
  let app: JourneyApp;

  beforeAll(async () => {
    app = await startJourneyApp({ dialect });
  });
  afterAll(async () => {
    await app?.close();
  });

  interface Started {
    agent: TestAgent;
    verifier: string;
    state: string;
    nonce: string;
    res: request.Response;
  }

  /** GET authorize (code flow with PKCE) in a fresh cookie jar. */
  async function authorize(policy: string, params: Record<string, string> = {}): Promise<Started> {
    const agent = request.agent(app.url);
    const verifier = randomBytes(32).toString('base64url');
    const state = `st ${randomBytes(4).toString('hex')} ✓&=`;
    const nonce = randomBytes(8).toString('hex');
    const query = new URLSearchParams({
      client_id: CLIENT_ID,
      redirect_uri: app.redirectUri,
      response_type: 'code',
      scope: 'openid',
      state,
      nonce,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...params,
    });
    const res = await agent.get(`/${policy}/oauth2/v2.0/authorize?${query}`);
    return { agent, verifier, state, nonce, res };
  }

  async function submit(started: Started, html: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<request.Response> {
    const form = formOf(html);
    return started.agent
      .post(new URL(form.action).pathname)
      .set(headers)
      .type('form')
      .send({ csrf: form.csrf, step: form.step, action: 'continue', ...fields });
  }

  /** The authorization response on the redirect URI, and the token the code buys. */
  async function redeem(started: Started, res: request.Response, policy: string): Promise<Record<string, unknown>> {
    expect(res.status).toBe(303);
    const location = new URL(res.headers.location);
    expect(`${location.origin}${location.pathname}`).toBe(app.redirectUri);
    expect(location.searchParams.get('state')).toBe(started.state);
    const code = location.searchParams.get('code');
    expect(code).toBeTruthy();
    const token = await request(app.url)
      .post(`/${policy}/oauth2/v2.0/token`)
      .type('form')
      .send({ grant_type: 'authorization_code', code: code!, redirect_uri: app.redirectUri, client_id: CLIENT_ID, code_verifier: started.verifier })
      .expect(200);
    const claims = decodeJwtPayload(token.body.id_token);
    expect(claims).toMatchObject({ aud: CLIENT_ID, nonce: started.nonce, iss: `${app.url}/${policy}/v2.0/` });
    return claims;
  }

  function errorOf(res: request.Response): { error: string | null; description: string | null; state: string | null } {
    expect(res.status).toBe(303);
    const location = new URL(res.headers.location);
    expect(`${location.origin}${location.pathname}`).toBe(app.redirectUri);
    return { error: location.searchParams.get('error'), description: location.searchParams.get('error_description'), state: location.searchParams.get('state') };
  }

  async function account(email: string): Promise<{ object_id: string; password_hash: string | null; attributes: string } | undefined> {
    return app.app.get(DatabaseService).db.selectFrom('local_accounts').select(['object_id', 'password_hash', 'attributes']).where('email', '=', email).executeTakeFirst();
  }

  describe('SignUpInvitation', () => {
    const email = `ada.${dialect}@example.com`;
    let objectId: string;
    let invitationHint: string;

    it('shows the sign-up page with the invitee’s email read-only, and issues a token with sub = the new account', async () => {
      const invitation = await invite(app, email, { name: 'Ada' });
      invitationHint = invitation.hint;
      const started = await authorize(SIGNUP, { id_token_hint: invitation.hint });
      expect(started.res.status).toBe(200);
      expect(started.res.headers['set-cookie'][0]).toMatch(/^tessera_journey=[A-Za-z0-9_-]{43}; Max-Age=3600; Path=\/; Expires=.*; HttpOnly; SameSite=Lax$/);
      expect(started.res.headers['content-security-policy']).toContain("form-action 'self'");
      const page = started.res.text;
      expect(page).toContain('<h1 id="title">Create your account</h1>');
      expect(page).toContain(`<input id="field-ReadOnlyEmail" type="text" value="${email}" readonly>`);
      expect(page).toMatch(/<input id="field-newPassword" name="newPassword" type="password" autocomplete="new-password"[^>]* required/);
      // The invitation's hint never reaches the stored journey state once read.
      const rows = await app.app.get(DatabaseService).db.selectFrom('journey_sessions').select('state').execute();
      expect(rows.map((r) => r.state).join()).not.toContain(invitation.hint);

      const res = await submit(started, page, {
        newPassword: PASSWORD,
        reenterPassword: PASSWORD,
        displayName: 'Ada Lovelace',
        givenName: 'Ada',
        // A tampered form cannot change the email: it comes from the hint.
        ReadOnlyEmail: 'mallory@example.com',
        email: 'mallory@example.com',
      });
      const claims = await redeem(started, res, SIGNUP);
      const stored = await account(email);
      expect(stored).toBeDefined();
      objectId = stored!.object_id;
      expect(claims).toMatchObject({ sub: objectId, email, name: 'Ada Lovelace', given_name: 'Ada', tfp: SIGNUP });
      expect(claims).not.toHaveProperty('tid');
      expect(await account('mallory@example.com')).toBeUndefined();
      expect(stored!.password_hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
      expect(JSON.parse(stored!.attributes)).toEqual({ displayName: 'Ada Lovelace', givenName: 'Ada' });
      // No password in the journey state, ever.
      const states = await app.app.get(DatabaseService).db.selectFrom('journey_sessions').select('state').execute();
      expect(states.map((r) => r.state).join()).not.toContain(PASSWORD);
      const invitationView = await request(app.url).get(`/api/invitations/${invitation.id}`).set('Authorization', `Bearer ${TEST_ADMIN_KEY}`).expect(200);
      expect(invitationView.body.status).toBe('redeemed');
    });

    it('refuses the same invitation link again with a clear "already used" page', async () => {
      const started = await authorize(SIGNUP, { id_token_hint: invitationHint });
      expect(started.res.status).toBe(200);
      expect(started.res.text).toContain('This invitation cannot be used');
      expect(started.res.text).toContain('This invitation has already been used. If you accepted it before, sign in instead of signing up.');
      expect(started.res.text).not.toContain('name="newPassword"');
      expect(started.res.text).not.toContain('value="continue"');
    });

    it('signs the new account in with SignInOnly', async () => {
      const started = await authorize(SIGNIN);
      expect(started.res.status).toBe(200);
      expect(started.res.text).toContain('<h1 id="title">Sign in</h1>');
      expect(started.res.text).not.toContain('name="selection"');
      const wrong = await submit(started, started.res.text, { signInName: email, password: 'Wrong-password-1' });
      expect(wrong.status).toBe(400);
      expect(wrong.text).toContain('Your email address or password is incorrect.');
      expect(fieldValue(wrong.text, 'signInName')).toBe(email);
      expect(wrong.text).not.toContain('Wrong-password-1');
      const res = await submit(started, wrong.text, { signInName: email.toUpperCase(), password: PASSWORD });
      const claims = await redeem(started, res, SIGNIN);
      expect(claims).toMatchObject({ sub: objectId, email, name: 'Ada Lovelace', given_name: 'Ada', tfp: SIGNIN });
    });

    it('tells an invitee whose address has an account to sign in, and leaves the invitation unredeemed', async () => {
      // The first invitation is redeemed, so the same address may be invited again.
      const again = await invite(app, email);
      const started = await authorize(SIGNUP, { id_token_hint: again.hint });
      expect(started.res.status).toBe(200);
      const res = await submit(started, started.res.text, { newPassword: PASSWORD, reenterPassword: PASSWORD, displayName: 'Ada again' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('An account with this email address already exists. Sign in instead.');
      // Checked before redemption, which cannot be undone: the invitation can still be used
      // (say, once the old account is deleted), and the account is untouched.
      const view = await request(app.url).get(`/api/invitations/${again.id}`).set('Authorization', `Bearer ${TEST_ADMIN_KEY}`).expect(200);
      expect(view.body.status).not.toBe('redeemed');
      expect(view.body.redeemedAt ?? null).toBeNull();
      expect(JSON.parse((await account(email))!.attributes)).toEqual({ displayName: 'Ada Lovelace', givenName: 'Ada' });
    });

    it('re-renders the page with every field problem named, in the browser’s language', async () => {
      const invitation = await invite(app, `grace.${dialect}@example.com`);
      const agent = await authorize(SIGNUP, { id_token_hint: invitation.hint, ui_locales: 'ko' });
      expect(agent.res.text).toContain('<html lang="ko">');
      const res = await submit(agent, agent.res.text, { newPassword: 'short', reenterPassword: 'other', displayName: '' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('문제가 있습니다');
      expect(res.text).toContain('8~64자로, 소문자·대문자·숫자·기호 중 세 가지 이상을 사용하세요.');
      expect(res.text).toContain('이 정보는 필수입니다.');
      expect(res.text).toMatch(/<input id="field-newPassword"[^>]* aria-invalid="true" aria-describedby="field-newPassword-help field-newPassword-error" autofocus>/);
      const mismatch = await submit(agent, res.text, { newPassword: PASSWORD, reenterPassword: `${PASSWORD}x`, displayName: 'Grace' });
      expect(mismatch.status).toBe(400);
      expect(mismatch.text).toContain('비밀번호 입력 필드가 일치하지 않습니다.');
      expect(fieldValue(mismatch.text, 'displayName')).toBe('Grace');
      expect(await account(`grace.${dialect}@example.com`)).toBeUndefined();
    });

    it('refuses a form without the page’s CSRF token or from another origin, and sends a stale form to the current page', async () => {
      const invitation = await invite(app, `csrf.${dialect}@example.com`);
      const started = await authorize(SIGNUP, { id_token_hint: invitation.hint });
      const form = formOf(started.res.text);
      const fields = { newPassword: PASSWORD, reenterPassword: PASSWORD, displayName: 'C' };
      const path = new URL(form.action).pathname;
      const forged = await started.agent.post(path).type('form').send({ ...fields, csrf: 'x'.repeat(43), step: form.step });
      expect(forged.status).toBe(403);
      expect(forged.text).toContain('This request could not be verified');
      const crossSite = await started.agent.post(path).set('Origin', 'https://evil.example').type('form').send({ ...fields, csrf: form.csrf, step: form.step });
      expect(crossSite.status).toBe(403);
      // Browsers send `Origin: null` under no-referrer; only Sec-Fetch-Site: same-origin vouches for it.
      const opaque = await started.agent.post(path).set('Origin', 'null').set('Sec-Fetch-Site', 'cross-site').type('form').send({ ...fields, csrf: form.csrf, step: form.step });
      expect(opaque.status).toBe(403);
      const opaqueUnvouched = await started.agent.post(path).set('Origin', 'null').type('form').send({ ...fields, csrf: form.csrf, step: form.step });
      expect(opaqueUnvouched.status).toBe(403);
      const stale = await started.agent.post(path).type('form').send({ ...fields, csrf: form.csrf, step: 'an-older-page' });
      expect(stale.status).toBe(303);
      expect(stale.headers.location).toBe(`${app.url}/${SIGNUP}/journey`);
      const again = await started.agent.get(`/${SIGNUP}/journey`).expect(200);
      expect(formOf(again.text).step).toBe(form.step);
      expect(await account(`csrf.${dialect}@example.com`)).toBeUndefined();
      // Without the cookie there is no journey to continue.
      const noCookie = await request(app.url).post(path).type('form').send({ ...fields, csrf: form.csrf, step: form.step });
      expect(noCookie.status).toBe(400);
      expect(noCookie.text).toContain('Your session has ended');
    });

    it('returns AADB2C90091 to the application when the user cancels', async () => {
      const invitation = await invite(app, `cancel.${dialect}@example.com`);
      const started = await authorize(SIGNUP, { id_token_hint: invitation.hint });
      const form = formOf(started.res.text);
      const res = await started.agent.post(new URL(form.action).pathname).type('form').send({ csrf: form.csrf, step: form.step, action: 'cancel' });
      expect(errorOf(res)).toEqual({ error: 'access_denied', description: 'AADB2C90091: The user has cancelled entering self-asserted information.', state: started.state });
      const after = await started.agent.get(`/${SIGNUP}/journey`);
      expect(after.status).toBe(409);
      expect(after.text).toContain('This sign-in has already finished');
    });

    /** A fresh invitation's sign-up page, and the fields that complete it. */
    async function signUpPage(name: string, params: Record<string, string> = {}) {
      const target = `${name}.${dialect}@example.com`;
      const invitation = await invite(app, target);
      const started = await authorize(SIGNUP, { id_token_hint: invitation.hint, ...params });
      return { target, started, fields: { newPassword: PASSWORD, reenterPassword: PASSWORD, displayName: name } };
    }

    it('runs a page submitted twice at once (a double click) once, and answers both with its redirect', async () => {
      const { target, started, fields } = await signUpPage('race');
      const [a, b] = await Promise.all([submit(started, started.res.text, fields), submit(started, started.res.text, fields)]);
      // The browser shows the second answer: it must lead to the application as the first does,
      // not to an "already used" page, and the code must be the one code issued.
      expect(a.status).toBe(303);
      expect(b.status).toBe(303);
      expect(b.headers.location).toBe(a.headers.location);
      const db = app.app.get(DatabaseService).db;
      const accounts = await db.selectFrom('local_accounts').select('object_id').where('email', '=', target).execute();
      expect(accounts).toHaveLength(1);
      expect(await db.selectFrom('authorization_codes').select('code_hash').where('subject', '=', accounts[0].object_id).execute()).toHaveLength(1);
      const claims = await redeem(started, b, SIGNUP);
      expect(claims.sub).toBe(accounts[0].object_id);
    });

    it('answers a double submit with form_post twice with the same page, and a Cancel after it is not signed in', async () => {
      const { started, fields } = await signUpPage('post', { response_mode: 'form_post' });
      const [a, b] = await Promise.all([submit(started, started.res.text, fields), submit(started, started.res.text, fields)]);
      expect(a.status).toBe(200);
      expect(a.text).toContain('name="code"');
      expect(b.status).toBe(200);
      expect(b.text).toBe(a.text);
      expect(b.headers['content-security-policy']).toBe(a.headers['content-security-policy']);
      // Another button is another submission: the journey has ended, and says so.
      const cancel = await submit(started, started.res.text, { action: 'cancel' });
      expect(cancel.status).toBe(409);
      expect(cancel.text).not.toContain('name="code"');
    });

    it('repeats an answer only on the policy the page belongs to', async () => {
      const { started, fields } = await signUpPage('path');
      const first = await submit(started, started.res.text, fields);
      expect(first.status).toBe(303);
      const form = formOf(started.res.text);
      const elsewhere = await started.agent.post(`/${SIGNIN}/journey`).type('form').send({ csrf: form.csrf, step: form.step, action: 'continue', ...fields });
      expect(elsewhere.status).not.toBe(303);
      expect(elsewhere.headers.location).toBeUndefined();
    });

    it('answers a page submitted again after the first answer with the same redirect, and only to the same form', async () => {
      const { started, fields } = await signUpPage('again');
      const first = await submit(started, started.res.text, fields);
      expect(first.status).toBe(303);
      const again = await submit(started, started.res.text, fields);
      expect(again.status).toBe(303);
      expect(again.headers.location).toBe(first.headers.location);
      // Without the page's CSRF token there is nothing to repeat: the journey has finished.
      const forged = await started.agent.post(`/${SIGNUP}/journey`).type('form').send({ csrf: 'x'.repeat(43), step: formOf(started.res.text).step, action: 'continue', ...fields });
      expect(forged.status).toBe(409);
      expect(forged.text).not.toContain('code=');
    });
  });

  describe('hints that cannot be used', () => {
    it('shows the unsolicited page when there is no hint, and a crafted Continue does not get past it', async () => {
      const started = await authorize(SIGNUP);
      expect(started.res.status).toBe(200);
      expect(started.res.text).toContain('<h1 id="title">An invitation is required</h1>');
      expect(started.res.text).toContain('You cannot sign up without an invitation. Open the link in your invitation email.');
      expect(started.res.text).not.toContain('value="continue"');
      const crafted = await submit(started, started.res.text, {});
      expect(crafted.status).toBe(400);
      expect(crafted.text).toContain('<h1 id="title">An invitation is required</h1>');
    });

    it('stops with AADB2C90208 on the redirect URI for an expired hint', async () => {
      const now = Math.floor(Date.now() / 1000);
      const expired = await app.app.get(TokensService).mint({ audience: CLIENT_ID, claims: { email: 'late@example.com' }, notBefore: now - 3600, lifetimeSeconds: 600 });
      const started = await authorize(SIGNUP, { id_token_hint: expired.token });
      const error = errorOf(started.res);
      expect(error.error).toBe('access_denied');
      expect(error.description).toMatch(/^AADB2C90208: /);
      expect(error.state).toBe(started.state);
    });

    it('stops with AADB2C90233 for a tampered hint', async () => {
      const invitation = await invite(app, `tamper.${dialect}@example.com`);
      const [header, payload, signature] = invitation.hint.split('.');
      const forged = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      forged.email = 'mallory@example.com';
      const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
      const started = await authorize(SIGNUP, { id_token_hint: tampered });
      expect(errorOf(started.res).description).toMatch(/^AADB2C90233: /);
    });

    it('stops with AADB2C90209 for a hint minted for another audience', async () => {
      const other = await app.app.get(TokensService).mint({ audience: 'someone-else', claims: { email: 'a@example.com' } });
      const started = await authorize(SIGNUP, { id_token_hint: other.token });
      expect(errorOf(started.res).description).toMatch(/^AADB2C90209: /);
    });

    it('stops with AADB2C90210 for a hint that is not a JWT at all', async () => {
      const started = await authorize(SIGNUP, { id_token_hint: 'not-a-jwt' });
      expect(errorOf(started.res).description).toMatch(/^AADB2C90210: /);
    });
  });

  it('answers login_required (AADB2C90077) to prompt=none instead of showing a page', async () => {
    const started = await authorize(SIGNIN, { prompt: 'none' });
    expect(errorOf(started.res)).toEqual({
      error: 'login_required',
      description: "AADB2C90077: User does not have an existing session and request prompt parameter has a value of 'None'.",
      state: started.state,
    });
  });

  it('serves the operator-replaceable stylesheet, cacheable', async () => {
    const res = await request(app.url).get('/journeys/assets/style.css').expect(200);
    expect(res.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(res.text).toContain('focus-visible');
    await request(app.url).get('/journeys/assets/style.css').set('If-None-Match', res.headers.etag).expect(304);
  });
});

describeEachDialect('journeys: state shared by instances', (dialect) => {
  let first: JourneyApp;
  let second: JourneyApp;

  beforeAll(async () => {
    first = await startJourneyApp({ dialect });
    // A second instance of the same deployment: same database and policies, its own process state.
    second = await startJourneyApp({ dialect, database: first.database, policiesDir: first.policiesDir, hintIssuerUrl: first.url });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('continues on another instance a journey one instance started (as after a restart)', async () => {
    const invitation = await invite(first, `multi.${dialect}@example.com`);
    const agent = request.agent(first.url);
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      client_id: CLIENT_ID,
      redirect_uri: first.redirectUri,
      response_type: 'code',
      scope: 'openid',
      nonce: 'n',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      id_token_hint: invitation.hint,
    });
    const page = await agent.get(`/${SIGNUP}/oauth2/v2.0/authorize?${query}`).expect(200);
    const cookie = (page.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    const form = formOf(page.text);
    const res = await request(second.url)
      .post(`/${SIGNUP}/journey`)
      .set('Cookie', cookie)
      .type('form')
      .send({ csrf: form.csrf, step: form.step, action: 'continue', newPassword: PASSWORD, reenterPassword: PASSWORD, displayName: 'Multi' });
    expect(res.status).toBe(303);
    const code = new URL(res.headers.location).searchParams.get('code');
    const token = await request(second.url)
      .post(`/${SIGNUP}/oauth2/v2.0/token`)
      .type('form')
      .send({ grant_type: 'authorization_code', code: code!, redirect_uri: second.redirectUri, client_id: CLIENT_ID, code_verifier: verifier })
      .expect(200);
    expect(decodeJwtPayload(token.body.id_token)).toMatchObject({ email: `multi.${dialect}@example.com`, name: 'Multi' });
  });
});
