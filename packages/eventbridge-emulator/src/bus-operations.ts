import { EventBridgeError } from './eventbridge-error.js';
import type { StoredEventBus } from './eventbridge-state.js';
import type { Operation } from './operation.js';
import { paginate } from './paginate.js';

const BUS_NAME = { min: 1, max: 256, pattern: /[/.\-_A-Za-z0-9]+/ };

// The JSON 1.1 protocol carries timestamps as epoch seconds.
const describe = (bus: StoredEventBus) => ({
  Name: bus.name,
  Arn: bus.arn,
  ...(bus.description === undefined ? {} : { Description: bus.description }),
  CreationTime: bus.createdAt / 1000,
  LastModifiedTime: bus.lastModifiedAt / 1000,
});

/** CreateEventBus, DeleteEventBus, DescribeEventBus, ListEventBuses. */
export const busOperations: Record<string, Operation> = {
  CreateEventBus(params, { state, clock }) {
    const name = params.requiredString('Name', BUS_NAME);
    const description = params.optionalString('Description', { max: 512 });
    // Names with a slash are partner buses, which need a partner event source that cannot exist here.
    if (name.includes('/') && params.optionalString('EventSourceName') === undefined) {
      throw new EventBridgeError('ValidationException', `Event bus name must not contain '/'.`);
    }
    if (state.buses.has(name)) {
      throw new EventBridgeError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    }
    const now = clock.now();
    const bus: StoredEventBus = {
      name,
      arn: state.busArn(name),
      createdAt: now,
      lastModifiedAt: now,
      rules: new Map(),
      ...(description === undefined ? {} : { description }),
    };
    state.buses.set(name, bus);
    return { EventBusArn: bus.arn, ...(description === undefined ? {} : { Description: description }) };
  },

  DeleteEventBus(params, { state }) {
    const name = params.requiredString('Name', BUS_NAME);
    if (name === 'default') {
      throw new EventBridgeError('ValidationException', 'Cannot delete event bus default.');
    }
    const bus = state.buses.get(name);
    // Deleting a bus that is already gone succeeds, as on AWS.
    if (!bus) return {};
    // AWS documents that a bus's rules must be deleted first; refusing keeps callers honest.
    if (bus.rules.size > 0) {
      throw new EventBridgeError(
        'ValidationException',
        `Event bus ${name} still has ${bus.rules.size} rule(s). Delete its rules before the event bus.`,
      );
    }
    state.buses.delete(name);
    return {};
  },

  DescribeEventBus(params, { state }) {
    return describe(state.getBus(params.optionalString('Name', { min: 1, max: 1600 })));
  },

  ListEventBuses(params, { state }) {
    const prefix = params.optionalString('NamePrefix', { min: 1, max: 256 }) ?? '';
    const buses = [...state.buses.values()].filter((bus) => bus.name.startsWith(prefix)).map(describe);
    const { page, nextToken } = paginate(
      buses,
      params.optionalString('NextToken'),
      params.optionalNumber('Limit'),
    );
    return { EventBuses: page, ...(nextToken === undefined ? {} : { NextToken: nextToken }) };
  },
};
