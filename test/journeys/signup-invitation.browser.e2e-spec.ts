import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import request from 'supertest';
import { DatabaseService } from '../../src/persistence/database.service';
import { SmtpTestServer } from '../mail/smtp-test-server';
import { TEST_ADMIN_KEY } from '../utils/app';
import { CLIENT_ID, PASSWORD, RELYING_PARTY, SIGNIN, SIGNUP, startJourneyApp, type JourneyApp } from './journey-support';
import { TestApplication } from './test-application';

/**
 * The invitation sign-up as an invitee lives it, in a real headless Chromium: the admin API
 * creates an invitation, the email arrives at an SMTP server, the link opens the landing page,
 * Continue goes through the application to Tessera's SignUpInvitation page, and the application
 * (openid-client, code flow with PKCE) receives the id_token. Then the same link is refused,
 * and SignInOnly signs the new account in.
 */

// Debian's chromium (`apt-get install chromium`); .ci/run installs it. Without it, a developer's
// `npm test` reports this suite as skipped with the reason, like the PostgreSQL tier; under CI
// a missing browser is a failure, never a silent skip.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI) throw new Error(`CI=true but no Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium`);
const describeInBrowser = hasChromium ? describe : describe.skip;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

jest.setTimeout(60_000);

describeInBrowser(`SignUpInvitation in a browser${hasChromium ? '' : ` (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`}`, () => {
  let smtp: SmtpTestServer;
  let application: TestApplication;
  let tessera: JourneyApp;
  let browser: Browser;
  const invitee = 'ada.lovelace@example.com';
  let invitationLink: string;
  let objectId: string;

  beforeAll(async () => {
    smtp = await SmtpTestServer.start();
    application = await TestApplication.start(CLIENT_ID, { signUp: SIGNUP, signIn: SIGNIN });
    tessera = await startJourneyApp({
      redirectUri: application.redirectUri,
      signUpUrl: `${application.url}/signup`,
      linkMode: 'landing',
      env: { SMTP_URL: smtp.url },
      overrides: { mail: { pollIntervalMs: 100 } },
    });
    application.useTessera(tessera.url);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await tessera?.close();
    await application?.close();
    await smtp?.close();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ locale: 'en-US' });
    context.setDefaultTimeout(15_000);
    return context.newPage();
  }

  it('invites by email; the invitee signs up with the email read-only; the application receives the id_token', async () => {
    const created = await request(tessera.url)
      .post('/api/invitations')
      .set('Authorization', `Bearer ${TEST_ADMIN_KEY}`)
      .send({ email: invitee, name: 'Ada', inviterName: 'Grace', relyingParty: RELYING_PARTY })
      .expect(201);
    expect(created.body.mail).toBe('queued');

    await smtp.waitForCount(1, 15_000);
    const [mail] = smtp.received;
    expect(mail.envelopeTo).toEqual([invitee]);
    invitationLink = new RegExp(`${tessera.url}/invite/[A-Za-z0-9_-]+`).exec(mail.parsed.text ?? '')?.[0] ?? '';
    expect(invitationLink).not.toBe('');

    const page = await newPage();
    await page.goto(invitationLink);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('You are invited to Journey Test');
    await page.getByRole('button', { name: 'Continue' }).click();

    // Landing → the application's sign-up URL → Tessera's authorize endpoint, which shows the page.
    await page.waitForURL((url) => url.pathname === `/${SIGNUP}/oauth2/v2.0/authorize`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Create your account');
    const email = page.getByLabel('Verified email address');
    expect(await email.inputValue()).toBe(invitee);
    expect(await email.isEditable()).toBe(false);

    // The server names what is wrong, and the page keeps what was typed.
    await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm new password').fill(`${PASSWORD}-typo`);
    await page.getByLabel('Display name').fill('Ada Lovelace');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('The password entry fields do not match.');
    expect(await page.getByLabel('Display name').inputValue()).toBe('Ada Lovelace');

    await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm new password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL((url) => url.origin === application.url && url.pathname === '/callback');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Signed in');

    expect(application.failures).toEqual([]);
    expect(application.signIns).toHaveLength(1);
    const account = await tessera.app.get(DatabaseService).db.selectFrom('local_accounts').select('object_id').where('email', '=', invitee).executeTakeFirstOrThrow();
    objectId = account.object_id;
    expect(application.signIns[0].claims).toMatchObject({
      iss: `${tessera.url}/${SIGNUP}/v2.0/`,
      aud: CLIENT_ID,
      sub: objectId,
      email: invitee,
      name: 'Ada Lovelace',
      tfp: SIGNUP,
    });
    await page.context().close();
  });

  it('refuses the same invitation link again with a clear "already used" message', async () => {
    const page = await newPage();
    const response = await page.goto(invitationLink);
    expect(response?.status()).toBe(410);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This invitation has already been used');
    expect(await page.getByRole('button', { name: 'Continue' }).count()).toBe(0);
    await page.context().close();
  });

  it('signs the new account in with SignInOnly', async () => {
    const page = await newPage();
    await page.goto(`${application.url}/signin`);
    await page.waitForURL((url) => url.pathname === `/${SIGNIN}/oauth2/v2.0/authorize`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
    await page.getByLabel('Email address').fill(invitee);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.origin === application.url && url.pathname === '/callback');
    expect(application.signIns).toHaveLength(2);
    expect(application.signIns[1].claims).toMatchObject({ iss: `${tessera.url}/${SIGNIN}/v2.0/`, sub: objectId, email: invitee, name: 'Ada Lovelace', tfp: SIGNIN });
    await page.context().close();
  });
});
