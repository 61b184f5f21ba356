import { describe, expect, it } from 'vitest';
import { repositoryFilesUrl } from '../src/workspace.js';

describe("a package's repository on the web", () => {
  it('is the GitHub blob address for the forms npm accepts', () => {
    const expected = 'https://github.com/ringkit/ringkit/blob/HEAD/';
    expect(repositoryFilesUrl({ url: 'git+https://github.com/ringkit/ringkit.git' })).toBe(
      expected,
    );
    expect(repositoryFilesUrl('https://github.com/ringkit/ringkit')).toBe(expected);
    expect(repositoryFilesUrl({ url: 'git@github.com:ringkit/ringkit.git' })).toBe(expected);
  });

  it('is null where there is none or it is not on GitHub, so links stay relative', () => {
    expect(repositoryFilesUrl(undefined)).toBeNull();
    expect(repositoryFilesUrl({ url: 'https://gitlab.com/o/r.git' })).toBeNull();
  });
});
