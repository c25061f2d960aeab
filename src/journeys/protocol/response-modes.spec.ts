import { defaultResponseMode, formFields, redirectLocation as sut } from './response-modes';

describe('redirectLocation', () => {
  const state = 'a b&c=d#e/%20é';

  it('adds the response to the query, form-encoded, and decodes back to the exact values', () => {
    const location = sut('https://app.example.com/callback', 'query', { code: 'abc', state });
    expect(location.startsWith('https://app.example.com/callback?code=abc&state=')).toBe(true);
    expect(new URL(location).searchParams.get('state')).toBe(state);
  });

  it('keeps the query of the registered URI (RFC 6749 §3.1.2)', () => {
    const location = sut('https://app.example.com/cb?tenant=a', 'query', { code: 'abc' });
    expect(location).toBe('https://app.example.com/cb?tenant=a&code=abc');
  });

  it('keeps the registered string as written, not a re-serialised URL', () => {
    expect(sut('https://app.example.com', 'query', { code: 'x' })).toBe('https://app.example.com?code=x');
    expect(sut('com.example.app:/oauth2redirect', 'query', { code: 'x' })).toBe('com.example.app:/oauth2redirect?code=x');
  });

  it('puts the response in the fragment for the fragment mode', () => {
    const location = sut('https://app.example.com/cb?tenant=a', 'fragment', { id_token: 'h.p.s', state });
    const url = new URL(location);
    expect(url.search).toBe('?tenant=a');
    const fragment = new URLSearchParams(url.hash.slice(1));
    expect(fragment.get('id_token')).toBe('h.p.s');
    expect(fragment.get('state')).toBe(state);
  });

  it('leaves out parameters that are undefined', () => {
    expect(sut('https://a.example/cb', 'query', { code: 'x', state: undefined })).toBe('https://a.example/cb?code=x');
  });
});

describe('defaultResponseMode', () => {
  it('is query for code and fragment whenever an id_token is returned', () => {
    expect(defaultResponseMode('code')).toBe('query');
    expect(defaultResponseMode('id_token')).toBe('fragment');
    expect(defaultResponseMode('code id_token')).toBe('fragment');
  });
});

describe('formFields', () => {
  it('lists the defined parameters in order', () => {
    expect(formFields({ code: 'c', id_token: undefined, state: 's' })).toEqual([
      { name: 'code', value: 'c' },
      { name: 'state', value: 's' },
    ]);
  });
});
