import { mailDomain, parseMailbox, redactAddresses } from './mail-address';

describe('parseMailbox', () => {
  const sut = parseMailbox;

  it.each([
    ['ada@example.com', { name: '', address: 'ada@example.com' }],
    ['Ada Lovelace <ada@example.com>', { name: 'Ada Lovelace', address: 'ada@example.com' }],
    ['"Lovelace, Ada" <ada@example.com>', { name: 'Lovelace, Ada', address: 'ada@example.com' }],
    ['Tessera <no-reply@localhost>', { name: 'Tessera', address: 'no-reply@localhost' }],
    ['Tessera <no-reply@127.0.0.1>', { name: 'Tessera', address: 'no-reply@127.0.0.1' }],
  ])('accepts %j', (value, expected) => {
    expect(sut(value)).toEqual(expected);
  });

  it.each([
    ['two recipients', 'a@example.com, b@example.com'],
    ['a group', 'friends: a@example.com, b@example.com;'],
    ['no domain', 'ada'],
    ['a header injection', 'ada@example.com\r\nBcc: all@example.com'],
    ['an empty string', '  '],
    ['not a string', 42],
  ])('refuses %s', (_label, value) => {
    expect(sut(value)).toBeUndefined();
  });
});

describe('mailDomain', () => {
  it('keeps the domain, lower-cased, and nothing of the local part', () => {
    expect(mailDomain('Ada.Lovelace@Example.COM')).toBe('example.com');
    expect(mailDomain('no-at-sign')).toBe('');
  });
});

describe('redactAddresses', () => {
  it('keeps the domains of quoted addresses and drops their local parts', () => {
    expect(redactAddresses('EENVELOPE 550 5.1.1 <ada.lovelace@example.com>: Recipient address rejected')).toBe(
      'EENVELOPE 550 5.1.1 <…@example.com>: Recipient address rejected',
    );
    expect(redactAddresses('no address here: 421 try later')).toBe('no address here: 421 try later');
  });
});
