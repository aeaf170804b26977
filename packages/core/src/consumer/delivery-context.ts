import type { Logger } from '../logger/logger.js';
import type { Message, MessageInput } from '../message/message.js';
import type { ConsumerHost, Stamp } from './create-consumer.js';
import type { HandlerContext } from './handler.js';

/**
 * The `ctx` a handler receives. A class rather than an object literal of closures: one is built per
 * delivery, so its methods live on the prototype and the signal, logger and stamp are made only
 * when a handler asks for them.
 */
export class DeliveryContext implements HandlerContext {
  #controller: AbortController | undefined;
  #logger: Logger | undefined;
  #stamp: Stamp | undefined;
  #unconfirmed: Set<Promise<SendOutcome>> | undefined;

  constructor(
    private readonly host: ConsumerHost,
    private readonly message: Message,
    readonly origin: string,
    /** Controllers of running handlers, aborted if a stop waits too long. */
    private readonly abortable: Set<AbortController>,
  ) {}

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      this.abortable.add(this.#controller);
    }
    return this.#controller.signal;
  }

  get logger(): Logger {
    this.#logger ??= withFields(this.host.logger, {
      messageId: this.message.id,
      type: this.message.type,
      origin: this.origin,
    });
    return this.#logger;
  }

  send<T>(
    queue: string,
    input: MessageInput<T> | readonly MessageInput<T>[],
    options?: { delayMs?: number },
  ) {
    return this.track(this.host.send(queue, asList(input), this.stamp(), options?.delayMs));
  }

  publish<T>(topic: string, input: MessageInput<T> | readonly MessageInput<T>[]) {
    return this.track(this.host.publish(topic, asList(input), this.stamp()));
  }

  emit<T>(input: MessageInput<T> | readonly MessageInput<T>[]) {
    return this.track(this.host.emit(asList(input), this.stamp()));
  }

  /**
   * Waits for sends the handler started but did not await, and rejects with the first error of any
   * send it made: the message is acknowledged only once everything its handler sent was confirmed.
   * A failed send fails the attempt even when the handler caught its error, because no handler can
   * be told apart from one that never looked (`void ctx.send(…)`), and a retry is what keeps the
   * send from being lost.
   */
  async settled(): Promise<void> {
    if (!this.#unconfirmed || this.#unconfirmed.size === 0) return;
    const outcomes = await Promise.all([...this.#unconfirmed]);
    const failed = outcomes.find((outcome) => outcome !== undefined);
    if (failed) throw failed.error;
  }

  /** Aborts `signal` (handler timeout). */
  abort(reason: unknown): void {
    this.#controller ??= new AbortController();
    this.#controller.abort(reason);
  }

  /** The handler is done: its signal no longer needs aborting on stop. */
  release(): void {
    if (this.#controller) this.abortable.delete(this.#controller);
  }

  private track(send: Promise<void>): Promise<void> {
    this.#unconfirmed ??= new Set();
    const unconfirmed = this.#unconfirmed;
    // A confirmed send is forgotten; a failed one stays, so that `settled()` fails the attempt. The
    // rejection handler also marks the rejection handled when the caller never awaits the send.
    const outcome: Promise<SendOutcome> = send.then(
      () => {
        unconfirmed.delete(outcome);
        return undefined;
      },
      (error: unknown) => ({ error }),
    );
    unconfirmed.add(outcome);
    return send;
  }

  // What this handler sends continues the flow: same correlation, caused by this message.
  private stamp(): Stamp {
    this.#stamp ??= {
      correlationId: this.message.correlationId ?? this.message.id,
      causationId: this.message.id,
    };
    return this.#stamp;
  }
}

/** How a send a handler started ended: `undefined` when confirmed. */
type SendOutcome = { readonly error: unknown } | undefined;

function asList<T>(input: MessageInput<T> | readonly MessageInput<T>[]): readonly MessageInput[] {
  return (Array.isArray(input) ? input : [input]) as readonly MessageInput[];
}

function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  const merge = (extra?: Record<string, unknown>) => (extra === undefined ? fields : { ...fields, ...extra });
  return {
    debug: (message, extra) => logger.debug(message, merge(extra)),
    info: (message, extra) => logger.info(message, merge(extra)),
    warn: (message, extra) => logger.warn(message, merge(extra)),
    error: (message, extra) => logger.error(message, merge(extra)),
  };
}
