import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { describeEachDialect } from '../utils/database';
import { CLIENT_ID, decodeJwtPayload, formOf, PASSWORD, policiesFolder, startJourneyApp, type JourneyApp } from './journey-support';

const POLICY = 'B2C_1A_test_signup_signin';

/**
 * A policy written for this test on top of the shipped base: a sign-in page with a sign-up
 * button (CombinedSignInAndSignUp + a target exchange), a REST validation profile on the
 * sign-up page, a claims transformation profile and a REST call as a step of its own.
 */
function policy(rest: string): string {
  return `policyId: ${POLICY}
basePolicy: B2C_1A_TrustFrameworkExtensions
buildingBlocks:
  claimsSchema:
    - { id: loyaltyNumber, displayName: { en: Loyalty number }, dataType: string, userInputType: TextBox }
    - { id: promoCode, dataType: string }
    - { id: greeting, dataType: string }
  claimsTransformations:
    - id: MakeGreeting
      transformationMethod: FormatStringClaim
      inputClaims: [{ claimType: displayName, transformationClaimType: inputClaim }]
      inputParameters: [{ id: stringFormat, dataType: string, value: 'Hello {0}' }]
      outputClaims: [{ claimType: greeting, transformationClaimType: outputClaim }]
claimsProviders:
  - technicalProfiles:
      - id: REST-CheckLoyalty
        kind: Rest
        metadata: { ServiceUrl: '${rest}/loyalty', AuthenticationType: None, tessera.allowHttp: true }
        inputClaims: [loyaltyNumber, email]
        outputClaims: [promoCode]
      - id: REST-Audit
        kind: Rest
        metadata: { ServiceUrl: '${rest}/audit?correlation={Context:CorrelationId}', AuthenticationType: None, tessera.allowHttp: true }
        inputClaims: [objectId, email]
      - id: LocalAccountSignUpWithLogonEmail
        kind: SelfAsserted
        metadata: { language.heading: Sign up }
        outputClaims:
          - { claimType: email, required: true }
          - { claimType: newPassword, required: true }
          - { claimType: reenterPassword, required: true }
          - { claimType: displayName, required: true }
          - loyaltyNumber
          - objectId
          - promoCode
        validationTechnicalProfiles:
          - referenceId: REST-CheckLoyalty
            preconditions:
              - { type: ClaimsExist, executeActionsIf: false, values: [loyaltyNumber], action: SkipThisOrchestrationStep }
          - AAD-UserWriteUsingLogonEmail
      - id: Greeter
        kind: ClaimsTransformation
        outputClaims: [greeting]
        outputClaimsTransformations: [MakeGreeting]
      - id: SelfAsserted-LocalAccountSignin-Email
        metadata: { language.button_signup: { en: Create an account } }
userJourneys:
  - id: SignUpOrSignIn
    orchestrationSteps:
      - order: 1
        type: CombinedSignInAndSignUp
        claimsProviderSelections:
          - { validationClaimsExchangeId: LocalSignIn }
          - { targetClaimsExchangeId: SignUpWithLogonEmail }
        claimsExchanges:
          - { id: LocalSignIn, technicalProfileReferenceId: SelfAsserted-LocalAccountSignin-Email }
      - order: 2
        type: ClaimsExchange
        preconditions:
          - { type: ClaimsExist, executeActionsIf: true, values: [objectId], action: SkipThisOrchestrationStep }
        claimsExchanges:
          - { id: SignUpWithLogonEmail, technicalProfileReferenceId: LocalAccountSignUpWithLogonEmail }
      - order: 3
        type: ClaimsExchange
        claimsExchanges: [{ id: ReadUser, technicalProfileReferenceId: AAD-UserReadUsingObjectId }]
      - order: 4
        type: ClaimsExchange
        claimsExchanges: [{ id: Greet, technicalProfileReferenceId: Greeter }]
      - order: 5
        type: ClaimsExchange
        claimsExchanges: [{ id: Audit, technicalProfileReferenceId: REST-Audit }]
      - order: 6
        type: SendClaims
        cpimIssuerTechnicalProfileReferenceId: JwtIssuer
relyingParty:
  defaultUserJourney: SignUpOrSignIn
  technicalProfile:
    outputClaims: [displayName, email, greeting, promoCode, { claimType: objectId, partnerClaimType: sub }]
`;
}

