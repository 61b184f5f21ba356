// The other side of bench/pipeline.mjs's exports, in a process of its own as Prometheus and an
// OTLP collector would be: an OTLP/HTTP receiver (its port printed on stdout) that discards what
// it is sent, and, once a Prometheus URL arrives on stdin, a scrape of it every second.
import { Agent, createServer, get } from 'node:http';
import { createInterface } from 'node:readline';

const receiver = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.end());
});
receiver.listen(0, '127.0.0.1', () => console.log(receiver.address().port));

// node:http with a kept-alive connection, as Prometheus scrapes: fetch() (undici) went on
// compiling for hundreds of ms after its first use, on the CPU next to the pipeline's.
const agent = new Agent({ keepAlive: true });
let scraper;
createInterface({ input: process.stdin }).on('line', async (url) => {
  const scrape = () =>
    new Promise((resolve, reject) => {
      get(url, { agent }, (response) => {
        response.resume();
        response.on('end', resolve);
      }).on('error', reject);
    });
  await scrape();
  console.log('scraped');
  scraper = setInterval(scrape, 1000);
});
// The pipeline closing stdin ends the collector.
process.stdin.on('end', () => {
  clearInterval(scraper);
  agent.destroy();
  receiver.close();
  receiver.closeAllConnections();
});
