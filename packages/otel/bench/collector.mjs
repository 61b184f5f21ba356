// The other side of bench/exporting-pipeline.ts's exports, in a process of its own as Prometheus
// and an OTLP collector would be: an OTLP/HTTP receiver (its port printed on stdout) that discards
// what it is sent, and a scraper. The first stdin line is the Prometheus URL, scraped at once;
// each later 'scrape' line scrapes it again. Each scrape prints 'scraped' once its body is read,
// or why it failed.
import { Agent, createServer, get } from 'node:http';
import { createInterface } from 'node:readline';

const receiver = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.end());
});
receiver.listen(0, '127.0.0.1', () => console.log(receiver.address().port));

// node:http over a kept-alive connection, as Prometheus scrapes: fetch() (undici) went on
// compiling for hundreds of ms after its first use, on the CPU beside the pipeline's.
const agent = new Agent({ keepAlive: true });
let url;
const scrape = () =>
  get(url, { agent }, (response) => {
    response.resume();
    // A scrape that got no metrics (a wrong path, an error page) must not pass for one that did.
    const answer =
      response.statusCode === 200
        ? 'scraped'
        : `scrape of ${url} answered HTTP ${response.statusCode}`;
    response.on('end', () => console.log(answer));
  }).on('error', (error) => console.log(`scrape of ${url} failed: ${error.message}`));

createInterface({ input: process.stdin }).on('line', (line) => {
  url ??= line;
  scrape();
});
// The pipeline closing stdin ends the collector.
process.stdin.on('end', () => {
  agent.destroy();
  receiver.close();
  receiver.closeAllConnections();
});
