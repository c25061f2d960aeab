import { bearerToken, constantTimeEqual, displayPrefix, formatApiKey, apiKeyDigest, digestsEqual, hashApiKey, parseApiKey } from './api-key-format';

describe('api-key-format', () => {
  const id = '0123456789abcdef';
  // base64url of 32 bytes, with the `_` and `-` base64url may produce
  const secret = 'Ab_-cdefghijklmnopqrstuvwxyz0123456789ABCDE';

  it('round-trips a key through format and parse, even when the secret holds underscores', () => {
    const sut = parseApiKey(formatApiKey(id, secret));
    expect(sut).toEqual({ id, secret });
  });

  it.each([
    ['no prefix', `${id}_${secret}`],
    ['another prefix', `sk_${id}_${secret}`],
    ['no secret', `tsk_${id}`],
    ['an id with capitals', `tsk_0123456789ABCDEF_${secret}`],
    ['a short id', `tsk_abc_${secret}`],
    ['a short secret', `tsk_${id}_short`],
    ['characters outside base64url', `tsk_${id}_${secret.slice(0, -1)}=`],
  ])('refuses %s', (_what, value) => {
    expect(parseApiKey(value)).toBeNull();
  });

  it('hashes the whole key with SHA-256, so two keys of one id never share a hash', () => {
    const a = hashApiKey(formatApiKey(id, secret));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(formatApiKey('fedcba9876543210', secret))).not.toBe(a);
  });

  it('compares hashes and strings in constant time without throwing on length differences', () => {
    const h = hashApiKey('x');
    expect(digestsEqual(h, apiKeyDigest('x'))).toBe(true);
    expect(digestsEqual(Buffer.from(h, 'hex'), apiKeyDigest('x'))).toBe(true);
    expect(apiKeyDigest('x').toString('hex')).toBe(h);
    expect(digestsEqual(h, apiKeyDigest('y'))).toBe(false);
    expect(digestsEqual(h, Buffer.from('abcd', 'hex'))).toBe(false);
    expect(digestsEqual('', Buffer.alloc(0))).toBe(false);
    expect(constantTimeEqual('same', 'same')).toBe(true);
    expect(constantTimeEqual('same', 'same but longer')).toBe(false);
  });

  it('displays the id and four characters of the secret, never more', () => {
    expect(displayPrefix(id, secret)).toBe(`tsk_${id}_Ab_-`);
  });

  it.each([
    ['Bearer abc.def', 'abc.def'],
    ['bearer tsk_x_y', 'tsk_x_y'],
    ['Bearer   padded==', 'padded=='],
  ])('reads the token of %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([[undefined], [''], ['Basic dXNlcjpwYXNz'], ['Bearer'], ['Bearer a b'], [['Bearer a', 'Bearer b']]])(
    'finds no bearer token in %j',
    (header) => {
      expect(bearerToken(header as string | string[] | undefined)).toBeNull();
    },
  );
});
