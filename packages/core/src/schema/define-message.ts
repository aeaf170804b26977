import type { StandardSchemaV1 } from '@standard-schema/spec';
import { DecodeError, InvalidMessageError } from '../errors/index.js';
import type { Handler, HandlerContext } from '../consumer/handler.js';
import type { Message, MessageInput } from '../message/message.js';

/** Marks a message input created by `defineMessage(...).create`, so the bus validates it at send. */
export const messageSchema = Symbol.for('omnibus.message-schema');

/** A message input that carries its schema for validation at send. */
export type TypedMessageInput<T> = MessageInput<T> & { readonly [messageSchema]?: StandardSchemaV1<T> };

/** A message type bound to a Standard Schema (zod, valibot, arktype…). */
export interface MessageDefinition<Type extends string, Schema extends StandardSchemaV1> {
  readonly type: Type;
  readonly schema: Schema;
  /** A message input of this type. Its data is validated when it is sent. */
  create(
    data: StandardSchemaV1.InferInput<Schema>,
    fields?: Omit<MessageInput, 'type' | 'data'>,
  ): TypedMessageInput<StandardSchemaV1.InferInput<Schema>>;
  /** Whether a received message has this type (its data is not validated by this check). */
  is(message: Message): message is Message<StandardSchemaV1.InferOutput<Schema>>;
  /**
   * Wraps a handler so that each message's data is validated first. A message that fails its
   * schema is dead-lettered at once, with the schema issues as the reason.
   */
  handler(
    handle: (
      message: Message<StandardSchemaV1.InferOutput<Schema>>,
      context: HandlerContext,
    ) => Promise<unknown> | unknown,
  ): Handler;
}

/**
 * Defines a typed message: `defineMessage('PaymentFailed', z.object({ orderId: z.string() }))`.
 * `data` is typed from the schema, validated on send and on receive.
 */
export function defineMessage<const Type extends string, Schema extends StandardSchemaV1>(
  type: Type,
  schema: Schema,
): MessageDefinition<Type, Schema> {
  if (typeof type !== 'string' || type === '')
    throw new InvalidMessageError('defineMessage needs a non-empty type name.');
  if (!schema || typeof schema !== 'object' || !('~standard' in schema)) {
    throw new InvalidMessageError(
      `defineMessage('${type}') needs a Standard Schema (zod, valibot, arktype…).`,
    );
  }
  return {
    type,
    schema,
    create(data, fields) {
      const input = { ...fields, type, data } as TypedMessageInput<StandardSchemaV1.InferInput<Schema>>;
      Object.defineProperty(input, messageSchema, { value: schema, enumerable: false });
      return input;
    },
    is(message): message is Message<StandardSchemaV1.InferOutput<Schema>> {
      return message.type === type;
    },
    handler(handle) {
      return async (message, context) => {
        const result = await schema['~standard'].validate(message.data);
        if (result.issues) {
          throw new DecodeError(
            `Message ${message.id} (${message.type}) failed its schema: ${formatIssues(result.issues)}`,
          );
        }
        return handle(
          { ...message, data: result.value } as Message<StandardSchemaV1.InferOutput<Schema>>,
          context,
        );
      };
    },
  };
}

/**
 * Validates the data of inputs created by `defineMessage(...).create`, replacing it with the
 * schema's output. Inputs without a schema pass through untouched.
 */
/** Whether any input carries a schema (from `defineMessage`), so that it must be validated first. */
export function hasTypedInputs(inputs: readonly MessageInput[]): boolean {
  for (let index = 0; index < inputs.length; index++) {
    if ((inputs[index] as TypedMessageInput<unknown> | undefined)?.[messageSchema]) return true;
  }
  return false;
}

export async function validateTypedInputs(inputs: readonly MessageInput[]): Promise<readonly MessageInput[]> {
  let validated: MessageInput[] | undefined;
  for (let index = 0; index < inputs.length; index++) {
    const input = inputs[index] as TypedMessageInput<unknown>;
    const schema = input?.[messageSchema];
    if (!schema) continue;
    const result = await schema['~standard'].validate(input.data);
    if (result.issues) {
      throw new InvalidMessageError(
        `Message '${input.type}' failed its schema: ${formatIssues(result.issues)}`,
      );
    }
    validated ??= [...inputs];
    validated[index] = { ...input, data: result.value };
  }
  return validated ?? inputs;
}

function formatIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path
        ?.map((segment) => (typeof segment === 'object' ? String(segment.key) : String(segment)))
        .join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
