import { describe, expect, it } from 'vitest';
import { DEFAULT_BUDGET_PERCENT, judge, judgeSpeedup } from '../src/verdict.js';

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
