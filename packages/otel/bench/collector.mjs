// The other side of bench/pipeline.mjs's exports, in a process of its own as Prometheus and an
// OTLP collector would be: an OTLP/HTTP receiver (its port printed on stdout) that discards what
// it is sent, and, once a Prometheus URL arrives on stdin, a scrape of it every second.
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';

const receiver = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.end());
});
receiver.listen(0, '127.0.0.1', () => console.log(receiver.address().port));

let scraper;
createInterface({ input: process.stdin }).on('line', async (url) => {
  const scrape = () => fetch(url).then((response) => response.text());
  await scrape();
  console.log('scraped');
  scraper = setInterval(scrape, 1000);
});
// The pipeline closing stdin ends the collector.
process.stdin.on('end', () => {
  clearInterval(scraper);
  receiver.close();
  receiver.closeAllConnections();
});
