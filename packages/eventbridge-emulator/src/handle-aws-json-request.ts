import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventBridgeError } from './eventbridge-error.js';
import type { Operation, OperationContext } from './operation.js';
import { readRequestParams } from './request-params.js';

/** A request body larger than this is refused before parsing (PutEvents itself is capped at 256 KiB). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const TARGET_PREFIX = 'AWSEvents.';

/**
 * Serves AWS JSON 1.1 as `@aws-sdk/client-eventbridge` speaks it: `POST /` with
 * `X-Amz-Target: AWSEvents.<Operation>`, a JSON body, a JSON answer, and errors as
 * `{ "__type": "<Code>", "message": "..." }` with the HTTP status AWS uses. Signatures are not
 * checked. `GET /health` answers `{"status":"ok"}` for scripts waiting on the CLI.
 */
export function createAwsJsonHandler(operations: Record<string, Operation>, context: OperationContext) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const reply = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      response.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': requestId,
      });
      response.end(text);
    };

    if (request.method === 'GET' && request.url === '/health') {
      reply(200, { status: 'ok' });
      return;
    }
    try {
      const target = request.headers['x-amz-target'];
      const name =
        typeof target === 'string' && target.startsWith(TARGET_PREFIX)
          ? target.slice(TARGET_PREFIX.length)
          : '';
      const operation = Object.hasOwn(operations, name) ? operations[name] : undefined;
      if (request.method !== 'POST' || !operation) {
        throw new EventBridgeError(
          'UnknownOperationException',
          `Operation ${String(target)} is not supported by this emulator.`,
        );
      }
      const text = await readBody(request);
      let body: unknown;
      try {
        body = text === '' ? {} : JSON.parse(text);
      } catch {
        throw new EventBridgeError('SerializationException', 'The request body is not valid JSON.');
      }
      const caller = accessKeyIdOf(request.headers.authorization);
      const requestContext = caller === undefined ? context : { ...context, callerAccessKeyId: caller };
      reply(200, await operation(readRequestParams(body), requestContext));
    } catch (error) {
      if (error instanceof EventBridgeError) {
        reply(error.status, { __type: error.type, message: error.message });
      } else {
        reply(500, {
          __type: 'InternalException',
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new EventBridgeError(
        'ValidationException',
        `Request body is larger than ${MAX_BODY_BYTES} bytes.`,
        413,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The access key id of a SigV4 `Authorization` header (`… Credential=AKID/date/region/…`). */
function accessKeyIdOf(authorization: string | undefined): string | undefined {
  const match = /Credential=([^/,\s]+)\//.exec(authorization ?? '');
  return match?.[1];
}
