import { createHash } from 'node:crypto';
import http from 'node:http';
import request from 'supertest';
import { BulkImportsRepository } from '../../src/invitations/bulk/bulk-imports.repository';
import { DatabaseService } from '../../src/persistence/database.service';
import { describeEachDialect } from '../utils/database';
import { AUTH, createInvitation, startInvitationsApp, type InvitationsTestApp } from './support';

const TABLES = ['invitations', 'invitation_tokens', 'invitation_events', 'mail_outbox', 'bulk_imports', 'bulk_import_rows'] as const;

/** Rows in every table an import can write: a refused or dry import must leave each unchanged. */
async function counts(t: InvitationsTestApp): Promise<Record<string, number>> {
  const db = t.app.get(DatabaseService).db;
  const out: Record<string, number> = {};
  for (const table of TABLES) {
    const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  return out;
}

function post(t: InvitationsTestApp, query: string, contentType: string, body: string, headers: Record<string, string> = {}): request.Test {
  return request(t.url)
    .post(`/api/invitations/bulk${query}`)
    .set(AUTH)
    .set(headers)
    .set('Content-Type', contentType)
    .send(body);
}

/** A POST whose body is sent chunked (no Content-Length), as a client streaming a file would. */
function postChunked(url: string, headers: Record<string, string>, chunks: string[]): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'Transfer-Encoding': 'chunked' } }, (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown> }));
      res.on('error', reject);
    });
    // The server may close the connection once it has answered, while the rest is still being sent.
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

interface RowResult {
  row: number;
  status: string;
  id?: string;
  field?: string;
  reason?: string;
}

