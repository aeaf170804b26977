// Names every documentation example may use without creating them first: most pages show what to do
// with a bus, and getting started shows how to create one.
import type { Bus } from '@omnibus/core';

declare global {
  /** A bus created as in getting started (`await createBus({ transport, source })`). */
  const bus: Bus;
}
