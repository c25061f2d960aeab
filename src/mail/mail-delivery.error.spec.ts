import { classifySendError, MailDeliveryError } from './mail-delivery.error';

function smtpError(fields: Record<string, unknown>): Error {
  return Object.assign(new Error(String(fields.message ?? 'smtp error')), fields);
}

describe('classifySendError', () => {
  const sut = classifySendError;

  it.each([
    ['550 unknown user', { code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 no such user' }],
    ['554 rejected message', { code: 'EMESSAGE', responseCode: 554, response: '554 5.7.1 spam' }],
    ['553 bad address', { code: 'EENVELOPE', responseCode: 553, response: '553 mailbox name not allowed' }],
    ['an envelope refused before any server reply', { code: 'EENVELOPE', message: 'No recipients defined' }],
  ])('treats %s as permanent', (_label, fields) => {
    expect(sut(smtpError(fields)).kind).toBe('permanent');
  });

  it.each([
    ['a refused connection', { code: 'ECONNECTION', message: 'connect ECONNREFUSED 127.0.0.1:2525' }],
    ['a timeout', { code: 'ETIMEDOUT', message: 'Greeting never received' }],
    ['421 service not available', { code: 'EPROTOCOL', responseCode: 421, response: '421 try again later' }],
    ['451 local error', { code: 'EMESSAGE', responseCode: 451, response: '451 4.3.0 temporary failure' }],
    ['503 bad sequence (a confused session, not a refusal)', { code: 'EPROTOCOL', responseCode: 503, response: '503 bad sequence' }],
    ['an authentication failure (the operator fixes the credentials)', { code: 'EAUTH', responseCode: 535, response: '535 auth failed', message: 'Invalid login' }],
    ['a full disk', { code: 'ENOSPC', message: 'no space left on device' }],
    ['something unknown', { message: 'surprise' }],
  ])('treats %s as transient', (_label, fields) => {
    expect(sut(smtpError(fields)).kind).toBe('transient');
  });

  it('records the code and the server reply as the reason, on one line', () => {
    const error = sut(smtpError({ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 <x@example.com>:\r\n no such user' }));
    expect(error.reason).toBe('EENVELOPE 550 5.1.1 <x@example.com>: no such user');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('passes an already classified error through', () => {
    const classified = new MailDeliveryError('permanent', 'nope');
    expect(sut(classified)).toBe(classified);
  });
});
