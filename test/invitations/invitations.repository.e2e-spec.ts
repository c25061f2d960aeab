import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedClock } from '../../src/common/clock';
import { loadConfig } from '../../src/config/config.loader';
import { InvitationsRepository } from '../../src/invitations/invitations.repository';
import type { NewInvitationRow } from '../../src/invitations/invitations.tables';
import { RedemptionError } from '../../src/invitations/redemption.errors';
import { RedemptionService } from '../../src/invitations/redemption.service';
import type { KeyStoreService } from '../../src/keys/key-store.service';
import { RelyingPartiesService } from '../../src/relying-parties/relying-parties.service';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../utils/database';
import { RELYING_PARTIES } from './support';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3600_000;

function invitation(overrides: Partial<NewInvitationRow> = {}): NewInvitationRow {
  return {
    id: randomUUID(),
    email: 'person@example.com',
    name: null,
    inviter_name: null,
    claims: '{}',
    relying_party: 'contoso',
    invited_by: 'test',
    locale: 'en',
    created_at: T0,
    expires_at: T0 + HOUR,
    status: 'pending',
    current_jti: randomUUID(),
    code_hash: randomUUID(),
    version: 1,
    opened_at: null,
    redeemed_at: null,
    revoked_at: null,
    updated_at: T0,
    ...overrides,
  };
}

