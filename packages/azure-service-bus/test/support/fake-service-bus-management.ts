import type { ServiceBusAdministrationClient } from '@azure/service-bus';
import { child, localName, readXml, type XmlElement } from './read-xml.js';

type PipelinePolicy = Parameters<ServiceBusAdministrationClient['pipeline']['addPolicy']>[0];
type PipelineRequest = Parameters<PipelinePolicy['sendRequest']>[0];
type PipelineResponse = Awaited<ReturnType<PipelinePolicy['sendRequest']>>;
type HttpHeaders = PipelineResponse['headers'];

const ATOM = 'http://www.w3.org/2005/Atom';
const CONNECT = 'http://schemas.microsoft.com/netservices/2010/10/servicebus/connect';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const XSD = 'http://www.w3.org/2001/XMLSchema';
const FOREVER = 'P10675199DT2H48M5.4775807S';

/** A rule as the fake understood it from a `RuleDescription` or `DefaultRuleDescription`. */
export interface FakeRule {
  readonly name: string;
  readonly filterType: string;
  readonly sqlExpression?: string;
  /** Correlation filter application properties: key → [xsd type, value]. */
  readonly properties?: Readonly<Record<string, readonly [string, string]>>;
  readonly actionType: string;
}

/** What the fake read from one request's entity description. */
export interface FakeDescription {
  /** `QueueDescription`, `TopicDescription`, `SubscriptionDescription` or `RuleDescription`. */
  readonly element: string;
  /** The child elements in the order they were sent (the service is order-sensitive). */
  readonly order: readonly string[];
  /** Simple-valued child elements, as text. */
  readonly properties: Readonly<Record<string, string>>;
  readonly defaultRule?: FakeRule;
  /** The rule itself, for a `RuleDescription`. */
  readonly rule?: FakeRule;
}

export interface FakeRequest {
  readonly method: string;
  /** The entity path, decoded, without the leading slash (`orders/Subscriptions/audit`). */
  readonly path: string;
  readonly apiVersion: string | null;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly description?: FakeDescription;
}

export interface FakeEntity {
  readonly kind: 'queue' | 'topic' | 'subscription' | 'rule';
  readonly path: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly rule?: FakeRule;
}

export interface FakeServiceBusManagementOptions {
  /** The namespace host the client was built for; requests for another host are refused. */
  readonly host: string;
  /**
   * How a GET or DELETE of an entity that does not exist is answered. `'documented'` (default)
   * follows the REST overview: GET of an unoccupied node is a discovery returning an (empty) ATOM
   * feed, DELETE of one returns success. `'not-found'` answers 404 with an `<Error>` body, as the
   * service does for paths under a missing topic.
   */
  readonly missingEntity?: 'documented' | 'not-found';
}

/**
 * An in-memory stand-in for the Service Bus management REST API (ATOM over HTTPS), plugged into a
 * real `ServiceBusAdministrationClient` as the last policy of its public `pipeline` (after
 * signing), where it answers instead of the network. `@azure/service-bus` 7.9 builds that pipeline
 * itself and passes neither the `httpClient` nor the `additionalPolicies` client option to it. It keeps state, so creates,
 * conflicts and deletes behave like the service's, and records every request for assertions.
 * The shapes follow Microsoft's documented ATOM formats: an `<entry>` in the Atom namespace whose
 * `<content type="application/xml">` holds one description in the `servicebus/connect`
 * namespace, and `<Error><Code/><Detail/></Error>` bodies for failures.
 */
