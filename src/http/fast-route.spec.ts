import { Body, Controller, Get, Header, HttpCode, Param, Post, Put, Query, UseGuards, UseInterceptors, type CanActivate, type NestInterceptor } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Public, RequireScopes, type Principal } from '../auth/scopes';
import { RateLimit } from '../common/rate-limit';
import { InvitationsController } from '../invitations/invitations.controller';
import { CreateInvitationDto } from '../invitations/invitations.dto';
import { HintsController } from '../validation/hints.controller';
import { ValidateHintDto } from '../validation/validate-hint.dto';
import { describeFastRoute } from './fast-route';

class Dto {}
class AllowAll implements CanActivate {
  canActivate() {
    return true;
  }
}
class PassThrough implements NestInterceptor {
  intercept(_context: never, next: { handle(): never }) {
    return next.handle();
  }
}

@Controller('/api/things/')
class Things {
  @Post()
  @RequireScopes('invitations:write')
  create(@Body() _body: Dto, @CurrentPrincipal() _principal: Principal) {}

  @Put('bulk')
  @HttpCode(202)
  @Header('Cache-Control', 'no-store')
  @Public()
  @RateLimit('public')
  replace(@Body() _body: Dto) {}

  @Get('list') list() {}
  @Post(':id/touch') touch(@Param('id') _id: string) {}
  @Post('query') query(@Body() _body: Dto, @Query('q') _q: string) {}
  @Post('field') field(@Body('name') _name: string) {}
  @Post('bare') bare(_body: Dto) {}
  @Post('guarded') @UseGuards(AllowAll) guarded(@Body() _body: Dto) {}
}

@Controller('api/wrapped')
@UseInterceptors(PassThrough)
class Wrapped {
  @Post() create(@Body() _body: Dto) {}
}

describe('describeFastRoute', () => {
  it('reads the two production routes from their decorators', () => {
    const validate = describeFastRoute(HintsController, 'validate');
    expect(validate).toMatchObject({
      method: 'POST',
      path: '/api/hints/validate',
      status: 200,
      headers: [{ name: 'Cache-Control', value: 'no-store' }],
      access: { kind: 'scopes', scopes: ['hints:validate'] },
      rateLimit: 'validate',
      args: [{ kind: 'body', type: ValidateHintDto }],
    });
    const create = describeFastRoute(InvitationsController, 'create');
    expect(create).toMatchObject({
      method: 'POST',
      path: '/api/invitations',
      status: 201,
      access: { kind: 'scopes', scopes: ['invitations:write'] },
      rateLimit: 'admin',
      args: [{ kind: 'body', type: CreateInvitationDto }, { kind: 'principal' }],
    });
  });

  it('joins paths, defaults POST to 201 and a public route to no budget unless it names one', () => {
    expect(describeFastRoute(Things, 'create')).toMatchObject({ path: '/api/things', status: 201, rateLimit: 'admin' });
    expect(describeFastRoute(Things, 'replace')).toMatchObject({
      method: 'PUT',
      path: '/api/things/bulk',
      status: 202,
      access: { kind: 'public' },
      rateLimit: 'public',
      args: [{ kind: 'body', type: Dto }],
    });
  });

  it.each([
    ['list', /only POST, PUT and PATCH/],
    ['touch', /has parameters/],
    ['query', /argument 1 is neither @Body\(\) nor @CurrentPrincipal\(\)/],
    ['field', /argument 0 is neither/],
    ['bare', /every argument must be/],
    ['guarded', /declares guards/],
    ['missing', /no such handler/],
  ])('refuses Things.%s, which it would not serve as Nest does', (handler, message) => {
    expect(() => describeFastRoute(Things, handler)).toThrow(message);
  });

  it('refuses a controller with its own interceptors', () => {
    expect(() => describeFastRoute(Wrapped, 'create')).toThrow(/declares interceptors/);
  });
});
