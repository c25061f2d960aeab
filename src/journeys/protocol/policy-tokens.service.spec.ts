import type { MintInput, MintedToken, TokensService } from '../../tokens/tokens.service';
import type { PolicyDescriptor } from '../journeys.contracts';
import { PolicyTokensService } from './policy-tokens.service';
import { leftHalfSha256 } from './token-hashes';

/** Records what would be signed; signing itself is TokensService's and tested there. */
class RecordingTokens {
  readonly minted: MintInput[] = [];
  mint(input: MintInput): Promise<MintedToken> {
    this.minted.push(input);
    return Promise.resolve({ token: `token-${this.minted.length}`, jti: 'j', kid: 'k', alg: 'RS256', iat: 1000, nbf: 1000, exp: 1000 + (input.lifetimeSeconds ?? 0) });
  }
}

const policy: PolicyDescriptor = { id: 'B2C_1A_signup_invitation', issuer: 'https://id.example.com/tenant/v2.0/', idTokenLifetimeSeconds: 1800, codeLifetimeSeconds: 60, claimsSupported: [] };
const base = { policy, clientId: 'app', subject: 'object-id', authTime: 900, correlationId: 'c-1' };

describe('PolicyTokensService', () => {
  let tokens: RecordingTokens;
  let sut: PolicyTokensService;

  beforeEach(() => {
    tokens = new RecordingTokens();
    sut = new PolicyTokensService(tokens as unknown as TokensService);
  });

  it('mints the id_token under the policy issuer, for the client, with B2C policy claims', async () => {
    await sut.idToken({ ...base, claims: { email: 'a@example.com', newUser: true }, nonce: 'n-1' });
    expect(tokens.minted[0]).toEqual({
      issuer: policy.issuer,
      audience: 'app',
      subject: 'object-id',
      lifetimeSeconds: 1800,
      claims: { email: 'a@example.com', newUser: true, ver: '1.0', tfp: policy.id, acr: policy.id, auth_time: 900, nonce: 'n-1' },
    });
  });

  it('binds a code and an access token by their hashes (OpenID Connect Core §3.3.2.11, §3.1.3.6)', async () => {
    await sut.idToken({ ...base, claims: {}, code: 'the-code', accessToken: 'the-access-token' });
    expect(tokens.minted[0].claims).toMatchObject({ c_hash: leftHalfSha256('the-code'), at_hash: leftHalfSha256('the-access-token') });
    expect(tokens.minted[0].claims).not.toHaveProperty('nonce');
  });

  it('leaves out relying-party claims that would contradict the protocol', async () => {
    await sut.idToken({ ...base, claims: { nonce: 'forged', c_hash: 'forged', tfp: 'other', iss: 'evil', given_name: 'Ann', skipped: undefined }, nonce: 'real' });
    const claims = tokens.minted[0].claims!;
    expect(claims.nonce).toBe('real');
    expect(claims.tfp).toBe(policy.id);
    expect(claims).not.toHaveProperty('c_hash');
    expect(claims).not.toHaveProperty('iss');
    expect(claims).not.toHaveProperty('skipped');
    expect(claims.given_name).toBe('Ann');
  });

  it('mints the access token for the application itself, with the granted scope', async () => {
    await sut.accessToken({ ...base, claims: { email: 'a@example.com', scope: 'forged' }, scope: ['openid', 'offline_access'] });
    expect(tokens.minted[0]).toEqual({
      issuer: policy.issuer,
      audience: 'app',
      subject: 'object-id',
      lifetimeSeconds: 1800,
      claims: { email: 'a@example.com', ver: '1.0', tfp: policy.id, azp: 'app', scope: 'openid offline_access', auth_time: 900 },
    });
  });
});