export function createFakeServiceBusManagement(options: FakeServiceBusManagementOptions) {
  const missingEntity = options.missingEntity ?? 'documented';
  const entities = new Map<string, FakeEntity>();
  const requests: FakeRequest[] = [];
  const injected: { method: string; path: RegExp; status: number; detail: string }[] = [];
  let clock = Date.parse('2024-01-01T00:00:00Z');

  const key = (path: string) => path.toLowerCase();
  const now = () => {
    clock += 1_000;
    return new Date(clock).toISOString();
  };

  function respond(request: PipelineRequest, status: number, body = ''): PipelineResponse {
    return {
      request,
      status,
      headers: headers({ 'content-type': body ? 'application/atom+xml;type=entry;charset=utf-8' : '' }),
      bodyAsText: body,
    };
  }

  function error(request: PipelineRequest, status: number, detail: string): PipelineResponse {
    const tracking = `TrackingId:00000000-0000-0000-0000-${String(requests.length).padStart(12, '0')}_G0, SystemTracker:${options.host}:${pathOf(request)}, Timestamp:${now()}`;
    return respond(
      request,
      status,
      `<Error><Code>${status}</Code><Detail>${escapeXml(`${detail} ${tracking}`)}</Detail></Error>`,
    );
  }

  async function sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const url = new URL(request.url);
    const path = pathOf(request);
    const headerValues = Object.fromEntries(
      [...request.headers].map(([name, value]) => [name.toLowerCase(), String(value)]),
    );
    let description: FakeDescription | undefined;
    let parsed: XmlElement | undefined;
    if (request.method === 'PUT') {
      try {
        parsed = readEntry(String(request.body ?? ''));
        description = describe(parsed);
      } catch (problem) {
        requests.push({
          method: request.method,
          path,
          apiVersion: url.searchParams.get('api-version'),
          headers: headerValues,
        });
        return error(
          request,
          400,
          `The request body is not a valid ATOM entry: ${(problem as Error).message}.`,
        );
      }
    }
    requests.push({
      method: request.method,
      path,
      apiVersion: url.searchParams.get('api-version'),
      headers: headerValues,
      ...(description ? { description } : {}),
    });

    if (url.protocol !== 'https:' || url.host !== options.host) {
      return error(request, 400, `This fake serves https://${options.host}/ only; got ${url.origin}.`);
    }
    const authorization = headerValues.authorization ?? '';
    if (!/^(SharedAccessSignature \S*\bsr=|Bearer )/.test(authorization)) {
      return error(request, 401, 'Authorization failed for specified action: Manage.');
    }
    const failure = injected.findIndex(
      (candidate) => candidate.method === request.method && candidate.path.test(path),
    );
    if (failure >= 0) {
      const [injection] = injected.splice(failure, 1);
      return error(request, injection!.status, injection!.detail);
    }

    const existing = entities.get(key(path));
    switch (request.method) {
      case 'GET':
        if (existing) return respond(request, 200, entry(existing));
        return missingEntity === 'documented'
          ? respond(request, 200, emptyFeed(path))
          : error(request, 404, `Entity '${options.host}:${path}' was not found.`);
      case 'DELETE':
        if (!existing) {
          return missingEntity === 'documented'
            ? respond(request, 200)
            : error(request, 404, `Entity '${options.host}:${path}' was not found.`);
        }
        for (const name of [...entities.keys()]) {
          if (name === key(path) || name.startsWith(`${key(path)}/`)) entities.delete(name);
        }
        return respond(request, 200);
      case 'PUT':
        return put(request, path, headerValues, description!, existing);
      default:
        return error(request, 405, `${request.method} is not supported.`);
    }
  }

  function put(
    request: PipelineRequest,
    path: string,
    headerValues: Record<string, string>,
    description: FakeDescription,
    existing: FakeEntity | undefined,
  ): PipelineResponse {
    const kind = kindOf(path, description.element);
    if (!kind) return error(request, 400, `${description.element} cannot be put at '${path}'.`);
    const update = headerValues['if-match'] === '*';
    if (update && !existing) return error(request, 404, `Entity '${options.host}:${path}' was not found.`);
    if (!update && existing) {
      return error(
        request,
        409,
        `SubCode=40900. Conflict. You're requesting an operation that isn't allowed in the resource's current state. The messaging entity '${options.host}:${path}' already exists.`,
      );
    }
    const parent = path.slice(
      0,
      path.search(kind === 'rule' ? /\/Rules\/[^/]+$/i : /\/Subscriptions\/[^/]+$/i),
    );
    if ((kind === 'subscription' || kind === 'rule') && !entities.has(key(parent))) {
      return error(request, 404, `Entity '${options.host}:${parent}' was not found.`);
    }
    const problem = validate(kind, path, description, headerValues);
    if (problem) return error(request, 400, problem);

    const stamp = now();
    const properties = {
      ...(existing?.properties ?? { CreatedAt: stamp }),
      ...description.properties,
      UpdatedAt: stamp,
    };
    const entity: FakeEntity =
      kind === 'rule' ? { kind, path, properties, rule: readRule(description) } : { kind, path, properties };
    entities.set(key(path), entity);
    if (kind === 'subscription' && !update) {
      const rule = description.defaultRule ?? {
        name: '$Default',
        filterType: 'TrueFilter',
        sqlExpression: '1=1',
        actionType: 'EmptyRuleAction',
      };
      const rulePath = `${path}/Rules/${rule.name}`;
      entities.set(key(rulePath), { kind: 'rule', path: rulePath, properties: { CreatedAt: stamp }, rule });
    }
    return respond(request, update ? 200 : 201, entry(entity));
  }

  /** The checks the service makes that a transport can get wrong. */
  function validate(
    kind: FakeEntity['kind'],
    path: string,
    description: FakeDescription,
    headerValues: Record<string, string>,
  ): string | undefined {
    const { properties } = description;
    if (kind === 'subscription' && path.slice(path.lastIndexOf('/') + 1).length > 50) {
      return 'The subscription name is longer than 50 characters.';
    }
    if ((kind === 'queue' || kind === 'topic') && path.length > 260) {
      return 'The entity path is longer than 260 characters.';
    }
    const lock = properties.LockDuration;
    if (lock !== undefined) {
      const seconds = isoSeconds(lock);
      if (seconds === undefined) return `LockDuration '${lock}' is not an ISO 8601 duration.`;
      if (seconds < 5 || seconds > 300) return `LockDuration ${lock} is outside PT5S..PT5M.`;
    }
    const deliveries = properties.MaxDeliveryCount;
    if (
      deliveries !== undefined &&
      !(/^\d+$/.test(deliveries) && Number(deliveries) >= 1 && Number(deliveries) <= 2_147_483_647)
    ) {
      return `MaxDeliveryCount '${deliveries}' must be an integer from 1 to 2147483647.`;
    }
    for (const flag of ['RequiresSession', 'DeadLetteringOnMessageExpiration']) {
      const value = properties[flag];
      if (value !== undefined && value !== 'true' && value !== 'false')
        return `${flag} '${value}' is not a boolean.`;
    }
    const forwardTo = properties.ForwardTo;
    if (forwardTo !== undefined) {
      if (!headerValues.servicebussupplementaryauthorization) {
        return 'ForwardTo needs the ServiceBusSupplementaryAuthorization header.';
      }
      const prefix = `sb://${options.host}/`;
      const target = forwardTo.startsWith(prefix) ? forwardTo.slice(prefix.length) : undefined;
      const found = target === undefined ? undefined : entities.get(key(target));
      if (!found || (found.kind !== 'queue' && found.kind !== 'topic')) {
        return `The auto-forwarding destination '${forwardTo}' does not exist; it must exist before the source is created.`;
      }
    }
    return undefined;
  }

  function entry(entity: FakeEntity): string {
    const url = `https://${options.host}/${entity.path}?api-version=2021-05`;
    const name = entity.path.slice(entity.path.lastIndexOf('/') + 1);
    const body = entity.kind === 'rule' ? ruleDescription(entity) : entityDescription(entity);
    return [
      '<?xml version="1.0" encoding="utf-8"?>',
      `<entry xmlns="${ATOM}">`,
      `<id>${escapeXml(url)}</id>`,
      `<title type="text">${escapeXml(name)}</title>`,
      `<published>${entity.properties.CreatedAt}</published>`,
      `<updated>${entity.properties.UpdatedAt ?? entity.properties.CreatedAt}</updated>`,
      `<author><name>${escapeXml(options.host.split('.')[0] ?? options.host)}</name></author>`,
      `<link rel="self" href="${escapeXml(url)}"/>`,
      `<content type="application/xml">${body}</content>`,
      '</entry>',
    ].join('');
  }

  function emptyFeed(path: string): string {
    return `<?xml version="1.0" encoding="utf-8"?><feed xmlns="${ATOM}"><title type="text">Publicly Listed Services</title><subtitle type="text">This is the list of publicly-listed services currently available.</subtitle><id>uuid:${path.length.toString(16).padStart(8, '0')}-0000-0000-0000-000000000000;id=1</id><updated>${now()}</updated><generator>Service Bus 1.1</generator></feed>`;
  }

  return {
    /** Serves this client's requests from now on; returns the client. */
    attach<Client extends ServiceBusAdministrationClient>(client: Client): Client {
      const policy: PipelinePolicy = {
        name: 'fakeServiceBusManagement',
        sendRequest: (request) => sendRequest(request),
      };
      client.pipeline.addPolicy(policy, { afterPhase: 'Sign' });
      return client;
    },
    /** Every request, in order. */
    requests,
    /** The entity at `path`, if it exists. */
    entity: (path: string) => entities.get(key(path)),
    /** Paths of everything that exists. */
    paths: () => [...entities.values()].map((entity) => entity.path).sort(),
    /** The rules of a subscription. */
    rules: (topic: string, subscription: string) =>
      [...entities.values()]
        .filter(
          (entity) =>
            entity.kind === 'rule' &&
            key(entity.path).startsWith(key(`${topic}/Subscriptions/${subscription}/Rules/`)),
        )
        .map((entity) => entity.rule!),
    /** Answers the next matching request with this error instead of serving it. */
    failNext(method: string, path: RegExp, status: number, detail: string): void {
      injected.push({ method, path, status, detail });
    },
    /** Requests that changed something (PUT and DELETE). */
    writes: () => requests.filter((request) => request.method !== 'GET'),
  };
}

