import { trustProxyProblem } from './trust-proxy.config';

describe('trustProxyProblem', () => {
  it.each([[false], [true], [0], [1], ['loopback'], ['loopback, 10.0.0.0/8, fd00::/8'], ['203.0.113.7']])('accepts %j', (value) => {
    expect(trustProxyProblem(value)).toBeUndefined();
  });

  it.each([
    [-1, /hop count/],
    [1.5, /hop count/],
    ['', /true, false, a hop count/],
    ['10.0.0.0/33', /not an address.*10\.0\.0\.0\/33/],
    ['loopback, proxy.example.com', /not an address.*proxy\.example\.com/],
    [{}, /true, false, a hop count/],
  ])('refuses %j', (value, message) => {
    expect(trustProxyProblem(value)).toMatch(message);
  });
});