describeEachDialect('invitations on a real database', (dialect) => {
  let database: TestDatabase;
  let sut: InvitationsRepository;
  let clock: FixedClock;
  let redemption: RedemptionService;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    sut = new InvitationsRepository(database.service);
    clock = new FixedClock(T0);
    const { config } = loadConfig({ env: { LOG_LEVEL: 'silent' }, overrides: { relyingParties: RELYING_PARTIES }, cwd: mkdtempSync(join(tmpdir(), 'tessera-inv-')) });
    // Redemption by jti never reaches the key store; it is an edge these tests are not about.
    const keys = {} as KeyStoreService;
    redemption = new RedemptionService(sut, new RelyingPartiesService(config, keys), keys, config, clock);
  });
  afterAll(async () => {
    await database.close();
  });
  beforeEach(() => clock.set(T0));

  it('of 50 concurrent redemptions of one invitation exactly one succeeds; the rest learn it was already used', async () => {
    const row = invitation({ email: 'race@example.com' });
    expect(await sut.insert(sut.db, row, { codeHash: row.code_hash ?? null })).toBe(true);

    const results = await Promise.allSettled(Array.from({ length: 50 }, () => redemption.redeem({ jti: row.current_jti }, 'b2c')));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(49);
    for (const r of lost) {
      expect(r.reason).toBeInstanceOf(RedemptionError);
      expect((r.reason as RedemptionError).code).toBe('invitation_already_redeemed');
    }
    const events = await sut.events(row.id);
    expect(events.filter((e) => e.type === 'redeemed')).toHaveLength(1);
    expect((await sut.findById(row.id))?.status).toBe('redeemed');
  });

  it('holds one live invitation per email and relying party; an expired or revoked one frees the slot', async () => {
    const first = invitation({ email: 'slot@example.com' });
    expect(await sut.insert(sut.db, first, { codeHash: first.code_hash ?? null })).toBe(true);
    expect(await sut.insert(sut.db, invitation({ email: 'slot@example.com' }), { codeHash: null })).toBe(false);
    expect(await sut.insert(sut.db, invitation({ email: 'slot@example.com', relying_party: 'direct-app' }), { codeHash: null })).toBe(true);

    expect(await sut.markExpired(sut.db, first.id, T0)).toBe(false); // not yet expired
    expect(await sut.markExpired(sut.db, first.id, T0 + HOUR)).toBe(true);
    const second = invitation({ email: 'slot@example.com' });
    expect(await sut.insert(sut.db, second, { codeHash: second.code_hash ?? null })).toBe(true);
    expect(await sut.revoke(sut.db, second.id, T0)).toMatchObject({ status: 'revoked', revoked_at: T0 });
    expect(await sut.insert(sut.db, invitation({ email: 'slot@example.com' }), { codeHash: null })).toBe(true);
  });

  it('does not let an insert that lost the slot abort the surrounding transaction', async () => {
    const holder = invitation({ email: 'tx@example.com' });
    await sut.insert(sut.db, holder, { codeHash: null });
    const other = invitation({ email: 'tx-other@example.com' });
    await sut.db.transaction().execute(async (trx) => {
      expect(await sut.insert(trx, invitation({ email: 'tx@example.com' }), { codeHash: null })).toBe(false);
      expect(await sut.insert(trx, other, { codeHash: null })).toBe(true);
    });
    expect(await sut.findById(other.id)).toBeDefined();
  });

  it('records "opened" once, and never on an expired invitation', async () => {
    const row = invitation({ email: 'open@example.com' });
    await sut.insert(sut.db, row, { codeHash: row.code_hash ?? null });
    const opened = await Promise.all([sut.markOpened(sut.db, row.id, T0), sut.markOpened(sut.db, row.id, T0), sut.markOpened(sut.db, row.id, T0)]);
    expect(opened.filter(Boolean)).toHaveLength(1);
    const late = invitation({ email: 'late@example.com' });
    await sut.insert(sut.db, late, { codeHash: late.code_hash ?? null });
    expect(await sut.markOpened(sut.db, late.id, T0 + HOUR)).toBe(false);
  });

  it('refuses redemption once expired, even though nothing wrote it down', async () => {
    const row = invitation({ email: 'expired@example.com' });
    await sut.insert(sut.db, row, { codeHash: null });
    clock.set(T0 + HOUR);
    await expect(redemption.redeem({ jti: row.current_jti }, 'b2c')).rejects.toMatchObject({ code: 'invitation_expired' });
    expect((await sut.findById(row.id))?.status).toBe('pending');
  });

  it('rotates a token version once per read version; the old jti is superseded in the same step', async () => {
    const row = invitation({ email: 'rotate@example.com' });
    await sut.insert(sut.db, row, { codeHash: row.code_hash ?? null });
    const current = (await sut.findById(row.id))!;
    const next = (jti: string) => ({ jti, codeHash: randomUUID(), expiresAt: T0 + HOUR, status: 'pending' as const, locale: 'en' });
    const [a, b] = await Promise.all([
      sut.db.transaction().execute((trx) => sut.rotate(trx, current, next('jti-a-' + dialect), T0)),
      sut.db.transaction().execute((trx) => sut.rotate(trx, current, next('jti-b-' + dialect), T0)),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const tokens = await sut.tokens(row.id);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toMatchObject({ jti: row.current_jti, superseded_at: T0 });
    await expect(redemption.redeem({ jti: row.current_jti }, 'b2c')).rejects.toMatchObject({ code: 'invitation_superseded' });
  });

  it('filters by the computed status and pages newest first', async () => {
    const live = invitation({ email: 'list@example.com', relying_party: 'hs-app', created_at: T0 + 3 });
    const lapsed = invitation({ email: 'list2@example.com', relying_party: 'hs-app', created_at: T0 + 2, expires_at: T0 + 10 });
    const written = invitation({ email: 'list3@example.com', relying_party: 'hs-app', created_at: T0 + 1, status: 'expired' });
    for (const r of [live, lapsed, written]) await sut.insert(sut.db, r, { codeHash: null });
    const now = T0 + 100;
    const ids = async (status: 'pending' | 'expired') => (await sut.list({ status, relyingParty: 'hs-app' }, now, 10)).map((r) => r.id);
    expect(await ids('pending')).toEqual([live.id]);
    expect(await ids('expired')).toEqual([lapsed.id, written.id]);
    const page1 = await sut.list({ relyingParty: 'hs-app' }, now, 2);
    const page2 = await sut.list({ relyingParty: 'hs-app' }, now, 2, { createdAt: page1[1].created_at, id: page1[1].id });
    expect([...page1, ...page2].map((r) => r.id)).toEqual([live.id, lapsed.id, written.id]);
  });

  it('creates a shared secret once, whoever asks first', async () => {
    const values = await Promise.all(Array.from({ length: 5 }, (_, i) => sut.secret(`s-${dialect}`, async () => `value-${i}`, T0)));
    expect(new Set(values).size).toBe(1);
  });

  it('replaces a secret only from the value it still holds', async () => {
    const first = await sut.secret(`r-${dialect}`, async () => 'plain', T0);
    expect(await sut.replaceSecret(`r-${dialect}`, 'not-what-it-holds', 'sealed-1')).toBe(false);
    expect(await sut.replaceSecret(`r-${dialect}`, first, 'sealed-2')).toBe(true);
    expect(await sut.secret(`r-${dialect}`, async () => 'unused', T0)).toBe('sealed-2');
  });
});
