import type { AdapterHandler, ConfigResource, MixerAdapter } from '@mesh/shared-api';
import type { Logger } from '@mesh/runtime';
import { BUILTIN_ADAPTERS } from '../adapters/builtin.js';
import { loadAdapterPackage } from '../adapters/plugin-loader.js';
import { buildMixerConfig, EMPTY_MIXER_CONFIG } from '../model/mixer-config.js';
import type { HandlerConfig, MixerConfig } from '../model/mixer-config.js';
import { Dispatcher } from './dispatcher.js';
import type { DispatchHooks } from './dispatcher.js';

/** Options of a {@link MixerRuntime}. */
export interface MixerRuntimeOptions {
  logger: Logger;
  /** Directories searched for adapter packages (MESH_MIXER_ADAPTER_PATH). */
  adapterPath: readonly string[];
  /** Rules in this namespace apply mesh-wide (Istio's config default namespace). */
  defaultNamespace: string;
  /** Process-level values adapters may read (AdapterEnv.settings). */
  adapterSettings: Readonly<Record<string, string | undefined>>;
  /** Counts handler failures (metrics). */
  onHandlerError?: (handler: string, op: string) => void;
  /** Extra adapters by name (tests). */
  adapters?: ReadonlyMap<string, MixerAdapter>;
}

interface LiveHandler {
  readonly identity: string;
  readonly handler: AdapterHandler;
}

/**
 * Applies config states live: builds the model, creates handlers for new or changed handler
 * resources (reusing unchanged ones, so counters and connections survive unrelated changes),
 * swaps in a new {@link Dispatcher}, then closes handlers that are gone. Requests read the
 * dispatcher once, so a request never sees half a config.
 */
export class MixerRuntime implements DispatchHooks {
  private live = new Map<string, LiveHandler>();
  private current: Dispatcher;
  private applying: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  /** Handler resources that could not be built, and why. */
  private handlerProblems: string[] = [];

  constructor(private readonly opts: MixerRuntimeOptions) {
    this.log = opts.logger;
    this.current = new Dispatcher(EMPTY_MIXER_CONFIG, () => undefined, this, opts.defaultNamespace);
  }

  /** The dispatcher in force. */
  get dispatcher(): Dispatcher {
    return this.current;
  }

  /** What is configured, and what was left out (for /debug/config). */
  describe(): object {
    const c = this.current.config;
    return {
      handlers: [...c.handlers.values()].map((h) => ({ name: h.fqn, adapter: h.adapter, live: this.live.has(h.fqn) })),
      instances: [...c.instances.values()].map((i) => ({ name: i.fqn, template: i.template })),
      rules: c.rules.map((r) => ({ name: r.fqn, match: r.match?.source ?? '', actions: r.actions.map((a) => ({ handler: a.handler, instances: a.instances.map((i) => i.fqn) })) })),
      problems: [...c.problems, ...this.handlerProblems],
    };
  }

  /** Applies a full config state; calls are serialized. */
  apply(resources: Iterable<ConfigResource>): Promise<void> {
    const list = [...resources];
    this.applying = this.applying.then(() => this.doApply(list));
    return this.applying;
  }

  private adapterFor(h: HandlerConfig): MixerAdapter {
    const extra = this.opts.adapters?.get(h.adapter);
    if (extra) return extra;
    if (h.builtin) {
      const a = BUILTIN_ADAPTERS.get(h.adapter);
      if (!a) throw new Error(`adapter "${h.adapter}" is not built into this Mixer (built in: ${[...BUILTIN_ADAPTERS.keys()].join(', ')})`);
      return a;
    }
    return BUILTIN_ADAPTERS.get(h.adapter) ?? loadAdapterPackage(h.adapter, this.opts.adapterPath);
  }

  private async doApply(resources: ConfigResource[]): Promise<void> {
    const config: MixerConfig = buildMixerConfig(resources);
    const next = new Map<string, LiveHandler>();
    const problems: string[] = [];
    // Only handlers some rule uses are built: an unused handler costs nothing (as in Mixer).
    const used = new Set(config.rules.flatMap((r) => r.actions.map((a) => a.handler)));
    for (const h of config.handlers.values()) {
      if (!used.has(h.fqn)) continue;
      const old = this.live.get(h.fqn);
      if (old && old.identity === h.identity) {
        next.set(h.fqn, old);
        continue;
      }
      try {
        const adapter = this.adapterFor(h);
        const invalid = adapter.validateParams?.(h.params) ?? [];
        if (invalid.length > 0) throw new Error(invalid.join('; '));
        const handler = await adapter.createHandler(h.params, {
          handlerName: h.fqn,
          logger: this.log.child({ handler: h.fqn, adapter: adapter.name }),
          settings: this.opts.adapterSettings,
        });
        next.set(h.fqn, { identity: h.identity, handler });
      } catch (err) {
        problems.push(`handler ${h.fqn}: ${(err as Error).message}`);
      }
    }
    const previous = this.live;
    this.live = next;
    this.handlerProblems = problems;
    this.current = new Dispatcher(config, (fqn) => next.get(fqn)?.handler, this, this.opts.defaultNamespace);
    for (const p of [...config.problems, ...problems]) this.log.warn({ problem: p }, 'Mixer config problem: left out');
    this.log.info({ handlers: next.size, instances: config.instances.size, rules: config.rules.length, problems: config.problems.length + problems.length }, 'Mixer config applied');
    for (const [fqn, old] of previous) {
      if (next.get(fqn) !== old) await this.closeHandler(fqn, old.handler);
    }
  }

  private async closeHandler(fqn: string, h: AdapterHandler): Promise<void> {
    try {
      await h.close?.();
    } catch (err) {
      this.log.warn({ err, handler: fqn }, 'handler failed to close');
    }
  }

  /** Prometheus text of every live handler that exposes metrics. */
  prometheusText(): string {
    let out = '';
    for (const { handler } of this.live.values()) out += handler.prometheusText?.() ?? '';
    return out;
  }

  /** Closes every handler. */
  async close(): Promise<void> {
    await this.applying;
    const live = this.live;
    this.live = new Map();
    this.current = new Dispatcher(EMPTY_MIXER_CONFIG, () => undefined, this, this.opts.defaultNamespace);
    for (const [fqn, l] of live) await this.closeHandler(fqn, l.handler);
  }

  handlerError(handler: string, op: 'check' | 'quota' | 'report', err: unknown): void {
    this.opts.onHandlerError?.(handler, op);
    this.log.warn({ err, handler, op }, 'adapter handler failed');
  }

  instanceError(instance: string, error: string): void {
    this.log.debug({ instance, error }, 'instance field left out');
  }
}
