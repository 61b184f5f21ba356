// The records every contender of the deployed and native benches moves, written and checked the
// same way by each: 1 KiB records in the pool's format, [u32 payload length][u32 type = lane],
// with the native producer's test payload (role_support.hpp, test/workers/records.mjs):
// [u32 sequence][u32 lane], then the word Math.imul(sequence, 0x9e3779b1) repeated. A checker
// reads every word.

/** Payload bytes: with the 8-byte header a record spans exactly 1 KiB. */
export const RECORD_PAYLOAD = 1016;
export const RECORD_SPAN = RECORD_PAYLOAD + 8;
const PAYLOAD_WORDS = RECORD_PAYLOAD >> 2;

const wordOf = (sequence) => Math.imul(sequence, 0x9e3779b1) | 0;

/** Writes a record's payload at byte `payloadAt` (4-aligned) of `words`' memory. */
export function writePayload(words, payloadAt, lane, sequence) {
  const first = payloadAt >> 2;
  words[first] = sequence;
  words[first + 1] = lane;
  words.fill(wordOf(sequence), first + 2, first + PAYLOAD_WORDS);
}

/** Writes a whole record, header included, at byte `at` (8-aligned). */
export function writeRecord(words, at, lane, sequence) {
  words[at >> 2] = RECORD_PAYLOAD;
  words[(at >> 2) + 1] = lane;
  writePayload(words, at + 8, lane, sequence);
}

/** Checks one lane's records in order: length, lane, sequence and every payload word. */
export class RecordChecker {
  constructor(lane) {
    this.lane = lane;
    this.next = 0;
    this.errors = 0;
  }

  /** Checks the records filling `used` bytes from byte `start` of `words`' memory. */
  check(words, start, used) {
    for (let at = start; at < start + used; at += RECORD_SPAN) {
      const first = at >> 2;
      let bad = words[first] !== RECORD_PAYLOAD || words[first + 1] !== this.lane;
      bad ||= words[first + 2] !== this.next || words[first + 3] !== this.lane;
      const value = wordOf(this.next);
      let differ = 0;
      for (let word = first + 4, end = first + 2 + PAYLOAD_WORDS; word < end; word++)
        differ |= words[word] ^ value;
      if (bad || differ !== 0) this.errors++;
      this.next++;
    }
  }
}
