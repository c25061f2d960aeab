import type { ArgumentMetadata } from '@nestjs/common';
import { Exclude, Transform, Type } from 'class-transformer';
import {
  Allow,
  IsDefined,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  Validate,
  ValidateNested,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import fc from 'fast-check';
import { CreateInvitationDto } from '../invitations/invitations.dto';
import { ValidateHintDto } from '../validation/validate-hint.dto';
import { createValidationPipe } from './validation';
import { bodyShortcutFor } from './validation-shortcut';

class OptionalRulesDto {
  @IsOptional() @IsString() @MaxLength(5)
  nick?: string;

  @IsDefined()
  anything!: unknown;

  @IsIn(['a', 'b'])
  letter!: string;
}

class InheritedDto extends ValidateHintDto {
  @IsString()
  extra!: string;
}

/** class-transformer skips a getter without a setter; assigning to it would throw. */
class AccessorDto {
  @IsString()
  name!: string;

  @Allow()
  get shout(): string {
    return this.name?.toUpperCase();
  }
}

/** Class-level @Exclude(): plainToInstance copies no key without @Expose(). */
@Exclude()
class ExcludeAllDto {
  @IsString()
  name!: string;
}

let promiseCalls = 0;
@ValidatorConstraint({ name: 'eventuallyRejects' })
class EventuallyRejects implements ValidatorConstraintInterface {
  // A promise from a constraint not declared async.
  validate(): Promise<boolean> {
    promiseCalls++;
    return Promise.reject(new Error('the directory is down'));
  }
}

class PromiseDto {
  @Validate(EventuallyRejects)
  name!: string;
}

@ValidatorConstraint({ name: 'asyncMethod' })
class AsyncMethod implements ValidatorConstraintInterface {
  async validate(): Promise<boolean> {
    return true;
  }
}

class AsyncMethodDto {
  @Validate(AsyncMethod)
  name!: string;
}

class NestedDto {
  @ValidateNested() @Type(() => ValidateHintDto)
  inner!: ValidateHintDto;
}

class EachDto {
  @IsString({ each: true })
  names!: string[];
}

class GroupsDto {
  @IsString({ groups: ['admin'] })
  name!: string;
}

class TransformDto {
  @Allow() @Transform(({ value }) => String(value).trim())
  name!: string;
}

@ValidatorConstraint({ async: true })
class EventuallyTrue implements ValidatorConstraintInterface {
  validate(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

class AsyncDto {
  @Validate(EventuallyTrue)
  name!: string;
}

/** Each DTO with the keys its bodies are mostly made of. */
const DTOS = [
  [ValidateHintDto, ['profile', 'id_token_hint']],
  [CreateInvitationDto, ['email', 'name', 'inviterName', 'claims', 'relyingParty', 'expiresIn', 'locale', 'send', 'supersede']],
  [OptionalRulesDto, ['nick', 'anything', 'letter']],
  [InheritedDto, ['profile', 'id_token_hint', 'extra']],
  [AccessorDto, ['name', 'shout']],
] as const;
const body = (metatype: new () => object): ArgumentMetadata => ({ type: 'body', metatype, data: undefined });

/** What the pipe answers without the shortcut: a value, or the error it throws. */
async function reference(value: unknown, metatype: new () => object): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await createValidationPipe({ shortcuts: false }).transform(value, body(metatype)) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** A JSON text built from entries, so that keys such as `__proto__` end up as JSON.parse leaves them: own properties. */
function parsedObject(entries: [string, unknown][]): unknown {
  return JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
}

const arbitraryValue = fc.oneof(
  { arbitrary: fc.constantFrom('a', 'b', 'abc'), weight: 6 },
  fc.string(),
  fc.constantFrom('', 'a', 'b', 'abcdef', 'x\u0000y', '__proto__'),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.constantFrom('__proto__', 'prototype', 'constructor', 'role', 'k\u0000'), fc.jsonValue({ maxDepth: 2 })),
  fc.array(fc.dictionary(fc.constantFrom('prototype', 'role'), fc.integer()), { maxLength: 2 }),
);

/** Mostly the DTO's own keys with plausible values, sometimes anything else, in JSON.parse's form. */
function arbitraryBody(keys: readonly string[]) {
  const key = fc.oneof(
    { arbitrary: fc.constantFrom(...keys), weight: 12 },
    fc.constantFrom('__proto__', 'constructor', 'extra', 'prototype', 'n\u0000'),
    fc.string({ maxLength: 5 }),
  );
  return fc.array(fc.tuple(key, arbitraryValue), { maxLength: keys.length * 2 }).map(parsedObject);
}

describe('bodyShortcutFor', () => {
  it.each(DTOS.map(([dto, keys]) => [dto.name, dto, keys] as const))('%s: whatever it accepts, the pipe accepts, with an equal instance', async (_name, dto, keys) => {
    const sut = bodyShortcutFor(dto);
    expect(sut).toBeDefined();
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(arbitraryBody(keys), async (value) => {
        // A copy made in this realm (structuredClone's objects come from another one under Jest).
        const expected = await reference(JSON.parse(JSON.stringify(value)), dto);
        const got = sut!(value);
        if (got === undefined) return;
        accepted++;
        expect(expected.ok).toBe(true);
        expect(got).toStrictEqual((expected as { value: unknown }).value);
        expect(Object.getPrototypeOf(got)).toBe(dto.prototype);
      }),
      { numRuns: 1500, seed: 20261125 },
    );
    // The property above holds trivially for a shortcut that accepts nothing.
    expect(accepted).toBeGreaterThan(0);
  });

  it.each([
    ['ValidateHintDto', ValidateHintDto, { profile: 'contoso', id_token_hint: 'a.b.c' }],
    ['CreateInvitationDto', CreateInvitationDto, { email: 'ada@example.com', name: 'Ada', relyingParty: 'rp', claims: { role: 'member', level: 3, tags: ['a'] }, send: false }],
    ['OptionalRulesDto without the optional field', OptionalRulesDto, { anything: 0, letter: 'a' }],
    ['InheritedDto', InheritedDto, { profile: 'p', id_token_hint: 't', extra: 'e' }],
  ] as const)('accepts a valid %s body, as the pipe does', async (_name, dto, value) => {
    const copy = () => JSON.parse(JSON.stringify(value)) as unknown;
    const expected = await reference(copy(), dto);
    const got = bodyShortcutFor(dto)!(copy());
    expect(expected.ok).toBe(true);
    expect(got).toStrictEqual((expected as { value: unknown }).value);
  });

  it.each([
    ['a missing required string', ValidateHintDto, { profile: 'p' }],
    ['a number for a string', ValidateHintDto, { profile: 'p', id_token_hint: 1 }],
    ['an unknown property', ValidateHintDto, { profile: 'p', id_token_hint: 't', extra: 1 }],
    ['a NUL character', ValidateHintDto, { profile: 'p\u0000', id_token_hint: 't' }],
    ['a NUL character in a nested key', CreateInvitationDto, { email: 'e', claims: { 'r\u0000': 1 } }],
    ['a nested __proto__ key', CreateInvitationDto, JSON.parse('{"claims":{"__proto__":{"admin":true}}}')],
    ['a top-level __proto__ key', CreateInvitationDto, JSON.parse('{"email":"e","__proto__":{"admin":true}}')],
    ['a top-level constructor key', CreateInvitationDto, parsedObject([['constructor', 'x']])],
    ['a nested prototype key (the pipe deletes it)', CreateInvitationDto, JSON.parse('{"email":"a@b.c","claims":{"prototype":"x","role":"m"}}')],
    ['a prototype key in an array item', CreateInvitationDto, JSON.parse('{"claims":[{"prototype":1}]}')],
    ['an array body', ValidateHintDto, [{ profile: 'p', id_token_hint: 't' }]],
    ['a string body', ValidateHintDto, 'profile'],
    ['no body', ValidateHintDto, undefined],
    ['an instance rather than parsed JSON', ValidateHintDto, Object.assign(new ValidateHintDto(), { profile: 'p', id_token_hint: 't' })],
    ['a Buffer', CreateInvitationDto, { email: Buffer.from('e') }],
    ['a value too long', OptionalRulesDto, { nick: 'abcdef', anything: 1, letter: 'a' }],
    ['a value outside the list', OptionalRulesDto, { anything: 1, letter: 'c' }],
    ['an undefined required value', OptionalRulesDto, { letter: 'a' }],
  ] as const)('leaves %s to the pipe', (_name, dto, value) => {
    expect(bodyShortcutFor(dto)!(value)).toBeUndefined();
  });

  it.each([
    ['nested validation', NestedDto],
    ['each', EachDto],
    ['groups', GroupsDto],
    ['class-transformer decorators', TransformDto],
    ['an asynchronous constraint', AsyncDto],
    ['an async validate method on a constraint not declared async', AsyncMethodDto],
    ['a class-level @Exclude()', ExcludeAllDto],
    ['no rules at all', class Empty {}],
    ['a native type', String as unknown as new () => object],
  ])('gives no shortcut for a DTO with %s', (_name, dto) => {
    expect(bodyShortcutFor(dto)).toBeUndefined();
  });

  it('leaves a constraint that answers with a promise to the pipe, without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      promiseCalls = 0;
      expect(bodyShortcutFor(PromiseDto)!({ name: 'x' })).toBeUndefined();
      expect(promiseCalls).toBe(1);
      await expect(createValidationPipe().transform({ name: 'x' }, body(PromiseDto))).rejects.toThrow('the directory is down');
      // Unhandled rejections are reported after the microtask queue drains.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('is what the global pipe uses for bodies, and refusals still come from the pipe', async () => {
    const sut = createValidationPipe();
    const valid = { profile: 'p', id_token_hint: 't' };
    await expect(sut.transform(valid, body(ValidateHintDto))).resolves.toStrictEqual(Object.assign(new ValidateHintDto(), valid));
    await expect(sut.transform({ profile: 1, extra: true }, body(ValidateHintDto))).rejects.toMatchObject({
      details: [
        { field: 'extra', problem: 'property extra should not exist' },
        { field: 'profile', problem: 'must be a string' },
        { field: 'id_token_hint', problem: 'must be a string' },
      ],
    });
  });
});
