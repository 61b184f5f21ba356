#!/usr/bin/env node
// Every package's postpack: removes the LICENSE that prepack.mjs copied in, so the
// repository keeps one license file (the root one).
import { rmSync } from 'node:fs';
import { join } from 'node:path';

rmSync(join(process.cwd(), 'LICENSE'), { force: true });
