import { ConfigurationError, ConnectionError, OmnibusError } from '@omnibus/core';
import { redactSecrets } from '@omnibus/core/transport';

const TRANSPORT = 'rabbitmq';

/** What was being done when the error happened, to name it in the message. */
export interface ErrorContext {
  /** e.g. `declaring queue 'orders'`, `sending to queue 'orders'`. */
  readonly action: string;
  /** The broker URL with the password redacted. */
  readonly displayUrl?: string;
}

/**
 * Turns an amqplib or socket error into an `OmnibusError`, keeping it as `cause`:
 * - `PRECONDITION_FAILED` (a queue or exchange redeclared with other arguments) and `NOT_FOUND`
 *   (missing infrastructure with `provision: 'never'`), `ACCESS_REFUSED` (credentials or
 *   permissions) become `ConfigurationError`s naming the entity and the differing argument;
 * - everything else (refused sockets, closed channels and connections, nacks) is a retryable
 *   `ConnectionError`.
 */
export function mapRabbitMqError(error: unknown, context: ErrorContext): OmnibusError {
  if (OmnibusError.isInstance(error)) return error;
  const detail = redactSecrets(error instanceof Error ? error.message : String(error));
  const code = (error as { code?: unknown } | null)?.code;

  if (code === 406 || detail.includes('PRECONDITION_FAILED')) {
    return new ConfigurationError(`While ${context.action}: ${describePrecondition(detail)}`, {
      cause: error,
      transport: TRANSPORT,
    });
  }
  if (code === 404 || detail.includes('NOT_FOUND')) {
    const entity = /NOT_FOUND - no (queue|exchange) '([^']*)'/.exec(detail);
    const what = entity ? `the ${entity[1]} '${entity[2]}' does not exist` : `the broker reported: ${detail}`;
    return new ConfigurationError(
      `While ${context.action}: ${what}. Create it, or let Omnibus create it with provision: 'auto'.`,
      { cause: error, transport: TRANSPORT },
    );
  }
  if (code === 403 || detail.includes('ACCESS_REFUSED') || detail.includes('ACCESS-REFUSED')) {
    return new ConfigurationError(
      `While ${context.action}: access refused by the broker${where(context)} (wrong credentials, or the user lacks permission on the vhost or entity). Broker said: ${detail}`,
      { cause: error, transport: TRANSPORT },
    );
  }
  if (code === 530 || detail.includes('NOT_ALLOWED')) {
    return new ConfigurationError(
      `While ${context.action}: the broker refused it${where(context)}: ${detail}`,
      {
        cause: error,
        transport: TRANSPORT,
      },
    );
  }
  return new ConnectionError(`While ${context.action}: ${detail}${where(context)}`, {
    cause: error,
    transport: TRANSPORT,
  });
}

function where(context: ErrorContext): string {
  return context.displayUrl ? ` (broker ${context.displayUrl})` : '';
}

// "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'orders' in vhost '/':
//  received none but current is the value 'quorum' of type 'longstr'"
function describePrecondition(detail: string): string {
  const inequivalent =
    /inequivalent arg '([^']+)' for (queue|exchange) '([^']*)' in vhost '([^']*)': received (.+?) but current is (.+?)(?:"|$)/.exec(
      detail,
    );
  if (inequivalent) {
    const [, argument, kind, name, , received, current] = inequivalent;
    return (
      `the ${kind} '${name}' already exists with a different '${argument}' (it has ${current}; this transport asked for ${received}). ` +
      `Delete and recreate the ${kind}, or configure the transport to match it (e.g. queueType, ordering).`
    );
  }
  return `the broker refused the declaration: ${detail}`;
}
