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

/** The batch being filled: its messages, their contexts and how each message's step ends. */
class OpenBatch {
  readonly messages: Message[] = [];
  readonly contexts: HandlerContext[] = [];
  readonly resolves: (() => void)[] = [];
  readonly rejects: ((failure: Error) => void)[] = [];
  /** When the first message arrived, for `waitMs`. */
  constructor(readonly openedAt: number) {}
}

function createCollector(handle: BatchHandler, size: number, waitMs: number): Handler {
  let open: OpenBatch | undefined;
  // One timer for the consumer's life, re-armed only when it fires for a batch that has not yet
  // waited `waitMs` (most batches fill by size first): a timer set and cleared per batch was a
  // large part of the cost of a small batch.
  let timer: NodeJS.Timeout | undefined;

  const onTimer = () => {
    timer = undefined;
    if (open === undefined) return;
    const left = open.openedAt + waitMs - Date.now();
    if (left > 0) timer = setTimeout(onTimer, left);
    else flush();
  };

  const flush = () => {
    const batch = open!;
    open = undefined;
    void run(batch);
  };

  async function run(batch: OpenBatch): Promise<void> {
    const { messages, contexts, resolves, rejects } = batch;
    const first = contexts[0]!;
    let result: unknown;
    let signal: AbortSignal | undefined;
    try {
      result = await handle(messages, {
        // Made on first use: each message's signal costs an AbortController.
        get signal() {
          signal ??= AbortSignal.any(contexts.map((context) => context.signal));
          return signal;
        },
        logger: first.logger,
        origin: first.origin,
        contextOf(message) {
          const index = messages.indexOf(message);
          if (index < 0) throw new ConfigurationError('contextOf() takes a message of this batch.');
          return contexts[index]!;
        },
      });
    } catch (error) {
      for (const reject of rejects) reject(error as Error);
      return;
    }
    if (result === undefined || result === null) {
      for (const resolve of resolves) resolve();
      return;
    }
    const failed = failuresById(result, messages, first);
    for (let index = 0; index < messages.length; index++) {
      const failure = failed.get(messages[index]!.id);
      if (failure === undefined) resolves[index]!();
      else rejects[index]!(failure);
    }
  }

  return (message, context) =>
    new Promise<void>((resolve, reject) => {
      open ??= new OpenBatch(Date.now());
      const batch = open;
      batch.messages.push(message);
      batch.contexts.push(context);
      batch.resolves.push(resolve);
      batch.rejects.push(reject);
      if (batch.messages.length >= size) flush();
      else if (timer === undefined) timer = setTimeout(onTimer, waitMs);
    });
}

/** The failures a handler named, by message id; a name that is not in the batch is reported. */
function failuresById(
  result: unknown,
  batch: readonly Message[],
  context: HandlerContext,
): Map<string, Error> {
  const failed = new Map<string, Error>();
  const failures = (result as Partial<BatchResult>).failures;
  if (typeof result !== 'object' || !Array.isArray(failures)) {
    const error = new ConfigurationError(
      'A batch handler must resolve to nothing or to { failures: [{ id, error? }] }.',
    );
    for (const message of batch) failed.set(message.id, error);
    return failed;
  }
  const ids = new Set(batch.map((message) => message.id));
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
