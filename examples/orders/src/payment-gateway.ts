/** A card charge as the processor reports it. */
export interface Charge {
  chargeId: string;
  approved: boolean;
}

/** What the payment service needs of a card processor: one charge per idempotency key. */
export interface CardProcessor {
  charge(request: {
    idempotencyKey: string;
    orderId: string;
    card: string;
    amount: number;
  }): Charge | Promise<Charge>;
}

/**
 * A stand-in for a card processor that, like real ones, accepts an idempotency key per charge:
 * charging twice with the same key returns the first charge instead of taking the money again.
 * It also records every charge per order, so the example can prove no order was charged twice.
 */
export class PaymentGateway implements CardProcessor {
  readonly #byKey = new Map<string, Charge>();
  readonly #chargesByOrder = new Map<string, number>();
  readonly #declinedCards: ReadonlySet<string>;

  constructor(declinedCards: Iterable<string>) {
    this.#declinedCards = new Set(declinedCards);
  }

  /** Charges the card once per idempotency key. */
  charge(request: { idempotencyKey: string; orderId: string; card: string; amount: number }): Charge {
    const previous = this.#byKey.get(request.idempotencyKey);
    if (previous) return previous;
    const approved = !this.#declinedCards.has(request.card);
    const outcome = { chargeId: `ch_${this.#byKey.size + 1}`, approved };
    this.#byKey.set(request.idempotencyKey, outcome);
    if (approved)
      this.#chargesByOrder.set(request.orderId, (this.#chargesByOrder.get(request.orderId) ?? 0) + 1);
    return outcome;
  }

  /** Orders charged at least once. */
  get chargedOrders(): number {
    return this.#chargesByOrder.size;
  }

  /** Orders charged more than once: must stay 0. */
  get doubleCharges(): number {
    let count = 0;
    for (const charges of this.#chargesByOrder.values()) if (charges > 1) count++;
    return count;
  }
}
