import { ClosedError, ConnectionError } from '@omnibus/core';
import amqp, { type ChannelModel } from 'amqplib';
import { createConfirmPublisher, type ConfirmPublisher } from './confirm-publisher.js';
import { mapRabbitMqError } from './map-rabbitmq-error.js';
import type { ResolvedRabbitMqOptions } from './rabbitmq-transport-options.js';
import type { ConnectionChange } from '@omnibus/core/transport';

/** One live AMQP connection and its shared confirm channel. Replaced as a whole on reconnect. */
export interface Session {
  readonly model: ChannelModel;
  readonly publisher: ConfirmPublisher;
  /** Increases with every (re)connect; deliveries remember theirs to know their channel is gone. */
  readonly generation: number;
}

/**
 * The connection lifecycle: a first connect that fails fast, then — when the connection is lost —
 * reconnects forever with doubling backoff and jitter, and tells listeners (consumers, rule
 * forwarders, the topology cache) so they re-declare and resume by themselves.
 */
export interface RabbitMqConnection {
  connect(): Promise<void>;
  /** The live session, waiting for a reconnect until `deadline` (epoch ms) or `signal` aborts. */
  session(deadline: number, signal?: AbortSignal): Promise<Session>;
  /** The live session, if connected now. */
  current(): Session | undefined;
  /** Called after every successful reconnect (not the first connect). */
  onReconnect(listener: (session: Session) => void): () => void;
  /** Called when the connection is lost and when it is restored. */
  watch(listener: (change: ConnectionChange) => void): () => void;
  close(): Promise<void>;
}

export function createRabbitMqConnection(options: ResolvedRabbitMqOptions): RabbitMqConnection {
  const logger = options.logger;
  const reconnectListeners: ((session: Session) => void)[] = [];
  const watchers = new Set<(change: ConnectionChange) => void>();
  let lostAt = 0;
  let waiters: { resolve(session: Session): void; reject(error: Error): void }[] = [];
  let live: Session | undefined;
  let generation = 0;
  let closed = false;
  let reconnecting = false;

  async function open(): Promise<Session> {
    const tls = options.tls ?? {};
    let model: ChannelModel;
    try {
      model = await amqp.connect(
        { ...options.connect, locale: 'en_US', frameMax: 0 },
        {
          // amqplib leaves Nagle's algorithm on; confirms and acks are small frames that it delays.
          noDelay: true,
          timeout: options.connectTimeoutMs,
          clientProperties: { connection_name: options.connectionName },
          ...tls,
        },
      );
    } catch (error) {
      throw mapRabbitMqError(error, { action: 'connecting', displayUrl: options.displayUrl });
    }
    // Without a listener an 'error' event would crash the process; 'close' follows it anyway.
    model.on('error', () => {});
    let publisher: ConfirmPublisher;
    try {
      publisher = await createConfirmPublisher(model, options.displayUrl);
    } catch (error) {
      await model.close().catch(() => {});
      throw mapRabbitMqError(error, {
        action: 'opening the publish channel',
        displayUrl: options.displayUrl,
      });
    }
    const session: Session = { model, publisher, generation: ++generation };
    model.once('close', (error?: Error) => onClose(session, error));
    return session;
  }

  function onClose(session: Session, error: Error | undefined): void {
    if (live !== session) return;
    live = undefined;
    if (closed) return;
    logger?.warn(`RabbitMQ connection to ${options.displayUrl} lost; reconnecting.`, {
      error: error?.message,
    });
    lostAt = Date.now();
    for (const watcher of watchers) watcher({ state: 'lost', reason: error?.message ?? 'connection closed' });
    void reconnect();
  }

  async function reconnect(): Promise<void> {
    if (reconnecting) return;
    reconnecting = true;
    let delay = options.reconnect.initialMs;
    try {
      while (!closed) {
        // Full jitter between half and all of the delay, so many clients do not reconnect in step.
        await sleep(delay / 2 + Math.random() * (delay / 2));
        if (closed) return;
        try {
          const session = await open();
          if (closed) {
            await session.model.close().catch(() => {});
            return;
          }
          live = session;
          logger?.info(`RabbitMQ connection to ${options.displayUrl} restored.`);
          for (const listener of [...reconnectListeners]) listener(session);
          for (const watcher of watchers) watcher({ state: 'restored', downtimeMs: Date.now() - lostAt });
          release(session);
          return;
        } catch (error) {
          logger?.debug(`Reconnect to ${options.displayUrl} failed; retrying.`, {
            error: (error as Error).message,
          });
          delay = Math.min(delay * 2, options.reconnect.maxMs);
        }
      }
    } finally {
      reconnecting = false;
    }
  }

  function release(session: Session): void {
    const pending = waiters;
    waiters = [];
    for (const waiter of pending) waiter.resolve(session);
  }

  return {
    async connect() {
      if (closed) throw new ClosedError('The RabbitMQ transport is closed.', { transport: 'rabbitmq' });
      if (live) return;
      live = await open();
      release(live);
    },
    current: () => live,
    session(deadline, signal) {
      if (closed)
        return Promise.reject(
          new ClosedError('The RabbitMQ transport is closed.', { transport: 'rabbitmq' }),
        );
      if (live) return Promise.resolve(live);
      return new Promise<Session>((resolve, reject) => {
        const fail = (error: Error) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          waiters = waiters.filter((waiter) => waiter !== entry);
          reject(error);
        };
        const onAbort = () =>
          fail(
            new ClosedError('The send was aborted while waiting for the connection.', {
              transport: 'rabbitmq',
            }),
          );
        const timer = setTimeout(
          () =>
            fail(
              new ConnectionError(
                `Not connected to RabbitMQ at ${options.displayUrl}; gave up waiting for the connection.`,
                {
                  transport: 'rabbitmq',
                },
              ),
            ),
          Math.max(0, deadline - Date.now()),
        );
        const entry = {
          resolve(session: Session) {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            resolve(session);
          },
          reject: fail,
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(entry);
      });
    },
    watch(listener) {
      watchers.add(listener);
      return () => {
        watchers.delete(listener);
      };
    },
    onReconnect(listener) {
      reconnectListeners.push(listener);
      return () => {
        const index = reconnectListeners.indexOf(listener);
        if (index >= 0) reconnectListeners.splice(index, 1);
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      const session = live;
      live = undefined;
      const pending = waiters;
      waiters = [];
      for (const waiter of pending)
        waiter.reject(new ClosedError('The RabbitMQ transport was closed.', { transport: 'rabbitmq' }));
      if (session) await session.model.close().catch(() => {});
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
