import { createHash } from 'node:crypto';
import { leftHalfSha256 } from './token-hashes';

describe('leftHalfSha256', () => {
  it('matches the c_hash of the OpenID Connect Core Appendix A.4 example', () => {
    expect(leftHalfSha256('Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk')).toBe('LDktKdoQak3Pk0cnXxCltA');
  });

  it('matches the at_hash of the OpenID Connect Core Appendix A.3 example', () => {
    expect(leftHalfSha256('jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y')).toBe('77QmUPtjPfzWtF2AnpK9RQ');
  });

  it('is the first 16 bytes of SHA-256, base64url without padding', () => {
    const sut = leftHalfSha256('some-code');
    expect(sut).toBe(createHash('sha256').update('some-code').digest().subarray(0, 16).toString('base64url'));
    expect(sut).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
