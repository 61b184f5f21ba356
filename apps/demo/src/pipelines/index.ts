import type { PipelineDefinition } from '../pipeline.js';
import { createCommandRingPipeline } from './command-ring.js';
import { createCpuProfilePipeline } from './cpu-profile.js';
import { createDeviceLanesPipeline } from './device-lanes.js';
import { createSyscallsPipeline } from './syscalls.js';

/**
 * Every pipeline the demo runs, in start order. A new pipeline is one module
 * in this folder implementing Pipeline, and one line here; the dashboard and
 * the headless table show whatever its snapshot reports.
 */
export const pipelines: readonly PipelineDefinition[] = [
  { id: 'syscalls', create: createSyscallsPipeline },
  { id: 'device-lanes', create: createDeviceLanesPipeline },
  { id: 'command-ring', create: createCommandRingPipeline },
  { id: 'cpu-profile', create: createCpuProfilePipeline },
];
