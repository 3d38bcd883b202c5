import { warningHeaderValues } from './warnings.js';

describe('warningHeaderValues', () => {
  it('writes 299 warnings with quotes and backslashes escaped, once each', () => {
    expect(warningHeaderValues(['plain', 'with "quotes" and \\', 'plain'])).toEqual(['299 - "plain"', '299 - "with \\"quotes\\" and \\\\"']);
  });

  it('turns control characters into spaces and sends UTF-8 bytes', () => {
    const [v] = warningHeaderValues(['line\nbreak ✓']);
    expect(Buffer.from(v!, 'latin1').toString('utf8')).toBe('299 - "line break ✓"');
  });

  it('truncates long warnings and caps the total', () => {
    const [one] = warningHeaderValues(['x'.repeat(10_000)]);
    expect(one!.length).toBeLessThan(4200);
    const many = warningHeaderValues(Array.from({ length: 100 }, (_, i) => `${i}${'y'.repeat(1000)}`));
    expect(many.join('').length).toBeLessThan(13 * 1024);
    expect(many[many.length - 1]).toMatch(/more warnings were not sent/);
  });
});