export type FakeServiceBusManagement = ReturnType<typeof createFakeServiceBusManagement>;

function pathOf(request: PipelineRequest): string {
  return decodeURIComponent(new URL(request.url).pathname).replace(/^\/+/, '');
}

function kindOf(path: string, element: string): FakeEntity['kind'] | undefined {
  if (/^.+\/Subscriptions\/[^/]+\/Rules\/[^/]+$/i.test(path))
    return element === 'RuleDescription' ? 'rule' : undefined;
  if (/^.+\/Subscriptions\/[^/]+$/i.test(path))
    return element === 'SubscriptionDescription' ? 'subscription' : undefined;
  if (element === 'QueueDescription') return 'queue';
  if (element === 'TopicDescription') return 'topic';
  return undefined;
}

/** Checks the envelope the documents prescribe and returns the description element. */
function readEntry(body: string): XmlElement {
  const root = readXml(body);
  if (root.name !== 'entry' || root.attributes.xmlns !== ATOM)
    throw new Error(`root must be <entry xmlns="${ATOM}">`);
  const content = child(root, 'content');
  if (content?.attributes.type !== 'application/xml')
    throw new Error('<content type="application/xml"> is missing');
  const [description, ...rest] = content.children;
  if (!description || rest.length > 0) throw new Error('<content> must hold exactly one description');
  if (description.attributes.xmlns !== CONNECT)
    throw new Error(`${description.name} must be in the ${CONNECT} namespace`);
  return description;
}

