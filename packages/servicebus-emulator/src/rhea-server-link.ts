import type { Delivery, Receiver, Sender } from 'rhea';

/**
 * The parts of rhea's server-side link objects the emulator touches that rhea's typings leave out.
 * Kept in one place so an rhea upgrade has one file to check.
 */
export interface ServerSenderLink extends Sender {
  credit: number;
  delivery_count: number;
  _draining: boolean;
  _drained: boolean;
  _get_drain(): boolean;
  local: { attach: Record<string, unknown> };
  remote: { attach: Record<string, unknown> };
  state: { local_open: boolean; open_requests: number };
}

export interface ServerReceiverLink extends Receiver {
  local: { attach: Record<string, unknown> };
  remote: { attach: Record<string, unknown> };
}

/** A delivery as rhea keeps it on the server side, where settling means editing these flags. */
export type ServerDelivery = Delivery & { remote_settled: boolean; settled: boolean };

/**
 * Settles a delivery and forgets it. The client (in receive settle mode "second") never answers a
 * settled disposition, so rhea would keep the delivery in its 2,048-slot session buffer forever
 * and the link would stall after 2,048 messages; marking it remotely settled lets rhea drop it.
 */
export function settleAndForget(delivery: Delivery, state?: unknown): void {
  delivery.update(true, state);
  (delivery as ServerDelivery).remote_settled = true;
}
