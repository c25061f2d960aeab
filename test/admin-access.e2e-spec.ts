import request from 'supertest';
import { ApiKeysService, CLI_PRINCIPAL } from '../src/auth/api-keys.service';
import { SCOPES } from '../src/auth/scopes';
import { RouteCatalog, type CatalogRoute } from '../src/ops/route-catalog.service';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from './utils/app';

/**
 * The admin access contract, checked on every route the running application serves: whatever
 * routes exist when this runs (other features keep adding them), each one that is not
 * `@Public()` answers 401 without a key and 403 to a key holding every scope but the ones it
 * needs. A route nobody marked must refuse even a key holding every named scope.
 */

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

const ALL_METHODS_THRESHOLD = 20;

/** A concrete URL for a template: parameters get a dummy value (guards run before pipes). */
function concrete(path: string): string {
  return path
    .replace(/\{[^}]*\}/g, '')
    .replace(/:(\w+)/g, 'test-$1')
    .replace(/\*(\w+)/g, 'test-$1') || '/';
}

function send(t: TestApp, route: CatalogRoute, key?: string): request.Test {
  const method = (route.method === 'ALL' ? 'get' : route.method.toLowerCase()) as 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options';
  let req = request(t.url)[method](concrete(route.path)).timeout(15_000);
  if (key) req = req.set('Authorization', `Bearer ${key}`);
  if (['post', 'put', 'patch'].includes(method)) req = req.send({});
  return req;
}

function describeRoute(route: CatalogRoute): string {
  return `${route.method} ${route.path} (${route.controller.name}.${route.handlerName})`;
}

describe('admin access on every route', () => {
  let t: TestApp;
  let routes: CatalogRoute[];
  const keys = new Map<string, string>();

  /** A key holding exactly these scopes, created once per distinct set. */
  async function keyWith(scopes: string[]): Promise<string> {
    const id = [...scopes].sort().join(' ');
    let key = keys.get(id);
    if (!key) {
      key = (await t.app.get(ApiKeysService).create({ name: `access test ${keys.size + 1}`, scopes }, CLI_PRINCIPAL)).key;
      keys.set(id, key);
    }
    return key;
  }

  beforeAll(async () => {
    t = await startTestApp();
    routes = t.app.get(RouteCatalog).routes();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('knows every route Express serves, so none escapes the checks below', () => {
    const stack = (t.app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } }).router.stack;
    const known = new Set(routes.map((r) => `${r.method} ${r.path}`));
    const unknown = stack
      .filter((layer) => layer.route)
      .map((layer) => layer.route!)
      // OpenAPI UI and document: public by design, served outside Nest's controllers.
      .filter((route) => !/^\/docs([/-]|$)/.test(route.path))
      // Nest mounts middleware (request logging) as catch-all routes answering every method.
      .filter((route) => Object.keys(route.methods).length < ALL_METHODS_THRESHOLD)
      .flatMap((route) => Object.keys(route.methods).map((m) => `${m.toUpperCase()} ${route.path}`))
      .filter((entry) => !known.has(entry) && !known.has(`ALL ${entry.split(' ')[1]}`));
    expect(unknown).toEqual([]);
  });

  it('finds admin routes, among them the API key routes (the checks cannot pass vacuously)', () => {
    const admin = routes.filter((r) => r.access.kind !== 'public');
    expect(admin.length).toBeGreaterThanOrEqual(3);
    expect(admin.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['POST /api/api-keys', 'GET /api/api-keys', 'POST /api/api-keys/:id/revoke']),
    );
  });

  it('answers 401 without a key and with an unknown key on every admin route', async () => {
    const failures: string[] = [];
    for (const route of routes.filter((r) => r.access.kind !== 'public')) {
      for (const key of [undefined, 'tsk_0000000000000000_unknownunknownunknownunknownunknownunknown0']) {
        const res = await send(t, route, key);
        if (res.status !== 401 || res.body?.error !== 'unauthorized' || !/^Bearer /.test(String(res.headers['www-authenticate']))) {
          failures.push(`${describeRoute(route)} ${key ? 'with an unknown key' : 'without a key'}: ${res.status} ${JSON.stringify(res.body)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers 403 naming the missing scope to a key holding every scope but the required ones', async () => {
    const failures: string[] = [];
    for (const route of routes) {
      if (route.access.kind === 'public') continue;
      const required = route.access.kind === 'scopes' ? route.access.scopes : [];
      // For a route that declares nothing, "every scope but the required" is every named scope.
      const held = SCOPES.filter((s) => !required.includes(s));
      const res = await send(t, route, await keyWith(held));
      const description = String(res.body?.error_description ?? '');
      const named = route.access.kind === 'scopes' ? required.every((s) => description.includes(s)) : description.includes('*');
      if (res.status !== 403 || res.body?.error !== 'insufficient_scope' || !named) {
        failures.push(`${describeRoute(route)} with [${held.join(' ')}]: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('lets a key with exactly the required scopes past the guard (a * key for routes that declare none)', async () => {
    const failures: string[] = [];
    for (const route of routes) {
      if (route.access.kind === 'public') continue;
      const key = route.access.kind === 'scopes' ? await keyWith(route.access.scopes) : TEST_ADMIN_KEY;
      const res = await send(t, route, key);
      // Past the guard, the handler may well refuse the dummy input; it must not be the guard.
      if (res.status === 401 || (res.status === 403 && res.body?.error === 'insufficient_scope')) {
        failures.push(`${describeRoute(route)}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
