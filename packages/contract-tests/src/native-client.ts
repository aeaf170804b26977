/**
 * A message as a broker's own client sends or reads it, without Omnibus: what the
 * interoperability scenarios put on a queue as a foreign producer would, and what they read back
 * as a foreign consumer would.
 */
export interface NativeMessage {
  /** The body's bytes. */
  readonly body: Uint8Array;
  /**
   * Native attributes under their native names (AMQP headers or application properties, SQS/SNS
   * message attributes, Pub/Sub attributes), as strings.
   */
  readonly attributes: Readonly<Record<string, string>>;
  /**
   * The content type. On a broker with a content-type property (AMQP) it is that property; on
   * the others the client writes and reads it as the binding's attribute (`Content-Type` on
   * Pub/Sub, `content-type` on SQS/SNS).
   */
  readonly contentType?: string;
  /** The native message-id property, where a producer sets one (AMQP, Service Bus). */
  readonly messageId?: string;
}

/** A received native message: also the id the broker knows it by. */
export interface ReceivedNativeMessage extends NativeMessage {
  readonly id: string;
}

/**
 * The broker's own client, as each transport's test file provides it to the suite (see
 * `TransportContractOptions.nativeClient`). Names are the queue names the scenarios use; the
 * client maps them onto native names as the transport does.
 */
export interface NativeClient {
  /**
   * The CloudEvents binary-mode attribute prefix this broker's binding uses and the transport
   * writes (`ce-`, `cloudEvents:`…). Scenarios write foreign CloudEvents with it and read the
   * transport's own messages with it.
   */
  readonly cloudEventsPrefix: string;
  /**
   * Whether `datacontenttype` travels as the native content type (the AMQP binding) rather than
   * as a prefixed attribute.
   */
  readonly contentTypeIsNative: boolean;
  /**
   * Sends one message to an existing queue (the scenarios create it first by starting a
   * consumer) and resolves with the id the broker knows it by once the broker accepted it.
   */
  send(queue: string, message: NativeMessage): Promise<string>;
  /**
   * Publishes one message straight to a topic's native entity (the fan-out exchange, SNS topic,
   * Pub/Sub topic or Service Bus topic the transport maps the topic onto; the scenarios create it
   * first by starting a subscription). Resolves with the id subscribers see the message by, or
   * `undefined` where the broker gives each subscription's copy an id of its own (SNS delivering
   * into SQS).
   */
  publish(topic: string, message: NativeMessage): Promise<string | undefined>;
  /** Takes one message off a queue (removing it), or rejects after `timeoutMs`. */
  receive(queue: string, timeoutMs: number): Promise<ReceivedNativeMessage>;
  /** Closes the client's connections. */
  close(): Promise<void>;
}
