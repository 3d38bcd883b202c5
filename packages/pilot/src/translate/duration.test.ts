import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['10s', { seconds: 10 }],
    ['1.5s', { seconds: 1, nanos: 500_000_000 }],
    ['100ms', { seconds: 0, nanos: 100_000_000 }],
    ['1h30m', { seconds: 5400 }],
    ['2m0.25s', { seconds: 120, nanos: 250_000_000 }],
    ['0', { seconds: 0 }],
    ['250us', { seconds: 0, nanos: 250_000 }],
  ])('parses %s', (text, expected) => {
    expect(parseDuration(text)).toEqual(expected);
  });

  it.each(['', '10', 's', '-1s', '1x', '1s garbage'])('rejects %p', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