function describe(description: XmlElement): FakeDescription {
  const properties: Record<string, string> = {};
  for (const element of description.children) {
    if (element.children.length === 0 && Object.keys(element.attributes).length === 0)
      properties[element.name] = element.text;
  }
  const defaultRule = child(description, 'DefaultRuleDescription');
  const inherited = namespaces(description, {});
  return {
    element: localName(description.name),
    order: description.children.map((element) => element.name),
    properties,
    ...(defaultRule ? { defaultRule: ruleFrom(defaultRule, inherited) } : {}),
    ...(localName(description.name) === 'RuleDescription' ? { rule: ruleFrom(description, inherited) } : {}),
  };
}

function readRule(description: FakeDescription): FakeRule {
  if (!description.rule) throw new Error('a RuleDescription without a rule');
  return description.rule;
}

function namespaces(element: XmlElement, inherited: Record<string, string>): Record<string, string> {
  const scope = { ...inherited };
  for (const [name, value] of Object.entries(element.attributes)) {
    if (name.startsWith('xmlns:')) scope[name.slice(6)] = value;
  }
  return scope;
}

/** The `xsi:type` of an element, whatever prefix the sender bound the XSI namespace to. */
function xsiType(element: XmlElement, inherited: Record<string, string>): string | undefined {
  const scope = namespaces(element, inherited);
  for (const [name, value] of Object.entries(element.attributes)) {
    const colon = name.indexOf(':');
    if (colon > 0 && name.slice(colon + 1) === 'type' && scope[name.slice(0, colon)] === XSI) {
      return localName(value);
    }
  }
  return undefined;
}

