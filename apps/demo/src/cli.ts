/** What the command line asked for. */
export interface DemoOptions {
  /** 0: any free port. */
  readonly port: number;
  /** Whether --port was given (headless runs serve the dashboard only then). */
  readonly portGiven: boolean;
  readonly headless: boolean;
  /** Seconds to run, or null: until Ctrl-C. */
  readonly durationSeconds: number | null;
  readonly tracePath: string | null;
  readonly synthetic: boolean;
  /** --metrics-port: serve /metrics for Prometheus on 127.0.0.1 (0: any free port), or null. */
  readonly metricsPort: number | null;
  /** --otlp: push the metrics over OTLP/HTTP every second to this URL, or null. */
  readonly otlpUrl: string | null;
  readonly help: boolean;
}

export const DEFAULT_PORT = 7300;

export const USAGE = `ringkit demo: the whole pipeline, live.

  npm run demo [-- options]        (or: node apps/demo/dist/main.js [options])

  --port N         dashboard port on 127.0.0.1 (default ${DEFAULT_PORT}; 0: any free port)
  --headless       no browser: print the figures as a table every second
  --duration S     stop after S seconds (default: run until Ctrl-C)
  --trace FILE     write captured events and ring activity as a Chrome/Perfetto trace
  --synthetic      use the synthetic syscall source even where eBPF works
  --metrics-port N serve every ring's metrics for Prometheus at http://127.0.0.1:N/metrics
                   (0: any free port)
  --otlp URL       push the same metrics over OTLP/HTTP every second,
                   e.g. --otlp http://127.0.0.1:4318/v1/metrics
  --help           this text`;

/** A bad command line: its message is the one sentence the user sees. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const FLAGS = [
  '--port',
  '--headless',
  '--duration',
  '--trace',
  '--synthetic',
  '--metrics-port',
  '--otlp',
  '--help',
];

/** Parses the demo's flags; throws UsageError with one sentence for anything it cannot use. */
export function parseArguments(argv: readonly string[]): DemoOptions {
  let port = DEFAULT_PORT;
  let portGiven = false;
  let headless = false;
  let durationSeconds: number | null = null;
  let tracePath: string | null = null;
  let synthetic = false;
  let metricsPort: number | null = null;
  let otlpUrl: string | null = null;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!;
    const equals = argument.indexOf('=');
    const flag = argument.startsWith('--') && equals > 0 ? argument.slice(0, equals) : argument;
    const inline = flag === argument ? undefined : argument.slice(equals + 1);
    const value = (what: string): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--'))
        throw new UsageError(`${flag} needs ${what}, e.g. ${flag} ${EXAMPLES[flag] ?? '10'}.`);
      i++;
      return next;
    };
    const noValue = () => {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value, got ${argument}.`);
    };
    switch (flag) {
      case '--port': {
        const text = value('a port number');
        port = Number(text);
        if (!/^\d+$/.test(text) || port > 65_535)
          throw new UsageError(
            `--port must be a whole number from 0 to 65535 (0: any free port), got ${JSON.stringify(text)}.`,
          );
        portGiven = true;
        break;
      }
      case '--headless':
        noValue();
        headless = true;
        break;
      case '--duration': {
        const text = value('a number of seconds');
        durationSeconds = Number(text);
        if (text.trim() === '' || !Number.isFinite(durationSeconds) || durationSeconds <= 0)
          throw new UsageError(
            `--duration must be a number of seconds greater than 0, got ${JSON.stringify(text)}.`,
          );
        break;
      }
      case '--trace':
        tracePath = value('a file to write');
        if (tracePath === '')
          throw new UsageError('--trace needs a file to write, e.g. --trace trace.json.');
        break;
      case '--synthetic':
        noValue();
        synthetic = true;
        break;
      case '--metrics-port': {
        const text = value('a port number');
        metricsPort = Number(text);
        if (!/^\d+$/.test(text) || metricsPort > 65_535)
          throw new UsageError(
            `--metrics-port must be a whole number from 0 to 65535 (0: any free port), got ${JSON.stringify(text)}.`,
          );
        break;
      }
      case '--otlp':
        otlpUrl = value('an OTLP/HTTP metrics URL');
        if (!isHttpUrl(otlpUrl))
          throw new UsageError(
            `--otlp must be an http:// or https:// URL, e.g. --otlp ${EXAMPLES['--otlp']}, got ${JSON.stringify(otlpUrl)}.`,
          );
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new UsageError(
          argument.startsWith('-')
            ? `unknown flag ${flag}: the demo takes ${FLAGS.join(', ')}.`
            : `unexpected argument ${JSON.stringify(argument)}: the demo takes only flags (${FLAGS.join(', ')}).`,
        );
    }
  }
  return {
    port,
    portGiven,
    headless,
    durationSeconds,
    tracePath,
    synthetic,
    metricsPort,
    otlpUrl,
    help,
  };
}

/** What a usage sentence shows as a flag's value when it is missing. */
const EXAMPLES: Readonly<Record<string, string>> = {
  '--trace': 'trace.json',
  '--otlp': 'http://127.0.0.1:4318/v1/metrics',
};

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
