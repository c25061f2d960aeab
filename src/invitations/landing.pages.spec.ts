import { renderInvitationPage, renderStatusPage } from './landing.pages';

const page = {
  locale: 'en' as const,
  relyingPartyName: `R&D "Labs" <Portal>`,
  inviterName: `O'Brien`,
  email: 'ada@example.com',
  expiresAt: new Date('2026-06-01T12:00:00Z'),
  action: 'https://id.example.com/invite/code/accept',
  csrf: 'token',
  timeZone: 'UTC',
};

describe('landing pages', () => {
  it('escapes a relying party name once in the title and heading, so it reads as written', () => {
    const sut = renderInvitationPage(page);
    expect(sut).toContain('<title>You are invited to R&amp;D &quot;Labs&quot; &lt;Portal&gt;</title>');
    expect(sut).toContain('<h1 id="title">You are invited to R&amp;D &quot;Labs&quot; &lt;Portal&gt;</h1>');
    expect(sut).not.toContain('&amp;amp;');
    expect(sut).not.toContain('<Portal>');
  });

  it('escapes what the invitation carries in the body', () => {
    const sut = renderInvitationPage({ ...page, email: '<script>x</script>@example.com' });
    expect(sut).not.toContain('<script>');
    expect(sut).toContain('O&#x27;Brien invited you to join R&amp;D');
  });

  it('keeps the fixed status titles as they are', () => {
    const sut = renderStatusPage('redeemed', { locale: 'en', relyingPartyName: 'R&D', timeZone: 'UTC' });
    expect(sut).toContain('<h1 id="title">This invitation has already been used</h1>');
    expect(sut).toContain('sign in to R&amp;D instead');
  });
});