describeEachDialect('bulk invitation import', (dialect) => {
  let t: InvitationsTestApp;
  beforeAll(async () => {
    t = await startInvitationsApp({ dialect });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('imports a 10,000-row CSV: every row created and stored, no mail queued with send=false', async () => {
    const run = dialect;
    const lines = ['email,name,claim.role'];
    for (let i = 0; i < 10_000; i++) lines.push(`big-${run}-${i}@example.com,Invitee ${i},member`);
    const before = await counts(t);

    const res = await post(t, '?relyingParty=contoso&send=false', 'text/csv', lines.join('\r\n'));

    expect(res.status).toBe(200);
    expect(res.body.summary).toEqual({ total: 10_000, created: 10_000, duplicate: 0, invalid: 0 });
    expect(res.body.results).toHaveLength(10_000);
    expect(res.body.results.map((r: RowResult) => r.row)).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    expect(res.body.results.every((r: RowResult) => r.status === 'created' && typeof r.id === 'string')).toBe(true);
    expect(res.headers.location).toBe(`/api/invitations/bulk/${res.body.id}`);

    const after = await counts(t);
    expect(after.invitations - before.invitations).toBe(10_000);
    expect(after.invitation_tokens - before.invitation_tokens).toBe(10_000);
    expect(after.mail_outbox).toBe(before.mail_outbox);
    const db = t.app.get(DatabaseService).db;
    const sample = await db.selectFrom('invitations').selectAll().where('email', '=', `big-${run}-9999@example.com`).executeTakeFirstOrThrow();
    expect(sample).toMatchObject({ id: res.body.results[9999].id, name: 'Invitee 9999', relying_party: 'contoso', status: 'pending', invited_by: 'env' });
    expect(JSON.parse(sample.claims)).toEqual({ role: 'member' });

    // The stored result is served again, streamed from the database.
    const again = await request(t.url).get(`/api/invitations/bulk/${res.body.id}`).set(AUTH);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
  }, 120_000);

  it('reports each bad row with its reason and imports the rest', async () => {
    const existing = await createInvitation(t, { email: 'already@example.com', relyingParty: 'contoso', send: false });
    expect(existing.status).toBe(201);
    const csv = [
      'email,name,relyingParty,locale,expiresIn,claim.role,claim.seats,claim.teams',
      'ok-1@example.com,One,contoso,ko,86400,admin,3,red;blue',
      'not-an-email,Two,contoso,,,,,',
      'ok-3@example.com,Three,nowhere,,,,,',
      'already@example.com,Four,contoso,,,,,',
      'OK-1@example.com,Five,contoso,,,,,',
      'ok-6@example.com,Six,contoso,,,,three,',
      'ok-7@example.com,Seven,contoso,,7d,,,',
      '"ok-8@example.com","Eight, with a comma",contoso,,,,,',
    ].join('\n');
    const res = await post(t, '?send=false', 'text/csv; charset=utf-8', csv);
    expect(res.status).toBe(200);
    const results: RowResult[] = res.body.results;
    expect(res.body.summary).toEqual({ total: 8, created: 2, duplicate: 2, invalid: 4 });
    expect(results[0]).toMatchObject({ row: 1, status: 'created' });
    expect(results[1]).toMatchObject({ row: 2, status: 'invalid', field: 'email', reason: expect.stringMatching(/not an email address/) });
    expect(results[2]).toMatchObject({ row: 3, status: 'invalid', field: 'relyingParty', reason: expect.stringMatching(/unknown relying party "nowhere"/) });
    expect(results[3]).toMatchObject({ row: 4, status: 'duplicate', id: existing.body.id, reason: expect.stringMatching(/already has a pending invitation/) });
    expect(results[4]).toMatchObject({ row: 5, status: 'duplicate', reason: 'same email and relying party as row 1' });
    expect(results[5]).toMatchObject({ row: 6, status: 'invalid', field: 'claim.seats', reason: expect.stringMatching(/integer/) });
    expect(results[6]).toMatchObject({ row: 7, status: 'invalid', field: 'expiresIn', reason: expect.stringMatching(/whole number of seconds/) });
    expect(results[7]).toMatchObject({ row: 8, status: 'created' });

    const first = await request(t.url).get(`/api/invitations/${results[0].id}`).set(AUTH);
    expect(first.body).toMatchObject({ email: 'ok-1@example.com', locale: 'ko', claims: { role: 'admin', seats: 3, teams: ['red', 'blue'] } });
    const eighth = await request(t.url).get(`/api/invitations/${results[7].id}`).set(AUTH);
    expect(eighth.body.name).toBe('Eight, with a comma');
  });

  it('a dry run checks every row against the database and writes and sends nothing', async () => {
    await createInvitation(t, { email: 'dry-existing@example.com', relyingParty: 'contoso', send: false });
    const before = await counts(t);
    const sent = t.smtp.received.length;
    const csv = ['email,relyingParty', 'dry-1@example.com,contoso', 'dry-existing@example.com,contoso', 'dry-1@example.com,contoso', 'nope,contoso'].join('\n');

    const res = await post(t, '?dryRun=true', 'text/csv', csv, { 'Idempotency-Key': 'dry-run-key' });

    expect(res.status).toBe(200);
    expect(res.body.dryRun).toBe(true);
    expect(res.body.id).toBeUndefined();
    expect(res.body.summary).toEqual({ total: 4, created: 1, duplicate: 2, invalid: 1 });
    expect(res.body.results.map((r: RowResult) => r.status)).toEqual(['created', 'duplicate', 'duplicate', 'invalid']);
    expect(res.body.results[0].id).toBeUndefined();
    await t.deliver();
    expect(await counts(t)).toEqual(before);
    expect(t.smtp.received.length).toBe(sent);

    // The dry run did not spend the key: the real import with it runs.
    const real = await post(t, '?send=false', 'text/csv', csv, { 'Idempotency-Key': 'dry-run-key' });
    expect(real.status).toBe(200);
    expect(real.body.summary).toEqual({ total: 4, created: 1, duplicate: 2, invalid: 1 });
  });

  it('replaying an Idempotency-Key returns the first result and invites nobody twice', async () => {
    const csv = ['email,relyingParty,name', 'idem-1@example.com,contoso,Ada', 'idem-2@example.com,contoso,Grace', 'idem-3@example.com,contoso,Edsger'].join('\n');
    const before = await counts(t);
    const sent = t.smtp.received.length;

    const first = await post(t, '', 'text/csv', csv, { 'Idempotency-Key': 'import-2026-01' });
    expect(first.status).toBe(200);
    expect(first.body.summary.created).toBe(3);
    const replay = await post(t, '', 'text/csv', csv, { 'Idempotency-Key': 'import-2026-01' });
    expect(replay.status).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);

    const after = await counts(t);
    expect(after.invitations - before.invitations).toBe(3);
    expect(after.mail_outbox - before.mail_outbox).toBe(3);
    await t.deliver();
    await t.smtp.waitForCount(sent + 3);
    expect(t.smtp.received.slice(sent).flatMap((m) => m.envelopeTo).sort()).toEqual(['idem-1@example.com', 'idem-2@example.com', 'idem-3@example.com']);

    // The same key with another body is refused, naming what differs; nothing is written.
    const settled = await counts(t);
    const other = await post(t, '?send=false', 'text/csv', `${csv}\nidem-4@example.com,contoso,Barbara`, { 'Idempotency-Key': 'import-2026-01' });
    expect(other.status).toBe(422);
    expect(other.body.error).toBe('idempotency_key_reused');
    expect(other.body.mismatches).toEqual(['?send was true, now false', 'the body differs']);
    expect(await counts(t)).toEqual(settled);
  });

  it('answers 409 while the import that owns a key runs, and takes over an import whose instance died', async () => {
    const csv = ['email,relyingParty', 'lease-1@example.com,contoso', 'lease-2@example.com,contoso'].join('\n');
    const repository = t.app.get(BulkImportsRepository);
    const now = Date.now();
    // The state a running import leaves in the database: its claim under the same key and body.
    await repository.insert({
      id: 'running-import',
      actor: 'env',
      idempotency_key: 'in-flight',
      request_format: 'csv',
      request_relying_party: null,
      request_send: 0,
      body_sha256: createHash('sha256').update(csv).digest('hex'),
      state: 'running',
      lease_token: 'other-instance',
      lease_until: now + 60_000,
      total_rows: 2,
      processed_rows: 1,
      created_count: 1,
      duplicate_count: 0,
      invalid_count: 0,
      created_at: now,
      updated_at: now,
      completed_at: null,
    });
    const busy = await post(t, '?send=false', 'text/csv', csv, { 'Idempotency-Key': 'in-flight' });
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ error: 'import_in_progress', importId: 'running-import', processed: 1, total: 2 });
    expect(Number(busy.headers['retry-after'])).toBeGreaterThan(0);
    const pending = await request(t.url).get('/api/invitations/bulk/running-import').set(AUTH);
    expect(pending.status).toBe(409);

    // Its lease runs out (the instance died): a retry with the key runs the import itself.
    await t.app.get(DatabaseService).db.updateTable('bulk_imports').set({ lease_until: now - 1 }).where('id', '=', 'running-import').execute();
    const retried = await post(t, '?send=false', 'text/csv', csv, { 'Idempotency-Key': 'in-flight' });
    expect(retried.status).toBe(200);
    expect(retried.body.id).toBe('running-import');
    expect(retried.body.summary).toEqual({ total: 2, created: 2, duplicate: 0, invalid: 0 });
  });

  it('refuses a malformed CSV with its line number, writing and sending nothing', async () => {
    const before = await counts(t);
    const csv = ['email,name,relyingParty', 'm-1@example.com,One,contoso', 'm-2@example.com,"Two,contoso', 'm-3@example.com,Three,contoso'].join('\n');
    const res = await post(t, '', 'text/csv', csv);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.line).toBe(3);
    expect(res.body.error_description).toMatch(/line 3 opens a quoted field that is never closed/);
    await t.deliver();
    expect(await counts(t)).toEqual(before);
  });

  it.each([
    ['a row with too many fields', 'email,relyingParty\nx-1@example.com,contoso\nx-2@example.com,contoso,extra\n', 3, /line 3: .*expect 2, got 3/],
    ['an unknown column', 'email,relyingParty,colour\nx@example.com,contoso,red\n', 1, /column 3 "colour" is not a known column/],
    ['no email column', 'name,relyingParty\nX,contoso\n', 1, /no "email" column/],
    ['no relying party anywhere', 'email\nx@example.com\n', 1, /no "relyingParty" column/],
  ])('refuses %s as a malformed CSV', async (_name, csv, line, message) => {
    const before = await counts(t);
    const res = await post(t, '', 'text/csv', csv);
    expect(res.status).toBe(400);
    expect(res.body.line).toBe(line);
    expect(res.body.error_description).toMatch(message);
    expect(await counts(t)).toEqual(before);
  });

  it('imports a JSON array, streamed, with per-row problems named by their JSON path', async () => {
    const rows = [
      { email: 'json-1@example.com', name: 'One', claims: { role: 'admin', teams: ['a', 'b'] } },
      { email: 'json-2@example.com', relyingParty: 'hs-app' },
      { email: 'json-3@example.com', claims: { admin: true } },
      'not an object',
      { email: 'json-5@example.com', sub: 'x' },
    ];
    const res = await post(t, '?relyingParty=contoso&send=false', 'application/json', JSON.stringify(rows, null, 2));
    expect(res.status).toBe(200);
    const results: RowResult[] = res.body.results;
    expect(results.map((r) => r.status)).toEqual(['created', 'created', 'invalid', 'invalid', 'invalid']);
    expect(results[2]).toMatchObject({ field: 'claims.admin', reason: expect.stringMatching(/not a claim relying party "contoso" allows/) });
    expect(results[3]).toMatchObject({ field: 'row', reason: expect.stringMatching(/JSON object/) });
    expect(results[4]).toMatchObject({ field: 'sub', reason: expect.stringMatching(/not a field of an import row/) });
    const second = await request(t.url).get(`/api/invitations/${results[1].id}`).set(AUTH);
    expect(second.body).toMatchObject({ relyingParty: 'hs-app', locale: 'ko' });
  });

  it('reports a row holding U+0000 as invalid, naming its column, and imports the rest', async () => {
    // PostgreSQL text cannot hold U+0000, not even quoted in a row's stored outcome.
    const csv = 'email,name,relyingParty,claim.role\n"nul\u0000@example.com",A,contoso,\nnul-2@example.com,"N\u0000",contoso,\nnul-3@example.com,C,contoso,"ad\u0000min"\nnul-4@example.com,D,contoso,\n';
    const res = await post(t, '?send=false', 'text/csv', csv);
    expect(res.status).toBe(200);
    expect(res.body.summary).toEqual({ total: 4, created: 1, duplicate: 0, invalid: 3 });
    expect(res.body.results.map((r: RowResult) => [r.status, r.field])).toEqual([
      ['invalid', 'email'],
      ['invalid', 'name'],
      ['invalid', 'claim.role'],
      ['created', undefined],
    ]);

    const json = [{ email: 'nul-5@example.com', claims: { role: 'x\u0000' } }, { email: 'nul-6@example.com', 'bad\u0000key': 1 }, { email: 'nul-7@example.com' }];
    const fromJson = await post(t, '?relyingParty=contoso&send=false', 'application/json', JSON.stringify(json));
    expect(fromJson.status).toBe(200);
    expect(fromJson.body.results.map((r: RowResult) => [r.status, r.field])).toEqual([
      ['invalid', 'claims.role'],
      ['invalid', 'bad\\u0000key'],
      ['created', undefined],
    ]);
    expect(fromJson.body.results[0].reason).toMatch(/NUL/);
  });

  it('refuses malformed JSON with its position, and JSON that is not an array', async () => {
    const before = await counts(t);
    const broken = await post(t, '?relyingParty=contoso', 'application/json', '[\n  {"email": "j@example.com"},\n  {"email" "k@example.com"}\n]');
    expect(broken.status).toBe(400);
    expect(broken.body.line).toBe(3);
    expect(broken.body.error_description).toMatch(/JSON is malformed at line 3/);
    const object = await post(t, '?relyingParty=contoso', 'application/json', '{"email": "j@example.com"}');
    expect(object.status).toBe(400);
    expect(object.body.error_description).toMatch(/must be an array/);
    const truncated = await post(t, '?relyingParty=contoso', 'application/json', '[{"email": "j@example.com"}, {"email": ');
    expect(truncated.status).toBe(400);
    expect(truncated.body.error_description).toMatch(/ends inside the array \(after 1 complete row\)/);
    expect(await counts(t)).toEqual(before);
  });

  it('refuses other media types, bad query values and a bad Idempotency-Key before reading the body', async () => {
    const plain = await post(t, '', 'text/plain', 'email\nx@example.com');
    expect(plain.status).toBe(415);
    expect(plain.body.error_description).toMatch(/text\/csv.*application\/json/);
    const latin1 = await post(t, '', 'text/csv; charset=iso-8859-1', 'email\nx@example.com');
    expect(latin1.status).toBe(415);
    const dry = await post(t, '?dryRun=yes', 'text/csv', 'email,relyingParty\nx@example.com,contoso');
    expect(dry.status).toBe(400);
    expect(dry.body.details[0].field).toBe('dryRun');
    const rp = await post(t, '?relyingParty=nowhere', 'text/csv', 'email\nx@example.com');
    expect(rp.status).toBe(400);
    expect(rp.body.details[0]).toMatchObject({ field: 'relyingParty', problem: expect.stringMatching(/unknown relying party/) });
    const key = await post(t, '', 'text/csv', 'email,relyingParty\nx@example.com,contoso', { 'Idempotency-Key': 'tab\there' });
    expect(key.status).toBe(400);
    expect(key.body.details[0].field).toBe('Idempotency-Key');
    const empty = await post(t, '', 'text/csv', 'email,relyingParty\n');
    expect(empty.status).toBe(400);
    expect(empty.body.error_description).toMatch(/no rows/);
  });

  it('needs invitations:write to import and a key at all', async () => {
    const anonymous = await request(t.url).post('/api/invitations/bulk').set('Content-Type', 'text/csv').send('email,relyingParty\nx@example.com,contoso');
    expect(anonymous.status).toBe(401);
  });
});

