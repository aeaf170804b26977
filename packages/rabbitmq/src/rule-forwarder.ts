import { decodeEventView, type RuleDefinition } from '@omnibus/core/transport';
import { toEncodedMessage } from './amqp-message.js';
import type { BindingArguments } from './compile-rule-bindings.js';
import type { Outgoing } from './confirm-publisher.js';
import { createQueueConsumer, type QueueConsumer } from './queue-consumer.js';
import type { RabbitMqConnection, Session } from './rabbitmq-connection.js';
import { names, type Topology } from './rabbitmq-topology.js';
import type { ResolvedRabbitMqOptions } from './rabbitmq-transport-options.js';

// Events a forwarder holds at once: forwarding is a confirmed publish, so a window keeps it pipelined.
const FORWARD_WINDOW = 100;
// A failed forward goes back on the rule queue after this pause, not in a hot loop.
const REQUEUE_AFTER_MS = 500;

/**
 * Moves a rule's events to its target. The rule's queue receives what its header bindings let
 * through (a superset of the matching events); the forwarder runs the exact pattern check on each
 * event's view and publishes only matching ones to the target, confirmed, before acking. Each rule
 * forwards its own copy, so an event matching two rules reaches a shared target twice.
 */
export function createRuleForwarder(
  connection: RabbitMqConnection,
  topology: Topology,
  options: ResolvedRabbitMqOptions,
  rule: RuleDefinition,
  bindings: readonly BindingArguments[],
): QueueConsumer {
  const queue = names.rule(rule.name);
  const target = rule.target;

  const declare = async (session: Session) => {
    await topology.eventsExchange(session);
    await topology.ruleQueue(session, rule.name);
    if ('queue' in target) await topology.queue(session, target.queue);
    else await topology.topic(session, target.topic);
    if (options.provision === 'auto') {
      await topology.withChannel(session, `binding rule '${rule.name}'`, async (channel) => {
        for (const binding of bindings) await channel.bindQueue(queue, options.eventsExchange, '', binding);
      });
    }
  };

  return createQueueConsumer(connection, options, {
    queue,
    prefetch: FORWARD_WINDOW,
    declare,
    async handle(received) {
      const message = toEncodedMessage(received.message);
      let matched: boolean;
      try {
        matched = rule.matches(decodeEventView(message));
      } catch (error) {
        options.logger?.warn(`Rule '${rule.name}' skipped an event it could not decode.`, {
          error: (error as Error).message,
        });
        matched = false;
      }
      if (!matched) {
        await received.ack().catch(() => {});
        return;
      }
      const outgoing: Outgoing =
        'queue' in target
          ? { exchange: '', routingKey: target.queue, message, mandatory: true }
          : { exchange: target.topic, routingKey: '', message, mandatory: false };
      try {
        await received.session.publisher.publish([outgoing]);
        await received.ack();
      } catch (error) {
        options.logger?.warn(`Rule '${rule.name}' could not forward an event; it will be retried.`, {
          error: (error as Error).message,
        });
        await new Promise((resolve) => setTimeout(resolve, REQUEUE_AFTER_MS));
        received.requeue();
      }
    },
  });
}