function ruleFrom(element: XmlElement, inherited: Record<string, string>): FakeRule {
  const scope = namespaces(element, inherited);
  const filter = child(element, 'Filter');
  const action = child(element, 'Action');
  const name = child(element, 'Name')?.text;
  if (!filter || !action || !name) throw new Error('a rule needs Filter, Action and Name');
  const filterType = xsiType(filter, scope);
  const actionType = xsiType(action, scope);
  if (!filterType || !actionType) throw new Error('Filter and Action need an xsi:type');
  const filterScope = namespaces(filter, scope);
  const sqlExpression = child(filter, 'SqlExpression')?.text;
  const pairs = child(filter, 'Properties')?.children ?? [];
  const properties: Record<string, readonly [string, string]> = {};
  for (const pair of pairs) {
    const value = child(pair, 'Value');
    const type = value && xsiType(value, namespaces(pair, filterScope));
    const pairKey = child(pair, 'Key')?.text;
    if (localName(pair.name) !== 'KeyValueOfstringanyType' || !value || !type || pairKey === undefined) {
      throw new Error('correlation properties must be KeyValueOfstringanyType with Key and a typed Value');
    }
    properties[pairKey] = [type, value.text];
  }
  return {
    name,
    filterType,
    ...(sqlExpression !== undefined ? { sqlExpression } : {}),
    ...(pairs.length > 0 ? { properties } : {}),
    actionType,
  };
}

/** Seconds of a `PT…H…M…S` duration; undefined if it is not one. */
function isoSeconds(duration: string): number | undefined {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(duration);
  if (!match || duration === 'P' || duration.endsWith('T')) return undefined;
  const [, days, hours, minutes, seconds] = match;
  return (
    Number(days ?? 0) * 86_400 + Number(hours ?? 0) * 3_600 + Number(minutes ?? 0) * 60 + Number(seconds ?? 0)
  );
}

const QUEUE_DEFAULTS: readonly (readonly [string, string])[] = [
  ['LockDuration', 'PT1M'],
  ['MaxSizeInMegabytes', '1024'],
  ['RequiresDuplicateDetection', 'false'],
  ['RequiresSession', 'false'],
  ['DefaultMessageTimeToLive', FOREVER],
  ['DeadLetteringOnMessageExpiration', 'false'],
  ['DuplicateDetectionHistoryTimeWindow', 'PT10M'],
  ['MaxDeliveryCount', '10'],
  ['EnableBatchedOperations', 'true'],
  ['SizeInBytes', '0'],
  ['MessageCount', '0'],
  ['IsAnonymousAccessible', 'false'],
  ['Status', 'Active'],
  ['ForwardTo', ''],
  ['CreatedAt', ''],
  ['UpdatedAt', ''],
  ['AccessedAt', '0001-01-01T00:00:00Z'],
  ['SupportOrdering', 'true'],
  ['AutoDeleteOnIdle', FOREVER],
  ['EnablePartitioning', 'false'],
  ['EntityAvailabilityStatus', 'Available'],
  ['EnableExpress', 'false'],
];

