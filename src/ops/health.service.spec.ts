import type { DatabaseService } from '../persistence/database.service';
import { HealthService } from './health.service';

/** The database edge, reduced to the one call health makes. */
function database(ping: () => Promise<void>): DatabaseService {
  return { ping } as DatabaseService;
}

describe('HealthService', () => {
  it('reports ok when the database answers', async () => {
    const sut = new HealthService(database(async () => undefined));
    expect(await sut.check()).toEqual({ status: 'ok', checks: { database: 'ok' } });
  });

  it('reports the database as failing, without the driver message, when the ping fails', async () => {
    const sut = new HealthService(database(async () => Promise.reject(new Error('password authentication failed for user "tessera"'))));
    const report = await sut.check();
    expect(report).toEqual({ status: 'error', checks: { database: 'error' }, problems: ['database: unreachable or failing'] });
    expect(JSON.stringify(report)).not.toContain('password');
  });

  it('reports the database as failing when it does not answer in time', async () => {
    const sut = new HealthService(database(() => new Promise<void>(() => undefined)));
    expect(await sut.check(20)).toEqual({ status: 'error', checks: { database: 'error' }, problems: ['database: no answer within 20 ms'] });
  });
});
