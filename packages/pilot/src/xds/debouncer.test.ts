import { Debouncer } from './debouncer.js';

describe('Debouncer', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('fires once, quietMs after the last of a burst', () => {
    const fire = jest.fn();
    const d = new Debouncer(100, 1000, fire);
    d.trigger();
    jest.advanceTimersByTime(50);
    d.trigger();
    jest.advanceTimersByTime(99);
    expect(fire).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(fire).toHaveBeenCalledTimes(1);
    expect(fire).toHaveBeenCalledWith(0, 2);
  });

  it('fires at maxMs after the first change while changes keep coming', () => {
    const fire = jest.fn();
    const d = new Debouncer(100, 300, fire);
    for (let t = 0; t < 300; t += 50) {
      d.trigger();
      jest.advanceTimersByTime(50);
    }
    expect(fire).toHaveBeenCalledTimes(1);
    expect(fire.mock.calls[0]![0]).toBe(0);
    d.stop();
  });

  it('does not fire after stop', () => {
    const fire = jest.fn();
    const d = new Debouncer(100, 1000, fire);
    d.trigger();
    d.stop();
    jest.advanceTimersByTime(2000);
    expect(fire).not.toHaveBeenCalled();
  });
});
