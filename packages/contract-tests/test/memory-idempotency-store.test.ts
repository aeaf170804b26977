import { MemoryIdempotencyStore } from '@omnibus/core';
import { idempotencyStoreContract } from '../src/index.js';

// One in-process store stands for both "processes" of the contract.
const store = new MemoryIdempotencyStore();
idempotencyStoreContract({ name: 'memory', createStore: () => store });
