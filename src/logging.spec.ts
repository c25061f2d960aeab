import { redactPath, stripQuery } from './logging';

describe('request URL logging', () => {
  it.each([
    ['/invite/abc123', '/invite/[redacted]'],
    ['/invite/abc123/accept', '/invite/[redacted]/accept'],
    // Express routes without regard to case, so these reach the landing page too.
    ['/Invite/abc123', '/Invite/[redacted]'],
    ['/INVITE/abc123/accept', '/INVITE/[redacted]/accept'],
    ['/api/invitations/123', '/api/invitations/123'],
    ['/.well-known/keys', '/.well-known/keys'],
  ])('redacts bearer path segments: %s', (input, expected) => {
    expect(redactPath(input)).toBe(expected);
  });

  it('drops the query string, where hints, codes and state travel', () => {
    expect(stripQuery('/B2C_1A_x/oauth2/v2.0/authorize?id_token_hint=eyJ.x.y&state=s')).toBe('/B2C_1A_x/oauth2/v2.0/authorize');
    expect(stripQuery(undefined)).toBe('');
  });
});
