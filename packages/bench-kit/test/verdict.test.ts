import { describe, expect, it } from 'vitest';
import {
  combineVerdicts,
  DEFAULT_BUDGET_PERCENT,
  judge,
  judgeInterval,
  judgeLatency,
  judgeSpeedup,
} from '../src/verdict.js';

describe('verdict against a budget', () => {
  it('defaults the budget to 8%', () => {
    expect(DEFAULT_BUDGET_PERCENT).toBe(8);
  });

  it('fails when the whole interval is over budget', () => {
    expect(judge({ low: 8.01, high: 20 }, 8)).toBe('fail');
  });

  it('is not a failure when the lower bound sits exactly on the budget', () => {
    expect(judge({ low: 8, high: 20 }, 8)).toBe('inconclusive');
  });

  it('passes when the whole interval is under budget', () => {
    expect(judge({ low: -3, high: 7.99 }, 8)).toBe('pass');
  });

  it('is not a pass when the upper bound sits exactly on the budget', () => {
    expect(judge({ low: -3, high: 8 }, 8)).toBe('inconclusive');
  });

  it('is inconclusive when the interval straddles the budget', () => {
    expect(judge({ low: 5, high: 11 }, 8)).toBe('inconclusive');
  });

  it('passes a speed-up', () => {
    expect(judge({ low: -30, high: -10 }, 8)).toBe('pass');
  });

  it('judges against a zero budget', () => {
    expect(judge({ low: 0.5, high: 1 }, 0)).toBe('fail');
    expect(judge({ low: -1, high: -0.5 }, 0)).toBe('pass');
  });
});

describe('verdict against a required speedup', () => {
  it('passes when the whole interval is above the requirement', () => {
    expect(judgeSpeedup({ low: 30.01, high: 40 }, 30)).toBe('pass');
  });

  it('fails when the whole interval is below it', () => {
    expect(judgeSpeedup({ low: 20, high: 29.99 }, 30)).toBe('fail');
  });

  it('is inconclusive when the interval touches or straddles it', () => {
    expect(judgeSpeedup({ low: 30, high: 40 }, 30)).toBe('inconclusive');
    expect(judgeSpeedup({ low: 20, high: 30 }, 30)).toBe('inconclusive');
    expect(judgeSpeedup({ low: 25, high: 35 }, 30)).toBe('inconclusive');
  });
});

describe('verdict against a target, either way', () => {
  it('judges a minimum (a throughput) as a speedup is judged', () => {
    expect(judgeInterval({ low: 1.1e6, high: 1.3e6 }, 1e6, 'atLeast')).toBe('pass');
    expect(judgeInterval({ low: 0.7e6, high: 0.9e6 }, 1e6, 'atLeast')).toBe('fail');
    expect(judgeInterval({ low: 0.9e6, high: 1.1e6 }, 1e6, 'atLeast')).toBe('inconclusive');
  });

  it('judges a bound (a latency) as an overhead is judged', () => {
    expect(judgeInterval({ low: 400, high: 900 }, 1000, 'atMost')).toBe('pass');
    expect(judgeInterval({ low: 1100, high: 1300 }, 1000, 'atMost')).toBe('fail');
    expect(judgeInterval({ low: 900, high: 1000 }, 1000, 'atMost')).toBe('inconclusive');
  });
});

describe('latency against its bounds', () => {
  const interval = { low: 400, high: 600 };

  it('has no verdict without a bound', () => {
    expect(judgeLatency(interval, 5000, null, null)).toBeNull();
  });

  it('fails on the p99 alone, even when the median passes', () => {
    expect(judgeLatency(interval, 5000, 1000, 4000)).toBe('fail');
    expect(judgeLatency(interval, 3000, 1000, 4000)).toBe('pass');
  });

  it('judges the p99 as a single figure: on the bound passes', () => {
    expect(judgeLatency(interval, 4000, null, 4000)).toBe('pass');
  });

  it('stays inconclusive while the median straddles its bound and the p99 passes', () => {
    expect(judgeLatency(interval, 3000, 500, 4000)).toBe('inconclusive');
  });
});

describe('combining verdicts', () => {
  it('lets any fail fail, then any inconclusive stay open, and ignores no-verdicts', () => {
    expect(combineVerdicts(['pass', 'inconclusive', 'fail'])).toBe('fail');
    expect(combineVerdicts(['pass', null, 'inconclusive'])).toBe('inconclusive');
    expect(combineVerdicts(['pass', null])).toBe('pass');
    expect(combineVerdicts([null])).toBeNull();
  });
});
