import {
  ConfigurationError,
  ConnectionError,
  InvalidMessageError,
  MessageTooLargeError,
  OmnibusError,
} from '@omnibus/core';
import { redactSecrets, isNetworkErrorCode } from '@omnibus/core/transport';

const TRANSPORT = 'azure-service-bus';

/** The SDK's error code (`ServiceBusError.code`), or a Node network code, if any. */
export function serviceBusErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns an error of `@azure/service-bus` (or `@azure/identity`, or the network underneath) into an
 * Omnibus error saying what was being done, keeping the original as `cause`. `doing` describes the
 * operation, e.g. `sending to queue 'orders'`. The one place SDK errors are interpreted; messages
 * pass through `redactSecrets`, so a key in a connection string never reaches an error or a log.
 */
export function mapAzureServiceBusError(error: unknown, doing: string): OmnibusError {
  if (OmnibusError.isInstance(error)) return error;
  const code = serviceBusErrorCode(error);
  const detail = redactSecrets(error instanceof Error ? error.message : String(error)).slice(0, 500);
  const options = { cause: error, transport: TRANSPORT };
  switch (code) {
    // The administration client (HTTPS/ATOM) reports its own codes, named in the comments.
    case 'MessagingEntityNotFound':
    case 'MessageEntityNotFoundError': // ATOM 404
      return new ConfigurationError(
        `Service Bus: ${doing}: the entity does not exist (${detail}). Create it, or use provision: 'auto'.`,
        options,
      );
    case 'MessagingEntityDisabled':
      return new ConfigurationError(`Service Bus: ${doing}: the entity is disabled (${detail}).`, options);
    case 'UnauthorizedAccess':
    case 'UnauthorizedRequestError': // ATOM 401
      return new ConfigurationError(
        `Service Bus refused ${doing}: ${detail}. Check the credential and its roles (Azure Service Bus Data Sender / Data Receiver; Data Owner to create entities).`,
        options,
      );
    case 'MessageSizeExceeded':
      return new MessageTooLargeError(0, 262_144, { ...options });
    case 'QuotaExceeded':
    case 'QuotaExceededError': // ATOM 403
      return new ConnectionError(`Service Bus quota exceeded while ${doing}: ${detail}`, {
        ...options,
        retryable: true,
      });
    case 'ServiceBusy':
    case 'ServiceTimeout':
    case 'ServiceCommunicationProblem':
    case 'GeneralError':
    case 'MessageLockLost':
    case 'SessionLockLost':
    case 'SessionCannotBeLocked':
    case 'ServerBusyError': // ATOM 503
      return new ConnectionError(`Service Bus failed while ${doing}: ${detail}`, {
        ...options,
        retryable: true,
      });
    case 'MessagingEntityAlreadyExists':
    case 'MessageEntityAlreadyExistsError': // ATOM 409
      return new ConfigurationError(`Service Bus: ${doing}: ${detail}`, options);
    case 'ServiceError': {
      // ATOM: a 409 here is "another conflicting operation is in progress" (SubCode 40901), and
      // 5xx are the service's own failures; both pass when tried again.
      const status = (error as { statusCode?: unknown }).statusCode;
      const retryable = status === 409 || (typeof status === 'number' && status >= 500);
      return new ConnectionError(`Service Bus failed while ${doing}: ${detail}`, { ...options, retryable });
    }
    default:
      if (isNetworkErrorCode(code)) {
        return new ConnectionError(`Service Bus was not reachable while ${doing}: ${detail}`, {
          ...options,
          retryable: true,
        });
      }
      if ((error as { name?: unknown } | null)?.name === 'CredentialUnavailableError') {
        return new ConfigurationError(
          `No Azure credential found while ${doing}: ${detail}. Sign in (az login), set a managed identity, or use a connection string.`,
          options,
        );
      }
      if (error instanceof TypeError || error instanceof RangeError) {
        return new InvalidMessageError(`Service Bus rejected ${doing}: ${detail}`, options);
      }
      return new ConnectionError(`Service Bus failed while ${doing}: ${detail}`, {
        ...options,
        retryable: false,
      });
  }
}
