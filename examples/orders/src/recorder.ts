/**
 * Where a service records a fact it produced (a purchase order, a finance alert), keyed by order:
 * a `Set` in the single-process example, a shared record in the multi-process run.
 */
export interface Recorder {
  add(orderId: string): unknown;
}
