import { Logger } from '@nestjs/common';
import type { Db } from '../persistence/database';
import { MailDeliveryListeners, type MailDeliveryResult } from './mail-delivery-listeners';

const executor = {} as Db;
const result: MailDeliveryResult = { outboxId: 'row-1', status: 'sent', attempt: 1, messageId: '<row-1@t.test>', at: new Date(0) };

describe('MailDeliveryListeners', () => {
  let sut: MailDeliveryListeners;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    sut = new MailDeliveryListeners();
  });

  it('calls the listeners of the reference type only, in registration order, with the executor', async () => {
    const calls: string[] = [];
    sut.register('invitation', (ref, r, ex) => {
      calls.push(`first ${ref.id} ${r.status} ${ex === executor}`);
    });
    sut.register('invitation', async () => {
      calls.push('second');
    });
    sut.register('newsletter', () => {
      calls.push('other type');
    });

    await sut.notify({ type: 'invitation', id: 'inv-1' }, result, executor);

    expect(calls).toEqual(['first inv-1 sent true', 'second']);
    expect(sut.has('invitation')).toBe(true);
    expect(sut.has('unknown')).toBe(false);
  });

  it('stops calling a listener once it unregisters', async () => {
    let count = 0;
    const stop = sut.register('invitation', () => {
      count++;
    });
    await sut.notify({ type: 'invitation', id: 'inv-1' }, result, executor);
    stop();
    await sut.notify({ type: 'invitation', id: 'inv-1' }, result, executor);

    expect(count).toBe(1);
    expect(sut.has('invitation')).toBe(false);
  });

  it('rethrows the first failure so the caller can roll back what the listeners wrote', async () => {
    const after = jest.fn();
    sut.register('invitation', () => {
      throw new Error('no such invitation');
    });
    sut.register('invitation', after);

    await expect(sut.notify({ type: 'invitation', id: 'inv-1' }, result, executor)).rejects.toThrow('no such invitation');
    expect(after).not.toHaveBeenCalled();
  });
});
