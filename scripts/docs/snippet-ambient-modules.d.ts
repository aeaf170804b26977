// Modules the documentation imports that belong to the reader's application, not to this workspace:
// just enough of their shape for the examples to be checked.
declare module '@opentelemetry/sdk-node' {
  export class NodeSDK {
    constructor(configuration?: object);
    start(): void;
    shutdown(): Promise<void>;
  }
}
