/**
 * The envelope attributes that carry W3C trace context with a message: the CloudEvents
 * distributed-tracing extension (`traceparent`, `tracestate`) and W3C baggage, in the `ce-`
 * namespace like every other envelope attribute. They travel beside the envelope on every transport
 * (AMQP headers, SQS/SNS attributes, Pub/Sub attributes, Service Bus application properties), are
 * kept through retries, delays, rules, fan-out and dead letters, and are never part of a message's
 * user `headers`: the `ce-` prefix is reserved, so a user header cannot set or spoof them.
 */
export const TraceContextAttribute = {
  traceparent: 'ce-traceparent',
  tracestate: 'ce-tracestate',
  baggage: 'ce-baggage',
} as const;
