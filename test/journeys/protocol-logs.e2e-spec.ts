import * as oidc from 'openid-client';
import { POLICY_ID, SPA_REDIRECT, startProtocolApp, WEB_REDIRECT, WEB_SECRET, type ProtocolApp } from './protocol-harness';

/**
 * What the protocol writes to the JSON log: the correlation id of each journey, and never a
 * code, token, verifier, hint or client secret — read back from the real pino destination.
 */
describe('journeys protocol: logs', () => {
  const logs: string[] = [];
  let t: ProtocolApp;

  beforeAll(async () => {
    t = await startProtocolApp({ logs });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('names the correlation id of a completed and a failed journey, and no secret', async () => {
    const config = await oidc.discovery(new URL(t.issuer), 'web-client', undefined, oidc.ClientSecretBasic(WEB_SECRET), { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const hint = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJoaW50In0.c2lnbmF0dXJlLW9mLXRoZS1oaW50';
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: WEB_REDIRECT,
      scope: 'openid',
      state: 'state-value-in-url',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      id_token_hint: hint,
    });
    const res = await fetch(url, { redirect: 'manual' });
    const callback = new URL(res.headers.get('location')!);
    const code = callback.searchParams.get('code')!;
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'state-value-in-url' });
    // A replay is logged as a warning, still without the code.
    await fetch(`${t.url}/${POLICY_ID}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`web-client:${encodeURIComponent(WEB_SECRET)}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: WEB_REDIRECT, code_verifier: verifier }),
    });
    const failed = await fetch(
      `${t.url}/${POLICY_ID}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: 'spa-client', redirect_uri: SPA_REDIRECT, response_type: 'code', scope: 'openid', login_hint: 'expired-hint', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}`,
      { redirect: 'manual' },
    );
    expect(failed.status).toBe(303);
    const secrets = [code, tokens.id_token!, tokens.access_token, verifier, hint, WEB_SECRET, encodeURIComponent(WEB_SECRET), 'state-value-in-url'];

    const text = logs.join('\n');
    for (const secret of secrets) expect(text).not.toContain(secret);
    const [completed, failedJourney] = t.starter.correlationIds.slice(-2);
    const entries = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.some((e) => e.correlationId === completed && /authorization code redeemed/.test(String(e.msg)))).toBe(true);
    expect(entries.some((e) => e.correlationId === completed && /presented again after it was used/.test(String(e.msg)))).toBe(true);
    expect(entries.some((e) => e.correlationId === failedJourney && /AADB2C90208/.test(String(e.msg)))).toBe(true);
  });
});
