import { isValidCodeVerifier, isValidS256Challenge, s256Challenge, verifyS256 } from './pkce';

describe('pkce', () => {
  // RFC 7636 Appendix B: the worked S256 example.
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

  it('computes the RFC 7636 Appendix B challenge', () => {
    expect(s256Challenge(verifier)).toBe(challenge);
  });

  it('accepts the matching verifier', () => {
    expect(verifyS256(verifier, challenge)).toBe(true);
  });

  it('refuses a verifier that differs in one character', () => {
    expect(verifyS256(`${verifier.slice(0, -1)}l`, challenge)).toBe(false);
  });

  it('refuses the challenge itself sent as the verifier (a plain-method downgrade)', () => {
    expect(verifyS256(challenge, challenge)).toBe(false);
  });

  it.each([
    ['too short (42 characters)', 'a'.repeat(42)],
    ['too long (129 characters)', 'a'.repeat(129)],
    ['a character outside the unreserved set', `${'a'.repeat(42)}+`],
    ['a space', `${'a'.repeat(42)} `],
  ])('refuses a verifier that is %s', (_name, bad) => {
    expect(isValidCodeVerifier(bad)).toBe(false);
    expect(verifyS256(bad, s256Challenge(bad))).toBe(false);
  });

  it('accepts verifiers at both length bounds, with every unreserved character class', () => {
    const min = `Az09-._~${'x'.repeat(35)}`;
    const max = 'y'.repeat(128);
    expect(isValidCodeVerifier(min)).toBe(true);
    expect(isValidCodeVerifier(max)).toBe(true);
    expect(verifyS256(min, s256Challenge(min))).toBe(true);
    expect(verifyS256(max, s256Challenge(max))).toBe(true);
  });

  it.each([
    ['padded', `${challenge.slice(0, 42)}=`],
    ['42 characters', challenge.slice(0, 42)],
    ['44 characters', `${challenge}A`],
    ['standard base64', `${challenge.slice(0, 42)}+`],
  ])('refuses an S256 challenge that is %s', (_name, bad) => {
    expect(isValidS256Challenge(bad)).toBe(false);
  });
});
