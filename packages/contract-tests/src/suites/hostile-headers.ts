import { InvalidMessageError } from '@omnibus/core';
import { describe, expect } from 'vitest';
import { collect } from '../harness.js';
import type { DefineScenario } from '../scenario.js';
import type { TransportContractOptions } from '../transport-contract-options.js';

/**
 * Names a caller may not set, one per reserved prefix or name and in mixed case, since brokers
 * and bindings compare header names without regard to case (see `docs/concepts/security.md`).
 */
const RESERVED_SAMPLES = [
  'x-omnibus-attempt',
  'omnibus-error',
  'Omnibus-Attempts',
  'ce-id',
  'ce_type',
  'cloudEvents:type',
  'cloudEvents_source',
  'x-delivery-count',
  'x-death',
  'x-first-death-queue',
] as const;

/**
 * Control headers as an attacker or a careless caller writes them: reserved names through the
 * public API, and (with the broker's own client) forged attempt counts, forged failure headers and
 * headers of every native type. Each case checks what arrived, how often, and with which reason.
 */
export function hostileHeadersSuite(scenario: DefineScenario, _options: TransportContractOptions): void {
  describe('hostile: control headers', () => {
    scenario(
      'hostile.reserved-names-refused',
      'send, publish and emit refuse every reserved header name with InvalidMessageError naming it, before any I/O',
      async (scope) => {
        const open = await scope.open();
        const { bus } = open;
        const queue = scope.name('reserved');
        const received = collect();
        await bus.consumer(queue, received.handler).start();
        const topic = bus.topic(scope.name('reserved-topic'));
        const sendsBefore = open.calls.send;
        const publishesBefore = open.calls.publish;
        const emitsBefore = open.calls.emit;

        for (const name of RESERVED_SAMPLES) {
          const message = { type: 'Forged', data: null, headers: { [name]: '999' } };
          for (const attempt of [
            () => bus.producer(queue).send(message),
            () => topic.publish(message),
            () => bus.emit(message),
          ]) {
            const error = await attempt().then(
              () => undefined,
              (thrown: unknown) => thrown,
            );
            expect(InvalidMessageError.isInstance(error), `${name} was accepted`).toBe(true);
            expect((error as Error).message).toContain(`'${name}'`);
          }
        }
        // Refused before any I/O: the transport never saw them.
        expect(open.calls.send).toBe(sendsBefore);
        expect(open.calls.publish).toBe(publishesBefore);
        expect(open.calls.emit).toBe(emitsBefore);

        // The queue works, so the silence above means something: an ordinary header goes through.
        const fine = scope.id();
        await bus.producer(queue).send({ id: fine, type: 'Fine', data: null, headers: { 'x-forged': 'ok' } });
        await scope.waitFor(() => received.timesSeen(fine) === 1, 'the message with an ordinary header');
        await scope.settle();
        expect(received.count()).toBe(1);
        expect(received.messages[0]!.headers['x-forged']).toBe('ok');
      },
    );
  });
}
