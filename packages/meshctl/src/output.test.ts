import { clearingProgress, colours, outputFormat, renderTable, serialise, withProgress } from './output.js';

describe('output', () => {
  it('aligns tables on visible width, colour codes excluded', () => {
    const c = colours(true, {});
    expect(renderTable(['A', 'B'], [[c.green('ok'), 'x'], ['longer', 'y']])).toBe(`A        B\n${c.green('ok')}       x\nlonger   y\n`);
  });

  it.each([
    [false, {}, false],
    [true, {}, true],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
    [true, { TERM: 'dumb' }, false],
    [false, { FORCE_COLOR: '1' }, true],
  ])('colour on a TTY %s with env %j: %s', (tty, env, on) => expect(colours(tty, env).enabled).toBe(on));

  it('accepts -o json|yaml and names the choices otherwise', () => {
    expect(outputFormat(undefined)).toBe('table');
    expect(outputFormat('yaml')).toBe('yaml');
    expect(outputFormat('xml')).toEqual({ error: '-o xml: use json or yaml' });
    expect(serialise({ a: [1] }, 'yaml')).toBe('a:\n  - 1\n');
  });

  it('shows progress on a terminal only once the work takes longer than the threshold, then clears it', async () => {
    const written: string[] = [];
    const sink = { isTTY: true, write: (t: string) => void written.push(t) };
    expect(await withProgress(sink, 'quick', Promise.resolve(1), 200)).toBe(1);
    expect(written).toEqual([]);
    const slow = new Promise((r) => setTimeout(() => r('done'), 400));
    expect(await withProgress(sink, 'waiting for it', slow, 100)).toBe('done');
    expect(written.some((t) => t.includes('waiting for it'))).toBe(true);
    expect(written.at(-1)).toBe('\r\u001b[2K');
    // Output written while the spinner shows clears its line first.
    const screen: string[] = [];
    const tty = { isTTY: true, write: (t: string) => void screen.push(t) };
    const out = clearingProgress(tty, (t) => void screen.push(`OUT:${t}`));
    await withProgress(tty, 'busy', new Promise((r) => setTimeout(() => (out('line\n'), setTimeout(r, 50)), 150)), 20);
    expect(screen.indexOf('OUT:line\n')).toBeGreaterThan(0);
    expect(screen[screen.indexOf('OUT:line\n') - 1]).toBe('\r\u001b[2K');
    out('after\n');
    expect(screen.at(-1)).toBe('OUT:after\n');
    expect(screen.at(-2)).toBe('\r\u001b[2K');
    const quiet: string[] = [];
    await withProgress({ isTTY: false, write: (t) => void quiet.push(t) }, 'x', new Promise((r) => setTimeout(r, 300)), 50);
    expect(quiet).toEqual([]);
  });
});
