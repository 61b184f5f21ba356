export { type CheckOptions, type CheckReport, type CheckRow, checkResults } from './check.js';
export type { Clock } from './clock.js';
export {
  type BatchWorkload,
  type Bench,
  defineSuite,
  type FunctionWorkload,
  type LatencyBench,
  latency,
  type OverheadBench,
  overhead,
  type PairedBench,
  type ProcessWorkload,
  type SamplingOptions,
  type SpeedupBench,
  type Suite,
  speedup,
  type ThroughputBench,
  throughput,
  type Workload,
} from './define.js';
export { BenchKitError, type BenchKitErrorCode } from './errors.js';
export { type Judgement, type JudgeOptions, judgeResult } from './judge-result.js';
export { describeMachine, type MachineInfo } from './machine.js';
export { type ReadmeUpdate, updateReadmes } from './readme-files.js';
export {
  type RenderOptions,
  type ResultLookup,
  renderReadmeTables,
  type StoredResult,
} from './readme-tables.js';
export { renderChart, renderMarkdown, writeReport } from './report.js';
export {
  type BenchResult,
  packageFolderName,
  parseResult,
  RESULT_SCHEMA,
  RESULT_SCHEMA_VERSION,
  type ResultSteal,
  type RunPick,
  type RunSummary,
  readResults,
  toResult,
  writeResult,
} from './results.js';
export {
  type BenchRun,
  type LatencyRun,
  type OverheadRun,
  type Pair,
  type PairedRun,
  type Percentiles,
  type Progress,
  type RunOptions,
  runBench,
  type StealSummary,
  type ThroughputRun,
} from './runner.js';
export {
  aggregateRuns,
  CLAIM_RUNS,
  judgeRuns,
  type RepeatedJudgement,
  WORST_RUN_MARGIN,
  worstAllowed,
  worstAndBest,
} from './runs.js';
export { DEFAULT_SAMPLING, QUICK_SAMPLING } from './sampling.js';
export {
  bootstrapMedian,
  createRandom,
  type Interval,
  logRatioToPercent,
  median,
  overheadInterval,
  pairedLogRatios,
  percentToLogRatio,
  speedupInterval,
} from './stats.js';
export {
  type CpuTimes,
  type CpuTimesReader,
  parseCpuLine,
  readCpuTimes,
  STEAL_LIMIT,
  stealShare,
} from './steal.js';
export {
  combineVerdicts,
  DEFAULT_BUDGET_PERCENT,
  type Direction,
  judge,
  judgeInterval,
  judgeLatency,
  judgeSpeedup,
  meets,
  type Verdict,
} from './verdict.js';
export { reportFromProcess, type Sample } from './workload.js';
