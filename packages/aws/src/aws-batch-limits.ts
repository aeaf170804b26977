/**
 * Limits shared by the batch APIs this transport uses (SendMessageBatch, PublishBatch, PutEvents):
 * 10 entries per call, 256 KiB per call (1 MiB on SQS since 2025; the smaller is safe everywhere).
 */
export const MAX_BATCH_ENTRIES = 10;
export const MAX_BATCH_BYTES = 262_144;
/** Entries AWS failed for its own reasons (not the sender's) are sent again this many times. */
export const BATCH_RESENDS = 2;
