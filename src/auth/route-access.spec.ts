import { Public, RequireScopes } from './scopes';
import { routeAccess } from './route-access';

@RequireScopes('keys:read')
class Protected {
  inherits(): void {}
  @Public() open(): void {}
  @RequireScopes('keys:admin') stricter(): void {}
  @RequireScopes() empty(): void {}
}

@Public()
class Open {
  inherits(): void {}
  @RequireScopes('invitations:write') guarded(): void {}
  @Public() @RequireScopes('keys:admin') both(): void {}
}

class Unmarked {
  nothing(): void {}
  @Public() open(): void {}
}

describe('routeAccess', () => {
  it.each([
    ['a method of a protected controller', Protected, 'inherits', { kind: 'scopes', scopes: ['keys:read'] }],
    ['a public method of a protected controller', Protected, 'open', { kind: 'public' }],
    ["a method's own scopes over its controller's", Protected, 'stricter', { kind: 'scopes', scopes: ['keys:admin'] }],
    ['an empty scope list (fail closed)', Protected, 'empty', { kind: 'unmarked' }],
    ['a method of a public controller', Open, 'inherits', { kind: 'public' }],
    ['a protected method of a public controller', Open, 'guarded', { kind: 'scopes', scopes: ['invitations:write'] }],
    ['a method marked both ways (protected wins)', Open, 'both', { kind: 'scopes', scopes: ['keys:admin'] }],
    ['a method nobody marked', Unmarked, 'nothing', { kind: 'unmarked' }],
    ['a public method of an unmarked controller', Unmarked, 'open', { kind: 'public' }],
  ])('reads %s', (_what, controller, method, expected) => {
    const handler = (controller.prototype as unknown as Record<string, () => void>)[method as string];
    expect(routeAccess(handler, controller)).toEqual(expected);
  });
});
