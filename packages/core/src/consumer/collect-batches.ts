import { ConfigurationError } from '../errors/index.js';
import type { Message } from '../message/message.js';
import type {
  BatchConsumerOptions,
  BatchHandler,
  BatchItemFailure,
  BatchOptions,
  BatchResult,
} from './batch-handler.js';
import type { ConsumerOptions } from './consumer-options.js';
import type { Handler, HandlerContext } from './handler.js';
import { toError } from './to-error.js';

interface Waiting {
  readonly message: Message;
  readonly context: HandlerContext;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * For a consumer with `batch`, turns the batch handler into the per-message handler the delivery
 * processor runs, and sets the prefetch. Every message still goes through the processor on its
 * own — decode, middleware, timeout, then ack, retry or dead letter under the retry policy — and
 * only the innermost step is shared: the message waits in a batch until it has `size` messages or
 * `waitMs` passed since its first, the batch handler runs once, and each message's step resolves or
 * fails by the batch's outcome. A consumer without `batch` is returned as it is.
 */
export function collectBatches(
  handler: unknown,
  options: ConsumerOptions | BatchConsumerOptions | undefined,
): { handler: Handler; options: ConsumerOptions | undefined } {
  const batch = (options as BatchConsumerOptions | undefined)?.batch;
  if (batch === undefined) return { handler: handler as Handler, options };
  const { size, waitMs } = checkBatchOptions(batch, options as ConsumerOptions);
  const { batch: _batch, ...rest } = options as BatchConsumerOptions;
  return {
    handler: createCollector(handler as BatchHandler, size, waitMs),
    options: { ...rest, concurrency: rest.concurrency ?? size * 2 },
  };
}

function createCollector(handle: BatchHandler, size: number, waitMs: number): Handler {
  let waiting: Waiting[] = [];
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = waiting;
    waiting = [];
    if (batch.length > 0) void run(batch);
  };

  async function run(batch: Waiting[]): Promise<void> {
    const first = batch[0]!.context;
    const contexts = new Map(batch.map((entry) => [entry.message, entry.context]));
    let result: unknown;
    let signal: AbortSignal | undefined;
    try {
      result = await handle(
        batch.map((entry) => entry.message),
        {
          // Made on first use: each message's signal costs an AbortController.
          get signal() {
            signal ??= AbortSignal.any(batch.map((entry) => entry.context.signal));
            return signal;
          },
          logger: first.logger,
          origin: first.origin,
          contextOf(message) {
            const context = contexts.get(message);
            if (!context) throw new ConfigurationError('contextOf() takes a message of this batch.');
            return context;
          },
        },
      );
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    const failed = failuresById(result, batch, first);
    for (const entry of batch) {
      const failure = failed.get(entry.message.id);
      if (failure === undefined) entry.resolve();
      else entry.reject(failure);
    }
  }

  return (message, context) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ message, context, resolve, reject });
      if (waiting.length >= size) flush();
      else if (waiting.length === 1) timer = setTimeout(flush, waitMs);
    });
}

/** The failures a handler named, by message id; a name that is not in the batch is reported. */
function failuresById(
  result: unknown,
  batch: readonly Waiting[],
  context: HandlerContext,
): Map<string, Error> {
  const failed = new Map<string, Error>();
  if (result === undefined || result === null) return failed;
  const failures = (result as Partial<BatchResult>).failures;
  if (typeof result !== 'object' || !Array.isArray(failures)) {
    const error = new ConfigurationError(
      'A batch handler must resolve to nothing or to { failures: [{ id, error? }] }.',
    );
    for (const entry of batch) failed.set(entry.message.id, error);
    return failed;
  }
  const ids = new Set(batch.map((entry) => entry.message.id));
  for (const failure of failures as readonly BatchItemFailure[]) {
    const id = failure?.id;
    if (typeof id !== 'string' || !ids.has(id)) {
      context.logger.error(
        `The batch handler on ${context.origin} named ${JSON.stringify(id)} as failed, which is not a message of the batch; ignored.`,
      );
      continue;
    }
    failed.set(
      id,
      failure.error === undefined ? new Error(`Message ${id} failed in its batch.`) : toError(failure.error),
    );
  }
  return failed;
}

function checkBatchOptions(batch: BatchOptions, options: ConsumerOptions): BatchOptions {
  const problems: string[] = [];
  if (batch === null || typeof batch !== 'object') {
    throw new ConfigurationError('batch must be { size, waitMs }, e.g. { size: 10, waitMs: 100 }.');
  }
  for (const name of ['size', 'waitMs'] as const) {
    const value = batch[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
      problems.push(`batch.${name} must be an integer >= 1; got ${String(value)}`);
  }
  if (options.envelope === 'raw')
    problems.push("batch consumers read Omnibus messages; envelope 'raw' is not supported");
  if (options.concurrency !== undefined && options.concurrency < batch.size) {
    problems.push(
      `concurrency (${options.concurrency}) must be at least batch.size (${batch.size}), or a batch could never fill`,
    );
  }
  if (problems.length > 0)
    throw new ConfigurationError(`Invalid batch consumer options: ${problems.join('; ')}.`);
  return batch;
}
