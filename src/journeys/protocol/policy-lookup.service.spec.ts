import { PolicyCatalog, type PolicyDescriptor, type RegisteredApplication } from '../journeys.contracts';
import { PolicyLookup } from './policy-lookup.service';

const invitation: PolicyDescriptor = { id: 'B2C_1A_signup_invitation', issuer: 'https://i/', idTokenLifetimeSeconds: 3600, codeLifetimeSeconds: 60, claimsSupported: [] };
const app: RegisteredApplication = { clientId: 'spa', displayName: 'SPA', redirectUris: ['https://a/cb'], responseTypes: ['code'], requirePkce: true };

class Catalog extends PolicyCatalog {
  policy(id: string): PolicyDescriptor | undefined {
    return id === invitation.id ? invitation : undefined;
  }
  policies(): PolicyDescriptor[] {
    return [invitation];
  }
  application(clientId: string): RegisteredApplication | undefined {
    return clientId === app.clientId ? app : undefined;
  }
}

describe('PolicyLookup', () => {
  const sut = new PolicyLookup(new Catalog());

  it('resolves a policy id in any case to the canonical policy, as B2C URLs do', () => {
    expect(sut.policy('B2C_1A_signup_invitation')).toBe(invitation);
    expect(sut.policy('b2c_1a_signup_invitation')).toBe(invitation);
    expect(sut.policy('B2C_1A_SIGNUP_INVITATION')).toBe(invitation);
  });

  it('does not resolve other ids', () => {
    expect(sut.policy('B2C_1A_signup_invitatio')).toBeUndefined();
  });

  it('looks applications up by exact client id', () => {
    expect(sut.application('spa')).toBe(app);
    expect(sut.application('SPA')).toBeUndefined();
  });

  it('knows no policy and no application when no engine provides a catalog', () => {
    const bare = new PolicyLookup();
    expect(bare.policy('B2C_1A_signup_invitation')).toBeUndefined();
    expect(bare.application('spa')).toBeUndefined();
  });
});