describe('bulk import over an expired invitation', () => {
  let t: InvitationsTestApp;
  beforeAll(async () => {
    t = await startInvitationsApp({ fixedClock: true });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('moves an expired invitation for the same person aside and invites them afresh', async () => {
    const old = await createInvitation(t, { email: 'lapsed@example.com', relyingParty: 'contoso', expiresIn: 60, send: false });
    expect(old.status).toBe(201);
    t.clock?.advance(120);
    const res = await post(t, '?send=false', 'text/csv', 'email,relyingParty\nlapsed@example.com,contoso\nfresh@example.com,contoso');
    expect(res.status).toBe(200);
    expect(res.body.summary).toEqual({ total: 2, created: 2, duplicate: 0, invalid: 0 });
    const before = await request(t.url).get(`/api/invitations/${old.body.id}`).set(AUTH);
    expect(before.body.status).toBe('expired');
    expect(before.body.events.map((e: { type: string }) => e.type)).toEqual(['created', 'expired']);
    const fresh = await request(t.url).get(`/api/invitations/${res.body.results[0].id}`).set(AUTH);
    expect(fresh.body).toMatchObject({ email: 'lapsed@example.com', status: 'pending' });
  });
});

describe('bulk import size limits', () => {
  let t: InvitationsTestApp;
  beforeAll(async () => {
    t = await startInvitationsApp({ overrides: { bulk: { maxBodyBytes: 2048, maxRows: 3 } } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('cuts off a body over bulk.maxBodyBytes while it streams in: 413, nothing written', async () => {
    const before = await counts(t);
    const lines = ['email,relyingParty'];
    for (let i = 0; i < 200; i++) lines.push(`large-${i}@example.com,contoso`);
    // Chunked, so that only the count kept while the body streams in can catch it.
    const chunked = await postChunked(`${t.url}/api/invitations/bulk`, { ...AUTH, 'Content-Type': 'text/csv' }, lines.map((l) => `${l}\n`));
    expect(chunked.status).toBe(413);
    expect(chunked.body.error_description).toMatch(/bulk.maxBodyBytes \(2048 bytes\)/);
    // With a Content-Length over the cap, the body is not read at all.
    const declared = await post(t, '', 'text/csv', lines.join('\n'));
    expect(declared.status).toBe(413);
    expect(await counts(t)).toEqual(before);
  });

  it('refuses more rows than bulk.maxRows with a 413, nothing written', async () => {
    const before = await counts(t);
    const res = await post(t, '', 'text/csv', 'email,relyingParty\na@example.com,contoso\nb@example.com,contoso\nc@example.com,contoso\nd@example.com,contoso');
    expect(res.status).toBe(413);
    expect(res.body.error_description).toMatch(/more than bulk.maxRows \(3\)/);
    expect(await counts(t)).toEqual(before);
  });
});
