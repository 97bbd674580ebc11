// Counts records in a Kafka record set (the `records` field of Produce requests and Fetch
// responses) from the batch headers alone: a v2 RecordBatch (magic 2, Kafka 0.11+) states its
// record count at byte 57, so neither the records nor any compression need to be read.
//
//   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 |
//   attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 |
//   producerId int64 | producerEpoch int16 | baseSequence int32 | recordsCount int32 | records...

import type { WireReader } from './reader.js';

const BATCH_HEADER_BYTES = 61;
/** batchLength counts from partitionLeaderEpoch on: the header past the first 12 bytes. */
const MIN_BATCH_LENGTH = BATCH_HEADER_BYTES - 12;
/** attributes bit 5: a batch of transaction markers, not messages. */
const CONTROL_BATCH = 1 << 5;

export interface RecordCount {
  /** Records in the batches read; null when the set is in the legacy (magic 0/1) format. */
  records: number | null;
  /** Batches whose headers lay past the captured prefix, so `records` is a lower bound. */
  partial: boolean;
}

/**
 * Counts the records of the record set of `size` bytes at the reader's position and leaves the
 * reader after it. A Fetch response may end its set with a partial batch (the broker cuts at
 * max_bytes); that batch is not counted, as the consumer drops it too.
 */
export function countRecords(r: WireReader, size: number): RecordCount {
  const end = r.position + size;
  let records = 0;
  let legacy = false;
  let partial = false;
  while (!r.failed && end - r.position >= BATCH_HEADER_BYTES) {
    const batchStart = r.position;
    r.skip(8);
    const batchLength = r.int32();
    r.skip(4);
    const magic = r.int8();
    if (r.failed) break;
    const batchEnd = batchStart + 12 + batchLength;
    if (batchLength < MIN_BATCH_LENGTH || batchEnd > end) break; // a partial batch at the end of the set
    if (magic !== 2) { legacy = true; break; }
    r.skip(4);
    const attributes = r.int16();
    r.skip(4 + 8 + 8 + 8 + 2 + 4);
    const count = r.int32();
    if (r.failed) break;
    if (count < 0) { r.bad = true; break; }
    if ((attributes & CONTROL_BATCH) === 0) records += count;
    r.skip(batchEnd - r.position);
  }
  // Batch headers past the captured prefix were not seen: the count is a lower bound, and the
  // rest of the set is stepped over so that what follows it can still be read if it was held.
  if (r.cut) partial = true;
  r.resumeAt(end);
  return { records: legacy ? null : records, partial };
}
