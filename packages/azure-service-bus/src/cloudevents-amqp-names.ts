import { InvalidMessageError } from '@omnibus/core';
import { Attribute } from '@omnibus/core/transport';

/**
 * Envelope attribute names on Service Bus, per the CloudEvents AMQP protocol binding (§3.1.3.1):
 * each CloudEvents attribute is the application property `cloudEvents:<name>`, and
 * `datacontenttype` is the AMQP `content-type` property instead (§3.1.1), so a CloudEvents
 * consumer on the other side (Dapr, Knative, the CloudEvents SDKs) reads the message as a
 * CloudEvent. See docs/adr/0006-cloudevents-protocol-bindings.md.
 *
 * Read back: `cloudEvents:` and `cloudEvents_` (the form for JMS-based peers) become the `ce-`
 * attributes core reads; `ce-` properties (messages written before this mapping) are kept as
 * they are.
 */
export const AMQP_PREFIX = 'cloudEvents:';
const AMQP_PREFIX_JMS = 'cloudEvents_';
const CE = 'ce-';

/** The application property carrying an Omnibus attribute (`ce-type` → `cloudEvents:type`). */
export function toApplicationPropertyName(attribute: string): string {
  return attribute.startsWith(CE) ? AMQP_PREFIX + attribute.slice(CE.length) : attribute;
}

/** Whether an attribute travels as the AMQP content-type property, not an application property. */
export function isContentTypeAttribute(attribute: string): boolean {
  return attribute === Attribute.contentType;
}

/** The attribute an application property carries (`cloudEvents:type` → `ce-type`). */
export function fromApplicationPropertyName(name: string): string {
  if (name.startsWith(AMQP_PREFIX)) return CE + name.slice(AMQP_PREFIX.length);
  if (name.startsWith(AMQP_PREFIX_JMS)) return CE + name.slice(AMQP_PREFIX_JMS.length);
  return name;
}

/**
 * Refuses a user header that would read back as an envelope attribute. Checked before any I/O.
 */
export function checkHeaderName(name: string): void {
  if (name.startsWith(AMQP_PREFIX) || name.startsWith(AMQP_PREFIX_JMS)) {
    throw new InvalidMessageError(
      `Header '${name}' uses the prefix '${name.slice(0, AMQP_PREFIX.length)}' that the CloudEvents AMQP binding reserves for envelope attributes; rename it.`,
      { transport: 'azure-service-bus' },
    );
  }
}
