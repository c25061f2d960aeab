import { resolve } from 'node:path';
import type { TesseraConfig } from '../../config/config.schema';
import type { HintProfileRegistry } from '../../validation/hint-profile.registry';
import { PolicyCatalogService } from './policy-catalog.service';

const SHIPPED = resolve(__dirname, '../../../policies');
const registry = { ids: () => ['tessera-invitations'] } as unknown as HintProfileRegistry;
const config = (journeys: Record<string, unknown>) =>
  ({ issuer: 'https://id.example.com', tokens: { maxLifetimeSeconds: 86400 * 30 }, journeys }) as unknown as TesseraConfig;

describe('PolicyCatalogService', () => {
  it('describes each runnable policy for the protocol side, from its JWT issuer profile', () => {
    const sut = new PolicyCatalogService(config({ policiesDir: SHIPPED }), registry);
    expect(sut.policies().map((p) => p.id).sort()).toEqual(['B2C_1A_signin_only', 'B2C_1A_signup_invitation']);
    expect(sut.policy('B2C_1A_signup_invitation')).toEqual({
      id: 'B2C_1A_signup_invitation',
      issuer: 'https://id.example.com/B2C_1A_signup_invitation/v2.0/',
      idTokenLifetimeSeconds: 3600,
      codeLifetimeSeconds: 300,
      claimsSupported: ['name', 'given_name', 'family_name', 'email', 'sub', 'tid'],
    });
    expect(sut.application('tessera-sample-app')?.redirectUris).toEqual(['http://localhost:5000/signin-oidc']);
    expect(sut.application('nobody')).toBeUndefined();
  });

  it('finds policies whatever the case of the id, as B2C URLs do, and answers with the canonical id', () => {
    const sut = new PolicyCatalogService(config({ policiesDir: SHIPPED }), registry);
    expect(sut.policy('b2c_1a_SIGNIN_ONLY')?.id).toBe('B2C_1A_signin_only');
    expect(sut.runnablePolicy('B2C_1A_SIGNUP_INVITATION')?.policyId).toBe('B2C_1A_signup_invitation');
    expect(sut.policy('B2C_1A_TrustFrameworkBase')).toBeUndefined();
  });

  it('has no policies when journeys.policiesDir is not set', () => {
    const sut = new PolicyCatalogService(config({}), registry);
    expect(sut.policies()).toEqual([]);
    expect(sut.policy('B2C_1A_signup_invitation')).toBeUndefined();
  });

  it('stops the start when a policy names a hint profile that is not configured', () => {
    const none = { ids: () => [] } as unknown as HintProfileRegistry;
    expect(() => new PolicyCatalogService(config({ policiesDir: SHIPPED }), none)).toThrow(/metadata\.hintProfile: "tessera-invitations" is not a configured hint profile/);
  });
});