describeEachDialect('journeys: a custom policy with selections, REST and transformations', (dialect) => {
  let rest: Server;
  const calls: { path: string; body: Record<string, unknown> }[] = [];
  let app: JourneyApp;
  let folder: string;

  beforeAll(async () => {
    rest = createServer((req, res) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString('utf8')));
      req.on('end', () => {
        const body = JSON.parse(data || '{}') as Record<string, unknown>;
        calls.push({ path: req.url ?? '', body });
        const json = (status: number, payload: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
        if (req.url === '/loyalty') {
          if (body.loyaltyNumber === 'gold') return json(200, { promoCode: 'GOLD10' });
          return json(409, { version: '1.0.0', status: 409, userMessage: 'That loyalty number is not one of ours.' });
        }
        if (String(body.email).startsWith('audit-fail')) return json(500, { error: 'audit store down' });
        return json(200, {});
      });
    });
    await new Promise<void>((r) => rest.listen(0, '127.0.0.1', r));
    const restUrl = `http://127.0.0.1:${(rest.address() as AddressInfo).port}`;
    const redirectUri = 'http://127.0.0.1:9/callback';
    folder = policiesFolder(redirectUri, { [`${POLICY}.yaml`]: policy(restUrl) });
    app = await startJourneyApp({ dialect, redirectUri, policiesDir: folder });
  });
  afterAll(async () => {
    await app?.close();
    await new Promise((r) => rest?.close(r));
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  async function start(): Promise<{ agent: TestAgent; verifier: string; page: request.Response }> {
    const agent = request.agent(app.url);
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      client_id: CLIENT_ID,
      redirect_uri: app.redirectUri,
      response_type: 'code',
      scope: 'openid',
      nonce: 'n',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    return { agent, verifier, page: await agent.get(`/${POLICY}/oauth2/v2.0/authorize?${query}`) };
  }

  const post = (agent: TestAgent, html: string, fields: Record<string, string>) => {
    const form = formOf(html);
    return agent.post(new URL(form.action).pathname).type('form').send({ csrf: form.csrf, step: form.step, ...fields });
  };

  async function token(res: request.Response, verifier: string): Promise<Record<string, unknown>> {
    expect(res.status).toBe(303);
    const code = new URL(res.headers.location).searchParams.get('code');
    const answer = await request(app.url)
      .post(`/${POLICY}/oauth2/v2.0/token`)
      .type('form')
      .send({ grant_type: 'authorization_code', code: code!, redirect_uri: app.redirectUri, client_id: CLIENT_ID, code_verifier: verifier })
      .expect(200);
    return decodeJwtPayload(answer.body.id_token);
  }

  it('signs up through the sign-in page’s button, with a REST check on the page and a greeting from a transformation', async () => {
    const { agent, verifier, page } = await start();
    expect(page.status).toBe(200);
    expect(page.text).toContain('<button type="submit" name="selection" value="SignUpWithLogonEmail" class="secondary">Create an account</button>');

    const signUp = await post(agent, page.text, { selection: 'SignUpWithLogonEmail' });
    expect(signUp.status).toBe(200);
    expect(signUp.text).toContain('<h1 id="title">Sign up</h1>');

    const fields = { action: 'continue', email: `Lin.${dialect}@Example.com`, newPassword: PASSWORD, reenterPassword: PASSWORD, displayName: 'Lin' };
    const refused = await post(agent, signUp.text, { ...fields, loyaltyNumber: 'tin' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('That loyalty number is not one of ours.');
    expect(calls.at(-1)).toEqual({ path: '/loyalty', body: { loyaltyNumber: 'tin', email: `Lin.${dialect}@Example.com` } });

    const done = await post(agent, refused.text, { ...fields, loyaltyNumber: 'gold' });
    const claims = await token(done, verifier);
    expect(claims).toMatchObject({ email: `Lin.${dialect}@Example.com`, name: 'Lin', greeting: 'Hello Lin', promoCode: 'GOLD10' });
    const audit = calls.find((c) => c.path.startsWith('/audit'));
    expect(audit?.path).toMatch(/^\/audit\?correlation=[0-9a-f-]{36}$/);
    expect(audit?.body).toEqual({ objectId: claims.sub, email: `Lin.${dialect}@Example.com` });
  });

  it('skips the REST check when its precondition says so (no loyalty number), and signs in on the same page', async () => {
    const first = await start();
    const signUp = await post(first.agent, first.page.text, { selection: 'SignUpWithLogonEmail' });
    const before = calls.length;
    const created = await post(first.agent, signUp.text, { action: 'continue', email: `kim.${dialect}@example.com`, newPassword: PASSWORD, reenterPassword: PASSWORD, displayName: 'Kim' });
    const signedUp = await token(created, first.verifier);
    expect(calls.slice(before).map((c) => c.path.split('?')[0])).toEqual(['/audit']);

    const second = await start();
    const signedIn = await post(second.agent, second.page.text, { action: 'continue', signInName: `kim.${dialect}@example.com`, password: PASSWORD });
    expect(await token(signedIn, second.verifier)).toMatchObject({ sub: signedUp.sub, name: 'Kim', greeting: 'Hello Kim' });
  });

  it('refuses a selection the page did not offer', async () => {
    const { agent, page } = await start();
    const res = await post(agent, page.text, { selection: 'Audit' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('name="signInName"');
  });

  it('ends the journey with AADB2C90075 when a REST step fails', async () => {
    const { agent, page } = await start();
    const signUp = await post(agent, page.text, { selection: 'SignUpWithLogonEmail' });
    const res = await post(agent, signUp.text, { action: 'continue', email: `audit-fail.${dialect}@example.com`, newPassword: PASSWORD, reenterPassword: PASSWORD, displayName: 'A' });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.location);
    expect(location.searchParams.get('error')).toBe('server_error');
    expect(location.searchParams.get('error_description')).toBe("AADB2C90075: The claims exchange 'REST-Audit' failed: the service answered HTTP 500.");
  });
});
