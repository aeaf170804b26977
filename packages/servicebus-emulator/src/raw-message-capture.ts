import { amqpMessageCodec } from './amqp-codec.js';

const rawBytesKey = Symbol.for('@omnibus/servicebus-emulator/raw-message-bytes');
const installedKey = Symbol.for('@omnibus/servicebus-emulator/raw-message-capture');

/**
 * rhea decodes every format-0 transfer into a plain object before a server sees it, and decoding
 * loses AMQP types (a `long` comes back as a number and would be re-sent as `uint`). Service Bus
 * hands messages on byte-for-byte, so the emulator wraps rhea's decoder once per process to keep
 * the bytes next to the decoded message. The extra property is a non-enumerable symbol, invisible to
 * any other rhea user in the process (including the SDK under test).
 */
export function installRawMessageCapture(): void {
  const codec = amqpMessageCodec as typeof amqpMessageCodec & { [installedKey]?: true };
  if (codec[installedKey]) return;
  const decode = codec.decode.bind(codec);
  codec.decode = (bytes: Buffer) => {
    const message = decode(bytes);
    Object.defineProperty(message, rawBytesKey, { value: bytes });
    return message;
  };
  Object.defineProperty(codec, installedKey, { value: true });
}

/** The transfer bytes a decoded message came from, when the capture saw it being decoded. */
export function rawBytesOf(message: object): Buffer | undefined {
  return (message as { [rawBytesKey]?: Buffer })[rawBytesKey];
}
