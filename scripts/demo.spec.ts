import { USAGE, parseOptions } from './demo';

describe('npm run demo: its command line', () => {
  it('takes the documented options with their defaults, and answers anything else with what is wrong and the usage', () => {
    expect(parseOptions([])).toEqual({ url: new URL('http://localhost:3000'), people: 300, seed: 1, concurrency: 8 });
    expect(parseOptions(['--people', '40', '--url', 'http://127.0.0.1:3913'])).toMatchObject({ people: 40, url: new URL('http://127.0.0.1:3913') });
    expect(() => parseOptions(['--bogus'])).toThrow(`Unknown option '--bogus'\n${USAGE}`);
    expect(() => parseOptions(['--people', '0'])).toThrow('--people must be a positive integer');
    expect(() => parseOptions(['--url', 'http://example.com'])).toThrow(/only talks to a service on this machine/);
  });
});