const TOPIC_DEFAULTS: readonly (readonly [string, string])[] = [
  ['DefaultMessageTimeToLive', FOREVER],
  ['MaxSizeInMegabytes', '1024'],
  ['RequiresDuplicateDetection', 'false'],
  ['DuplicateDetectionHistoryTimeWindow', 'PT10M'],
  ['EnableBatchedOperations', 'true'],
  ['SizeInBytes', '0'],
  ['FilteringMessagesBeforePublishing', 'false'],
  ['IsAnonymousAccessible', 'false'],
  ['Status', 'Active'],
  ['CreatedAt', ''],
  ['UpdatedAt', ''],
  ['AccessedAt', '0001-01-01T00:00:00Z'],
  ['SupportOrdering', 'true'],
  ['SubscriptionCount', '0'],
  ['AutoDeleteOnIdle', FOREVER],
  ['EnablePartitioning', 'false'],
  ['IsExpress', 'false'],
  ['EntityAvailabilityStatus', 'Available'],
  ['EnableSubscriptionPartitioning', 'false'],
  ['EnableExpress', 'false'],
];

const SUBSCRIPTION_DEFAULTS: readonly (readonly [string, string])[] = [
  ['LockDuration', 'PT1M'],
  ['RequiresSession', 'false'],
  ['DefaultMessageTimeToLive', FOREVER],
  ['DeadLetteringOnMessageExpiration', 'false'],
  ['DeadLetteringOnFilterEvaluationExceptions', 'true'],
  ['MessageCount', '0'],
  ['MaxDeliveryCount', '10'],
  ['EnableBatchedOperations', 'true'],
  ['Status', 'Active'],
  ['ForwardTo', ''],
  ['CreatedAt', ''],
  ['UpdatedAt', ''],
  ['AccessedAt', '0001-01-01T00:00:00Z'],
  ['AutoDeleteOnIdle', FOREVER],
  ['EntityAvailabilityStatus', 'Available'],
];

const ELEMENTS = {
  queue: ['QueueDescription', QUEUE_DEFAULTS],
  topic: ['TopicDescription', TOPIC_DEFAULTS],
  subscription: ['SubscriptionDescription', SUBSCRIPTION_DEFAULTS],
} as const;

function entityDescription(entity: FakeEntity): string {
  const [element, defaults] = ELEMENTS[entity.kind as keyof typeof ELEMENTS];
  const parts = defaults.flatMap(([name, fallback]) => {
    const value = entity.properties[name] ?? fallback;
    // Optional elements the service leaves out when unset.
    if (value === '' && (name === 'ForwardTo' || name === 'UpdatedAt')) return [];
    return [`<${name}>${escapeXml(value)}</${name}>`];
  });
  return `<${element} xmlns="${CONNECT}" xmlns:i="${XSI}">${parts.join('')}</${element}>`;
}

function ruleDescription(entity: FakeEntity): string {
  const rule = entity.rule!;
  const filterType = rule.filterType === 'TrueFilter' ? 'TrueFilter' : rule.filterType;
  let filter = '';
  if (rule.sqlExpression !== undefined)
    filter += `<SqlExpression>${escapeXml(rule.sqlExpression)}</SqlExpression><CompatibilityLevel>20</CompatibilityLevel>`;
  if (rule.properties) {
    filter += '<Properties>';
    for (const [name, [type, value]] of Object.entries(rule.properties)) {
      filter += `<KeyValueOfstringanyType><Key>${escapeXml(name)}</Key><Value i:type="d6p1:${type}" xmlns:d6p1="${XSD}">${escapeXml(value)}</Value></KeyValueOfstringanyType>`;
    }
    filter += '</Properties>';
  }
  return `<RuleDescription xmlns="${CONNECT}" xmlns:i="${XSI}"><Filter i:type="${filterType}">${filter}</Filter><Action i:type="${rule.actionType}"/><CreatedAt>${entity.properties.CreatedAt}</CreatedAt><Name>${escapeXml(rule.name)}</Name></RuleDescription>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function headers(initial: Record<string, string>): HttpHeaders {
  const values = new Map(Object.entries(initial).map(([name, value]) => [name.toLowerCase(), value]));
  return {
    get: (name) => values.get(name.toLowerCase()),
    has: (name) => values.has(name.toLowerCase()),
    set: (name, value) => void values.set(name.toLowerCase(), String(value)),
    delete: (name) => void values.delete(name.toLowerCase()),
    toJSON: () => Object.fromEntries(values),
    [Symbol.iterator]: () => values.entries(),
  };
}
