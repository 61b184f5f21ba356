#!/usr/bin/env node
// Kept outside dist/ so npm can link the bin before the package is built.
import { runCli } from '../dist/cli.js';

await runCli(process.argv.slice(2));
