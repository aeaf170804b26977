/** The order example's services, each of which can run as its own process. */
export const serviceNames = ['stock', 'payments', 'fulfillment', 'notifications', 'finance'] as const;
export type ServiceName = (typeof serviceNames)[number];

/** What every service process of one run shares, passed through its environment. */
export interface ServiceSettings {
  /** The broker URL (a shared broker: the in-memory transport lives in one process). */
  transport: string;
  redisUrl: string;
  /** Names this run's Redis keys; also the namespace of its queues (`OMNIBUS_ORDERS_NAMESPACE`). */
  runId: string;
  orders: number;
  seed: number;
  failureRate: number;
}

/** The environment a service process is started with. */
export function serviceEnvironment(settings: ServiceSettings): Record<string, string> {
  return {
    OMNIBUS_TRANSPORT: settings.transport,
    OMNIBUS_REDIS_URL: settings.redisUrl,
    OMNIBUS_RUN_ID: settings.runId,
    OMNIBUS_ORDERS_NAMESPACE: settings.runId,
    OMNIBUS_ORDERS: String(settings.orders),
    OMNIBUS_SEED: String(settings.seed),
    OMNIBUS_FAILURE_RATE: String(settings.failureRate),
  };
}

/** Reads what {@link serviceEnvironment} wrote; throws naming the first variable missing. */
export function serviceSettings(environment: NodeJS.ProcessEnv): ServiceSettings {
  const read = (variable: string) => {
    const value = environment[variable];
    if (!value) throw new Error(`${variable} is not set: start services through npm run example:processes`);
    return value;
  };
  return {
    transport: read('OMNIBUS_TRANSPORT'),
    redisUrl: read('OMNIBUS_REDIS_URL'),
    runId: read('OMNIBUS_RUN_ID'),
    orders: Number(read('OMNIBUS_ORDERS')),
    seed: Number(read('OMNIBUS_SEED')),
    failureRate: Number(read('OMNIBUS_FAILURE_RATE')),
  };
}
