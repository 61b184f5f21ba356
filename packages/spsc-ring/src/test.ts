/**
 * `@ringkit/spsc-ring/test`: aids for testing rings, kept out of the main entry. The
 * self-checking record format the native producer and consumer threads write and check
 * (a twin of native/include/ringkit/test_records.hpp): any lost, duplicated, reordered or
 * torn record is caught.
 */
export {
  checkTestRecord,
  MIN_TEST_RECORD,
  testRecordChecksum,
  writeTestRecord,
} from './test-records.js';
